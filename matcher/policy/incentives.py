"""The one evaluator of incentive eligibility. Everything that shows or uses an incentive
(posting flags, the posting index, match flags, the ranking feature, the feed, the report)
asks this module, so they cannot disagree.

A policy's rule has two sides. The posting side (key project, area, occupation, commitment)
decides whether a posting carries the policy; the candidate side (grade, where the candidate
moves from) decides whether a given candidate would receive it there. Each part that the
policy sets yields one ``Check``; a policy is granted when it is in force and every check
passes. Unset parts do not restrict and yield no check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from matcher.policy.incentive_models import (
    Area,
    CheckOut,
    Grant,
    MovingFrom,
    Policy,
    PolicyStatus,
    PostingIncentive,
    Unit,
)
from matcher.taxonomy.grades import SkillGrade
from matcher.taxonomy.regions import RegionCatalog

Doc = Mapping[str, Any]


@dataclass(frozen=True)
class Check:
    rule: str  # key_project, area, occupation, commitment, grade, moving_from, in_force
    passed: bool
    detail: str  # Chinese

    def out(self) -> CheckOut:
        return CheckOut(rule=self.rule, passed=self.passed, detail=self.detail)


def in_force(policy: Policy, day: date) -> bool:
    """Active (not retired) and inside its validity period on ``day``."""
    return (
        policy.status is PolicyStatus.ACTIVE
        and policy.valid_from <= day
        and (policy.valid_until is None or day <= policy.valid_until)
    )


def _in_force_check(policy: Policy, day: date) -> Check:
    if policy.status is PolicyStatus.RETIRED:
        return Check("in_force", False, "政策已废止")
    if day < policy.valid_from:
        return Check("in_force", False, f"政策自{policy.valid_from}起施行")
    if policy.valid_until is not None and day > policy.valid_until:
        return Check("in_force", False, f"政策已于{policy.valid_until}到期")
    return Check("in_force", True, "政策在有效期内")


def _region_name(regions: RegionCatalog, code: str | None) -> str:
    region = regions.get(code) if code else None
    return region.name if region else (code or "未知地区")


def _project_check(posting: Doc, project_ids: Sequence[str]) -> Check:
    """A key project counts only when an office or admin linked the posting to a registered
    one (``key_project_id``); a name the enterprise wrote is a claim until then."""
    name = (posting.get("key_project") or {}).get("name")
    linked = posting.get("key_project_id")
    if linked and name:
        if project_ids and linked not in project_ids:
            return Check("key_project", False, f"重点建设项目“{name}”不在本政策列明的项目内")
        return Check("key_project", True, f"重点建设项目：{name}（已登记）")
    if name:
        return Check("key_project", False, f"“{name}”尚未登记核实为重点建设项目")
    return Check("key_project", False, "非重点建设项目")


def posting_checks(policy: Policy, posting: Doc, regions: RegionCatalog) -> list[Check]:
    """The posting side of the rule, one check per part the policy sets."""
    rule = policy.eligibility
    checks = []
    if rule.key_project:
        checks.append(_project_check(posting, rule.project_ids))
    where = posting.get("region_code")
    place = _region_name(regions, where)
    if rule.area is Area.CONFIGURED_REMOTE:
        remote = bool(where) and regions.is_remote(str(where))
        checks.append(
            Check("area", remote, f"{place}属边远地区" if remote else f"{place}不在边远地区名单内")
        )
    elif rule.area is Area.LISTED:
        listed = bool(where) and any(regions.within(str(where), c) for c in rule.county_codes)
        detail = f"{place}在政策列明的地区内" if listed else f"{place}不在政策列明的地区内"
        checks.append(Check("area", listed, detail))
    if rule.occupation_codes:
        code = posting.get("occupation_code")
        hit = next((c for c in rule.occupation_codes if code and _covers(c, str(code))), None)
        checks.append(
            Check(
                "occupation",
                hit is not None,
                f"职业{code}属政策范围（{hit}）" if hit else f"职业{code or '未知'}不在政策范围内",
            )
        )
    if rule.min_commitment_months:
        need = rule.min_commitment_months
        months = posting.get("contract_months")
        if months is None:
            checks.append(Check("commitment", True, f"须承诺服务满{need}个月（岗位未注明期限）"))
        else:
            ok = int(months) >= need
            checks.append(
                Check(
                    "commitment",
                    ok,
                    f"岗位服务期{months}个月，政策要求至少{need}个月",
                )
            )
    return checks


def _covers(rule_code: str, code: str) -> bool:
    return code == rule_code or code.startswith(rule_code + "-")


def candidate_checks(
    policy: Policy, posting: Doc, profile: Doc, regions: RegionCatalog
) -> list[Check]:
    """The candidate side of the rule for this posting."""
    rule = policy.eligibility
    checks = []
    if rule.min_grade is not None:
        need = SkillGrade(int(rule.min_grade))
        # The certified grade: an award's one-grade-up (破格) is for ranking, not for money.
        held = profile.get("skill_level")
        ok = held is not None and int(held) <= int(need)
        label = SkillGrade(int(held)).zh_name if held is not None else "无等级证书"
        checks.append(Check("grade", ok, f"技能等级{label}，政策要求{need.zh_name}及以上"))
    if rule.moving_from is not MovingFrom.ANY:
        home, where = profile.get("region_code"), posting.get("region_code")
        if rule.moving_from is MovingFrom.OTHER_CITY:
            ok = bool(home and where) and (regions.city_of(str(home)) or home) != (
                regions.city_of(str(where)) or where
            )
            detail = "从其他盟市流动" if ok else "与岗位同一盟市，不属跨盟市流动"
        else:
            ok = bool(home and where) and regions.province_of(str(home)) != regions.province_of(
                str(where)
            )
            detail = "从区外流动" if ok else "与岗位同在区内，不属区外引进"
        checks.append(Check("moving_from", ok, detail))
    return checks


def candidates_in_words(policy: Policy) -> list[str]:
    """Who a posting's policy pays, for posting flags (Chinese)."""
    rule = policy.eligibility
    words = []
    if rule.min_grade is not None:
        words.append(f"技能等级{SkillGrade(int(rule.min_grade)).zh_name}及以上")
    if rule.moving_from is MovingFrom.OTHER_CITY:
        words.append("从其他盟市（或区外）流动而来")
    elif rule.moving_from is MovingFrom.OUTSIDE_REGION:
        words.append("从区外流动而来")
    return words or ["所有到岗人员"]


