"""Posting → candidates latency at 10k and 100k profiles, and kNN recall against exact search.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/match_latency.py --profiles 10000,100000

Embedding 100k texts with the model would take about an hour here (about 30 rows/s), so only a
sample of generated profiles (``--sample``) goes through the real ``prepare`` (normalization,
segmentation, embedding); the volume is synthesised by copying those documents with new ids and
vectors perturbed with Gaussian noise and re-normalized (each copy keeps its source's fields, so
the hard rules select the same share of copies as of the sample). The queries are real
generated postings (made matchable: active, no validity dates), prepared and indexed the same
way. Each size is filled into one scratch index (``bench-latency-<pid>-*``, dropped at the end,
also on error) and measured twice: as bulk indexing leaves it (several segments) and after a
force-merge to one segment (sizes up to ``--force-merge-max``), each time once no merge is
running any more. Per state:

- ``--requests`` calls of ``matches_for_posting`` (the full pipeline: load the posting, BM25 and
  kNN under the hard-rule filters, RRF fusion, feature re-ranking), cycling over the postings,
  with the shipped ranking configuration, then again with the in-process policy cache emptied
  before every request (the incentive policies read from Elasticsearch each time); then
  ``retrieve`` alone (both searches and the fusion) and the kNN and BM25 searches alone, as
  ``retrieve`` sends them, and BM25 once more counting hits as ES does by default (what the
  service sent before 2026-11-26), interleaved with it; p50 / p95 / p99 / mean of the
  client-side wall time, in ms;
- recall@50 of the filtered kNN search against exact cosine over the same filtered set (numpy
  over the vectors that were indexed; eligibility from the Python hard-rule checks, which the
  tests hold to the Elasticsearch filters), for each ``--num-candidates``, without re-scoring
  (oversample 0) and with it as the service sends it (the quantised candidates re-scored on
  the float vectors: oversample 3 for bbq_hnsw, 2 for int8_hnsw), with the latency of each.

The vectors are quantised as ``indexes/specs.py`` maps them (``bbq_hnsw`` since mapping v9 of
profiles), so recall counts both the graph search and the quantisation; ``--vector-index
int8_hnsw`` (or another dense_vector index type) changes the scratch index's mapping before it
is filled, with the re-scoring that type gets, to compare quantisations. After the last size the
index's disk size and the node's vector memory estimates (``_stats/dense_vector``) are printed.
Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import numpy as np
from elasticsearch.exceptions import GeneralAvailabilityWarning

from indexes.documents import PostingDoc, ProfileDoc
from indexes.specs import embedding_mapping
from matcher.demo.generate import generate_postings, generate_profiles
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.incentives.service import clear_policy_cache, current_policies
from matcher.matching.service import Retrieval, matches_for_posting, retrieve
from matcher.policy.rules import check
from matcher.postings.service import POSTINGS
from matcher.profiles.service import PROFILES
from matcher.records.prepare import WriteContext, prepare
from matcher.services import Services, open_services
from matcher.store.records import RETRIEVAL_EXCLUDES
from matcher.store.rule_filters import candidate_filters
from workers.queue import ArqQueue

ADMIN = Principal(token_id="bench", role=Role.ADMIN, subject="bench")  # noqa: S106 - an id
BATCH = 2000  # synthetic documents built and bulk-written at a time
RECALL_AT = 50
UNCACHED_LABEL = "full pipeline, policies read from ES every request"
BROAD = 0.10  # a posting whose hard rules leave at least this share of profiles eligible
# Fields retrieve() leaves out of hits; the kNN and BM25 timings ask for the same sources.
EXCLUDE = RETRIEVAL_EXCLUDES


@dataclass
class Query:
    """A posting as the matcher queries with it, and which sample profiles it may match."""

    posting_id: str
    text: str
    vector: np.ndarray
    filters: list[dict[str, Any]]
    boosts: list[dict[str, Any]]
    eligible: np.ndarray  # bool per sample profile


class Corpus:
    """Synthetic profiles: row i copies sample document i % len(sample) with a noisy vector."""

    def __init__(
        self, sample: Sequence[dict[str, Any]], noise: float, seed: int, capacity: int
    ) -> None:
        self.sample = list(sample)
        self.base = np.asarray([d["embedding"] for d in sample], dtype=np.float32)
        self.noise = noise
        self.rng = np.random.default_rng(seed)
        # Allocated once: growing by concatenation would copy 1.5 GB per batch at 1M rows.
        self._vectors = np.empty((capacity, self.base.shape[1]), dtype=np.float32)
        self._size = 0
        self.cosines: list[float] = []

    def __len__(self) -> int:
        return self._size

    @property
    def vectors(self) -> np.ndarray:
        """The vectors indexed so far, row i = document ``lat-<i>``."""
        return self._vectors[: self._size]

    def source_of(self, rows: np.ndarray) -> np.ndarray:
        return rows % len(self.sample)

    def grow(self, stop: int) -> list[tuple[str, dict[str, Any]]]:
        """Documents for rows len(self) … stop - 1 (their vectors are kept for exact search)."""
        rows = np.arange(len(self), stop)
        base = self.base[self.source_of(rows)]
        vectors = base + self.rng.normal(0.0, self.noise, base.shape).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        # Six decimals keep the JSON small; exact search uses exactly what was sent.
        vectors = np.round(vectors, 6).astype(np.float32)
        self.cosines.append(float(np.mean(np.sum(vectors * base, axis=1))))
        self._vectors[self._size : stop] = vectors
        self._size = stop
        docs = []
        for row, vector in zip(rows, vectors, strict=True):
            doc = dict(self.sample[row % len(self.sample)])
            doc["id"] = f"lat-{row:07d}"
            doc["embedding"] = vector.tolist()
            docs.append((doc["id"], doc))
        return docs


def percentiles(ms: Sequence[float]) -> str:
    q = np.percentile(ms, [50, 95, 99])
    return f"{q[0]:7.1f} {q[1]:7.1f} {q[2]:7.1f} {statistics.fmean(ms):7.1f}"


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


def knn_body(
    query: Query, *, k: int, num_candidates: int, size: int | None = None
) -> dict[str, Any]:
    return {
        "knn": {
            "field": "embedding",
            "query_vector": query.vector.tolist(),
            "k": k,
            "num_candidates": num_candidates,
            "filter": {"bool": {"filter": query.filters, "must_not": []}},
        },
        "size": k if size is None else size,
        "source_excludes": EXCLUDE,
        "track_total_hits": False,
    }


def bm25_body(query: Query, size: int, *, count_hits: bool = False) -> dict[str, Any]:
    """The BM25 search as ``retrieve`` sends it; ``count_hits`` adds ES's default hit count
    (up to 10,000), which the service sent before 2026-11-26."""
    return {
        "track_total_hits": 10_000 if count_hits else False,
        "query": {
            "bool": {
                "filter": query.filters,
                "should": [
                    {"match": {"search_text": {"query": query.text}}},
                    {"match": {"title_tokens": {"query": query.text, "boost": 2}}},
                    *query.boosts,
                ],
                "minimum_should_match": 1,
            }
        },
        "size": size,
        "source_excludes": EXCLUDE,
    }


async def make_postings(svc: Services, count: int, seed: int) -> list[dict[str, Any]]:
    """Generated postings, made matchable today, prepared and indexed like the API does."""
    records = generate_postings(count, seed)
    items = []
    for record in records:
        body = {k: v for k, v in record.items() if k not in ("id", "valid_from", "valid_until")}
        body["status"] = "active"
        items.append((record["id"], POSTINGS.model.model_validate(body), None))
    docs = await prepare(svc, POSTINGS, items, context=WriteContext(await current_policies(svc)))
    await svc.store.postings.write_many([(d["id"], d) for d in docs], refresh=True)
    return cast(list[dict[str, Any]], docs)


async def make_sample(svc: Services, count: int, seed: int) -> list[dict[str, Any]]:
    records = generate_profiles(count, seed)
    items = [
        (r["id"], PROFILES.model.model_validate({k: v for k, v in r.items() if k != "id"}))
        for r in records
    ]
    docs: list[dict[str, Any]] = []
    for start in range(0, len(items), 128):
        batch = [(i, body, None) for i, body in items[start : start + 128]]
        docs += cast(list[dict[str, Any]], await prepare(svc, PROFILES, batch))
    return docs


def queries_for(
    svc: Services, postings: Sequence[dict[str, Any]], sample: Sequence[Any]
) -> list[Query]:
    today, catalog = svc.clock.today(), svc.taxonomy.occupations
    out = []
    for source in postings:
        posting = cast(PostingDoc, source)
        code = posting.get("occupation_code")
        out.append(
            Query(
                posting_id=posting["id"],
                text=posting.get("search_text", ""),
                vector=np.asarray(posting["embedding"], dtype=np.float32),
                filters=candidate_filters(posting, today),
                boosts=[{"term": {"occupation_codes": {"value": code, "boost": 3}}}]
                if code
                else [],
                eligible=np.array(
                    [
                        all(r.passed for r in check(posting, cast(ProfileDoc, p), today, catalog))
                        for p in sample
                    ]
                ),
            )
        )
    return out


async def fill(svc: Services, corpus: Corpus, stop: int) -> float:
    """Bulk-index rows up to ``stop`` (refresh off meanwhile); returns rows/s."""
    repo, es = svc.store.profiles, svc.store.es
    index = repo.spec.write_alias
    await es.indices.put_settings(index=index, settings={"refresh_interval": "-1"})
    started, begin = time.perf_counter(), len(corpus)
    while len(corpus) < stop:
        docs = corpus.grow(min(len(corpus) + BATCH, stop))
        errors = await repo.write_many(cast(list[tuple[str, ProfileDoc]], docs))
        if errors:
            raise RuntimeError(
                f"{len(errors)} documents failed, e.g. {next(iter(errors.values()))}"
            )
    await es.indices.put_settings(index=index, settings={"refresh_interval": None})
    await repo.refresh_now()
    return (stop - begin) / (time.perf_counter() - started)


async def settle(svc: Services, limit_s: float = 900.0) -> str:
    """Wait until no merge runs on the profiles index (bulk indexing leaves merges going,
    which would share the two cores with the requests measured); says how long it waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        stats = await svc.store.es.indices.stats(
            index=svc.store.indexes.profiles.read_alias, metric="merge"
        )
        if not stats["_all"]["primaries"]["merges"]["current"]:
            return f"merges settled after {time.perf_counter() - started:.0f} s"
        await asyncio.sleep(1.0)
    return f"MERGES STILL RUNNING after {limit_s:.0f} s"


