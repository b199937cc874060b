"""How long one bulletin of each kind takes over 1M postings, 500k profiles and 200k referrals.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bulletin_speed.py \
        [--postings 1000000] [--profiles 500000] [--referrals 200000] [--runs 5]

Documents only (``bulletin_data``), bulk-written into indexes made from the project's mappings
under a private prefix, dropped at the end. Each timed run computes one bulletin through the
service functions the API and the worker call (``matcher.bulletins.service``), with
Elasticsearch's request cache cleared before it, so every run really aggregates. A
supply-demand bulletin is three periods (current, previous, a year earlier) × demand, supply
and placements (hired referrals); a wage bulletin is five composite aggregations with
percentiles. Target: ≤ 2 s each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import bulletin_data
from elasticsearch import TransportError

from matcher.bulletins.models import Bulletin
from matcher.bulletins.scope import resolve_scope
from matcher.bulletins.service import supply_demand, wage_guidance
from matcher.foundation.periods import parse_period
from matcher.foundation.settings import Settings
from matcher.services import Services, open_services
from workers.queue import ArqQueue


async def timed(
    svc: Services, runs: int, make: Callable[[], Awaitable[Bulletin]]
) -> tuple[list[float], float, Bulletin]:
    times: list[float] = []
    bulletin = None
    while len(times) < runs:
        await bulletin_data.wait_for_node(svc.store.es)
        await svc.store.es.indices.clear_cache(index=f"{svc.settings.index_prefix}-*", request=True)
        started = time.perf_counter()
        try:
            bulletin = await make()
        except TransportError:
            print("  (a run was cut off by a node restart; repeated)")
            continue
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    await bulletin_data.retrying(svc.store.es, make)  # same requests again: from the request cache
    cached = time.perf_counter() - started
    assert bulletin is not None
    return times, cached, bulletin


def report(label: str, times: list[float], cached: float, detail: str) -> None:
    print(
        f"{label}: first {times[0]:.2f} s, median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s over {len(times)} runs (cache cleared); "
        f"from the request cache {cached:.2f} s; {detail}"
    )


async def main(args: argparse.Namespace) -> None:
    prefix = args.reuse or f"bench-bulletins-{os.getpid()}"
    # Aggregating a million documents on two cores can take minutes; the default client
    # timeout is seconds.
    settings = Settings.from_env(
        {**os.environ, "MATCHER_INDEX_PREFIX": prefix, "MATCHER_ES_TIMEOUT_S": "600"}
    )
    started = time.perf_counter()
    async with open_services(settings, ArqQueue) as svc:
        es, indexes = svc.store.es, svc.store.indexes
        try:
            specs = [indexes.postings, indexes.profiles, indexes.referrals]
            fresh = not args.reuse
            await svc.store.ensure_indexes(specs)
            nodes = await es.nodes.info(metric="jvm")
            node = next(iter(nodes["nodes"].values()))
            heap = node["jvm"]["mem"]["heap_max_in_bytes"] / 2**30
            print(
                f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
                f"{os.cpu_count()} cores; Elasticsearch {node['version']} ({heap:.0f} GiB heap), "
                "local node"
            )
            regions = svc.taxonomy.regions
            if fresh:
                for kind, n, make in (
                    ("postings", args.postings, bulletin_data.postings),
                    ("profiles", args.profiles, bulletin_data.profiles),
                    ("referrals", args.referrals, bulletin_data.referrals),
                ):
                    docs = make(n, args.seed, regions)
                    spec = getattr(indexes, kind)
                    rate = await bulletin_data.load(es, spec.write_alias, docs)
                    print(f"{kind}: {n:,} bulk-written at {rate:,.0f} docs/s")
            stats = await es.indices.stats(index=f"{prefix}-*", metric="segments")
            segments = {k: v["primaries"]["segments"]["count"] for k, v in stats["indices"].items()}
            print(f"segments as bulk-written: {segments}")
            period = parse_period(args.period)
            for code in args.scopes.split(","):
                scope = resolve_scope(code, regions)
                times, cached, b = await timed(
                    svc, args.runs, partial(supply_demand, svc, period=period, scope=scope)
                )
                assert b.totals is not None
                cells = sum(len(v["value"]) for p in b.counts.values() for v in p.values())
                report(
                    f"supply-demand {scope.name} {period.label}",
                    times,
                    cached,
                    f"demand {b.totals.measures['demand'].value:,}, supply "
                    f"{b.totals.measures['supply'].value:,}, placements "
                    f"{b.totals.measures['placements'].value:,}, {len(b.rows)} rows, "
                    f"{len(b.shortage)} ranked occupations, {cells:,} count cells",
                )
                times, cached, b = await timed(
                    svc, args.runs, partial(wage_guidance, svc, period=period, scope=scope)
                )
                own = sum(c.basis == "own" for c in b.wages)
                report(
                    f"wages {scope.name} {period.label}",
                    times,
                    cached,
                    f"{len(b.wages)} cells published ({own} on their own sample), "
                    f"sample {b.wages[0].sample_size:,} postings",
                )
        finally:
            await bulletin_data.wait_for_node(es)
            if not args.keep:
                await svc.store.drop_all()
    kept = f"indexes kept under {prefix}" if args.keep else "scratch indexes dropped"
    print(f"run time: {time.perf_counter() - started:.0f} s; {kept}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--profiles", type=int, default=500_000)
    parser.add_argument(
        "--referrals", type=int, default=200_000, help="introductions, one in four hired"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="2026Q2")
    parser.add_argument("--scopes", default="150000,150200", help="region codes, comma-separated")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the indexes (development)")
    parser.add_argument("--reuse", help="time against a kept PREFIX instead of loading")
    asyncio.run(main(parser.parse_args()))
