"""The mobility-opportunities feed: for a seeker willing to relocate, the postings that carry
incentives this seeker would receive, passing every hard rule, ranked by match quality and
incentive value.

Candidates are the hard-rule filters of matching (grade, employment access, mandatory and
special-operation certificates: ``matcher.policy.rules``) plus "carries a policy in force";
matching's hybrid retrieval ranks the ones it finds and a plain filtered listing adds the
rest (retrieval feature 0), so a posting with no shared words is not lost. Each pair is then
scored by matching's re-ranker and granted by the incentive evaluator; only pairs with at
least one grant and every rule passed stay.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from matcher.foundation.principals import Principal
from matcher.incentives.service import in_force_policies
from matcher.matching.models import Explanation, PostingSummary, explanation, incentive_totals
from matcher.matching.service import (
    load_matchable_profile,
    pair_context,
    posting_summary,
    profile_retrieval,
    retrieve,
)
from matcher.policy.incentive_models import Grant, IncentiveTotals
from matcher.policy.incentives import first_year_value
from matcher.policy.ranking import Fused, rank_pairs
from matcher.policy.relevance import Tier
from matcher.services import Services
from matcher.store.base import Fetch
from matcher.store.queries import is_active_profile
from matcher.store.records import RETRIEVAL_EXCLUDES

# The feed's order: mostly how well the seeker fits the posting, then what moving pays.
MATCH_WEIGHT = 0.7
INCENTIVE_WEIGHT = 0.3
FEED_DEPTH = 200  # incentive postings considered per request
OPT_IN_HINT = (
    "您的档案未选择“愿意流动”。如愿意到边远地区重点建设项目工作，请在档案中将"
    "“愿意流动（willing_to_relocate）”设为是，即可查看可享受激励政策的岗位。"
)
INACTIVE_HINT = "您的档案当前未处于有效状态，恢复为有效后即可查看流动机会。"


class Opportunity(BaseModel):
    posting_id: str
    tier: str = Field(description="对口 or 相近: a posting of another trade is never offered")
    score: float = Field(description=f"{MATCH_WEIGHT} × match + {INCENTIVE_WEIGHT} × incentive")
    match_score: float
    incentive_value: int = Field(description="元 in the first year: 12 × monthly + one-off")
    incentive_score: float = Field(description="incentive_value ÷ the feed's largest")
    why: str
    posting: PostingSummary
    explanation: Explanation
    incentives: list[Grant]
    incentive_totals: IncentiveTotals


class Opportunities(BaseModel):
    willing_to_relocate: bool
    opportunities: list[Opportunity]
    total: int
    hint: str | None = None


async def opportunities(
    svc: Services, *, principal: Principal, profile_id: str, limit: int = 20
) -> Opportunities:
    """The feed for ``profile_id`` (its seeker, offices of its region, admins)."""
    profile = await load_matchable_profile(svc, principal, profile_id)
    willing = bool(profile.get("willing_to_relocate"))
    if not willing:
        return Opportunities(willing_to_relocate=False, opportunities=[], total=0, hint=OPT_IN_HINT)
    if not is_active_profile(profile):
        return Opportunities(
            willing_to_relocate=True, opportunities=[], total=0, hint=INACTIVE_HINT
        )
    today = svc.clock.today()
    policies = await in_force_policies(svc, today)
    if not policies:
        return Opportunities(willing_to_relocate=True, opportunities=[], total=0)
    carries = {"terms": {"incentive_policy_ids": [p.policy_id for p in policies]}}
    retrieval = profile_retrieval(profile, today, [carries])
    fused = await retrieve(svc.store.postings, retrieval, svc.ranking)
    found = {item.record_id for item in fused}
    listed, _, _ = await svc.store.postings.listing(
        Fetch(
            size=FEED_DEPTH,
            sort=[{"updated_at": "desc"}, {"id": "asc"}],
            exclude=RETRIEVAL_EXCLUDES,
        ),
        filters=retrieval.filters,
        must_not=retrieval.must_not,
    )
    fused += [
        Fused(hit.id, hit.doc, 0.0, {"bm25": None, "knn": None})
        for hit in listed
        if hit.id not in found
    ]
    scored = [
        s
        for s in rank_pairs(
            fused, pair=lambda source: (source, profile), context=pair_context(svc, policies)
        )
        # An incentive never lifts a posting of another trade into the feed.
        if s.grants and all(r.passed for r in s.rules) and s.tier is not Tier.UNRELATED
    ]
    values = {s.record_id: first_year_value(s.grants) for s in scored}
    top = max(values.values(), default=0) or 1
    weights = svc.ranking.weights
    items = []
    for s in scored:
        value = values[s.record_id]
        relative = value / top
        total = round(MATCH_WEIGHT * s.score + INCENTIVE_WEIGHT * relative, 6)
        items.append(
            Opportunity(
                posting_id=s.record_id,
                tier=s.tier.value,
                score=total,
                match_score=s.score,
                incentive_value=value,
                incentive_score=round(relative, 4),
                why=(
                    f"匹配度{s.score:.2f}×{MATCH_WEIGHT} + 激励首年价值{value}元"
                    f"（相对值{relative:.2f}）×{INCENTIVE_WEIGHT}；"
                    f"可享受：{'、'.join(g.name for g in s.grants)}"
                ),
                posting=posting_summary(s.source),
                explanation=explanation(s, weights),
                incentives=s.grants,
                incentive_totals=incentive_totals(s.grants),
            )
        )
    items.sort(key=lambda o: (-o.score, o.posting_id))
    return Opportunities(willing_to_relocate=True, opportunities=items[:limit], total=len(items))
