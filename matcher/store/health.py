"""Dependency checks shared by ``/readyz`` and the worker's health job."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from elasticsearch import AsyncElasticsearch
from redis.asyncio import Redis

from indexes import IndexSpec, index_status

OK = "ok"


async def check_elasticsearch(es: AsyncElasticsearch) -> str:
    try:
        # Not es.ping(): the minimal node has no root endpoint to answer it.
        health = await es.options(request_timeout=2, max_retries=0).cluster.health()
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return OK if health["status"] in ("green", "yellow") else f"down: cluster {health['status']}"


async def check_redis(redis: Redis) -> str:
    try:
        await asyncio.wait_for(redis.ping(), timeout=2)
    except Exception as exc:
        return f"down: {type(exc).__name__}"
    return OK


async def check_indexes(es: AsyncElasticsearch, specs: Iterable[IndexSpec]) -> str:
    try:
        statuses = [await index_status(es.options(request_timeout=2), spec) for spec in specs]
    except Exception as exc:
        return f"unknown: {type(exc).__name__}"
    missing = [s.read_alias for s in statuses if not s.present]
    if missing:
        return f"missing: {', '.join(missing)}"
    # Writing with another model or mapping than the index holds would mix vectors silently.
    stale = [s.read_alias for s in statuses if s.needs_migration]
    return f"needs migration (matcher migrate): {', '.join(stale)}" if stale else OK


async def readiness(
    *, es: AsyncElasticsearch, redis: Redis, specs: Iterable[IndexSpec]
) -> dict[str, str]:
    """Each dependency → "ok" or what is wrong with it. Ready when all are "ok"."""
    es_state, redis_state = await asyncio.gather(check_elasticsearch(es), check_redis(redis))
    indexes = await check_indexes(es, specs) if es_state == OK else "unknown: elasticsearch down"
    return {"elasticsearch": es_state, "redis": redis_state, "indexes": indexes}
