"""Match explanations as plain Chinese for desk staff: why this match, which hard rules were
checked, what is missing and how to get it, and the incentive badges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matcher.policy.incentive_models import Grant, PostingIncentive, Unit
from matcher.policy.ranking import Scored
from matcher.policy.rules import RuleResult

FEATURE_NAMES = {
    "retrieval": "内容相近",
    "occupation": "职业",
    "grade": "技能等级",
    "certificates": "证书",
    "skills": "技能",
    "experience": "经验",
    "wage": "薪酬",
    "location": "地点",
    "mobility_incentive": "流动意愿",
}
# Feature details worth saying as a reason only when the feature actually helped.
_MIN_REASON = 0.3


@dataclass(frozen=True)
class Reason:
    name: str
    detail: str
    share: int  # percent of the score


@dataclass(frozen=True)
class Check:
    passed: bool
    detail: str
    next_step: str | None
    pending: bool = False  # neither passed nor failed: staff verify it


@dataclass(frozen=True)
class Missing:
    detail: str
    next_step: str


@dataclass(frozen=True)
class Badge:
    label: str
    detail: str


@dataclass(frozen=True)
class Explained:
    summary: str
    reasons: list[Reason]
    checks: list[Check]
    missing: list[Missing]
    eligible: bool


def explain(scored: Scored) -> Explained:
    """The explanation of a scored pair, ready to print."""
    total = sum(scored.contributions.values()) or 1.0
    reasons = [
        Reason(
            FEATURE_NAMES.get(name, name),
            feat.detail,
            round(100 * scored.contributions[name] / total),
        )
        for name, feat in sorted(
            scored.features.items(), key=lambda item: -scored.contributions[item[0]]
        )
        if feat.reason and feat.value >= _MIN_REASON and scored.contributions[name] > 0
    ]
    checks = [_check(r) for r in scored.rules]
    missing = [Missing(g.detail, g.next_step) for g in scored.gaps]
    missing += [
        Missing(f"未满足：{c.detail}", c.next_step)
        for c in checks
        if not c.passed and not c.pending and c.next_step
    ]
    top = "；".join(r.detail for r in reasons[:3] if r.name != FEATURE_NAMES["retrieval"])
    failed = [c for c in checks if not c.passed and not c.pending]
    pending = [c for c in checks if c.pending]
    trade = scored.summary or "职业无法判断，不能确认是否对口"
    if failed:
        summary = f"{trade}。暂不符合硬性条件：" + "；".join(c.detail for c in failed)
    elif pending:
        summary = f"{trade}。待核实：" + "；".join(c.detail for c in pending)
    else:
        # The trade first: passing every hard rule says nothing about whether it fits.
        summary = (
            f"{trade}。已核对{len(checks)}项硬性条件，均符合。推荐理由：{top or '与岗位描述相近'}。"
        )
    return Explained(summary, reasons, checks, missing, not failed)


def _check(rule: RuleResult) -> Check:
    return Check(rule.passed, rule.detail, rule.next_step, rule.pending)


def incentive_badges(scored: Scored, posting: Mapping[str, Any] | None = None) -> list[Badge]:
    """What the worker would receive for taking this posting — the pair's grants, the same the
    API computes — in money and conditions: 「去东乌旗特高压项目每月多 1500 元；须在项目服务满
    12个月」. ``posting``: the posting of the pair when the scored record is the profile."""
    project = (posting if posting is not None else scored.source).get("key_project") or {}
    place = f"去{project['name']}" if project.get("name") else "到岗后"
    return [Badge(grant.name, f"{place}{grant_in_words(grant)}") for grant in scored.grants]


def grant_in_words(grant: Grant | PostingIncentive) -> str:
    """What the incentive gives and on what conditions: 「每月多 1500 元；须服务满 12 个月」."""
    gets = []
    if grant.monthly_total:
        gets.append(f"每月多 {grant.monthly_total} 元")
    if grant.one_off_total:
        gets.append(f"一次性补贴 {grant.one_off_total} 元")
    gets += [b.description for b in grant.benefits if b.unit is Unit.IN_KIND and b.description]
    text = "，".join(gets) or "可享受该政策"
    if grant.conditions:
        text += "；" + "；".join(grant.conditions)
    if grant.valid_until:
        text += f"（政策有效至{grant.valid_until:%Y年%-m月%-d日}）"
    return text
