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
    rank_pairs,
    score_pair,
)
from matcher.policy.rules import check
from matcher.privacy.limits import CANDIDATE_VIEWS, charge
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
    if mode != "knn":
        searches["bm25"] = repo.bm25(
            retrieval.text,
            filters=retrieval.filters,
            must_not=retrieval.must_not,
            boosts=retrieval.boosts,
            size=config.bm25_size,
        )
    if retrieval.vector is not None and mode != "bm25":
        searches["knn"] = repo.knn(
            retrieval.vector,
            filters=retrieval.filters,
            must_not=retrieval.must_not,
            k=config.knn_k,
            num_candidates=config.knn_num_candidates,
        )
    results = await asyncio.gather(*searches.values())
    lists = {
        name: [(h.id, h.doc, h.score) for h in hits]
        for name, hits in zip(searches, results, strict=True)
    }
    for name in ("bm25", "knn"):
        lists.setdefault(name, [])
    return fuse(lists, config.rrf_k)[: config.rerank_depth]


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
    posting = await svc.store.postings.get(posting_id, with_vector=True)
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
    code = posting.get("occupation_code")
    boosts = [{"term": {"occupation_codes": {"value": code, "boost": 3}}}] if code else []
    retrieval = Retrieval(
        posting.get("search_text", ""), posting.get("embedding"), filters, [], boosts
    )
    # The policies are read while the candidates are retrieved: no added wait.
    fused, policies = await asyncio.gather(
        retrieve(svc.store.profiles, retrieval, svc.ranking, mode), in_force_policies(svc, day)
    )
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
    boosts = [{"terms": {"occupation_code": profile.get("occupation_codes") or [], "boost": 3}}]
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
        retrieve(svc.store.postings, retrieval, svc.ranking), in_force_policies(svc, day)
    )
    ranked = rank_pairs(fused, pair=_with_profile(profile), context=pair_context(svc, policies))
    return ranked, (time.perf_counter() - started) * 1000


async def load_matchable_profile(
    svc: Services, principal: Principal, profile_id: str
) -> ProfileDoc:
    """The profile with its vector, if the principal may see its matches (else 404)."""
    profile = await svc.store.profiles.get(profile_id, with_vector=True)
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
    return Scored(posting_id, score, feats, contributions, gaps, rules, posting, grants=granted)


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
    shown = ranked[page.offset : page.offset + page.limit]
    view = view_for(principal)
    requests: dict[str, str] = {}
    if sees_candidate_view(principal):
        await charge(
            svc,
            principal,
            CANDIDATE_VIEWS,
            allowed=svc.settings.candidate_views_per_day,
            amount=len(shown),
        )
        requests = await svc.store.consents.statuses(
            posting_id=posting_id,
            enterprise_id=principal.subject,
            profile_ids=[s.record_id for s in shown],
        )
    weights = svc.ranking.weights
    matches = [
        ProfileMatch(
            profile_id=s.record_id,
            score=s.score,
            profile=profile_summary(redact_profile(s.source, view)),
            explanation=explanation(s, weights, view),
            incentives=s.grants,
            incentive_totals=incentive_totals(s.grants),
            contact_request=requests.get(s.record_id),
        )
        for s in shown
    ]
    return ProfileMatches(matches=matches, total=len(ranked), took_ms=round(took, 1))


def posting_match(scored: Scored, weights: Mapping[str, float]) -> PostingMatch:
    return PostingMatch(
        posting_id=scored.record_id,
        score=scored.score,
        posting=posting_summary(scored.source),
        explanation=explanation(scored, dict(weights)),
        incentives=scored.grants,
        incentive_totals=incentive_totals(scored.grants),
    )


async def posting_page(
    svc: Services, *, principal: Principal, profile_id: str, region: str | None, page: Page
) -> PostingMatches:
    """A page of a profile's matching postings."""
    check_depth(svc, principal, page)
    check_region(svc, principal, region)
    ranked, took = await matches_for_profile(
        svc, principal=principal, profile_id=profile_id, region=region
    )
    matches = [
        posting_match(s, svc.ranking.weights)
        for s in ranked[page.offset : page.offset + page.limit]
    ]
    return PostingMatches(matches=matches, total=len(ranked), took_ms=round(took, 1))


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
