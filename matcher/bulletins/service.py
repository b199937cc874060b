"""Computing, publishing and reading bulletins; the API and the scheduled job both call these.

A published bulletin is written once (``op_type=create``) under the id
``<kind>-<scope>-<period>-v<version>`` and never updated or deleted by the service. Publishing
the same kind, scope and period again is a correction: the next version, naming the one it
replaces. The schedule publishes only what is missing, so a replayed job changes nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

from indexes.documents import BulletinDoc
from matcher import __version__
from matcher.bulletins.models import Bulletin, BulletinList, BulletinSummary, Kind
from matcher.bulletins.supply_demand import build_rows, raw_counts, shortage_ranking
from matcher.bulletins.wages import build_cells
from matcher.foundation.paging import Page
from matcher.foundation.periods import Period
from matcher.foundation.problems import BulletinNotFound, PeriodNotEnded, PublishConflict
from matcher.services import Services
from matcher.store import bulletin_counts as agg
from matcher.store.bulletin_counts import Scope

MAX_LIST = 100
HEAVY_PARTS = ("rows", "shortage", "wages", "counts", "totals", "notes", "params")


def today(svc: Services) -> date:
    return svc.clock.today()


def _header(svc: Services, kind: Kind, period: Period, scope: Scope) -> dict[str, Any]:
    return {
        "id": None,
        "kind": kind,
        "title": f"{scope.name}{period.zh_label}{kind.zh_name}",
        "period": period.label,
        "period_start": period.start,
        "period_end": period.end,
        "scope": scope.code,
        "scope_name": scope.name,
        "generated_at": svc.clock.now(),
        "software_version": __version__,
    }


async def supply_demand(svc: Services, *, period: Period, scope: Scope) -> Bulletin:
    """The supply-demand figures of ``period`` with its comparisons, computed now."""
    previous, year_ago = period.previous(), period.year_ago()
    now, before, ago = await asyncio.gather(
        *(
            svc.store.counts.period_counts(period=p, scope=scope, timezone=svc.settings.timezone)
            for p in (period, previous, year_ago)
        )
    )
    totals, rows = build_rows(now, before, ago, scope=scope, taxonomy=svc.taxonomy)
    return Bulletin(
        **_header(svc, Kind.SUPPLY_DEMAND, period, scope),
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
    stats = await svc.store.counts.wage_counts(period=period, scope=scope)
    cells, notes = build_cells(stats, scope=scope, min_sample=min_sample, taxonomy=svc.taxonomy)
    return Bulletin(
        **_header(svc, Kind.WAGES, period, scope),
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
) -> BulletinDoc | None:
    return await svc.store.bulletins.latest_version(kind=kind.value, scope=scope, period=period)


@dataclass(frozen=True)
class Publication:
    """Who publishes, how (a person or the schedule) and why (a correction names it)."""

    trigger: str
    published_by: str
    reason: str | None = None
    only_if_missing: bool = False


async def publish(
    svc: Services, *, kind: Kind, period: Period, scope: Scope, publication: Publication
) -> Bulletin | None:
    """Compute and store a new version; None when ``only_if_missing`` and one exists."""
    trigger, published_by = publication.trigger, publication.published_by
    reason, only_if_missing = publication.reason, publication.only_if_missing
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
    if not await svc.store.bulletins.create(str(bulletin.id), cast(BulletinDoc, doc)):
        if only_if_missing:
            return None
        raise PublishConflict(
            f"{bulletin.id} was published by someone else just now; reload and try again"
        )
    return bulletin


async def get(svc: Services, bulletin_id_: str) -> Bulletin:
    found = await svc.store.bulletins.get(bulletin_id_)
    if found is None:
        raise BulletinNotFound(f"No published bulletin {bulletin_id_}")
    return Bulletin.model_validate(found["content"])


async def superseded_by(svc: Services, ids: list[str]) -> dict[str, str]:
    """For each id, the version that replaces it (if any)."""
    return await svc.store.bulletins.superseded_by(ids)


@dataclass(frozen=True)
class BulletinFilter:
    """What a bulletin list is narrowed to (None: any)."""

    kind: Kind | None = None
    period: str | None = None
    scope: str | None = None


async def list_bulletins(svc: Services, *, selection: BulletinFilter, page: Page) -> BulletinList:
    filters: list[dict[str, Any]] = []
    if selection.kind is not None:
        filters.append({"term": {"kind": selection.kind.value}})
    if selection.period is not None:
        filters.append({"term": {"period": selection.period}})
    if selection.scope is not None:
        filters.append({"term": {"scope": selection.scope}})
    repo = svc.store.bulletins
    hits, total = await repo.page(
        filters=filters, offset=page.offset, limit=page.limit, heavy=HEAVY_PARTS
    )
    later = await repo.superseded_by([h["id"] for h in hits])
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
    return BulletinList(total=total, items=items)
