"""Matches in both directions, and the explanation of one pair (keyword-only functions).

Each direction retrieves under the hard-rule filters (``matcher.store.rule_filters``) by BM25
and by kNN at once, fuses the two lists by reciprocal rank and re-ranks the fused candidates
with explained features (``matcher.policy.ranking``). What a caller sees of each candidate
is decided here once: the enterprise's candidate view (redacted, charged to its daily
quota, with the state of its contact requests), everyone else's full view.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from indexes.documents import PostingDoc, ProfileDoc
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal
from matcher.foundation.problems import NotFound, ValidationFailed
from matcher.foundation.timing import stage, timed
from matcher.incentives.service import in_force_policies
from matcher.matching.models import (
    PairExplanation,
    PostingMatch,
    PostingMatches,
    PostingSummary,
    ProfileMatch,
    ProfileMatches,
    ProfileSummary,
    explanation,
    incentive_totals,
)
from matcher.policy.access import (
    candidate_scope,
    may_explain,
    may_match_posting,
    may_match_profile,
)
from matcher.policy.incentives import grants as incentive_grants
from matcher.policy.projection import (
    View,
    redact_profile,
    region_filter_error,
    sees_candidate_view,
    view_for,
)
from matcher.policy.ranking import (
    Fused,
    Pair,
    PairContext,
    RankingConfig,
    Scored,
    fuse,
    occupation_fit,
    rank_pairs,
    score_pair,
)
from matcher.policy.relevance import Tier, readings_of, summary
from matcher.policy.rules import check
from matcher.privacy.limits import charge_candidate_views
from matcher.services import Services
from matcher.store.queries import (
    Query,
    is_active_profile,
    is_open_posting,
    region_prefix,
    scope_filter,
)
from matcher.store.records import RecordRepository
from matcher.store.rule_filters import candidate_filters, posting_filters

Mode = Literal["hybrid", "bm25", "knn"]
MAX_DEPTH = 100  # offset + limit (= rerank_depth): nobody pages through the candidate base


@dataclass(frozen=True)
class Retrieval:
    """One retrieval request: the text and vector of the query record and the filters."""

    text: str
    vector: Sequence[float] | None
    filters: list[Query]
    must_not: list[Query]
    boosts: list[Query]


async def retrieve(
    repo: RecordRepository[Any], retrieval: Retrieval, config: RankingConfig, mode: Mode = "hybrid"
) -> list[Fused]:
    """BM25 and kNN under the same filters, fused by reciprocal rank, best first. ``mode``
    keeps one retriever only (for the evaluation benchmark's baselines)."""
    searches: dict[str, Any] = {}
    documents = await repo.document_count()  # the searches look further in a larger index
    if mode != "knn":
        searches["bm25"] = repo.bm25(
            retrieval.text,
            filters=retrieval.filters,
            must_not=retrieval.must_not,
            boosts=retrieval.boosts,
            size=config.bm25_size,
            max_share=config.keyword_share(documents),
        )
    if retrieval.vector is not None and mode != "bm25":
        depth = config.knn_depth(documents)
        searches["knn"] = repo.knn(
            retrieval.vector,
            filters=retrieval.filters,
            must_not=retrieval.must_not,
            k=config.knn_k,
            num_candidates=depth.num_candidates,
            oversample=depth.oversample,
        )
    results = await asyncio.gather(*searches.values())
    lists = {
        name: [(h.id, h.doc, h.score) for h in hits]
        for name, hits in zip(searches, results, strict=True)
    }
    for name in ("bm25", "knn"):
        lists.setdefault(name, [])
    with stage("fusion"):
        return fuse(lists, config.rrf_k)[: config.rerank_depth]


def occupation_boosts(readings: Sequence[tuple[str, float]], field: str) -> list[Query]:
    """BM25 boosts for the other side's records of the query record's occupations, each by
    how likely the reading is (a certain reading boosts as the single code did)."""
    return [
        {"term": {field: {"value": code, "boost": round(3 * p, 3)}}}
        for code, p in readings
        if p >= 0.05
    ]


def relevant(ranked: list[Scored], include_unrelated: bool) -> tuple[list[Scored], int]:
    """The ranked pairs a list shows: 不对口 ones left out unless asked for (then marked);
    and how many were left out."""
    if include_unrelated:
        return ranked, 0
    kept = [s for s in ranked if s.tier is not Tier.UNRELATED]
    return kept, len(ranked) - len(kept)


def pair_context(svc: Services, policies: Sequence[Any] = ()) -> PairContext:
    return PairContext(
        day=svc.clock.today(),
        regions=svc.taxonomy.regions,
        occupations=svc.taxonomy.occupations,
        config=svc.ranking,
        policies=policies,
    )


@dataclass(frozen=True)
class CandidateFilter:
    """What an office or enterprise narrows a posting's candidates to."""

    region: str | None = None
    min_level: int | None = None
    willing_to_relocate: bool = False
    include_unrelated: bool = False  # 不对口 candidates too, marked


async def matches_for_posting(
    svc: Services,
    *,
    principal: Principal,
    posting_id: str,
    narrow: CandidateFilter | None = None,
    mode: Mode = "hybrid",
) -> tuple[list[Scored], float]:
    """Ranked candidate profiles for a posting (its enterprise, offices of its region, admin)."""
    started = time.perf_counter()
    narrow = narrow or CandidateFilter()
    posting = await timed("read_record", svc.store.postings.get(posting_id, with_vector=True))
    if posting is None or not may_match_posting(principal, posting, svc.taxonomy.regions):
        raise NotFound(f"No posting {posting_id}")
    day = svc.clock.today()
    if not is_open_posting(posting, day):
        # Paused, closed, filled or outside its dates: it matches nobody.
        return [], (time.perf_counter() - started) * 1000
    filters = candidate_filters(posting, day) + scope_filter(candidate_scope(principal))
    if narrow.region:
        filters.append(region_prefix(narrow.region))
    if narrow.min_level:
        filters.append({"range": {"effective_level": {"lte": narrow.min_level}}})
    if narrow.willing_to_relocate:
        filters.append({"term": {"willing_to_relocate": True}})
    boosts = occupation_boosts(readings_of(posting, side="posting"), "occupation_codes")
    retrieval = Retrieval(
        posting.get("search_text", ""), posting.get("embedding"), filters, [], boosts
    )
    # The policies are read while the candidates are retrieved: no added wait.
    fused, policies = await asyncio.gather(
        retrieve(svc.store.profiles, retrieval, svc.ranking, mode),
        timed("incentives", in_force_policies(svc, day)),
    )
    with stage("rerank"):
        ranked = rank_pairs(
            fused,
            pair=_with_posting(posting),
            context=pair_context(svc, policies),
            city_level=sees_candidate_view(principal),
        )
    return ranked, (time.perf_counter() - started) * 1000


def _with_posting(posting: PostingDoc) -> Pair:
    return lambda source: (posting, source)


def _with_profile(profile: ProfileDoc) -> Pair:
    return lambda source: (source, profile)


def profile_retrieval(profile: ProfileDoc, day: Any, extra: Sequence[Query] = ()) -> Retrieval:
    """What a profile's postings are retrieved by: its text and vector under the hard rules,
    its occupations boosted."""
    filters, must_not = posting_filters(profile, day)
    boosts = occupation_boosts(readings_of(profile, side="profile"), "occupation_code")
    return Retrieval(
        profile.get("search_text", ""),
        profile.get("embedding"),
        [*filters, *extra],
        must_not,
        boosts,
    )


async def matches_for_profile(
    svc: Services, *, principal: Principal, profile_id: str, region: str | None = None
) -> tuple[list[Scored], float]:
    """Ranked postings for a profile (its seeker, offices of its region, admin)."""
    started = time.perf_counter()
    profile = await load_matchable_profile(svc, principal, profile_id)
    if not is_active_profile(profile):
        return [], (time.perf_counter() - started) * 1000
    day = svc.clock.today()
    retrieval = profile_retrieval(profile, day, [region_prefix(region)] if region else [])
    fused, policies = await asyncio.gather(
        retrieve(svc.store.postings, retrieval, svc.ranking),
        timed("incentives", in_force_policies(svc, day)),
    )
    with stage("rerank"):
        ranked = rank_pairs(fused, pair=_with_profile(profile), context=pair_context(svc, policies))
    return ranked, (time.perf_counter() - started) * 1000


async def load_matchable_profile(
    svc: Services, principal: Principal, profile_id: str
) -> ProfileDoc:
    """The profile with its vector, if the principal may see its matches (else 404)."""
    profile = await timed("read_record", svc.store.profiles.get(profile_id, with_vector=True))
    if profile is None or not may_match_profile(principal, profile, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    return profile


async def explain_pair(
    svc: Services, *, principal: Principal, profile_id: str, posting_id: str
) -> Scored:
    """Why a posting is or is not among a profile's matches (PIPL art. 24)."""
    profile = await load_matchable_profile(svc, principal, profile_id)
    posting = await svc.store.postings.get(posting_id, with_vector=True)
    if posting is None or not may_explain(principal, posting):
        raise NotFound(f"No posting {posting_id}")
    context = pair_context(svc, await in_force_policies(svc))
    granted = incentive_grants(
        context.policies, posting, profile, day=context.day, regions=context.regions
    )
    score, feats, contributions, gaps = score_pair(
        posting, profile, retrieval=0.0, context=context, grants=granted
    )
    rules = check(posting, profile, context.day, svc.taxonomy.occupations)
    trade = occupation_fit(posting, profile)
    return Scored(
        posting_id,
        score,
        feats,
        contributions,
        gaps,
        rules,
        posting,
        grants=granted,
        fit=trade,
        summary=summary(trade, svc.taxonomy.occupations),
    )


# What callers see: pages of matches, with the candidate view decided once, here.


def check_depth(svc: Services, principal: Principal, page: Page) -> None:
    """Nobody pages through the candidate base; enterprises stop sooner (a setting)."""
    depth = MAX_DEPTH
    if sees_candidate_view(principal) and svc.settings.enterprise_max_depth:
        depth = min(depth, svc.settings.enterprise_max_depth)
    if page.offset + page.limit > depth:
        raise ValidationFailed(
            "Paging too deep",
            [{"field": "offset", "message": f"offset + limit may be at most {depth}"}],
        )


def check_region(svc: Services, principal: Principal, region: str | None) -> None:
    regions = svc.taxonomy.regions
    if region and not regions.is_valid(region):
        raise ValidationFailed("Unknown region", [{"field": "region", "message": region}])
    refused = region_filter_error(principal, region, regions)
    if refused:
        raise ValidationFailed("Region too narrow", [{"field": "region", "message": refused}])


def profile_summary(source: Mapping[str, Any]) -> ProfileSummary:
    return ProfileSummary.model_validate(
        {k: source.get(k) for k in ProfileSummary.model_fields}
        | {
            "occupation_codes": source.get("occupation_codes") or [],
            "skills": source.get("skills") or [],
            "willing_to_relocate": bool(source.get("willing_to_relocate")),
        }
    )


def posting_summary(source: Mapping[str, Any]) -> PostingSummary:
    return PostingSummary.model_validate({k: source.get(k) for k in PostingSummary.model_fields})


def next_steps(
    svc: Services, code: str | None, *, side: str, narrowed: bool, willing: bool = True
) -> list[str]:
    """Where to look when nothing fits: the neighbouring occupations of the classification,
    a wider region, moving, and the training or appraisal that opens the trade."""
    catalog = svc.taxonomy.occupations
    steps = []
    if narrowed:
        steps.append("去掉地区或等级筛选，在更大的范围内查找")
    occupation = catalog.get(code) if code else None
    if occupation is not None:
        minor = code[:7] if code else ""
        siblings = [
            o.name for o in catalog.occupations() if o.code.startswith(minor) and o.code != code
        ][:4]
        if siblings:
            whom = "求职者" if side == "posting" else "岗位"
            steps.append(f"考虑相近职业的{whom}：{'、'.join(siblings)}")
        rule = catalog.access_rule(occupation.code)
        if rule is not None:
            steps.append(f"{occupation.name}属就业准入职业：{rule.how_to_obtain}")
        else:
            steps.append(f"参加{occupation.name}职业技能培训或技能等级认定，扩大可匹配的范围")
    if side == "profile" and not willing:
        steps.append("如愿意到外地工作，在档案中选择“愿意流动”，可看到其他盟市的岗位")
    if not steps:
        steps.append("完善职业信息（填写或确认职业代码）后再匹配")
    return steps


async def candidate_page(
    svc: Services,
    *,
    principal: Principal,
    posting_id: str,
    narrow: CandidateFilter,
    page: Page,
) -> ProfileMatches:
    """A page of a posting's candidates as the principal may see them. For an enterprise
    every candidate shown counts against its daily quota, each is redacted to the candidate
    view and carries the state of the enterprise's contact request."""
    check_depth(svc, principal, page)
    check_region(svc, principal, narrow.region)
    ranked, took = await matches_for_posting(
        svc, principal=principal, posting_id=posting_id, narrow=narrow
    )
    listed, left_out = relevant(ranked, narrow.include_unrelated)
    shown = listed[page.offset : page.offset + page.limit]
    view = view_for(principal)
    requests: dict[str, str] = {}
    if sees_candidate_view(principal):
        with stage("consent"):
            await charge_candidate_views(svc, principal, len(shown))
            requests = await svc.store.consents.statuses(
                posting_id=posting_id,
                enterprise_id=principal.subject,
                profile_ids=[s.record_id for s in shown],
            )
    weights = svc.ranking.weights
    with stage("explain"):
        matches = _profile_matches(shown, weights, view, requests)
    steps: list[str] = []
    if not any(s.tier is not Tier.UNRELATED for s in ranked):
        posting = await svc.store.postings.get(posting_id)
        code = (posting or {}).get("occupation_code")
        narrowed = bool(narrow.region or narrow.min_level or narrow.willing_to_relocate)
        steps = next_steps(svc, code, side="posting", narrowed=narrowed)
    return ProfileMatches(
        matches=matches,
        total=len(listed),
        took_ms=round(took, 1),
        left_out_unrelated=left_out,
        next_steps=steps,
    )


def _profile_matches(
    shown: Sequence[Scored],
    weights: dict[str, float],
    view: View,
    requests: Mapping[str, str],
) -> list[ProfileMatch]:
    return [
        ProfileMatch(
            profile_id=s.record_id,
            tier=s.tier.value,
            score=s.score,
            profile=profile_summary(redact_profile(s.source, view)),
            explanation=explanation(s, weights, view),
            incentives=s.grants,
            incentive_totals=incentive_totals(s.grants),
            contact_request=requests.get(s.record_id),
        )
        for s in shown
    ]


def posting_match(scored: Scored, weights: Mapping[str, float]) -> PostingMatch:
    return PostingMatch(
        posting_id=scored.record_id,
        tier=scored.tier.value,
        score=scored.score,
        posting=posting_summary(scored.source),
        explanation=explanation(scored, dict(weights)),
        incentives=scored.grants,
        incentive_totals=incentive_totals(scored.grants),
    )


async def posting_page(
    svc: Services, *, principal: Principal, profile_id: str, narrow: CandidateFilter, page: Page
) -> PostingMatches:
    """A page of a profile's matching postings (不对口 ones only when asked for)."""
    check_depth(svc, principal, page)
    check_region(svc, principal, narrow.region)
    ranked, took = await matches_for_profile(
        svc, principal=principal, profile_id=profile_id, region=narrow.region
    )
    listed, left_out = relevant(ranked, narrow.include_unrelated)
    with stage("explain"):
        matches = [
            posting_match(s, svc.ranking.weights)
            for s in listed[page.offset : page.offset + page.limit]
        ]
    steps: list[str] = []
    if not any(s.tier is not Tier.UNRELATED for s in ranked):
        profile = await svc.store.profiles.get(profile_id)
        codes = (profile or {}).get("occupation_codes") or []
        steps = next_steps(
            svc,
            codes[0] if codes else None,
            side="profile",
            narrowed=bool(narrow.region),
            willing=bool((profile or {}).get("willing_to_relocate")),
        )
    return PostingMatches(
        matches=matches,
        total=len(listed),
        took_ms=round(took, 1),
        left_out_unrelated=left_out,
        next_steps=steps,
    )


async def pair_explanation(
    svc: Services, *, principal: Principal, profile_id: str, posting_id: str
) -> PairExplanation:
    scored = await explain_pair(
        svc, principal=principal, profile_id=profile_id, posting_id=posting_id
    )
    base = explanation(scored, svc.ranking.weights)
    return PairExplanation(
        **dict(base), incentives=scored.grants, incentive_totals=incentive_totals(scored.grants)
    )
