"""The filtered vector search per posting: how its cost depends on how many profiles the
posting's hard rules leave, and what the index's filtered-search settings change.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -u benchmarks/knn_filters.py --profiles 1000000

Fills a scratch index as ``benchmarks/match_latency.py`` does (a prepared sample of generated
profiles copied with perturbed vectors, bulk-indexed, merged to one segment) and prepares
``--postings`` generated postings. For each posting it counts the profiles its hard rules
let through (``candidate_filters``), then sends each variant's kNN search for every posting
twice (the first pass warms the caches; the second is measured) and reads Elasticsearch's own
``took``: the search alone, without the API, the network or the other search of a match.

Variants: the number of candidates and the re-scoring oversample, and the index's dynamic
settings ``index.dense_vector.hnsw_filter_heuristic`` (``acorn``, ES 9's default, or
``fanout``) and ``index.dense_vector.hnsw_enable_early_termination`` (default off). Recall@50
of each is against the first variant, 10,000 candidates re-scored ×20 (the nearest to an
exact search this node allows: scripts are off here), over the postings that have any
eligible profile. Prints a table per variant and the median ``took`` by the filtered count;
asserts nothing. The scratch indexes are dropped at the end, also on error.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import asyncio
import itertools
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import machine_line, scratch_env
from match_latency import Corpus, fill, force_merge, make_postings, make_sample

from matcher.foundation.settings import Settings
from matcher.migrations.service import prepare_indexes
from matcher.services import Services, open_services
from matcher.store.rule_filters import candidate_filters
from workers.queue import ArqQueue

HEURISTIC = "index.dense_vector.hnsw_filter_heuristic"
EARLY_STOP = "index.dense_vector.hnsw_enable_early_termination"


@dataclass(frozen=True)
class Variant:
    name: str
    num_candidates: int
    oversample: float
    settings: dict[str, Any]  # applied before it runs, and kept for the variants after it


VARIANTS = [
    Variant("near-exact", 10_000, 20.0, {HEURISTIC: "acorn", EARLY_STOP: False}),
    Variant("acorn 800 x6", 800, 6.0, {}),
    Variant("acorn 400 x6", 400, 6.0, {}),
    Variant("acorn 200 x3", 200, 3.0, {}),
    Variant("fanout 800 x6", 800, 6.0, {HEURISTIC: "fanout"}),
    Variant("fanout 400 x6", 400, 6.0, {}),
    Variant("acorn+early 800 x6", 800, 6.0, {HEURISTIC: "acorn", EARLY_STOP: True}),
]
EDGES = [0, 1_000, 10_000, 50_000, 100_000, 200_000, 400_000, 10**12]


@dataclass(frozen=True)
class Query:
    eligible: int
    vector: list[float]
    filter: dict[str, Any]


async def queries(svc: Services, count: int, seed: int) -> list[Query]:
    alias = svc.store.profiles.spec.read_alias
    day = svc.clock.today()
    out = []
    for doc in await make_postings(svc, count, seed):
        posting = await svc.store.postings.get(str(doc["id"]), with_vector=True)
        if posting is None:
            continue
        rules = {"bool": {"filter": candidate_filters(posting, day)}}
        eligible = (await svc.store.es.count(index=alias, query=rules))["count"]
        out.append(Query(int(eligible), list(posting["embedding"]), rules))
    return out


async def run(
    svc: Services, variant: Variant, work: list[Query]
) -> tuple[list[int], list[set[str]]]:
    es, alias = svc.store.es, svc.store.profiles.spec.read_alias
    if variant.settings:
        await es.indices.put_settings(index=alias, settings=variant.settings)
    took: list[int] = []
    found: list[set[str]] = []
    for _ in range(2):  # the first pass warms the caches; the second is kept
        took, found = [], []
        for q in work:
            resp = await es.search(
                index=alias,
                knn={
                    "field": "embedding",
                    "query_vector": q.vector,
                    "k": 50,
                    "num_candidates": variant.num_candidates,
                    "filter": q.filter,
                    "rescore_vector": {"oversample": variant.oversample},
                },
                size=50,
                source=False,
                track_total_hits=False,
            )
            took.append(int(resp["took"]))
            found.append({h["_id"] for h in resp["hits"]["hits"]})
    return took, found


def report(work: list[Query], took: dict[str, list[int]], found: dict[str, list[set[str]]]) -> None:
    reference = found[VARIANTS[0].name]
    for v in VARIANTS:
        ms = sorted(took[v.name])
        recall = statistics.mean(
            len(a & b) / len(b) for a, b in zip(found[v.name], reference, strict=True) if b
        )
        print(
            f"  {v.name:20} took mean {statistics.mean(ms):6.1f}  p50 {ms[len(ms) // 2]:4d}  "
            f"p95 {ms[int(len(ms) * 0.95)]:4d}  max {ms[-1]:4d} ms  recall@50 {recall:.3f}"
        )
    print("  median took (ms) by how many profiles the posting's hard rules leave:")
    for low, high in itertools.pairwise(EDGES):
        rows = [i for i, q in enumerate(work) if low <= q.eligible < high]
        if rows:
            cells = "  ".join(
                f"{statistics.median(took[v.name][i] for i in rows):4.0f}" for v in VARIANTS
            )
            print(f"    {low:>9,}–{min(high, 10**9):<13,} n={len(rows):3d}  {cells}")
    print("    (columns: " + ", ".join(v.name for v in VARIANTS) + ")")


async def main(args: argparse.Namespace) -> None:
    env = scratch_env("knn-filters")
    print(machine_line())
    async with open_services(Settings.from_env(env), ArqQueue) as svc:
        try:
            await prepare_indexes(svc)
            sample = await make_sample(svc, args.sample, args.seed)
            rate = await fill(svc, Corpus(sample, 0.02, args.seed, args.profiles), args.profiles)
            work = await queries(svc, args.postings, args.seed)
            await force_merge(svc)
            print(
                f"{args.profiles:,} profiles (bulk-indexed at {rate:,.0f}/s, one segment), "
                f"{len(work)} postings; Elasticsearch's took, second of two passes"
            )
            took: dict[str, list[int]] = {}
            found: dict[str, list[set[str]]] = {}
            for variant in VARIANTS:
                took[variant.name], found[variant.name] = await run(svc, variant, work)
            report(work, took, found)
        finally:
            es = svc.store.es
            for name in await es.indices.get(index=f"{env['MATCHER_INDEX_PREFIX']}-*"):
                await es.indices.delete(index=name)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=300)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2027)
    asyncio.run(main(parser.parse_args()))
