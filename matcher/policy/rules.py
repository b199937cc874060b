"""The hard rules as Python checks over a pair of stored records: each says whether it
passed, in words, and what would close a failed one (training, appraisal, a certificate).

Their Elasticsearch twin is ``matcher.store.rule_filters`` (so candidates that break a rule
are never retrieved); the tests hold the two to the same verdicts. The rules (docs/domain.md):
- records active; postings inside their validity dates and with open headcount;
- grade at or above the posting's required grade (a recognised award counts one grade up);
- employment-access occupations: a valid certificate that meets the occupation's access rule;
- certificates a posting marks mandatory, and every special-operation or special-equipment
  permit it asks for: held and not expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from indexes.documents import PostingDoc, ProfileDoc
from matcher.store.queries import is_active_profile, is_open_posting
from matcher.taxonomy.certificates import (
    is_hard,
    requirement_key,
    valid_cert_keys,
    valid_permit_codes,
)
from matcher.taxonomy.grades import SkillGrade
from matcher.taxonomy.occupations import OccupationCatalog


@dataclass(frozen=True)
class RuleResult:
    rule: str  # machine name
    passed: bool
    detail: str  # Chinese, for the seeker or the desk
    next_step: str | None = None
    # Not yet checkable: what the rule needs was not given (a walk-in's grade not yet entered).
    # Neither passed nor failed; staff verify it before they refer.
    pending: bool = False


def check(
    posting: PostingDoc,
    profile: ProfileDoc,
    day: date,
    catalog: OccupationCatalog,
) -> list[RuleResult]:
    """Every hard rule for this pair, passed or not, with what would close a failed one."""
    results = [
        RuleResult("profile_active", is_active_profile(profile), "求职者档案处于有效状态"),
        RuleResult("posting_open", is_open_posting(posting, day), "岗位在有效期内且仍有空缺"),
    ]
    required = posting.get("required_level")
    if required:
        need = SkillGrade(int(required))
        level = profile.get("effective_level")
        passed = level is not None and int(level) <= int(required)
        bonus = "（含获奖破格一级）" if profile.get("award_bonus") and passed else ""
        results.append(
            RuleResult(
                "grade",
                passed,
                f"技能等级要求{need.zh_name}及以上{bonus}",
                None
                if passed
                else f"参加{need.zh_name}职业技能等级认定（职业技能鉴定），取得证书后即可匹配",
            )
        )
    code = posting.get("occupation_code")
    rule = catalog.access_rule(code) if code else None
    if rule is not None:
        passed = rule.code in valid_permit_codes(profile, day)
        results.append(
            RuleResult(
                "employment_access",
                passed,
                f"就业准入职业：须持有效的{rule.in_words}",
                None if passed else rule.how_to_obtain,
            )
        )
    keys = set(valid_cert_keys(profile, day))
    for requirement in posting.get("required_certificates", []):
        if not is_hard(requirement):
            continue
        passed = requirement_key(requirement) in keys
        results.append(
            RuleResult(
                "required_certificate",
                passed,
                f"岗位必备证书：{requirement['name']}",
                None
                if passed
                else f"参加{requirement['name']}的安全技术培训和考核，取得有效证书"
                "（已过期的须复审或重新考核）",
            )
        )
    return results
