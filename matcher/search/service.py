"""Search: hybrid retrieval when there is text, filtered listing when there is none; facet
counts always describe exactly the hits the search returned."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import anyio.to_thread

from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import ValidationFailed
from matcher.foundation.text import segment
from matcher.incentives.service import in_force_policies
from matcher.matching.service import Retrieval, retrieve
from matcher.policy.access import listing_scope
from matcher.policy.incentives import posting_flags
from matcher.policy.projection import (
    redact_profile,
    region_filter_error,
    sees_candidate_view,
    view_for,
)
from matcher.policy.ranking import best_rrf
from matcher.privacy.limits import CANDIDATE_VIEWS, charge
from matcher.search.models import (
    FacetValue,
    PostingHit,
    PostingResults,
    PostingSearch,
    ProfileHit,
    ProfileResults,
    ProfileSearch,
)
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


def _value(source: Doc, field: str) -> Any:
    value: Any = source
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def facets_of(
    sources: Sequence[Doc], spec: Mapping[str, tuple[str, Any]]
) -> dict[str, list[FacetValue]]:
    out = {}
    for name, (field, missing) in spec.items():
        counts: Counter[str] = Counter()
        for source in sources:
            value = _value(source, field)
            values = value if isinstance(value, list) and value else [value]
            for v in values:
                counts[_key(missing if v is None else v)] += 1
        out[name] = [FacetValue(key=k, count=c) for k, c in counts.most_common()]
    return out


def _key(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _aggregations(spec: Mapping[str, tuple[str, Any]]) -> dict[str, Any]:
    return {
        name: {"terms": {"field": field, "size": 100, "missing": missing}}
        for name, (field, missing) in spec.items()
    }


def _facets_from_aggs(aggs: Mapping[str, Any]) -> dict[str, list[FacetValue]]:
    out = {}
    for name, agg in aggs.items():
        buckets = agg["buckets"]
        if isinstance(buckets, Mapping):  # a keyed ``filters`` aggregation
            values = [FacetValue(key=k, count=b["doc_count"]) for k, b in buckets.items()]
            out[name] = sorted((v for v in values if v.count), key=lambda v: -v.count)
            continue
        out[name] = [
            # Booleans come back as 1/0 with "true"/"false" in key_as_string.
            FacetValue(key=_key(b.get("key_as_string", b["key"])), count=b["doc_count"])
            for b in buckets
        ]
    return out


def incentive_aggregations(incentive_ids: Sequence[str]) -> dict[str, Any]:
    """Facets ``incentive`` (carries a policy in force: true/false) and ``incentive_policy``
    (hits per policy in force), from the indexed policy ids restricted to today's."""
    ids = list(incentive_ids)
    return {
        "incentive": {
            "filters": {
                "filters": {"true": {"terms": {"incentive_policy_ids": ids}}},
                "other_bucket_key": "false",
            }
        },
        "incentive_policy": {
            # include: [] would mean "everything"; "<none>" is no valid policy id.
            "terms": {"field": "incentive_policy_ids", "include": ids or ["<none>"], "size": 100}
        },
    }


def incentive_facets(
    sources: Sequence[Doc], incentive_ids: Sequence[str]
) -> dict[str, list[FacetValue]]:
    """The same two facets counted over hits already in hand (text searches)."""
    live = set(incentive_ids)
    flagged: Counter[str] = Counter()
    per_policy: Counter[str] = Counter()
    for source in sources:
        ids = live.intersection(source.get("incentive_policy_ids") or [])
        flagged[_key(bool(ids))] += 1
        per_policy.update(ids)
    return {
        "incentive": [FacetValue(key=k, count=c) for k, c in flagged.most_common()],
        "incentive_policy": [FacetValue(key=k, count=c) for k, c in per_policy.most_common()],
    }


@dataclasses.dataclass(frozen=True)
class Facets:
    """The facets a search counts: name → (field, value standing for "not stated"), and for
    postings the policies in force (the incentive facets)."""

    fields: Mapping[str, tuple[str, Any]]
    incentive_ids: Sequence[str] | None = None


