"""The figures a bulletin is computed from, as Elasticsearch aggregations (never documents).

- Demand (需求人数): the headcount of postings registered in the period (``registered_on``)
  and valid in it (their ``valid_from`` … ``valid_until`` overlaps the period; an open end
  counts as open), whatever their status now — a posting filled or closed since was still
  demand in its period. A posting that repeats another open one of its enterprise
  (``duplicate_of``, ``matcher.duplicates``) is left out: the two are one demand.
- Supply (求职人数): seekers registered in the period whose profile is active or paused —
  withdrawn seekers have left the market — counted once, under their first occupation.
- Placements (介绍成功人数): referrals (职业介绍) hired in the period (``hired_at``, a day of
  the service's time zone), counted under their posting's occupation, required grade and
  region — the office's introductions that ended in a job.
- Wage samples: the same postings as demand, where they state pay (``wage_monthly``).

Each is one composite aggregation over (occupation, grade, region), paged with ``after_key``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from matcher.foundation.periods import Period
from matcher.store.base import Repository
from matcher.store.queries import local_days

# Big enough that a whole region's quarter fits one page (each page is another pass over the
# documents); below the node's search.max_buckets (65,536).
PAGE = 30_000
SUPPLY_STATUSES = ("active", "paused")
PERCENTS = (10.0, 25.0, 50.0, 75.0, 90.0)
# Chosen with benchmarks/percentile_error.py (figures in docs/benchmarks.md): with the default
# execution hint, cells below about a thousand wages come out exactly as the linear-interpolated
# percentile (numpy's default); on larger cells compression 1000 stays within 3.4 元 (the ES
# default of 100: 30 元). The "high_accuracy" hint and HDR use other percentile definitions and
# miss small cells by hundreds of yuan.
PERCENTILE_METHOD: dict[str, Any] = {"tdigest": {"compression": 1000}}

# One cell: (occupation code, grade, region code); None where the record has none.
Cell = tuple[str | None, int | None, str | None]


@dataclass(frozen=True)
class Scope:
    """The region a bulletin covers: a province-level region or one league-city."""

    code: str
    name: str
    level: str  # "province" or "city"

    @property
    def prefix(self) -> str:
        """The code prefix every region inside the scope shares (GB/T 2260 is positional)."""
        return self.code[:2] if self.level == "province" else self.code[:4]

    @property
    def region_field(self) -> str:
        """The indexed field that breaks the scope down one level."""
        return "city_code" if self.level == "province" else "region_code"

    def es_filter(self, field: str = "region_code") -> dict[str, Any]:
        return {"prefix": {field: self.prefix}}


@dataclass(frozen=True)
class PeriodCounts:
    """Demand and supply per cell for one period."""

    demand: dict[Cell, int]
    postings: dict[Cell, int]
    supply: dict[Cell, int]
    placements: dict[Cell, int]


@dataclass(frozen=True)
class WageStats:
    """Wage statistics of one group of postings (元/月)."""

    n: int
    mean: float | None
    percentiles: dict[str, float | None]


def postings_filter(period: Period, scope: Scope) -> list[dict[str, Any]]:
    start, end = period.start.isoformat(), period.end.isoformat()

    def open_or(field: str, op: str, value: str) -> dict[str, Any]:
        return {
            "bool": {
                "should": [
                    {"range": {field: {op: value}}},
                    {"bool": {"must_not": {"exists": {"field": field}}}},
                ],
                "minimum_should_match": 1,
            }
        }

    return [
        {"range": {"registered_on": {"gte": start, "lte": end}}},
        open_or("valid_until", "gte", start),
        open_or("valid_from", "lte", end),
        scope.es_filter(),
        {"bool": {"must_not": {"exists": {"field": "duplicate_of"}}}},
    ]


def profiles_filter(period: Period, scope: Scope) -> list[dict[str, Any]]:
    return [
        {
            "range": {
                "registered_on": {"gte": period.start.isoformat(), "lte": period.end.isoformat()}
            }
        },
        {"terms": {"status": list(SUPPLY_STATUSES)}},
        scope.es_filter(),
    ]


def placements_filter(period: Period, scope: Scope, timezone: str) -> list[dict[str, Any]]:
    return [
        {"term": {"status": "hired"}},
        local_days("hired_at", period.start, period.end + timedelta(days=1), timezone),
        scope.es_filter("posting_region_code"),
    ]


def _source(name: str, field: str) -> dict[str, Any]:
    return {name: {"terms": {"field": field, "missing_bucket": True}}}


Sources = Sequence[tuple[str, str]]


def _composite_agg(
    sources: Sources, aggs: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"size": PAGE, "sources": [_source(n, f) for n, f in sources]}
    if after is not None:
        body["after"] = after
    agg: dict[str, Any] = {"composite": body}
    if aggs:
        agg["aggs"] = aggs
    return agg


async def composites(
    repo: Repository[Any],
    filters: list[dict[str, Any]],
    wanted: dict[str, tuple[Sources, dict[str, Any] | None]],
    extra: dict[str, Any] | None = None,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Every bucket of several composite aggregations (name → (sources, sub-aggregations))
    over the same filtered documents, computed in one pass; then, for any that filled a
    page, further pages. ``extra`` aggregations ride along with the first request."""
    buckets: dict[str, list[dict[str, Any]]] = {name: [] for name in wanted}
    after: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
    pending, first, extras = set(wanted), True, {}
    while pending:
        aggs = {n: _composite_agg(*wanted[n], after[n]) for n in pending}
        if first and extra:
            aggs.update(extra)
        resp = await repo.es.search(
            index=repo.spec.read_alias,
            size=0,
            query={"bool": {"filter": filters}},
            aggs=aggs,
            track_total_hits=False,
            request_cache=True,
        )
        result = resp["aggregations"]
        if first:
            extras = {k: result[k] for k in extra or {}}
            first = False
        for name in list(pending):
            page = result[name]
            buckets[name].extend(page["buckets"])
            after[name] = page.get("after_key")
            if after[name] is None or len(page["buckets"]) < PAGE:
                pending.discard(name)
    return buckets, extras


