"""Hard rules, written twice on purpose: as Elasticsearch filters (so candidates that break
them are never retrieved) and as Python checks (so an explanation can say which rule kept a
pair apart and what would close the gap). Tests hold the two to the same verdicts.

The rules (DOMAIN.md):
- records active; postings inside their validity dates and with open headcount;
- grade at or above the posting's required grade (a recognised award counts one grade up);
- employment-access occupations: a valid certificate that meets the occupation's access rule;
- certificates a posting marks mandatory, and every special-operation or special-equipment
  permit it asks for: held and not expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from matcher.taxonomy.certificates import certificate_key, covered_keys, is_valid_on
from matcher.taxonomy.grades import SkillGrade
from matcher.taxonomy.occupations import OccupationCatalog

HARD_CERTIFICATE_TYPES = frozenset({"special_operation", "special_equipment"})

Query = dict[str, Any]


def is_hard(requirement: Mapping[str, Any]) -> bool:
    return bool(requirement.get("mandatory")) or requirement.get("type") in HARD_CERTIFICATE_TYPES


@dataclass(frozen=True)
class RuleResult:
    rule: str  # machine name
    passed: bool
    detail: str  # Chinese, for the seeker or the desk
    next_step: str | None = None


def _not_expired(field: str, day: date) -> Query:
    return {
        "bool": {
            "should": [
                {"range": {field: {"gte": day.isoformat()}}},
                {"bool": {"must_not": {"exists": {"field": field}}}},
            ],
            "minimum_should_match": 1,
        }
    }


def valid_cert_keys(profile: Mapping[str, Any], day: date) -> list[str]:
    """The requirement keys the profile's valid certificates meet (see ``covered_keys``)."""
    return sorted(
        {
            key
            for c in profile.get("certificates", [])
            if is_valid_on(c, day)
            for key in (c.get("covers") or covered_keys(c["name"]))
        }
    )


def valid_permit_codes(profile: Mapping[str, Any], day: date) -> list[str]:
    return sorted({p["code"] for p in profile.get("permits", []) if is_valid_on(p, day)})


def profile_filters(posting: Mapping[str, Any], day: date) -> list[Query]:
    """Filters on the profiles index: candidates a posting may be matched with."""
    filters: list[Query] = [{"term": {"status": "active"}}]
    if posting.get("required_level"):
        filters.append({"range": {"effective_level": {"lte": int(posting["required_level"])}}})
    if posting.get("access_controlled") and posting.get("occupation_code"):
        filters.append(
            {
                "nested": {
                    "path": "permits",
                    "query": {
                        "bool": {
                            "filter": [
                                {"term": {"permits.code": posting["occupation_code"]}},
                                _not_expired("permits.expires_on", day),
                            ]
                        }
                    },
                }
            }
        )
    for requirement in posting.get("required_certificates", []):
        if is_hard(requirement):
            key = requirement.get("key") or certificate_key(requirement["name"])
            filters.append(
                {
                    "nested": {
                        "path": "certificates",
                        "query": {
                            "bool": {
                                "filter": [
                                    {"term": {"certificates.covers": key}},
                                    _not_expired("certificates.expires_on", day),
                                ]
                            }
                        },
                    }
                }
            )
    return filters


def posting_filters(profile: Mapping[str, Any], day: date) -> tuple[list[Query], list[Query]]:
    """(filter, must_not) on the postings index: postings a profile may be matched with."""
    today = day.isoformat()
    filters: list[Query] = [
        {"term": {"status": "active"}},
        {"range": {"open_headcount": {"gt": 0}}},
        {"bool": {"must_not": {"range": {"valid_from": {"gt": today}}}}},
        {"bool": {"must_not": {"range": {"valid_until": {"lt": today}}}}},
    ]
    level = profile.get("effective_level")
    if level is None:
        filters.append({"bool": {"must_not": {"exists": {"field": "required_level"}}}})
    else:
        filters.append({"bool": {"must_not": {"range": {"required_level": {"lt": int(level)}}}}})
    must_not: list[Query] = [
        {
            "bool": {
                "filter": [{"term": {"access_controlled": True}}],
                "must_not": [{"terms": {"occupation_code": valid_permit_codes(profile, day)}}],
            }
        },
        {
            "nested": {
                "path": "required_certificates",
                "query": {
                    "bool": {
                        "should": [
                            {"term": {"required_certificates.mandatory": True}},
                            {
                                "terms": {
                                    "required_certificates.type": sorted(HARD_CERTIFICATE_TYPES)
                                }
                            },
                        ],
                        "minimum_should_match": 1,
                        "must_not": [
                            {"terms": {"required_certificates.key": valid_cert_keys(profile, day)}}
                        ],
                    }
                },
            }
        },
    ]
    return filters, must_not


def check(
    posting: Mapping[str, Any],
    profile: Mapping[str, Any],
    day: date,
    catalog: OccupationCatalog,
) -> list[RuleResult]:
    """Every hard rule for this pair, passed or not, with what would close a failed one."""
    results = [
        RuleResult("profile_active", profile.get("status") == "active", "求职者档案处于有效状态"),
        RuleResult(
            "posting_open",
            posting.get("status") == "active"
            and (posting.get("valid_from") or day.isoformat()) <= day.isoformat()
            and (posting.get("valid_until") or day.isoformat()) >= day.isoformat()
            and int(posting.get("open_headcount", 1)) > 0,
            "岗位在有效期内且仍有空缺",
        ),
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
                f"就业准入职业：须持有效的{rule.all_names}",
                None if passed else rule.how_to_obtain,
            )
        )
    keys = set(valid_cert_keys(profile, day))
    for requirement in posting.get("required_certificates", []):
        if not is_hard(requirement):
            continue
        key = requirement.get("key") or certificate_key(requirement["name"])
        passed = key in keys
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
