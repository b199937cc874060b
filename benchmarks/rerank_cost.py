"""The CPU of the re-rank and of a page's explanations, without Elasticsearch in the timing.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/rerank_cost.py [--candidates 100]
    PYTHONPATH=<worktree of REV> .venv/bin/python benchmarks/rerank_cost.py   # REV's code

Generated postings and profiles (``matcher.demo.generate``) are prepared as the API prepares
them (normalization, occupation reading, embedding) on a scratch index prefix, dropped at the
end. Then, for each of ``--rounds`` rounds, one posting's candidates are re-ranked
(``rank_pairs``, hard rules, features, tiers, incentives in force) and the first ``--page`` of
them built into the API's match models with their explanations — the two steps of a posting
match that run in the API process after retrieval. The candidates are the same profiles every
round, as a posting's candidates are for repeated requests. Prints the median and p95 of
each step in ms, with date and machine; asserts nothing. Run it once per revision on a quiet
machine to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from match_latency import make_postings, make_sample

from indexes.documents import PostingDoc
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.incentives.service import in_force_policies
from matcher.matching import service as matching
from matcher.policy.projection import view_for
from matcher.policy.ranking import Fused, rank_pairs
from matcher.services import open_services
from workers.queue import ArqQueue


def quantiles(ms: list[float]) -> str:
    ordered = sorted(ms)
    return (
        f"median {statistics.median(ordered):6.2f}  "
        f"p95 {ordered[int(0.95 * (len(ordered) - 1))]:6.2f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    prefix = f"bench-rerank-{os.getpid()}"
    settings = Settings.from_env({**os.environ, "MATCHER_INDEX_PREFIX": prefix})
    async with open_services(settings, ArqQueue) as svc:
        try:
            await svc.store.ensure_indexes()
            postings = await make_postings(svc, 5, args.seed)
            profiles = await make_sample(svc, args.candidates, args.seed)
            sources = [{k: v for k, v in p.items() if k != "embedding"} for p in profiles]
            fused = [
                Fused(str(p["id"]), p, 1 / (60 + i), {"bm25": i + 1, "knn": i + 1})
                for i, p in enumerate(sources)
            ]
            policies = await in_force_policies(svc, svc.clock.today())
            context = matching.pair_context(svc, policies)
            view = view_for(Principal("bench", Role.OFFICE, "bench", "150200"))
            rerank: list[float] = []
            explain: list[float] = []
            for n in range(args.rounds + args.warmup):
                posting = postings[n % len(postings)]
                began = time.perf_counter()
                ranked = rank_pairs(
                    fused, pair=matching._with_posting(cast(PostingDoc, posting)), context=context
                )
                ranked_at = time.perf_counter()
                matching._profile_matches(ranked[: args.page], svc.ranking.weights, view, {})
                done = time.perf_counter()
                if n >= args.warmup:
                    rerank.append((ranked_at - began) * 1000)
                    explain.append((done - ranked_at) * 1000)
        finally:
            await svc.store.drop_all()
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores; Python {platform.python_version()}; "
        f"matcher from {Path(matching.__file__).parents[2]}"
    )
    print(f"{args.rounds} rounds (after {args.warmup} not counted), 5 postings in turn:")
    print(f"  re-rank of {args.candidates} candidates:      {quantiles(rerank)}")
    print(f"  explanations of the first {args.page}:      {quantiles(explain)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=100, help="profiles re-ranked")
    parser.add_argument("--page", type=int, default=50, help="matches explained")
    parser.add_argument("--rounds", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
