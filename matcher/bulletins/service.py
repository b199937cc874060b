"""Computing, publishing and reading bulletins; the API and the scheduled job both call these.

A published bulletin is written once (``op_type=create``) under the id
``<kind>-<scope>-<period>-v<version>`` and never updated or deleted by the service. Publishing
the same kind, scope and period again is a correction: the next version, naming the one it
replaces. The schedule publishes only what is missing, so a replayed job changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from elasticsearch import ConflictError, NotFoundError

from matcher import __version__
from matcher.bulletins import counts as agg
from matcher.bulletins.models import Bulletin, BulletinList, BulletinSummary, Kind
from matcher.bulletins.periods import Period
from matcher.bulletins.problems import BulletinNotFound, PeriodNotEnded, PublishConflict
from matcher.bulletins.scope import Scope
from matcher.bulletins.supply_demand import build_rows, raw_counts, shortage_ranking
from matcher.bulletins.wages import build_cells
from matcher.records.prepare import local_today
from matcher.services import Services

MAX_LIST = 100
HEAVY_PARTS = ("rows", "shortage", "wages", "counts", "totals", "notes", "params")


def today(svc: Services) -> date:
    return date.fromisoformat(local_today(svc.settings.timezone))


def _header(kind: Kind, period: Period, scope: Scope) -> dict[str, Any]:
    return {
        "id": None,
        "kind": kind,
        "title": f"{scope.name}{period.zh_label}{kind.zh_name}",
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "scope": scope.code,
        "scope_name": scope.name,
        "generated_at": datetime.now(UTC),
        "software_version": __version__,
    }


async def supply_demand(svc: Services, *, period: Period, scope: Scope) -> Bulletin:
    """The supply-demand figures of ``period`` with its comparisons, computed now."""
    indexes = agg.Indexes(
        *(svc.specs[name].read_alias for name in ("postings", "profiles", "referrals"))
    )
    previous, year_ago = period.previous(), period.year_ago()
    now, before, ago = await asyncio.gather(
        *(
            agg.period_counts(
                svc.es, indexes=indexes, period=p, scope=scope, timezone=svc.settings.timezone
            )
            for p in (period, previous, year_ago)
        )
    )
    totals, rows = build_rows(now, before, ago, scope=scope, taxonomy=svc.taxonomy)
    return Bulletin(
        **_header(Kind.SUPPLY_DEMAND, period, scope),
        previous_period=previous.label,
        year_ago_period=year_ago.label,
        unit="人",
        params={"supply_statuses": list(agg.SUPPLY_STATUSES), "region_field": scope.region_field},
        totals=totals,
        rows=rows,
        shortage=shortage_ranking(now, before, taxonomy=svc.taxonomy),
        counts={
            "current": raw_counts(now),
            "previous": raw_counts(before),
            "year_ago": raw_counts(ago),
        },
        notes=[
            "需求人数：本期登记且在本期有效的岗位招聘人数；求职人数：本期登记的有效求职者"
            "（在册、暂停），按第一求职意向职业计。",
            "求人倍率 = 需求人数 ÷ 求职人数；求职人数为 0 时无定义，记为“—”。",
            "介绍成功人数：本期经职业介绍录用的人数，按所录用岗位的职业、等级和地区计。",
        ],
    )


def _columns(names: tuple[str, ...], sizes: Mapping[tuple[Any, ...], int]) -> dict[str, list[Any]]:
    """Sample sizes per cell, stored column-wise like the supply-demand counts."""
    keys = list(zip(*sizes, strict=True)) if sizes else [() for _ in names]
    return {**{n: list(k) for n, k in zip(names, keys, strict=True)}, "n": list(sizes.values())}


async def wage_guidance(svc: Services, *, period: Period, scope: Scope) -> Bulletin:
    """The wage-guidance figures of ``period``, computed now."""
    min_sample = svc.settings.wage_min_sample
    stats = await agg.wage_counts(
        svc.es, postings=svc.specs["postings"].read_alias, period=period, scope=scope
    )
    cells, notes = build_cells(stats, scope=scope, min_sample=min_sample, taxonomy=svc.taxonomy)
    return Bulletin(
        **_header(Kind.WAGES, period, scope),
        unit="元/月",
        params={
            "min_sample": min_sample,
            "wage_of_posting": "midpoint of wage_min..wage_max, or the one stated end",
            "percentiles": agg.PERCENTILE_METHOD,
        },
        wages=cells,
        counts={
            "sample_sizes": _columns(
                ("occupation", "grade"), {k: v.n for k, v in stats.occupations.items()}
            ),
            "group_sample_sizes": _columns(
                ("group", "grade"), {k: v.n for k, v in stats.groups.items()}
            ),
            "region_sample_sizes": _columns(
                ("occupation", "grade", "region"), {k: v.n for k, v in stats.regions.items()}
            ),
        },
        notes=[
            "岗位月工资取其工资区间的中点（只写一端的取该端），每个岗位计一个样本；单位：元/月，"
            "取整到元。",
            *notes,
        ],
    )


async def compute(svc: Services, *, kind: Kind, period: Period, scope: Scope) -> Bulletin:
    if kind is Kind.SUPPLY_DEMAND:
        return await supply_demand(svc, period=period, scope=scope)
    return await wage_guidance(svc, period=period, scope=scope)


def bulletin_id(kind: Kind, scope: str, period: str, version: int) -> str:
    return f"{kind.value}-{scope}-{period}-v{version}"


async def latest_version(
    svc: Services, *, kind: Kind, scope: str, period: str
) -> dict[str, Any] | None:
    resp = await svc.es.search(
        index=svc.specs["bulletins"].read_alias,
        size=1,
        query={
            "bool": {
                "filter": [
                    {"term": {"kind": kind.value}},
                    {"term": {"scope": scope}},
                    {"term": {"period": period}},
                ]
            }
        },
        sort=[{"version": "desc"}],
        source_excludes=["content"],
    )
    hits = resp["hits"]["hits"]
    return hits[0]["_source"] if hits else None


async def publish(
    svc: Services,
    *,
    kind: Kind,
    period: Period,
    scope: Scope,
    trigger: str,
    published_by: str,
    reason: str | None = None,
    only_if_missing: bool = False,
) -> Bulletin | None:
    """Compute and store a new version; None when ``only_if_missing`` and one exists."""
    if period.end >= today(svc):
        raise PeriodNotEnded(
            f"{period.label} ends on {period.end}; a bulletin publishes an ended period "
            "(the current figures are at /v1/bulletins/live)"
        )
    latest = await latest_version(svc, kind=kind, scope=scope.code, period=period.label)
    if latest is not None and only_if_missing:
        return None
    version = (latest["version"] if latest else 0) + 1
    figures = await compute(svc, kind=kind, period=period, scope=scope)
    bulletin = figures.model_copy(
        update={
            "id": bulletin_id(kind, scope.code, period.label, version),
            "version": version,
            "replaces": latest["id"] if latest else None,
            "reason": reason,
            "trigger": trigger,
            "published_by": published_by,
        }
    )
    doc = {
        "id": bulletin.id,
        "kind": kind.value,
        "period": period.label,
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "scope": scope.code,
        "version": version,
        "replaces": bulletin.replaces,
        "generated_at": bulletin.generated_at.isoformat(),
        "trigger": trigger,
        "published_by": published_by,
        "software_version": __version__,
        "content": bulletin.model_dump(mode="json"),
    }
    try:
        await svc.es.index(
            index=svc.specs["bulletins"].write_alias,
            id=bulletin.id,
            document=doc,
            op_type="create",
            refresh="wait_for",
        )
    except ConflictError:
        if only_if_missing:
            return None
        raise PublishConflict(
            f"{bulletin.id} was published by someone else just now; reload and try again"
        ) from None
    return bulletin


async def get(svc: Services, bulletin_id_: str) -> Bulletin:
    try:
        found = await svc.es.get(index=svc.specs["bulletins"].read_alias, id=bulletin_id_)
    except NotFoundError:
        raise BulletinNotFound(f"No published bulletin {bulletin_id_}") from None
    return Bulletin.model_validate(found["_source"]["content"])


async def superseded_by(svc: Services, ids: list[str]) -> dict[str, str]:
    """For each id, the version that replaces it (if any)."""
    if not ids:
        return {}
    resp = await svc.es.search(
        index=svc.specs["bulletins"].read_alias,
        size=len(ids),
        query={"terms": {"replaces": ids}},
        source_includes=["id", "replaces"],
    )
    return {h["_source"]["replaces"]: h["_source"]["id"] for h in resp["hits"]["hits"]}


async def list_bulletins(
    svc: Services,
    *,
    kind: Kind | None,
    period: str | None,
    scope: str | None,
    limit: int,
    offset: int,
) -> BulletinList:
    filters: list[dict[str, Any]] = []
    if kind is not None:
        filters.append({"term": {"kind": kind.value}})
    if period is not None:
        filters.append({"term": {"period": period}})
    if scope is not None:
        filters.append({"term": {"scope": scope}})
    resp = await svc.es.search(
        index=svc.specs["bulletins"].read_alias,
        query={"bool": {"filter": filters}},
        sort=[{"period_end": "desc"}, {"scope": "asc"}, {"kind": "asc"}, {"version": "desc"}],
        size=limit,
        from_=offset,
        # Only the listing fields: the figures stay in Elasticsearch.
        source_excludes=[f"content.{part}" for part in HEAVY_PARTS],
    )
    hits = [h["_source"] for h in resp["hits"]["hits"]]
    later = await superseded_by(svc, [h["id"] for h in hits])
    items = []
    for src in hits:
        content = src["content"]
        items.append(
            BulletinSummary(
                id=src["id"],
                kind=Kind(src["kind"]),
                title=content["title"],
                period=src["period"],
                period_start=src["period_start"],
                period_end=src["period_end"],
                scope=src["scope"],
                scope_name=content["scope_name"],
                version=src["version"],
                replaces=src.get("replaces"),
                superseded_by=later.get(src["id"]),
                generated_at=src["generated_at"],
                trigger=src["trigger"],
            )
        )
    return BulletinList(total=resp["hits"]["total"]["value"], items=items)
