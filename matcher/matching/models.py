"""What a match, a list of matches and the explanation of one pair look like to callers,
and how a scored pair becomes one (shared by the API, the opportunities feed and the desk)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from matcher.policy.incentive_models import Grant, IncentiveTotals
from matcher.policy.projection import View, feature_detail
from matcher.policy.ranking import Scored


class FeatureOut(BaseModel):
    value: float
    weight: float
    contribution: float
    detail: str


class RuleOut(BaseModel):
    rule: str
    passed: bool
    detail: str
    next_step: str | None


class GapOut(BaseModel):
    kind: str
    detail: str
    next_step: str


class Explanation(BaseModel):
    tier: str = Field(description="对口 (same occupation), 相近 (same minor group) or 不对口")
    tier_summary: str = Field(description="Why, in a sentence")
    score: float
    features: dict[str, FeatureOut]
    rules: list[RuleOut]
    gaps: list[GapOut]
    retrieval_ranks: dict[str, int | None]


class ProfileSummary(BaseModel):
    """What a match shows of a candidate: never contact details or certificate numbers; for
    an enterprise, ``region_code`` is the league-city (``matcher.policy.projection``)."""

    title: str
    occupation_codes: list[str]
    skill_level: int | None
    region_code: str
    city_code: str | None
    years_experience: float | None
    willing_to_relocate: bool
    skills: list[str]


class PostingSummary(BaseModel):
    title: str
    enterprise_name: str
    occupation_code: str | None
    required_level: int | None
    region_code: str
    wage_min: int | None
    wage_max: int | None
    key_project: dict[str, Any] | None


class PairExplanation(Explanation):
    incentives: list[Grant]
    incentive_totals: IncentiveTotals


class ProfileMatch(BaseModel):
    profile_id: str
    tier: str = Field(description="对口, 相近 or 不对口 (the last only when asked for)")
    score: float
    profile: ProfileSummary
    explanation: Explanation
    incentives: list[Grant] = Field(
        description="What this candidate would receive for this posting, each with its rule"
    )
    incentive_totals: IncentiveTotals
    contact_request: str | None = Field(
        default=None,
        description="For the posting's enterprise: the state of its contact request "
        "(pending, granted, declined, withdrawn), if it made one",
    )


class PostingMatch(BaseModel):
    posting_id: str
    tier: str = Field(description="对口, 相近 or 不对口 (the last only when asked for)")
    score: float
    posting: PostingSummary
    explanation: Explanation
    incentives: list[Grant] = Field(
        description="What this candidate would receive for this posting, each with its rule"
    )
    incentive_totals: IncentiveTotals


class ProfileMatches(BaseModel):
    matches: list[ProfileMatch]
    total: int
    took_ms: float
    left_out_unrelated: int = Field(
        default=0, description="不对口 candidates left out (include_unrelated=true shows them)"
    )
    next_steps: list[str] = Field(
        default_factory=list, description="When nothing fits: where to look instead"
    )


class PostingMatches(BaseModel):
    matches: list[PostingMatch]
    total: int
    took_ms: float
    left_out_unrelated: int = Field(
        default=0, description="不对口 postings left out (include_unrelated=true shows them)"
    )
    next_steps: list[str] = Field(
        default_factory=list, description="When nothing fits: where to look instead"
    )


def explanation(scored: Scored, weights: dict[str, float], view: View = View.FULL) -> Explanation:
    return Explanation(
        tier=scored.tier.value,
        tier_summary=scored.summary,
        score=scored.score,
        features={
            name: FeatureOut(
                value=round(feat.value, 4),
                weight=round(weights[name], 4),
                contribution=scored.contributions[name],
                detail=feature_detail(name, feat.detail, view),
            )
            for name, feat in scored.features.items()
        },
        rules=[
            RuleOut(rule=r.rule, passed=r.passed, detail=r.detail, next_step=r.next_step)
            for r in scored.rules
        ],
        gaps=[GapOut(**vars(g)) for g in scored.gaps],
        retrieval_ranks=dict(scored.ranks),
    )


def incentive_totals(granted: list[Grant]) -> IncentiveTotals:
    return IncentiveTotals(
        monthly=sum(g.monthly_total for g in granted),
        one_off=sum(g.one_off_total for g in granted),
    )