async def force_merge(svc: Services) -> None:
    """Merge the profiles index to one segment, however long it takes: the merge runs as a
    task, polled every ten seconds (a million profiles take longer than any client time-out
    worth setting)."""
    es = svc.store.es
    started = await es.indices.forcemerge(
        index=svc.store.indexes.profiles.read_alias,
        max_num_segments=1,
        wait_for_completion=False,
    )
    while True:
        with warnings.catch_warnings():  # the tasks API is a technical preview: said once here
            warnings.simplefilter("ignore", GeneralAvailabilityWarning)
            progress = await es.tasks.get(task_id=started["task"])
        if progress.get("completed"):
            return
        await asyncio.sleep(10)


async def kept_corpus(svc: Services, profiles: int, postings: int) -> list[dict[str, Any]] | None:
    """The postings of a scratch prefix kept by an earlier run (``--keep``) when its profiles
    index holds exactly ``profiles`` records and its postings index exactly ``postings``;
    None when the indexes are empty and must be built. Kept indexes of other sizes are
    refused: building into them would mix two corpora."""
    es, indexes = svc.store.es, svc.store.indexes
    held = int((await es.count(index=indexes.profiles.read_alias))["count"])
    resp = await es.search(
        index=indexes.postings.read_alias,
        size=postings,
        sort=[{"id": "asc"}],
        track_total_hits=True,
    )
    listed = int(resp["hits"]["total"]["value"])
    if held == 0 and listed == 0:
        return None
    if (held, listed) != (profiles, postings):
        raise SystemExit(
            f"the kept indexes hold {held:,} profiles and {listed:,} postings, not "
            f"{profiles:,} and {postings:,}: delete them (DELETE /{indexes.profiles.prefix}-*) "
            "or ask for their sizes"
        )
    return [dict(h["_source"]) for h in resp["hits"]["hits"]]


