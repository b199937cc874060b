"""Match explanations as plain Chinese for desk staff: why this match, which hard rules were
checked, what is missing and how to get it, and the incentive badges."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from matcher.policy.ranking import Scored
from matcher.policy.rules import RuleResult

FEATURE_NAMES = {
    "retrieval": "检索相关度",
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
        if feat.value >= _MIN_REASON and scored.contributions[name] > 0
    ]
    checks = [_check(r) for r in scored.rules]
    missing = [Missing(g.detail, g.next_step) for g in scored.gaps]
    missing += [
        Missing(f"未满足：{c.detail}", c.next_step) for c in checks if not c.passed and c.next_step
    ]
    top = "；".join(r.detail for r in reasons[:3] if r.name != FEATURE_NAMES["retrieval"])
    failed = [c for c in checks if not c.passed]
    trade = scored.summary or "职业无法判断，不能确认是否对口"
    if failed:
        summary = f"{trade}。暂不符合硬性条件：" + "；".join(c.detail for c in failed)
    else:
        # The trade first: passing every hard rule says nothing about whether it fits.
        summary = (
            f"{trade}。已核对{len(checks)}项硬性条件，全部满足。"
            f"推荐理由：{top or '与岗位描述相近'}。"
        )
    return Explained(summary, reasons, checks, missing, not failed)


def _check(rule: RuleResult) -> Check:
    return Check(rule.passed, rule.detail, rule.next_step)


def badges(incentives: Iterable[Mapping[str, Any]]) -> list[Badge]:
    """Incentive badges from whatever the match's ``incentives`` entries carry: a name (or
    title) and, when present, the amount or the rule that granted it."""
    out = []
    for item in incentives:
        label = str(
            item.get("name")
            or item.get("title")
            or item.get("policy_name")
            or item.get("kind")
            or "激励政策"
        )
        parts = [
            str(item[k])
            for k in ("amount_text", "summary", "description", "rule", "reason")
            if item.get(k)
        ]
        if not parts and item.get("amount") is not None:
            parts.append(f"{item['amount']}{item.get('unit', '元')}")
        out.append(Badge(label, "；".join(parts)))
    return out


def incentives_of(scored: Scored) -> list[Mapping[str, Any]]:
    """The incentives a match carries. The incentive policies fill them on the stored posting
    (or on the scored match); until they do, the list is empty and no badge shows."""
    found = getattr(scored, "incentives", None)
    if found is None:
        found = scored.source.get("incentives")
    return list(found or [])