async def composite(
    repo: Repository[Any],
    filters: list[dict[str, Any]],
    sources: Sources,
    aggs: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Every bucket of one composite aggregation over ``sources`` ((name, field) pairs)."""
    found, _ = await composites(repo, filters, {"cells": (sources, aggs)})
    return found["cells"]


def _cell(key: dict[str, Any]) -> Cell:
    grade = key.get("grade")
    return (key.get("occupation"), int(grade) if grade is not None else None, key.get("region"))


@dataclass(frozen=True)
class BulletinCounts:
    """The three record indexes a bulletin counts over."""

    postings: Repository[Any]
    profiles: Repository[Any]
    referrals: Repository[Any]

    async def period_counts(self, *, period: Period, scope: Scope, timezone: str) -> PeriodCounts:
        return await period_counts(self, period=period, scope=scope, timezone=timezone)

    async def wage_counts(self, *, period: Period, scope: Scope) -> WageCounts:
        return await wage_counts(self.postings, period=period, scope=scope)


async def period_counts(
    indexes: BulletinCounts, *, period: Period, scope: Scope, timezone: str
) -> PeriodCounts:
    """Demand, posting count, supply and placements per (occupation, grade, region) for one
    period."""
    region = scope.region_field
    demand_buckets, supply_buckets, placement_buckets = await asyncio.gather(
        composite(
            indexes.postings,
            postings_filter(period, scope),
            [("occupation", "occupation_code"), ("grade", "required_level"), ("region", region)],
            {"headcount": {"sum": {"field": "headcount"}}},
        ),
        composite(
            indexes.profiles,
            profiles_filter(period, scope),
            [("occupation", "primary_occupation"), ("grade", "skill_level"), ("region", region)],
        ),
        composite(
            indexes.referrals,
            placements_filter(period, scope, timezone),
            [
                ("occupation", "occupation_code"),
                ("grade", "required_level"),
                ("region", f"posting_{region}"),
            ],
        ),
    )
    return PeriodCounts(
        demand={_cell(b["key"]): int(b["headcount"]["value"]) for b in demand_buckets},
        postings={_cell(b["key"]): int(b["doc_count"]) for b in demand_buckets},
        supply={_cell(b["key"]): int(b["doc_count"]) for b in supply_buckets},
        placements={_cell(b["key"]): int(b["doc_count"]) for b in placement_buckets},
    )


def _wage_aggs() -> dict[str, Any]:
    return {
        "wage": {
            "percentiles": {
                "field": "wage_monthly",
                "percents": list(PERCENTS),
                **PERCENTILE_METHOD,
            }
        },
        "mean": {"avg": {"field": "wage_monthly"}},
    }


def _stats(bucket: dict[str, Any]) -> WageStats:
    values = bucket["wage"]["values"]
    return WageStats(
        n=int(bucket["doc_count"]),
        mean=bucket["mean"]["value"],
        percentiles={f"p{int(float(k))}": v for k, v in values.items()},
    )


@dataclass(frozen=True)
class WageCounts:
    """Wage statistics per cell at every level a wage bulletin publishes."""

    # (occupation, grade) → stats; occupation is a level-4 code or a group prefix.
    occupations: dict[tuple[str | None, int | None], WageStats]
    groups: dict[tuple[str | None, int | None], WageStats]
    regions: dict[Cell, WageStats]
    grades: dict[int | None, WageStats]
    overall: WageStats


async def wage_counts(postings: Repository[Any], *, period: Period, scope: Scope) -> WageCounts:
    filters = [*postings_filter(period, scope), {"exists": {"field": "wage_monthly"}}]
    aggs = _wage_aggs()
    occupation, grade = ("occupation", "occupation_code"), ("grade", "required_level")
    levels: list[Sources] = [
        [occupation, grade],
        [("occupation", "occupation_groups"), grade],
        [occupation, grade, ("region", scope.region_field)],
        [grade],
    ]
    # Separate requests, so a node with more cores runs them side by side (one request with
    # all of them measured no faster on two cores).
    found, overall = await asyncio.gather(
        asyncio.gather(*(composite(postings, filters, level, aggs) for level in levels)),
        postings.es.search(
            index=postings.spec.read_alias,
            size=0,
            query={"bool": {"filter": filters}},
            aggs={"all": {"filter": {"match_all": {}}, "aggs": aggs}},
            track_total_hits=False,
            request_cache=True,
        ),
    )
    occ, grp, reg, grades = found
    return WageCounts(
        occupations={_cell(b["key"])[:2]: _stats(b) for b in occ},
        groups={_cell(b["key"])[:2]: _stats(b) for b in grp},
        regions={_cell(b["key"]): _stats(b) for b in reg},
        grades={_cell(b["key"])[1]: _stats(b) for b in grades},
        overall=_stats(overall["aggregations"]["all"]),
    )
