"""How far Elasticsearch's (approximate) percentiles are from exact ones on demo-like wages.

    .venv/bin/python benchmarks/percentile_error.py [--postings 100000]

Postings come from ``bulletin_data`` (the demo generator's trades, grades and wage ranges,
jittered); each posting's monthly wage is what the wage bulletin uses (midpoint of its range).
For every cell the wage bulletin can publish — occupation × grade, occupation group × grade,
grade, all — the exact P10/P25/P50/P75/P90 (linear interpolation between order statistics,
numpy's default, computed here from the generated values) is compared with what each
percentile setting returns. Figures are published rounded to the yuan, so the table also
counts figures whose rounded value differs from the exact rounded value.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import defaultdict
from typing import Any

import bulletin_data
import numpy as np

from matcher.foundation.settings import Settings
from matcher.services import open_services
from matcher.store.base import Repository
from matcher.store.bulletin_counts import PERCENTS, composite
from workers.queue import ArqQueue

METHODS: dict[str, dict[str, Any]] = {
    "tdigest, compression 100 (ES default)": {"tdigest": {"compression": 100}},
    "tdigest, compression 1000 (shipped)": {"tdigest": {"compression": 1000}},
    "tdigest, compression 1000, high_accuracy hint": {
        "tdigest": {"compression": 1000, "execution_hint": "high_accuracy"}
    },
    "hdr, 3 significant digits": {"hdr": {"number_of_significant_value_digits": 3}},
}
SIZES = ((1, 9), (10, 99), (100, 999), (1000, 10**9))
Key = tuple[str, str, int | None]


def exact_cells(docs: list[dict[str, Any]]) -> dict[Key, np.ndarray]:
    values: dict[Key, list[int]] = defaultdict(list)
    for d in docs:
        if "wage_monthly" not in d:
            continue
        grade = d.get("required_level")
        values[("occupation", d["occupation_code"], grade)].append(d["wage_monthly"])
        for group in d["occupation_groups"]:
            values[("group", group, grade)].append(d["wage_monthly"])
        values[("grade", "", grade)].append(d["wage_monthly"])
        values[("all", "", None)].append(d["wage_monthly"])
    return {k: np.array(v, dtype=np.float64) for k, v in values.items()}


async def es_cells(repo: Repository[Any], method: dict[str, Any]) -> dict[Key, list[float]]:
    aggs = {
        "wage": {"percentiles": {"field": "wage_monthly", "percents": list(PERCENTS), **method}}
    }
    filters: list[dict[str, Any]] = [{"exists": {"field": "wage_monthly"}}]
    out: dict[Key, list[float]] = {}
    for kind, field in (("occupation", "occupation_code"), ("group", "occupation_groups")):
        sources = [("occupation", field), ("grade", "required_level")]
        for b in await composite(repo, filters, sources, aggs):
            grade = b["key"]["grade"]
            key = (kind, b["key"]["occupation"], int(grade) if grade is not None else None)
            out[key] = list(b["wage"]["values"].values())
    for b in await composite(repo, filters, [("grade", "required_level")], aggs):
        grade = b["key"]["grade"]
        out[("grade", "", int(grade) if grade is not None else None)] = list(
            b["wage"]["values"].values()
        )
    resp = await repo.es.search(
        index=repo.spec.read_alias, size=0, query={"match_all": {}}, aggs=aggs
    )
    out[("all", "", None)] = list(resp["aggregations"]["wage"]["values"].values())
    return out


def compare(exact: dict[Key, np.ndarray], got: dict[Key, list[float]]) -> None:
    for low, high in SIZES:
        errors, relative, differ, cells = [], [], 0, 0
        for key, values in exact.items():
            if not low <= len(values) <= high:
                continue
            cells += 1
            truth = np.percentile(values, PERCENTS)
            approx = np.array(got[key], dtype=np.float64)
            err = np.abs(approx - truth)
            errors.extend(err.tolist())
            relative.extend((err / truth).tolist())
            differ += int(np.sum(np.round(approx) != np.round(truth)))
        if not cells:
            continue
        label = f"n {low}–{high}" if high < 10**9 else f"n ≥ {low}"
        print(
            f"  {label:>12}: {cells:5d} cells, {len(errors):6d} figures; abs error mean "
            f"{np.mean(errors):7.2f} 元, p99 {np.percentile(errors, 99):7.2f}, max "
            f"{np.max(errors):7.2f}; max relative {np.max(relative):.5%}; rounded figure "
            f"differs: {differ} ({differ / len(errors):.2%})"
        )


async def main(args: argparse.Namespace) -> None:
    prefix = f"bench-pctl-{os.getpid()}"
    settings = Settings.from_env(
        {**os.environ, "MATCHER_INDEX_PREFIX": prefix, "MATCHER_ES_TIMEOUT_S": "600"}
    )
    async with open_services(settings, ArqQueue) as svc:
        es, repo = svc.store.es, svc.store.postings
        spec = repo.spec
        try:
            await svc.store.ensure_indexes([spec])
            docs = list(bulletin_data.postings(args.postings, args.seed, svc.taxonomy.regions))
            await bulletin_data.load(es, spec.write_alias, iter(docs))
            exact = exact_cells(docs)
            print(
                f"{args.postings:,} postings, {exact[('all', '', None)].size:,} with a wage; "
                f"{len(exact):,} cells; exact = linear interpolation (numpy default)"
            )
            for name, method in METHODS.items():
                started = time.perf_counter()
                got = await es_cells(repo, method)
                print(f"{name} (aggregations {time.perf_counter() - started:.2f} s):")
                compare(exact, got)
        finally:
            await bulletin_data.wait_for_node(es)
            await svc.store.drop_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    asyncio.run(main(parser.parse_args()))
