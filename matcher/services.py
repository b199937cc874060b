"""The long-lived clients of one process, created in the lifespan and handed to endpoints."""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio.to_thread
from arq.connections import ArqRedis
from elasticsearch import AsyncElasticsearch
from redis.asyncio import ConnectionPool
from starlette.requests import Request

from indexes import IndexSpec, build_specs
from matcher.embeddings import Embedder, build_embedder
from matcher.foundation.settings import Settings
from matcher.policy.ranking import MatchingConfig
from matcher.taxonomy.catalog import Taxonomy


def job_serializer(job: dict[str, Any]) -> bytes:
    """arq's job and result encoding: JSON, never pickle (Redis content must not run code)."""
    return json.dumps(job, default=str, ensure_ascii=False).encode()


def job_deserializer(data: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(data)
    return result


def create_es(settings: Settings) -> AsyncElasticsearch:
    return AsyncElasticsearch(
        settings.es_url,
        request_timeout=settings.es_timeout_s,
        max_retries=2,
        retry_on_timeout=True,
    )


def create_arq(settings: Settings) -> ArqRedis:
    # Built on a lazy pool (arq's create_pool pings and retries at start): the API comes up
    # while Redis is down and /readyz says so, instead of failing to start.
    pool = ConnectionPool.from_url(settings.redis_url, socket_connect_timeout=2, socket_timeout=5)
    return ArqRedis(
        pool,
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
        default_queue_name=settings.queue_name,
    )


def index_specs(settings: Settings, embedder: Embedder) -> dict[str, IndexSpec]:
    return build_specs(settings.index_prefix, dims=embedder.dims, embedding_model=embedder.model_id)


@dataclass
class Services:
    settings: Settings
    es: AsyncElasticsearch
    arq: ArqRedis
    embedder: Embedder
    specs: dict[str, IndexSpec]
    taxonomy: Taxonomy
    matching: MatchingConfig

    async def close(self) -> None:
        await self.es.close()
        await self.arq.aclose()
        # A pool handed to the client is not closed by it.
        await self.arq.connection_pool.disconnect()
        self.embedder.close()


EmbedderFactory = Callable[[Settings], Embedder]


def build_services(settings: Settings, embedder: Embedder) -> Services:
    """Clients for ``settings`` (they connect lazily) and the catalogs (read from package data;
    blocking, about a second: call from a thread in async code)."""
    svc = Services(
        settings=settings,
        es=create_es(settings),
        arq=create_arq(settings),
        embedder=embedder,
        specs=index_specs(settings, embedder),
        taxonomy=Taxonomy.load(settings, embedder),
        matching=MatchingConfig.load(
            Path(settings.matching_file) if settings.matching_file else None
        ),
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
    settings: Settings, embedder_factory: EmbedderFactory = build_embedder
) -> AsyncIterator[Services]:
    """Load the embedder and catalogs (in a thread: seconds) and yield ready clients."""
    embedder = await anyio.to_thread.run_sync(embedder_factory, settings)
    svc = await anyio.to_thread.run_sync(build_services, settings, embedder)
    try:
        yield svc
    finally:
        await svc.close()


def services(request: Request) -> Services:
    """The process's ``Services``, as set by the app's lifespan."""
    found: Services = request.app.state.services
    return found
