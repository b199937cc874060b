"""What every use case is handed: the process's long-lived parts, created once at start-up.

The adapters (the API's lifespan, the worker, the command line) build one ``Services`` with
``open_services`` and pass it to the use cases. Nothing here is created at import time.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import anyio.to_thread

from indexes import build_indexes
from indexes.specs import parse_layouts
from matcher.embeddings import Embedder, build_embedder
from matcher.embeddings.cache import QueryVectors, Recent
from matcher.foundation.clock import Clock
from matcher.foundation.settings import Settings, SettingsError
from matcher.policy.ranking import RankingConfig
from matcher.store import Store
from matcher.store.jobs import JobQueue
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.inference import Reading


@dataclass
class Services:
    settings: Settings
    clock: Clock
    store: Store
    jobs: JobQueue
    embedder: Embedder
    taxonomy: Taxonomy
    ranking: RankingConfig
    # Recent search texts' vectors and occupation readings (matcher.embeddings.cache).
    query_vectors: QueryVectors = field(default_factory=QueryVectors)
    query_readings: Recent[tuple[str, str], tuple[Reading, ...]] = field(default_factory=Recent)

    async def close(self) -> None:
        await self.store.close()
        await self.jobs.close()
        self.embedder.close()


EmbedderFactory = Callable[[Settings], Embedder]
QueueFactory = Callable[[Settings], JobQueue]


def build_services(
    settings: Settings,
    embedder: Embedder,
    jobs: JobQueue,
    *,
    clock: Clock | None = None,
    store: Store | None = None,
) -> Services:
    """Clients for ``settings`` (they connect lazily) and the catalogs (read from package data;
    blocking, about a second: call from a thread in async code). ``store`` replaces the real
    one (unit tests' in-memory fakes)."""
    try:
        layouts = parse_layouts(settings.index_shards, settings.index_replicas)
    except ValueError as exc:
        raise SettingsError(str(exc)) from None
    indexes = build_indexes(
        settings.index_prefix,
        dims=embedder.dims,
        embedding_model=embedder.model_id,
        layouts=layouts,
    )
    svc = Services(
        settings=settings,
        clock=clock or Clock(settings.timezone),
        store=store or Store.connect(settings, indexes),
        jobs=jobs,
        embedder=embedder,
        taxonomy=Taxonomy.load(settings, embedder),
        ranking=RankingConfig.load(
            Path(settings.matching_file) if settings.matching_file else None
        ),
        query_vectors=QueryVectors(settings.query_cache_size),
        query_readings=Recent(settings.query_cache_size),
    )
    freeze_startup_heap()
    return svc


def freeze_startup_heap() -> None:
    """Take what startup loaded (model, catalogs, segmenter dictionary, modules) out of the
    cyclic collector's sight, once per process (``gc.freeze``).

    Every full collection otherwise walks all of it: about 50 ms on two cores, every few dozen
    requests, which was the p99 of matching (``benchmarks/match_latency.py``: p99 at 100k
    profiles 74 → 31 ms). Objects made later are collected as before; frozen ones are still
    freed when nothing refers to them, only cycles among them are never collected, hence once."""
    if gc.get_freeze_count() == 0:
        gc.collect()
        gc.freeze()


@contextlib.asynccontextmanager
async def open_services(
    settings: Settings,
    queue_factory: QueueFactory,
    embedder_factory: EmbedderFactory = build_embedder,
    *,
    clock: Clock | None = None,
) -> AsyncIterator[Services]:
    """Load the embedder and catalogs (in a thread: seconds) and yield ready services."""
    embedder = await anyio.to_thread.run_sync(embedder_factory, settings)
    jobs = queue_factory(settings)

    def build() -> Services:
        return build_services(settings, embedder, jobs, clock=clock)

    svc = await anyio.to_thread.run_sync(build)
    try:
        yield svc
    finally:
        await svc.close()
