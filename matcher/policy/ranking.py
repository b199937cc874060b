"""How a pair is scored and candidates ordered: the weights and retrieval sizes (read from
``matching.yaml`` or a configured file), reciprocal-rank fusion of the retrieved lists, and the
weighted, explained score of each (posting, profile) pair. Pure: no I/O after loading."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from matcher.policy import features as f
from matcher.policy.incentive_models import Grant, Policy
from matcher.policy.incentives import applicable, grants
from matcher.policy.relevance import OccupationFit, Tier, fit, readings_of, summary
from matcher.policy.rules import RuleResult, check
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.regions import RegionCatalog

FEATURES = (
    "retrieval",
    "occupation",
    "grade",
    "certificates",
    "skills",
    "experience",
    "wage",
    "location",
    "mobility_incentive",
)


MAX_NUM_CANDIDATES = 10_000  # Elasticsearch refuses a kNN search asking more


class RankingConfigError(ValueError):
    """The ranking configuration is missing a feature or holds a bad value."""


@dataclass(frozen=True)
class KnnDepth:
    """How far a vector search looks from an index of ``documents`` records on: the graph
    explores ``num_candidates`` and ``oversample`` × k quantised candidates are re-scored on
    the float vectors (None: as the index's mapping says)."""

    documents: int
    num_candidates: int
    oversample: float | None = None


@dataclass(frozen=True)
class RankingConfig:
    weights: dict[str, float]
    rrf_k: int
    bm25_size: int
    knn_k: int
    knn_num_candidates: int
    rerank_depth: int
    knn_by_size: tuple[KnnDepth, ...] = ()  # deeper searches from these sizes on, ascending
    # From an index of ``bm25_max_share_from`` records on, the words held by more than
    # ``bm25_max_share`` of them are left out of the keyword query (None: never).
    bm25_max_share: float | None = None
    bm25_max_share_from: int = 0

    def keyword_share(self, documents: int) -> float | None:
        """For an index of ``documents`` records: the largest share of them a word the
        keyword query sends may be held by (None: every word is sent)."""
        return self.bm25_max_share if documents >= self.bm25_max_share_from else None

    def knn_depth(self, documents: int) -> KnnDepth:
        """The search depth for an index of ``documents`` records: the last step it reaches,
        else ``knn_num_candidates`` with the mapping's re-scoring."""
        chosen = KnnDepth(0, self.knn_num_candidates)
        for step in self.knn_by_size:
            if documents >= step.documents:
                chosen = step
        return chosen

    @classmethod
    def load(cls, path: Path | None = None) -> RankingConfig:
        text = (
            path.read_text("utf-8")
            if path
            else resources.files("matcher.policy").joinpath("matching.yaml").read_text("utf-8")
        )
        raw: dict[str, Any] = yaml.safe_load(text)
        weights = {str(k): float(v) for k, v in (raw.get("weights") or {}).items()}
        if set(weights) != set(FEATURES):
            raise RankingConfigError(
                f"weights must name exactly: {', '.join(FEATURES)}; got {', '.join(weights)}"
            )
        if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
            raise RankingConfigError("weights must be non-negative and not all zero")
        total = sum(weights.values())
        retrieval = raw.get("retrieval") or {}
        return cls(
            weights={k: w / total for k, w in weights.items()},
            rrf_k=int(retrieval.get("rrf_k", 60)),
            bm25_size=int(retrieval.get("bm25_size", 50)),
            knn_k=int(retrieval.get("knn_k", 50)),
            knn_num_candidates=int(retrieval.get("knn_num_candidates", 100)),
            rerank_depth=int(retrieval.get("rerank_depth", 100)),
            knn_by_size=_knn_steps(retrieval.get("knn_by_size") or []),
            bm25_max_share=_share(retrieval.get("bm25_max_share")),
            bm25_max_share_from=_count(retrieval.get("bm25_max_share_from", 0)),
        )


def _count(raw: object) -> int:
    """``retrieval.bm25_max_share_from``: a number of records, 0 or more."""
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise RankingConfigError(
            f"retrieval.bm25_max_share_from must be a whole number of records, not {raw!r}"
        )
    return raw


def _share(raw: object) -> float | None:
    """``retrieval.bm25_max_share``: absent, or a share of the records above 0 and at most 1."""
    if raw is None:
        return None
    try:
        share = -1.0 if isinstance(raw, bool) else float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        share = -1.0
    if not 0 < share <= 1:
        raise RankingConfigError(
            f"retrieval.bm25_max_share must be a share above 0 and at most 1, not {raw!r}"
        )
    return share


def _knn_steps(raw: object) -> tuple[KnnDepth, ...]:
    """``retrieval.knn_by_size``: a list of {documents, num_candidates, oversample?}, the
    sizes ascending."""
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise RankingConfigError("retrieval.knn_by_size must be a list of mappings")
    try:
        steps = tuple(
            KnnDepth(
                int(item["documents"]),
                int(item["num_candidates"]),
                float(item["oversample"]) if item.get("oversample") is not None else None,
            )
            for item in raw
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RankingConfigError(
            f"retrieval.knn_by_size: each step needs documents and num_candidates ({exc})"
        ) from None
    sizes = [s.documents for s in steps]
    if sizes != sorted(set(sizes)) or any(
        not 1 <= s.num_candidates <= MAX_NUM_CANDIDATES
        or (s.oversample is not None and s.oversample < 1)
        for s in steps
    ):
        raise RankingConfigError(
            "retrieval.knn_by_size: sizes strictly ascending, num_candidates "
            f"1–{MAX_NUM_CANDIDATES:,} (Elasticsearch's bound), oversample ≥ 1"
        )
    return steps


@dataclass(frozen=True)
class Scored:
    """One candidate pair, scored: the record on the other side, its features and their
    contributions, the gaps, every hard rule's verdict and the incentives it would get."""

    record_id: str
    score: float
    features: dict[str, f.Feature]
    contributions: dict[str, float]
    gaps: list[f.Gap]
    rules: list[RuleResult]
    source: Mapping[str, Any]
    ranks: dict[str, int | None] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    fit: OccupationFit | None = None  # the occupation side: tier and readings compared
    summary: str = ""  # the tier in a sentence

    @property
    def tier(self) -> Tier:
        return self.fit.tier if self.fit is not None else Tier.UNRELATED


@dataclass(frozen=True)
class Fused:
    """A retrieved record with its reciprocal-rank fusion score and its rank in each list."""

    record_id: str
    source: Mapping[str, Any]
    rrf: float
    ranks: dict[str, int | None]


def fuse(
    ranked: Mapping[str, Sequence[tuple[str, Mapping[str, Any], float | None]]], k: int
) -> list[Fused]:
    """Reciprocal rank fusion of named ranked lists of (id, source, score), best first.
    Equal scores share a rank: two records that differ only in data the ranking must ignore
    (contact details) then rank exactly alike."""
    sources: dict[str, Mapping[str, Any]] = {}
    ranks: dict[str, dict[str, int | None]] = {}
    for name, hits in ranked.items():
        previous, rank = None, 0
        for position, (doc_id, source, score) in enumerate(hits, start=1):
            if score != previous:
                previous, rank = score, position
            sources.setdefault(doc_id, source)
            ranks.setdefault(doc_id, dict.fromkeys(ranked))[name] = rank
    fused = [
        Fused(doc_id, sources[doc_id], sum(1 / (k + r) for r in r_.values() if r is not None), r_)
        for doc_id, r_ in ranks.items()
    ]
    fused.sort(key=lambda item: (-item.rrf, item.record_id))
    return fused


def best_rrf(k: int) -> float:
    """The highest fused score: rank 1 in both lists. Dividing by it maps scores to [0, 1]."""
    return 2 / (k + 1)


def score_pair(
    posting: Mapping[str, Any],
    profile: Mapping[str, Any],
    *,
    retrieval: float,
    context: PairContext,
    grants: Sequence[Grant] = (),
    trade: OccupationFit | None = None,
) -> tuple[float, dict[str, f.Feature], dict[str, float], list[f.Gap]]:
    """The weighted score of a pair, its features, their contributions and the gaps.
    ``grants`` are the pair's incentives (``matcher.policy.incentives.grants``); ``trade``
    its occupation fit, when the caller has it already."""
    day, regions, config = context.day, context.regions, context.config
    trade = trade or occupation_fit(posting, profile)
    cert_feature, cert_gaps = f.certificates(posting, profile, day)
    wage_feature, wage_gaps = f.wage(posting, profile)
    feats = {
        "retrieval": f.Feature(retrieval, "岗位内容与求职者情况的用词、含义相近"),
        "occupation": f.occupation(trade, context.occupations),
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


@dataclass(frozen=True)
class PairContext:
    """What scoring a pair needs besides the pair: the day, the catalogs, the weights and the
    incentive policies in force."""

    day: date
    regions: RegionCatalog
    occupations: OccupationCatalog
    config: RankingConfig
    policies: Sequence[Policy] = ()


Pair = Callable[[Mapping[str, Any]], tuple[Mapping[str, Any], Mapping[str, Any]]]


def rank_pairs(
    fused: Sequence[Fused], *, pair: Pair, context: PairContext, city_level: bool = False
) -> list[Scored]:
    """Score and order the fused candidates; ``pair`` turns a retrieved record into
    (posting, profile). ``city_level`` scores location with each profile's league-city only
    (for enterprises, who may not learn the county); hard rules and incentives always see
    the record as it is."""
    best = best_rrf(context.config.rrf_k)
    regions, day = context.regions, context.day
    scored = []
    by_posting: dict[str, list[Policy]] = {}
    for item in fused:
        posting, profile = pair(item.source)
        posting_key = str(posting.get("id"))
        if posting_key not in by_posting:
            by_posting[posting_key] = applicable(
                context.policies, posting, day=day, regions=regions
            )
        granted = grants(by_posting[posting_key], posting, profile, day=day, regions=regions)
        trade = occupation_fit(posting, profile)
        score, feats, contributions, gaps = score_pair(
            posting,
            f.at_city_level(profile, regions) if city_level else profile,
            retrieval=min(item.rrf / best, 1.0),
            context=context,
            grants=granted,
            trade=trade,
        )
        rules = check(posting, profile, day, context.occupations)  # type: ignore[arg-type]
        scored.append(
            Scored(
                item.record_id,
                score,
                feats,
                contributions,
                gaps,
                rules,
                item.source,
                item.ranks,
                granted,
                trade,
                summary(trade, context.occupations),
            )
        )
    scored.sort(key=lambda s: (-s.score, s.record_id))
    return scored


def occupation_fit(posting: Mapping[str, Any], profile: Mapping[str, Any]) -> OccupationFit:
    """The occupation side of a pair, from both records' stored readings."""
    return fit(readings_of(posting, side="posting"), readings_of(profile, side="profile"))
