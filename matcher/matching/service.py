"""Matches in both directions, and the explanation of one pair (keyword-only functions)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from elasticsearch import AsyncElasticsearch

from matcher.auth.models import Principal, Role
from matcher.foundation.problems import NotFound
from matcher.incentives.service import in_force_policies
from matcher.policy import features as f
from matcher.policy.access import in_scope, region_prefix
from matcher.policy.incentive_models import Grant, Policy
from matcher.policy.incentives import applicable
from matcher.policy.incentives import grants as incentive_grants
from matcher.policy.ranking import MatchingConfig
from matcher.policy.rules import RuleResult, check, posting_filters, profile_filters
from matcher.postings import service as postings
from matcher.profiles import service as profiles
from matcher.services import Services
from matcher.taxonomy.regions import RegionCatalog

Doc = Mapping[str, Any]
Mode = Literal["hybrid", "bm25", "knn"]
# Never returned by a match: vectors are large, contact details are personal.
MATCH_EXCLUDES = ["embedding", "contact", "certificates.number", "search_text", "title_tokens"]


@dataclass(frozen=True)
class Scored:
    record_id: str
    score: float
    features: dict[str, f.Feature]
    contributions: dict[str, float]
    gaps: list[f.Gap]
    rules: list[RuleResult]
    source: Doc
    ranks: dict[str, int | None] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)


async def retrieve(
    es: AsyncElasticsearch,
    index: str,
    *,
    text: str,
    vector: list[float] | None,
    filters: list[dict[str, Any]],
    must_not: list[dict[str, Any]],
    boosts: list[dict[str, Any]],
    config: MatchingConfig,
    mode: Mode = "hybrid",
) -> list[tuple[str, Doc, float, dict[str, int | None]]]:
    """BM25 and kNN under the same filters, fused by reciprocal rank: (id, source, rrf, ranks).
    ``mode`` keeps one retriever only (for the evaluation benchmark's baselines)."""
    searches = []
    if mode != "knn":
        searches.append(("bm25", _bm25(es, index, text, filters, must_not, boosts, config)))
    if vector is not None and mode != "bm25":
        searches.append(
            (
                "knn",
                es.search(
                    index=index,
                    knn={
                        "field": "embedding",
                        "query_vector": vector,
                        "k": config.knn_k,
                        "num_candidates": config.knn_num_candidates,
                        "filter": {"bool": {"filter": filters, "must_not": must_not}},
                        # int8 quantisation alone caps recall@50 near 0.86 at 100k; rescoring
                        # twice k on the float vectors brings it to 0.99 for ~1 ms.
                        "rescore_vector": {"oversample": 2.0},
                    },
                    size=config.knn_k,
                    source_excludes=MATCH_EXCLUDES,
                    track_total_hits=False,
                ),
            )
        )
    responses = await asyncio.gather(*(search for _, search in searches))
    sources: dict[str, Doc] = {}
    ranks: dict[str, dict[str, int | None]] = {}
    for (name, _), resp in zip(searches, responses, strict=True):
        previous, rank = None, 0
        for position, hit in enumerate(resp["hits"]["hits"], start=1):
            # Equal scores share a rank: two records that differ only in data the ranking
            # must ignore (contact details) then rank exactly alike.
            if hit["_score"] != previous:
                previous, rank = hit["_score"], position
            sources.setdefault(hit["_id"], hit["_source"])
            ranks.setdefault(hit["_id"], {"bm25": None, "knn": None})[name] = rank
    fused = [(doc_id, sources[doc_id], _rrf(r, config.rrf_k), r) for doc_id, r in ranks.items()]
    fused.sort(key=lambda item: (-item[2], item[0]))
    return fused[: config.rerank_depth]


def _bm25(
    es: AsyncElasticsearch,
    index: str,
    text: str,
    filters: list[dict[str, Any]],
    must_not: list[dict[str, Any]],
    boosts: list[dict[str, Any]],
    config: MatchingConfig,
) -> Awaitable[Any]:
    return es.search(
        index=index,
        query={
            "bool": {
                "filter": filters,
                "must_not": must_not,
                "should": [
                    {"match": {"search_text": {"query": text}}},
                    {"match": {"title_tokens": {"query": text, "boost": 2}}},
                    *boosts,
                ],
                "minimum_should_match": 1,
            }
        },
        size=config.bm25_size,
        source_excludes=MATCH_EXCLUDES,
        # Counting every hit (ES counts up to 10,000 by default) keeps Lucene from skipping
        # documents that cannot reach the top: without it BM25 took about a quarter less time
        # at 100k profiles (benchmarks/match_latency.py). Ranking needs no total.
        track_total_hits=False,
    )


def _rrf(ranks: Mapping[str, int | None], k: int) -> float:
    return sum(1 / (k + r) for r in ranks.values() if r is not None)


def score_pair(
    posting: Doc,
    profile: Doc,
    *,
    retrieval: float,
    day: date,
    regions: RegionCatalog,
    config: MatchingConfig,
    grants: Sequence[Grant] = (),
) -> tuple[float, dict[str, f.Feature], dict[str, float], list[f.Gap]]:
    """The weighted score of a pair, its features, their contributions and the gaps.
    ``grants`` are the pair's incentives (``matcher.policy.incentives.grants``)."""
    cert_feature, cert_gaps = f.certificates(posting, profile, day)
    wage_feature, wage_gaps = f.wage(posting, profile)
    feats = {
        "retrieval": f.Feature(retrieval, "关键词与语义检索综合排名"),
        "occupation": f.occupation(posting, profile),
        "grade": f.grade(posting, profile),
        "certificates": cert_feature,
        "skills": f.skills(posting, profile),
        "experience": f.experience(profile),
        "wage": wage_feature,
        "location": f.location(posting, profile, regions),
        "mobility_incentive": f.mobility_incentive(profile, grants),
    }
    contributions = {k: round(config.weights[k] * v.value, 6) for k, v in feats.items()}
    return round(sum(contributions.values()), 6), feats, contributions, cert_gaps + wage_gaps


def best_rrf(k: int) -> float:
    """The highest fused score: rank 1 in both lists. Dividing by it maps scores to [0, 1]."""
    return 2 / (k + 1)


def rank_pairs(
    svc: Services,
    *,
    fused: list[tuple[str, Doc, float, dict[str, int | None]]],
    pair: Any,
    policies: Sequence[Policy],
    city_level: bool = False,
) -> list[Scored]:
    """Score and order the fused candidates. ``city_level`` scores location with each
    profile's league-city only (for enterprises, who may not learn the county); hard rules
    and incentives always see the record as it is."""
    config: MatchingConfig = svc.matching
    day = date.today()
    best = best_rrf(config.rrf_k)
    regions = svc.taxonomy.regions
    scored = []
    by_posting: dict[str, list[Policy]] = {}
    for doc_id, source, rrf, ranks in fused:
        posting, profile = pair(source)
        posting_key = str(posting.get("id"))
        if posting_key not in by_posting:
            by_posting[posting_key] = applicable(policies, posting, day=day, regions=regions)
        granted = incentive_grants(
            by_posting[posting_key], posting, profile, day=day, regions=regions
        )
        score, feats, contributions, gaps = score_pair(
            posting,
            f.at_city_level(profile, regions) if city_level else profile,
            retrieval=min(rrf / best, 1.0),
            day=day,
            regions=regions,
            config=config,
            grants=granted,
        )
        rules = check(posting, profile, day, svc.taxonomy.occupations)
        scored.append(
            Scored(doc_id, score, feats, contributions, gaps, rules, source, ranks, granted)
        )
    scored.sort(key=lambda s: (-s.score, s.record_id))
    return scored


def _region_filter(region: str | None) -> list[dict[str, Any]]:
    return [region_prefix(region)] if region else []


async def matches_for_posting(
    svc: Services,
    *,
    principal: Principal,
    posting_id: str,
    region: str | None = None,
    min_level: int | None = None,
    mode: Mode = "hybrid",
) -> tuple[list[Scored], float]:
    """Ranked candidate profiles for a posting (its enterprise, offices of its region, admin)."""
    started = time.perf_counter()
    posting = await postings.load(svc, posting_id, with_vector=True)
    if posting is None or not _may_match_posting(principal, posting, svc.taxonomy.regions):
        raise NotFound(f"No posting {posting_id}")
    if not postings.is_matchable(posting):
        # Paused, closed, filled or outside its dates: it matches nobody.
        return [], (time.perf_counter() - started) * 1000
    filters = profile_filters(posting, date.today()) + _region_filter(region)
    if principal.role is Role.OFFICE:
        # An office's scope bounds the candidates in the query itself, like search does.
        filters += _region_filter(principal.region_code or "000000")
    if min_level:
        filters.append({"range": {"effective_level": {"lte": min_level}}})
    code = posting.get("occupation_code")
    boosts = [{"term": {"occupation_codes": {"value": code, "boost": 3}}}] if code else []
    # The policies are read while the candidates are retrieved: no added wait.
    fused, policies = await asyncio.gather(
        retrieve(
            svc.es,
            svc.specs["profiles"].read_alias,
            text=posting.get("search_text", ""),
            vector=posting.get("embedding"),
            filters=filters,
            must_not=[],
            boosts=boosts,
            config=svc.matching,
            mode=mode,
        ),
        in_force_policies(svc),
    )
    ranked = rank_pairs(
        svc,
        fused=fused,
        pair=lambda source: (posting, source),
        policies=policies,
        city_level=principal.role is Role.ENTERPRISE,
    )
    return ranked, (time.perf_counter() - started) * 1000


async def matches_for_profile(
    svc: Services, *, principal: Principal, profile_id: str, region: str | None = None
) -> tuple[list[Scored], float]:
    """Ranked postings for a profile (its seeker, offices of its region, admin)."""
    started = time.perf_counter()
    profile = await profiles.load(svc, profile_id, with_vector=True)
    if profile is None or not may_match_profile(principal, profile, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    if profile.get("status") != "active":
        return [], (time.perf_counter() - started) * 1000
    filters, must_not = posting_filters(profile, date.today())
    boosts = [{"terms": {"occupation_code": profile.get("occupation_codes") or [], "boost": 3}}]
    fused, policies = await asyncio.gather(
        retrieve(
            svc.es,
            svc.specs["postings"].read_alias,
            text=profile.get("search_text", ""),
            vector=profile.get("embedding"),
            filters=filters + _region_filter(region),
            must_not=must_not,
            boosts=boosts,
            config=svc.matching,
        ),
        in_force_policies(svc),
    )
    ranked = rank_pairs(svc, fused=fused, pair=lambda source: (source, profile), policies=policies)
    return ranked, (time.perf_counter() - started) * 1000


async def explain_pair(
    svc: Services, *, principal: Principal, profile_id: str, posting_id: str
) -> Scored:
    """Why a posting is or is not among a profile's matches (PIPL art. 24)."""
    profile = await profiles.load(svc, profile_id, with_vector=True)
    if profile is None or not may_match_profile(principal, profile, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    posting = await postings.load(svc, posting_id, with_vector=True)
    if posting is None or (posting.get("status") != "active" and principal.role is Role.SEEKER):
        raise NotFound(f"No posting {posting_id}")
    day = date.today()
    regions = svc.taxonomy.regions
    granted = incentive_grants(
        await in_force_policies(svc), posting, profile, day=day, regions=regions
    )
    score, feats, contributions, gaps = score_pair(
        posting,
        profile,
        retrieval=0.0,
        day=day,
        regions=regions,
        config=svc.matching,
        grants=granted,
    )
    rules = check(posting, profile, day, svc.taxonomy.occupations)
    return Scored(posting_id, score, feats, contributions, gaps, rules, posting, grants=granted)


def _may_match_posting(principal: Principal, posting: Doc, regions: RegionCatalog) -> bool:
    if principal.role is Role.ENTERPRISE:
        return posting.get("enterprise_id") == principal.subject
    if principal.role is Role.SEEKER:
        return False
    return in_scope(principal, posting.get("region_code"), regions)


def may_match_profile(principal: Principal, profile: Doc, regions: RegionCatalog) -> bool:
    if principal.role is Role.SEEKER:
        return profile.get("owner_id") == principal.subject
    if principal.role is Role.ENTERPRISE:
        return False
    return in_scope(principal, profile.get("region_code"), regions)
