"""The keyword (BM25) search of a posting's candidates: what its query costs, clause by
clause, and what leaving out its commonest words would save and change.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -u benchmarks/bm25_query.py --profiles 1000000
        [--postings 1000] [--queries 300] [--keep NAME]

Runs on the profiles and postings of ``benchmarks/load.py`` (built the same way, or kept by an
earlier run with ``--keep NAME``). For ``--queries`` of the postings it sends each variant of
the BM25 search as ``retrieve`` would (the posting's hard-rule filters, the shipped
``bm25_size``), twice (the first pass warms the caches; the second is measured), and reads
Elasticsearch's own ``took``. Each variant's list is compared with today's query: the share
of today's list it also returns (what the fusion would see).

Variants: today's query (the whole segmented text on ``search_text`` and on ``title_tokens``
×2, and the occupation boosts); each clause alone; the words once each; and the words once
each without those found in more than a given share of the profiles (document frequencies
read with one ``_termvectors`` call per posting, whose ``took`` is printed too), with and
without the best 100–400 of that query re-scored with every word (a rescore). On synthetic
profiles (copies of a few hundred) the share of today's list is mostly ties; judge relevance
with ``benchmarks/match_relevance.py --variants``. Prints figures
with date and machine; asserts nothing. Without ``--keep`` the scratch indexes are dropped.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import asyncio
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import machine_line, scratch_env
from match_latency import build_or_keep

from indexes.documents import PostingDoc
from matcher.foundation.settings import Settings
from matcher.matching.service import occupation_boosts
from matcher.migrations.service import prepare_indexes
from matcher.policy.relevance import readings_of
from matcher.services import Services, open_services
from matcher.store.queries import Query
from matcher.store.rule_filters import candidate_filters
from workers.queue import ArqQueue


@dataclass(frozen=True)
class Posting:
    words: list[str]  # the segmented search text, in order, repeats kept
    freq: dict[str, float]  # each word's share of the profiles holding it in search_text
    filters: list[Query]
    boosts: list[Query]


def unique(words: list[str]) -> list[str]:
    return list(dict.fromkeys(words))


def scoring(text: str, *, search_text: bool = True, title: bool = True) -> list[Query]:
    out: list[Query] = []
    if search_text:
        out.append({"match": {"search_text": {"query": text}}})
    if title:
        out.append({"match": {"title_tokens": {"query": text, "boost": 2}}})
    return out


Clauses = tuple[list[Query], int]  # the should-clauses, and the window re-scored (0: none)


def today(p: Posting) -> list[Query]:
    return [*scoring(" ".join(p.words)), *p.boosts]


def rare(share: float, window: int = 0) -> Callable[[Posting], Clauses]:
    """Every word once, those in more than ``share`` of the profiles left out (all of them
    when all are that common), as RecordRepository.keywords; with ``window``, the best
    ``window`` re-scored with today's query."""

    def clauses(p: Posting) -> Clauses:
        kept = [w for w in unique(p.words) if p.freq.get(w, 0.0) <= share] or p.words
        return [*scoring(" ".join(kept)), *p.boosts], window

    return clauses


VARIANTS: dict[str, Callable[[Posting], Clauses]] = {
    "today": lambda p: (today(p), 0),
    "search_text only": lambda p: ([*scoring(" ".join(p.words), title=False), *p.boosts], 0),
    "title_tokens only": lambda p: ([*scoring(" ".join(p.words), search_text=False), *p.boosts], 0),
    "boosts only": lambda p: (p.boosts, 0),
    "words once": lambda p: ([*scoring(" ".join(unique(p.words))), *p.boosts], 0),
    "words in ≤ 20 %": rare(0.20),
    "words in ≤ 5 %": rare(0.05),
    "words in ≤ 1 %": rare(0.01),
    "≤ 5 %, best 100 re-scored": rare(0.05, 100),
    "≤ 5 %, best 200 re-scored": rare(0.05, 200),
    "≤ 5 %, best 400 re-scored": rare(0.05, 400),
    "≤ 1 %, best 200 re-scored": rare(0.01, 200),
}