def covers_in_words(policy: Policy) -> list[str]:
    """The whole rule in words, for the policy listing."""
    rule = policy.eligibility
    words = []
    if rule.key_project:
        listed = f"（限{len(rule.project_ids)}个列明项目）" if rule.project_ids else ""
        words.append(f"已登记的重点建设项目岗位{listed}")
    if rule.area is Area.CONFIGURED_REMOTE:
        words.append("位于边远地区（配置名单）")
    elif rule.area is Area.LISTED:
        words.append(f"位于{len(rule.county_codes)}个列明旗县区")
    if rule.occupation_codes:
        words.append(f"职业：{'、'.join(rule.occupation_codes)}")
    return words + candidates_in_words(policy) + conditions(policy)


def conditions(policy: Policy) -> list[str]:
    months = policy.eligibility.min_commitment_months
    return [f"须在项目服务满{months}个月"] if months else []


def totals(policy: Policy) -> tuple[int, int]:
    """(元/月, one-off 元) of a policy's money benefits."""
    monthly = sum(b.amount or 0 for b in policy.benefits if b.unit is Unit.YUAN_PER_MONTH)
    once = sum(b.amount or 0 for b in policy.benefits if b.unit is Unit.YUAN_ONCE)
    return monthly, once


def posting_applies(policy: Policy, posting: Doc, regions: RegionCatalog) -> bool:
    """The posting side holds (validity dates aside: the posting index stores this, and
    queries restrict it to policies in force on the day)."""
    return policy.status is PolicyStatus.ACTIVE and all(
        c.passed for c in posting_checks(policy, posting, regions)
    )


def indexed_policy_ids(
    policies: Iterable[Policy], posting: Doc, regions: RegionCatalog
) -> list[str]:
    """What the postings index stores in ``incentive_policy_ids``."""
    return sorted(p.policy_id for p in policies if posting_applies(p, posting, regions))


def applicable(
    policies: Sequence[Policy], posting: Doc, *, day: date, regions: RegionCatalog
) -> list[Policy]:
    """The policies in force whose posting side this posting meets: computed once per
    posting, it spares ranking the posting checks for every candidate of that posting."""
    return [
        p
        for p in policies
        if in_force(p, day) and all(c.passed for c in posting_checks(p, posting, regions))
    ]


def posting_flags(
    policies: Sequence[Policy], posting: Doc, *, day: date, regions: RegionCatalog
) -> list[PostingIncentive]:
    """The policies in force that apply to this posting, and for which kind of candidate."""
    flags = []
    for policy in policies:
        if not in_force(policy, day):
            continue
        checks = posting_checks(policy, posting, regions)
        if not all(c.passed for c in checks):
            continue
        monthly, once = totals(policy)
        flags.append(
            PostingIncentive(
                policy_id=policy.policy_id,
                version=policy.version,
                name=policy.name,
                authority=policy.authority,
                benefits=policy.benefits,
                monthly_total=monthly,
                one_off_total=once,
                posting_rule=[c.out() for c in checks],
                candidates=candidates_in_words(policy),
                conditions=conditions(policy),
                valid_until=policy.valid_until,
            )
        )
    return flags


def evaluate(
    policy: Policy, posting: Doc, profile: Doc, *, day: date, regions: RegionCatalog
) -> list[Check]:
    """Every check of one policy for one pair; granted when all pass."""
    return [
        _in_force_check(policy, day),
        *posting_checks(policy, posting, regions),
        *candidate_checks(policy, posting, profile, regions),
    ]


def grants(
    policies: Sequence[Policy], posting: Doc, profile: Doc, *, day: date, regions: RegionCatalog
) -> list[Grant]:
    """The incentives this candidate would receive for this posting, each with its rule.
    Same verdicts as ``evaluate``; stops at the first failing side (it runs per ranked pair)."""
    out = []
    for policy in policies:
        if not in_force(policy, day):
            continue
        checks = posting_checks(policy, posting, regions)
        if not all(c.passed for c in checks):
            continue
        checks += candidate_checks(policy, posting, profile, regions)
        if not all(c.passed for c in checks):
            continue
        monthly, once = totals(policy)
        out.append(
            Grant(
                policy_id=policy.policy_id,
                version=policy.version,
                name=policy.name,
                authority=policy.authority,
                benefits=policy.benefits,
                monthly_total=monthly,
                one_off_total=once,
                granted_by=[c.out() for c in [_in_force_check(policy, day), *checks]],
                conditions=conditions(policy),
                valid_until=policy.valid_until,
            )
        )
    return out


def first_year_value(granted: Iterable[Grant]) -> int:
    """元 in the first year: twelve months of allowances plus the one-off payments. The feed
    ranks by it; in-kind benefits (housing in kind, priority, transfer help) count nothing."""
    return sum(12 * g.monthly_total + g.one_off_total for g in granted)
