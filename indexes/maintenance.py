"""The nightly merge of the matching indexes into one segment each.

Matching searches every segment of the profiles and postings indexes on its own (one graph
search and one BM25 pass per segment), so the state bulk indexing leaves behind, four or five
segments at 100k profiles, answers slower than one segment (``benchmarks/match_latency.py``).
Lucene's merge policy leaves such segments alone: each is below the size of its tier. Once a
night, at a quiet hour (``MATCHER_MERGE_CRON``), the worker merges each of these indexes to one
segment. The merge also rewrites away deleted documents that Elasticsearch no longer keeps
for recovery (its retention leases hold recent deletes for a while), so a deleted
profile's text does not linger in segment files until some later merge happens to pick it up.

Elastic advises against force-merging an index that still takes writes: a merged segment above
5 GB (``index.merge.policy.max_merged_segment``) is left out of later merges until it is mostly
deleted documents. An index whose primary store is above ``max_bytes``
(``MATCHER_MERGE_MAX_MB``, 5 GB by default) is therefore left alone and reported as skipped.

A caller may bound how long it waits (``wait_s``): a merge still running then goes on inside
Elasticsearch (a merge whose caller went away is finished, and a second call for the same index
waits for the running one), the index is reported ``pending`` and the indexes after it are not
started. The worker waits a few minutes and queues its own continuation, so its jobs are never
held for hours (a killed worker's jobs are retried once their lock, as long as the longest job
timeout, runs out).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from elasticsearch import AsyncElasticsearch, ConnectionTimeout

from indexes.specs import IndexSpec

MERGED = ("profiles", "postings")  # the indexes matching and search read
MERGE_TIMEOUT_S = 3 * 3600  # 1M profiles take minutes on two cores; ES finishes regardless


@dataclass(frozen=True)
class MergeResult:
    index: str  # the concrete index behind the read alias
    segments_before: int
    segments_after: int
    deleted_before: int
    store_bytes: int
    seconds: float
    skipped: str | None = None  # why it was not merged
    pending: bool = False  # still merging (or not started) when the caller's wait ran out


async def merge_segments(
    es: AsyncElasticsearch,
    specs: Iterable[IndexSpec],
    *,
    max_bytes: int,
    wait_s: float = MERGE_TIMEOUT_S,
) -> list[MergeResult]:
    """Merge each concrete index behind the specs' read aliases to one segment, unless it is
    one segment without deleted documents already or its primary store exceeds ``max_bytes``.
    One index at a time: a merge takes a core for as long as it runs. After ``wait_s`` seconds
    the index being merged and those not started are reported ``pending``."""
    deadline = time.monotonic() + wait_s
    results: list[MergeResult] = []
    for spec in specs:
        stats = await es.indices.stats(index=spec.read_alias, metric=["segments", "docs", "store"])
        for index, entry in sorted(stats["indices"].items()):
            primaries = entry["primaries"]
            before = int(primaries["segments"]["count"])
            deleted = int(primaries["docs"]["deleted"])
            size = int(primaries["store"]["size_in_bytes"])
            skipped = None
            pending = False
            if before <= 1 and deleted == 0:
                skipped = "one segment without deleted documents already"
            elif size > max_bytes:
                skipped = (
                    f"primary store {size / 2**20:,.0f} MB above the bound of "
                    f"{max_bytes / 2**20:,.0f} MB"
                )
            elif any(r.pending for r in results) or time.monotonic() >= deadline:
                skipped, pending = "not started: the wait of this run ran out", True
            started = time.perf_counter()
            after = before
            if skipped is None:
                try:
                    # No client retries: a retry after the time-out would wait as long again,
                    # past the caller's bound (and mark a healthy node dead).
                    await es.options(
                        request_timeout=max(1.0, deadline - time.monotonic()),
                        retry_on_timeout=False,
                        max_retries=0,
                    ).indices.forcemerge(index=index, max_num_segments=1)
                except ConnectionTimeout:
                    # Elasticsearch goes on with it; the next call waits for it.
                    skipped, pending = "still merging when the wait of this run ran out", True
                else:
                    merged = await es.indices.stats(index=index, metric="segments")
                    after = int(merged["indices"][index]["primaries"]["segments"]["count"])
            results.append(
                MergeResult(
                    index=index,
                    segments_before=before,
                    segments_after=after,
                    deleted_before=deleted,
                    store_bytes=size,
                    seconds=round(time.perf_counter() - started, 3),
                    skipped=skipped,
                    pending=pending,
                )
            )
    return results