async def postings(
    svc: Services, docs: list[dict[str, Any]], count: int
) -> tuple[list[Posting], list[int]]:
    """The postings' words, filters and boosts, and the took of each ``_termvectors`` call."""
    es, alias, day = svc.store.es, svc.store.profiles.spec.read_alias, svc.clock.today()
    out, took = [], []
    for source in docs[:count]:
        posting = PostingDoc(**source)  # type: ignore[typeddict-item]
        text = str(posting.get("search_text") or "")
        if not text:
            continue
        resp = await es.termvectors(
            index=alias,
            doc={"search_text": text},
            fields=["search_text"],
            term_statistics=True,
            field_statistics=True,
            positions=False,
            offsets=False,
        )
        took.append(int(resp["took"]))
        vector = resp["term_vectors"].get("search_text", {})
        total = max(1, int(vector.get("field_statistics", {}).get("doc_count", 1)))
        freq = {
            term: int(stats.get("doc_freq", 0)) / total
            for term, stats in vector.get("terms", {}).items()
        }
        out.append(
            Posting(
                text.split(),
                freq,
                candidate_filters(posting, day),
                occupation_boosts(readings_of(posting, side="posting"), "occupation_codes"),
            )
        )
    return out, took


async def run(
    svc: Services, clauses: Callable[[Posting], Clauses], work: list[Posting]
) -> tuple[list[int], list[list[str]], list[int]]:
    es, alias = svc.store.es, svc.store.profiles.spec.read_alias
    took: list[int] = []
    top: list[list[str]] = []
    terms: list[int] = []
    for _ in range(2):  # the first pass warms the caches; the second is kept
        took, top, terms = [], [], []
        for p in work:
            should, window = clauses(p)
            extra: dict[str, Any] = {}
            if window:
                extra["rescore"] = {
                    "window_size": window,
                    "query": {
                        "rescore_query": {"bool": {"should": today(p)}},
                        "query_weight": 0.0,
                        "rescore_query_weight": 1.0,
                    },
                }
            resp = await es.search(
                index=alias,
                query={"bool": {"filter": p.filters, "should": should, "minimum_should_match": 1}},
                size=svc.ranking.bm25_size,
                source=False,
                track_total_hits=False,
                **extra,
            )
            took.append(int(resp["took"]))
            top.append([h["_id"] for h in resp["hits"]["hits"]])
            terms.append(
                sum(
                    len(str(c["match"][f]["query"]).split())
                    for c in should
                    if "match" in c
                    for f in c["match"]
                )
            )
    return took, top, terms


def quantile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


async def main(args: argparse.Namespace) -> None:
    env = scratch_env("bm25", args.keep)
    print(machine_line())
    async with open_services(Settings.from_env(env), ArqQueue) as svc:
        try:
            await prepare_indexes(svc)
            built, docs = await build_or_keep(svc, args)
            work, tv_took = await postings(svc, docs, args.queries)
            print(
                f"{args.profiles:,} profiles ({built}), {len(work)} postings as queries, "
                f"top {svc.ranking.bm25_size}; Elasticsearch's took, second of two passes; "
                f"_termvectors took "
                f"mean {statistics.fmean(tv_took):.1f} ms, p95 {quantile(tv_took, 0.95):.0f}"
            )
            base: list[list[str]] = []
            print(
                f"  {'variant':<20} {'mean':>6} {'p50':>5} {'p95':>5} {'max':>5}  "
                f"{'words sent':>10}  {'share of today list':>20}"
            )
            for name, clauses in VARIANTS.items():
                took, top, terms = await run(svc, clauses, work)
                if not base:
                    base = top
                shares = [
                    len(set(a) & set(b)) / len(b) for a, b in zip(top, base, strict=True) if b
                ]
                print(
                    f"  {name:<20} {statistics.fmean(took):6.1f} {quantile(took, 0.5):5.0f} "
                    f"{quantile(took, 0.95):5.0f} {max(took):5d}  "
                    f"{statistics.fmean(terms):10.1f}  {statistics.fmean(shares):20.3f}"
                )
        finally:
            if not args.keep:
                await svc.store.drop_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--postings", type=int, default=300)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--keep", metavar="NAME", help="the scratch indexes of load.py --keep NAME")
    asyncio.run(main(parser.parse_args()))
