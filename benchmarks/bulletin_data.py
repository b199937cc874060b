"""Synthetic postings and profiles for the bulletin benchmarks: documents only (no text
segmentation, no embeddings), with every field the bulletins aggregate on, written straight
into indexes made from the project's own mappings (``indexes/specs.py``).

Occupations, grades, wages and regions follow the demo generator (``matcher/demo/generate.py``):
each document copies one of 3,000 generated templates, with its wage range jittered by up to
±15 % (rounded to 10 元), a headcount of 1–10, and a registration day spread evenly over
2024-01-01 … 2026-09-30 (11 quarters), so one quarter holds about a ninth of the documents.
The demo knows only ~45 trades; a real region's records spread over hundreds of occupations,
so one document in five takes an occupation drawn uniformly from all level-4 occupations of
major groups 4 and 6 instead (more cells, more work for the aggregations).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from functools import partial
from typing import Any, TypeVar

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from matcher.demo.generate import generate_postings, generate_profiles
from matcher.postings.service import monthly_wage
from matcher.records.prepare import group_prefixes
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.regions import RegionCatalog

FIRST_DAY = date(2024, 1, 1)
DAYS = (date(2026, 9, 30) - FIRST_DAY).days + 1
SPREAD_SHARE = 0.2
CHUNK = 5000
T = TypeVar("T")
STATUSES = ("active",) * 8 + ("paused", "withdrawn")


def _day(rng: random.Random) -> str:
    return (FIRST_DAY + timedelta(days=rng.randrange(DAYS))).isoformat()


def spread_codes() -> list[str]:
    return [o.code for o in OccupationCatalog.load().occupations() if o.code[0] in "46"]


def _code(rng: random.Random, own: str, spread: list[str]) -> str:
    return rng.choice(spread) if rng.random() < SPREAD_SHARE else own


def postings(n: int, seed: int, regions: RegionCatalog) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    templates = generate_postings(3000, seed)
    spread = spread_codes()
    for i in range(n):
        t = rng.choice(templates)
        code = _code(rng, t["occupation_code"], spread)
        jitter = rng.uniform(0.85, 1.15)
        low = round(t["wage_min"] * jitter, -1) if t.get("wage_min") is not None else None
        high = round(t["wage_max"] * jitter, -1) if t.get("wage_max") is not None else None
        registered = _day(rng)
        start = date.fromisoformat(registered)
        headcount = rng.randint(1, 10)
        doc: dict[str, Any] = {
            "id": f"b{i}",
            "enterprise_id": t["enterprise_id"],
            "status": rng.choice(("active", "active", "active", "closed", "filled")),
            "occupation_code": code,
            "occupation_groups": group_prefixes([code]),
            "region_code": t["region_code"],
            "city_code": regions.city_of(t["region_code"]),
            "registered_on": registered,
            "created_at": f"{registered}T08:00:00+00:00",
            "valid_from": registered,
            "valid_until": (start + timedelta(days=rng.choice((30, 90, 180, 365)))).isoformat(),
            "headcount": headcount,
            "filled": 0,
            "open_headcount": headcount,
        }
        if t.get("required_level") is not None:
            doc["required_level"] = t["required_level"]
        if low is not None:
            doc["wage_min"] = int(low)
        if high is not None:
            doc["wage_max"] = int(high)
        wage = monthly_wage(doc.get("wage_min"), doc.get("wage_max"))
        if wage is not None:
            doc["wage_monthly"] = wage
        yield doc


def profiles(n: int, seed: int, regions: RegionCatalog) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed + 1)
    templates = generate_profiles(3000, seed)
    spread = spread_codes()
    for i in range(n):
        t = rng.choice(templates)
        codes = list(t.get("occupation_codes") or [])
        if codes:
            codes[0] = _code(rng, codes[0], spread)
        registered = _day(rng)
        doc: dict[str, Any] = {
            "id": f"s{i}",
            "status": rng.choice(STATUSES),
            "occupation_codes": codes,
            "occupation_groups": group_prefixes(codes),
            "region_code": t["region_code"],
            "city_code": regions.city_of(t["region_code"]),
            "registered_on": registered,
            "created_at": f"{registered}T08:00:00+00:00",
        }
        if codes:
            doc["primary_occupation"] = codes[0]
        if t.get("skill_level") is not None:
            doc["skill_level"] = t["skill_level"]
        yield doc


def referrals(n: int, seed: int, regions: RegionCatalog) -> Iterator[dict[str, Any]]:
    """Introductions to the benchmark's postings (``postings(…, seed)`` draws the same
    templates): one in four hired, the hire a few days to a month after the proposal, so the
    placements measure has a history to count."""
    rng = random.Random(seed + 2)
    templates = generate_postings(3000, seed)
    spread = spread_codes()
    outcomes = ("hired", "proposed", "contacted", "interviewed", "declined", "no_show")
    for i in range(n):
        t = rng.choice(templates)
        code = _code(rng, t["occupation_code"], spread)
        proposed = date.fromisoformat(_day(rng))
        status = "hired" if rng.random() < 0.25 else rng.choice(outcomes[1:])
        doc: dict[str, Any] = {
            "id": f"r{i}",
            "posting_id": f"b{rng.randrange(max(n, 1))}",
            "profile_id": f"s{rng.randrange(max(n, 1))}",
            "office_id": "bench-office",
            "status": status,
            "attempt": 1,
            "occupation_code": code,
            "occupation_groups": group_prefixes([code]),
            "posting_region_code": t["region_code"],
            "posting_city_code": regions.city_of(t["region_code"]),
            "enterprise_id": t["enterprise_id"],
            "proposed_at": f"{proposed.isoformat()}T09:00:00+08:00",
        }
        if t.get("required_level") is not None:
            doc["required_level"] = t["required_level"]
        if status == "hired":
            hired = proposed + timedelta(days=rng.randint(3, 30))
            doc["hired_at"] = f"{hired.isoformat()}T15:30:00+08:00"
            doc["closed_at"] = doc["hired_at"]
        yield doc


async def wait_for_node(es: AsyncElasticsearch, limit_s: float = 300) -> None:
    """The shared development node is restarted now and then (the readiness test stops it);
    wait until it answers again."""
    deadline = time.monotonic() + limit_s
    while True:
        try:
            await es.cluster.health(wait_for_status="yellow", timeout="5s")
            return
        except (TransportError, ApiError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(2)


async def retrying(es: AsyncElasticsearch, make: Callable[[], Awaitable[T]]) -> tuple[T, int]:
    """``make()``, repeated after a lost connection; also returns how many tries failed."""
    failed = 0
    while True:
        try:
            return await make(), failed
        except TransportError:
            failed += 1
            if failed > 5:
                raise
            await wait_for_node(es)


async def load(es: AsyncElasticsearch, index: str, docs: Iterator[dict[str, Any]]) -> float:
    """Bulk-write ``docs`` into ``index`` (refresh off meanwhile); returns documents per second.
    A chunk cut off by a node restart is sent again (ids are stable, so nothing doubles)."""
    await wait_for_node(es)
    await es.indices.put_settings(index=index, settings={"index": {"refresh_interval": "-1"}})
    started, count = time.perf_counter(), 0
    while chunk := list(itertools.islice(docs, CHUNK)):
        body: list[dict[str, Any]] = []
        for d in chunk:
            body += [{"index": {"_index": index, "_id": d["id"]}}, d]
        resp, _ = await retrying(es, partial(es.bulk, operations=body))
        if resp["errors"]:
            raise RuntimeError(f"bulk errors: {resp['items'][:2]}")
        count += len(chunk)
    await es.indices.put_settings(index=index, settings={"index": {"refresh_interval": "1s"}})
    await es.indices.refresh(index=index)
    return count / (time.perf_counter() - started)
