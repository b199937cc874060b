"""Search: with text, keyword hits first and then the hits close in meaning above a floor,
each with its relevance tier (``matcher.search.reading``); without text, a filtered listing.
Totals are exact and facet counts always describe exactly the hits the search returns."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import anyio.to_thread

from matcher.embeddings.cache import Vector
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import ValidationFailed
from matcher.foundation.timing import stage, timed
from matcher.incentives.service import in_force_policies
from matcher.matching.service import next_steps
from matcher.policy.access import listing_scope
from matcher.policy.incentives import posting_flags
from matcher.policy.projection import (
    redact_profile,
    region_filter_error,
    sees_candidate_view,
    view_for,
)
from matcher.policy.ranking import best_rrf, fuse
from matcher.policy.relevance import Tier
from matcher.privacy.limits import charge_candidate_views
from matcher.search.facets import Facets, facets_from_aggs, merge
from matcher.search.models import (
    MAX_DEPTH,
    FacetValue,
    PostingHit,
    PostingResults,
    PostingSearch,
    ProfileHit,
    ProfileResults,
    ProfileSearch,
    ReadingOut,
    Understood,
)
from matcher.search.reading import MEANING_FLOOR, Asked, read_query
from matcher.services import Services
from matcher.store.base import Fetch
from matcher.store.queries import active_profile, open_posting, region_prefix, scope_filter
from matcher.store.records import RecordRepository

Doc = Mapping[str, Any]
Query = dict[str, Any]
SEARCH_KNN_K = 20
# facet name → (field, value standing for "not stated")
POSTING_FACETS = {
    "occupation": ("occupation_code", "none"),
    "region": ("city_code", "none"),
    "grade": ("required_level", 0),
    "industry": ("industry", "none"),
}
PROFILE_FACETS = {
    "occupation": ("occupation_codes", "none"),
    "region": ("city_code", "none"),
    "grade": ("skill_level", 0),
    "willing_to_relocate": ("willing_to_relocate", False),
}


def posting_filters(
    body: PostingSearch, day: date, incentive_ids: Sequence[str] = ()
) -> list[Query]:
    """``incentive_ids``: the policies in force today (``remote_incentives_only`` keeps
    postings that carry one of them)."""
    filters = open_posting(day)
    if body.occupation_code:
        filters.append({"term": {"occupation_code": body.occupation_code}})
    if body.grade is not None:
        filters.append(
            {"bool": {"must_not": {"range": {"required_level": {"lt": int(body.grade)}}}}}
        )
    if body.region_code:
        filters.append(region_prefix(body.region_code))
    if body.near:
        filters.append(
            {
                "geo_distance": {
                    "distance": f"{body.near.radius_km}km",
                    "location": {"lat": body.near.lat, "lon": body.near.lon},
                }
            }
        )
    if body.wage_floor is not None:
        filters.append(
            {
                "bool": {
                    "should": [
                        {"range": {"wage_max": {"gte": body.wage_floor}}},
                        {"range": {"wage_min": {"gte": body.wage_floor}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
        )
    if body.industry:
        filters.append({"term": {"industry": body.industry}})
    if body.remote_incentives_only:
        # An empty terms list matches nothing: no policy in force, no incentive postings.
        filters.append({"terms": {"incentive_policy_ids": list(incentive_ids)}})
    return filters


def profile_filters(body: ProfileSearch, principal: Principal) -> list[Query]:
    filters: list[Query] = [active_profile()]
    # An office's scope is enforced in the query itself, never by filtering results after;
    # enterprises search candidates everywhere (and see them in the candidate view).
    if principal.role is Role.OFFICE:
        filters += scope_filter(listing_scope(principal))
    if body.occupation_code:
        filters.append({"term": {"occupation_codes": body.occupation_code}})
    if body.min_grade is not None:
        filters.append({"range": {"effective_level": {"lte": int(body.min_grade)}}})
    if body.region_code:
        filters.append(region_prefix(body.region_code))
    if body.willing_to_relocate is not None:
        filters.append({"term": {"willing_to_relocate": body.willing_to_relocate}})
    return filters


@dataclasses.dataclass(frozen=True)
class Hit:
    record_id: str
    source: Doc
    score: float | None
    tier: Tier
    matched_by: str


@dataclasses.dataclass(frozen=True)
class Found:
    hits: list[Hit]  # the page asked for
    total: int
    keyword_total: int
    facets: dict[str, list[FacetValue]]
    asked: Asked | None


async def _text_search(
    svc: Services,
    repo: RecordRepository[Any],
    body: PostingSearch | ProfileSearch,
    *,
    read: tuple[Asked, Vector],
    filters: list[Query],
    facets: Facets,
) -> tuple[list[Hit], int, int, dict[str, list[FacetValue]]]:
    """Keyword and occupation hits first (exact total and facets), then the hits close in
    meaning above the floor (``matcher.search.reading``); 对口 before 相近. ``read``: what
    the text asks for and its query vector."""
    asked, vector = read
    trade = None if body.include_unrelated else asked.trade_filter()
    depth = svc.ranking.knn_depth(await repo.document_count())
    (keyword, keyword_total, aggs), near = await asyncio.gather(
        repo.keyword_hits(
            asked.words,
            occupation_codes=asked.codes,
            occupation_groups=asked.minor_groups,
            filters=filters,
            size=MAX_DEPTH,
            aggs=facets.aggregations(),
        ),
        repo.knn(
            vector.tolist(),
            filters=[*filters, trade] if trade else filters,
            k=SEARCH_KNN_K,
            num_candidates=depth.num_candidates,
            oversample=depth.oversample,
        ),
    )
    direct = {h.id: h.matched for h in keyword}
    # ES scores a cosine kNN hit (1 + cos) / 2.
    close = [h for h in near if h.score is not None and 2 * h.score - 1 >= MEANING_FLOOR]
    with stage("fusion"):
        fused = fuse(
            {
                "bm25": [(h.id, h.doc, h.score) for h in keyword],
                "knn": [(h.id, h.doc, h.score) for h in close],
            },
            svc.ranking.rrf_k,
        )
    best = best_rrf(svc.ranking.rrf_k)
    hits = []
    for f in fused:
        codes = f.source.get(repo.occupation_field) or []
        codes = [codes] if isinstance(codes, str) else list(codes)
        matched = direct.get(f.record_id)
        how = "meaning" if matched is None else "keyword" if "words" in matched else "occupation"
        score = round(min(f.rrf / best, 1.0), 4)
        hits.append(Hit(f.record_id, f.source, score, asked.tier(codes, matched_by=how), how))
    order = {Tier.FIT: 0, Tier.RELATED: 1, Tier.UNRELATED: 2}
    hits.sort(key=lambda h: (h.matched_by == "meaning", order[h.tier]))  # stable: by score
    extra = [h.source for h in hits if h.matched_by == "meaning"]
    counted = merge(facets_from_aggs(aggs), facets.count(extra))
    return hits, keyword_total + len(extra), keyword_total, counted


async def _search(
    svc: Services,
    repo: RecordRepository[Any],
    body: PostingSearch | ProfileSearch,
    *,
    filters: list[Query],
    facets: Facets,
) -> Found:
    """Text: keyword hits, then meaning hits (``_text_search``); no text: a filtered listing
    newest first, facets aggregated over every match."""
    offset, limit = body.offset, body.limit
    if body.q:
        # The text's reading and its query vector both embed it: side by side, in threads.
        read = await asyncio.gather(
            read_query(svc, body.q, body.occupation_code),
            timed(
                "embed", anyio.to_thread.run_sync(svc.query_vectors.vector, svc.embedder, body.q)
            ),
        )
        hits, total, keyword_total, counted = await _text_search(
            svc, repo, body, read=read, filters=filters, facets=facets
        )
        return Found(hits[offset : offset + limit], total, keyword_total, counted, read[0])
    listed, total, found = await repo.listing(
        Fetch(size=limit, offset=offset, sort=[{"updated_at": "desc"}, {"id": "asc"}]),
        filters=filters,
        aggs=facets.aggregations(),
    )
    # Every listed record meets every criterion stated: each is 对口 to the request.
    hits = [Hit(h.id, h.doc, None, Tier.FIT, "filter") for h in listed]
    return Found(hits, total, total, facets_from_aggs(found), None)


def _understood(asked: Asked | None) -> Understood | None:
    if asked is None:
        return None
    return Understood(
        occupation_codes=asked.codes,
        readings=[ReadingOut(code=r.code, name=r.name, p=r.p) for r in asked.readings],
    )


def _next_steps(svc: Services, found: Found, *, side: str) -> list[str]:
    if found.total or found.asked is None:
        return []
    code = found.asked.codes[0] if found.asked.codes else None
    return next_steps(svc, code, side=side, narrowed=True)


async def search_postings(svc: Services, *, body: PostingSearch) -> PostingResults:
    started = time.perf_counter()
    today = svc.clock.today()
    policies = await in_force_policies(svc, today)
    live = [p.policy_id for p in policies]
    found = await _search(
        svc,
        svc.store.postings,
        body,
        filters=posting_filters(body, today, live),
        facets=Facets(POSTING_FACETS, live),
    )
    regions = svc.taxonomy.regions
    results = [
        PostingHit.model_validate(
            {k: hit.source.get(k) for k in PostingHit.model_fields}
            | {
                "posting_id": hit.record_id,
                "score": hit.score,
                "tier": hit.tier.value,
                "matched_by": hit.matched_by,
                "incentives": posting_flags(policies, hit.source, day=today, regions=regions),
            }
        )
        for hit in found.hits
    ]
    took = (time.perf_counter() - started) * 1000
    return PostingResults(
        results=results,
        total=found.total,
        keyword_total=found.keyword_total,
        facets=found.facets,
        understood=_understood(found.asked),
        next_steps=_next_steps(svc, found, side="profile"),
        took_ms=round(took, 1),
    )


async def search_profiles(
    svc: Services, *, principal: Principal, body: ProfileSearch
) -> ProfileResults:
    started = time.perf_counter()
    if sees_candidate_view(principal):
        _enterprise_bounds(svc, principal, body)
    found = await _search(
        svc,
        svc.store.profiles,
        body,
        filters=profile_filters(body, principal),
        facets=Facets(PROFILE_FACETS),
    )
    view = view_for(principal)
    results = []
    for hit in found.hits:
        source = redact_profile(hit.source, view)
        results.append(
            ProfileHit.model_validate(
                {k: source.get(k) for k in ProfileHit.model_fields}
                | {
                    "profile_id": hit.record_id,
                    "score": hit.score,
                    "tier": hit.tier.value,
                    "matched_by": hit.matched_by,
                    "occupation_codes": source.get("occupation_codes") or [],
                    "skills": source.get("skills") or [],
                    "willing_to_relocate": bool(source.get("willing_to_relocate")),
                }
            )
        )
    if sees_candidate_view(principal):
        # Every candidate shown counts against the enterprise's daily quota.
        await charge_candidate_views(svc, principal, len(results))
    took = (time.perf_counter() - started) * 1000
    return ProfileResults(
        results=results,
        total=found.total,
        keyword_total=found.keyword_total,
        facets=found.facets,
        understood=_understood(found.asked),
        next_steps=_next_steps(svc, found, side="posting"),
        took_ms=round(took, 1),
    )


def _enterprise_bounds(svc: Services, principal: Principal, body: ProfileSearch) -> None:
    """Enterprises see the league-city only, so they may not filter by county, and page at
    most ``MATCHER_ENTERPRISE_MAX_DEPTH`` deep."""
    depth = svc.settings.enterprise_max_depth
    if depth and body.offset + body.limit > depth:
        raise ValidationFailed(
            "Paging too deep",
            [{"field": "offset", "message": f"offset + limit may be at most {depth}"}],
        )
    refused = region_filter_error(principal, body.region_code, svc.taxonomy.regions)
    if refused:
        raise ValidationFailed("Region too narrow", [{"field": "region_code", "message": refused}])