async def build_or_keep(svc: Services, args: Any) -> tuple[str, list[dict[str, Any]]]:
    """The profiles and postings a benchmark runs on (``args.profiles``, ``args.postings``,
    ``args.sample``, ``args.seed``): those kept by an earlier run under the same prefix, or
    built (bulk-indexed and merged to one segment). Returns how they came to be, and the
    postings."""
    kept = await kept_corpus(svc, args.profiles, args.postings)
    if kept is not None:
        await force_merge(svc)  # at once when it is one segment (a kept run may have stopped)
        return "kept from an earlier run", kept
    sample = await make_sample(svc, args.sample, args.seed)
    corpus = Corpus(sample, 0.02, args.seed, args.profiles)
    rate = await fill(svc, corpus, args.profiles)
    posting_docs = await make_postings(svc, args.postings, args.seed)
    await force_merge(svc)  # polled: a million profiles outlast any time-out
    return f"bulk-indexed at {rate:,.0f}/s", posting_docs


async def segments(svc: Services) -> int:
    stats = await svc.store.es.indices.stats(
        index=svc.store.indexes.profiles.read_alias, metric="segments"
    )
    return int(stats["_all"]["primaries"]["segments"]["count"])


async def pipeline(
    svc: Services, cycle: Sequence[Query], *, cache_policies: bool = True
) -> list[float]:
    """``matches_for_posting`` per query; without ``cache_policies`` the in-process policy
    cache is emptied before each request (how the service ran before it had one)."""
    times = []
    for q in cycle:
        if not cache_policies:
            clear_policy_cache()
        times.append(
            await timed(partial(matches_for_posting, svc, principal=ADMIN, posting_id=q.posting_id))
        )
    return times