async def _search(
    svc: Services,
    repo: RecordRepository[Any],
    *,
    q: str,
    filters: list[Query],
    facets: Facets,
    page: tuple[int, int],
) -> tuple[list[tuple[str, Doc, float | None]], int, dict[str, list[FacetValue]]]:
    """Hybrid retrieval when there is text (facets counted over its hits), a filtered listing
    newest first otherwise (facets aggregated over every match)."""
    offset, limit = page
    if q:
        vector = (await anyio.to_thread.run_sync(svc.embedder.embed_queries, [q]))[0]
        # kNN always returns its k nearest, relevant or not: a search's hits are the keyword
        # matches plus only the closest few by meaning.
        config = dataclasses.replace(svc.ranking, knn_k=SEARCH_KNN_K)
        fused = await retrieve(
            repo, Retrieval(segment(q), vector.tolist(), filters, [], []), config
        )
        best = best_rrf(svc.ranking.rrf_k)
        hits: list[tuple[str, Doc, float | None]] = [
            (f.record_id, f.source, round(min(f.rrf / best, 1.0), 4)) for f in fused
        ]
        sources = [h[1] for h in hits]
        counted = facets_of(sources, facets.fields)
        if facets.incentive_ids is not None:
            counted |= incentive_facets(sources, facets.incentive_ids)
        return hits[offset : offset + limit], len(hits), counted
    aggs = _aggregations(facets.fields)
    if facets.incentive_ids is not None:
        aggs |= incentive_aggregations(facets.incentive_ids)
    listed, total, found = await repo.listing(
        Fetch(size=limit, offset=offset, sort=[{"updated_at": "desc"}, {"id": "asc"}]),
        filters=filters,
        aggs=aggs,
    )
    return [(h.id, h.doc, None) for h in listed], total, _facets_from_aggs(found)


async def search_postings(svc: Services, *, body: PostingSearch) -> PostingResults:
    started = time.perf_counter()
    today = svc.clock.today()
    policies = await in_force_policies(svc, today)
    live = [p.policy_id for p in policies]
    hits, total, facets = await _search(
        svc,
        svc.store.postings,
        q=body.q,
        filters=posting_filters(body, today, live),
        facets=Facets(POSTING_FACETS, live),
        page=(body.offset, body.limit),
    )
    regions = svc.taxonomy.regions
    results = [
        PostingHit.model_validate(
            {k: source.get(k) for k in PostingHit.model_fields}
            | {
                "posting_id": i,
                "score": s,
                "incentives": posting_flags(policies, source, day=today, regions=regions),
            }
        )
        for i, source, s in hits
    ]
    took = (time.perf_counter() - started) * 1000
    return PostingResults(results=results, total=total, facets=facets, took_ms=round(took, 1))


async def search_profiles(
    svc: Services, *, principal: Principal, body: ProfileSearch
) -> ProfileResults:
    started = time.perf_counter()
    if sees_candidate_view(principal):
        _enterprise_bounds(svc, principal, body)
    hits, total, facets = await _search(
        svc,
        svc.store.profiles,
        q=body.q,
        filters=profile_filters(body, principal),
        facets=Facets(PROFILE_FACETS),
        page=(body.offset, body.limit),
    )
    view = view_for(principal)
    results = []
    for i, stored, s in hits:
        source = redact_profile(stored, view)
        results.append(
            ProfileHit.model_validate(
                {k: source.get(k) for k in ProfileHit.model_fields}
                | {
                    "profile_id": i,
                    "score": s,
                    "occupation_codes": source.get("occupation_codes") or [],
                    "skills": source.get("skills") or [],
                    "willing_to_relocate": bool(source.get("willing_to_relocate")),
                }
            )
        )
    if sees_candidate_view(principal):
        # Every candidate shown counts against the enterprise's daily quota.
        await charge(
            svc,
            principal,
            CANDIDATE_VIEWS,
            allowed=svc.settings.candidate_views_per_day,
            amount=len(results),
        )
    took = (time.perf_counter() - started) * 1000
    return ProfileResults(results=results, total=total, facets=facets, took_ms=round(took, 1))


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