async def stages(svc: Services, cycle: Sequence[Query]) -> dict[str, list[float]]:
    """The retrieval stages alone, as ``retrieve`` sends them (shipped configuration)."""
    repo, config, es = svc.store.profiles, svc.ranking, svc.store.es
    alias = repo.spec.read_alias
    oversample = repo.spec.knn_oversample or 2.0
    knn = (
        f"kNN alone (k {config.knn_k}, num_candidates {config.knn_num_candidates}, "
        f"rescore x{oversample:g})"
    )
    bm25 = f"BM25 alone (size {config.bm25_size})"
    counted = f"BM25 alone, counting hits (size {config.bm25_size})"
    out: dict[str, list[float]] = {
        "retrieve (BM25 + kNN, fused)": [],
        knn: [],
        bm25: [],
        counted: [],
    }
    for q in cycle:
        out["retrieve (BM25 + kNN, fused)"].append(
            await timed(
                partial(
                    retrieve,
                    repo,
                    Retrieval(
                        text=q.text,
                        vector=q.vector.tolist(),
                        filters=q.filters,
                        must_not=[],
                        boosts=q.boosts,
                    ),
                    config,
                )
            )
        )
    for q in cycle:
        body = knn_body(q, k=config.knn_k, num_candidates=config.knn_num_candidates)
        body["knn"]["rescore_vector"] = {"oversample": oversample}
        out[knn].append(await timed(partial(es.search, index=alias, **body)))
    # Interleaved, so both variants see the same machine.
    for q in cycle:
        for name, count_hits in ((bm25, False), (counted, True)):
            body = bm25_body(q, config.bm25_size, count_hits=count_hits)
            out[name].append(await timed(partial(es.search, index=alias, **body)))
    return out


async def recall_sweep(
    svc: Services,
    corpus: Corpus,
    queries: Sequence[Query],
    num_candidates: Sequence[int],
    oversamples: Sequence[float] = (),
) -> None:
    """Recall@50 of the filtered kNN search against exact cosine, without re-scoring the
    quantised candidates on the float vectors and with it (``rescore_vector``: as the service
    sends it, or at each of ``oversamples``)."""
    alias, es = svc.store.indexes.profiles.read_alias, svc.store.es
    sources = corpus.source_of(np.arange(len(corpus)))
    broad = {q.posting_id for q in queries if np.mean(q.eligible) >= BROAD}
    print(
        f"  kNN recall@{RECALL_AT} against exact cosine over the same filtered set: "
        f"{len(queries)} postings, {len(broad)} of them broad (>= {BROAD:.0%} of profiles "
        "eligible)"
    )
    print(
        f"  {'num_candidates':>16} {'k':>4} {'rescore':>8} {'recall@50':>10} {'(broad)':>8} "
        f"{'p50':>6} {'p95':>6}  ms"
    )
    exact: dict[str, set[str]] = {}
    for q in queries:
        rows = np.flatnonzero(q.eligible[sources])
        scores = corpus.vectors[rows] @ q.vector
        exact[q.posting_id] = {f"lat-{r:07d}" for r in rows[np.argsort(-scores)[:RECALL_AT]]}
    service_oversample = svc.store.indexes.profiles.knn_oversample or 2.0
    for nc in num_candidates:
        # 0: the quantised search alone; then re-scored as the service sends it.
        for oversample in (0.0, *(oversamples or [service_oversample])):
            k = min(svc.ranking.knn_k, nc)
            recalls: dict[str, float] = {}
            times = []
            for q in queries:
                if not exact[q.posting_id]:
                    continue
                body = knn_body(q, k=k, num_candidates=nc, size=RECALL_AT)
                body["knn"]["rescore_vector"] = {"oversample": oversample}
                started = time.perf_counter()
                resp = await es.search(index=alias, **body)
                times.append((time.perf_counter() - started) * 1000)
                got = {h["_id"] for h in resp["hits"]["hits"]}
                recalls[q.posting_id] = len(got & exact[q.posting_id]) / len(exact[q.posting_id])
            wide = [r for p, r in recalls.items() if p in broad]
            mean_all = statistics.fmean(recalls.values())
            mean_wide = statistics.fmean(wide) if wide else float("nan")
            q50, q95 = np.percentile(times, [50, 95])
            print(
                f"  {nc:16d} {k:4d} {oversample or '-':>8} {mean_all:10.3f} {mean_wide:8.3f} "
                f"{q50:6.1f} {q95:6.1f}"
            )


@dataclass(frozen=True)
class Sweep:
    """The kNN settings the recall sweep tries (no oversamples: the service's)."""

    num_candidates: Sequence[int]
    oversamples: Sequence[float] = ()


async def measure(
    svc: Services,
    corpus: Corpus,
    queries: Sequence[Query],
    *,
    requests: int,
    sweep: Sweep,
    label: str,
) -> None:
    cycle = [queries[i % len(queries)] for i in range(requests)]
    for q in queries[:20]:  # warm-up: caches, mmap'd vector files, the client's pool
        await matches_for_posting(svc, principal=ADMIN, posting_id=q.posting_id)
    rows = {"full pipeline (matches_for_posting)": await pipeline(svc, cycle)}
    rows[UNCACHED_LABEL] = await pipeline(svc, cycle, cache_policies=False)
    rows |= await stages(svc, cycle)
    print(f"\n{label}")
    print(f"  {'stage':52} {'p50':>7} {'p95':>7} {'p99':>7} {'mean':>7}  ms, {requests} requests")
    for name, ms in rows.items():
        print(f"  {name:52} {percentiles(ms)}")
    await recall_sweep(svc, corpus, queries, sweep.num_candidates, sweep.oversamples)


async def main(args: argparse.Namespace) -> None:
    sizes = sorted(int(s) for s in args.profiles.split(","))
    prefix = f"bench-latency-{os.getpid()}"
    # Force-merging 100k vectors takes minutes; the default client timeout is seconds.
    settings = Settings.from_env(
        {**os.environ, "MATCHER_INDEX_PREFIX": prefix, "MATCHER_ES_TIMEOUT_S": "1800"}
    )
    started = time.perf_counter()
    async with open_services(settings, ArqQueue) as svc:
        es = svc.store.es
        try:
            await svc.store.ensure_indexes()
            alias = svc.store.indexes.profiles.read_alias
            if args.vector_index:
                embedding = embedding_mapping(svc.embedder.dims, args.vector_index)
                await es.indices.put_mapping(index=alias, properties={"embedding": embedding})
                # The service's queries re-score as the mapping says.
                profiles = svc.store.indexes.profiles
                profiles.mappings["properties"]["embedding"] = embedding
            nodes = await es.nodes.info(metric="jvm")
            node = next(iter(nodes["nodes"].values()))
            heap = node["jvm"]["mem"]["heap_max_in_bytes"] / 2**30
            print(
                f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
                f"{os.cpu_count()} cores; Elasticsearch {node['version']} ({heap:.0f} GiB heap), "
                f"local node; embedder: {svc.embedder.model_id}"
            )
            posting_docs = await make_postings(svc, args.postings, args.seed)
            sample = await make_sample(svc, args.sample, args.seed)
            queries = queries_for(svc, posting_docs, sample)
            corpus = Corpus(sample, args.noise, args.seed, capacity=sizes[-1])
            shares = [float(np.mean(q.eligible)) for q in queries]
            print(
                f"profiles: {len(sample)} generated profiles prepared with the real model; the "
                f"rest SYNTHESISED as copies with Gaussian noise (sigma {args.noise}) on the "
                f"vector, re-normalized; {sum(d['status'] == 'active' for d in sample)} of the "
                f"{len(sample)} active"
            )
            print(
                f"queries: {len(queries)} generated postings (made matchable); share of profiles "
                f"passing a posting's hard rules: median {statistics.median(shares):.1%}, "
                f"min {min(shares):.1%}, max {max(shares):.1%}"
            )
            print(
                f"vectors: dense_vector {args.vector_index or 'as indexes/specs.py maps it'} "
                "(indexes/specs.py: m and "
                "ef_construction at ES "
                f"defaults), {corpus.base.shape[1]} dims, cosine; ranking config: "
                f"{vars(svc.ranking) | {'weights': '…'}}"
            )
            for size in sizes:
                rate = await fill(svc, corpus, size)
                print(
                    f"\n=== {size:,} profiles: bulk-indexed at {rate:,.0f} docs/s; mean cosine "
                    f"of a copy to its source {statistics.fmean(corpus.cosines):.3f}"
                )
                waited = await settle(svc)
                label = (
                    f"{size:,} profiles, segments: {await segments(svc)} (as bulk-indexed; "
                    f"{waited})"
                )
                await measure(
                    svc, corpus, queries, requests=args.requests,
                    sweep=Sweep(args.num_candidates, args.oversample), label=label,
                )  # fmt: skip
                if size > args.force_merge_max:
                    print(f"  (not force-merged: above --force-merge-max {args.force_merge_max:,})")
                    continue
                merge_started = time.perf_counter()
                await force_merge(svc)
                merged = time.perf_counter() - merge_started
                label = (
                    f"{size:,} profiles, segments: {await segments(svc)} "
                    f"(force-merged in {merged:.0f} s)"
                )
                await measure(
                    svc, corpus, queries, requests=args.requests,
                    sweep=Sweep(args.num_candidates, args.oversample), label=label,
                )  # fmt: skip
            stats = await es.indices.stats(index=alias, metric="store,dense_vector")
            total = stats["_all"]["total"]
            print(
                f"\nprofiles index on disk: {total['store']['size_in_bytes'] / 2**20:,.0f} MiB; "
                f"dense_vector stats: {total.get('dense_vector')}"
            )
        finally:
            await svc.store.drop_all()
    print(f"\nrun time: {time.perf_counter() - started:.0f} s; scratch indexes dropped")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="10000,100000", help="index sizes, comma-separated")
    parser.add_argument("--sample", type=int, default=600, help="profiles embedded for real")
    parser.add_argument("--postings", type=int, default=50, help="distinct query postings")
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument(
        "--num-candidates",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[50, 100, 200, 400],
        help="kNN num_candidates values for the recall sweep",
    )
    parser.add_argument(
        "--oversample",
        type=lambda s: [float(x) for x in s.split(",")],
        default=[],
        help="re-scoring oversamples for the recall sweep (default: the service's)",
    )
    parser.add_argument("--noise", type=float, default=0.015, help="per-dimension noise sigma")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--vector-index", help="dense_vector index type instead of the service's (int8_hnsw, …)"
    )
    parser.add_argument(
        "--force-merge-max",
        type=int,
        default=10**9,
        help="force-merge and measure again only sizes up to this (merging 1M vectors into "
        "one graph takes long on two cores)",
    )
    asyncio.run(main(parser.parse_args()))
