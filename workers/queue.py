"""The job queue over arq: what use cases call ``svc.jobs`` (``matcher.store.jobs.JobQueue``).

Jobs are JSON, never pickle: Redis content must not be able to run code.
"""

from __future__ import annotations

import json
from typing import Any

from arq.connections import ArqRedis
from arq.constants import in_progress_key_prefix, job_key_prefix, retry_key_prefix
from redis.asyncio import ConnectionPool

from matcher.foundation.settings import Settings


def job_serializer(job: dict[str, Any]) -> bytes:
    return json.dumps(job, default=str, ensure_ascii=False).encode()


def job_deserializer(data: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(data)
    return result


class ArqQueue:
    """Enqueues on the settings' Redis and queue. Built on a lazy pool (arq's ``create_pool``
    pings and retries at start): the API comes up while Redis is down and /readyz says so."""

    def __init__(self, settings: Settings) -> None:
        pool = ConnectionPool.from_url(
            settings.redis_url, socket_connect_timeout=2, socket_timeout=5
        )
        self.queue_name = settings.queue_name
        self.redis = ArqRedis(
            pool,
            job_serializer=job_serializer,
            job_deserializer=job_deserializer,
            default_queue_name=settings.queue_name,
        )

    async def enqueue(self, function: str, *args: Any, job_id: str, defer_s: float = 0) -> bool:
        job = await self.redis.enqueue_job(
            function, *args, _job_id=job_id, _defer_by=defer_s or None
        )
        return job is not None

    async def waiting(self, job_id: str) -> bool:
        queued = await self.redis.zscore(self.queue_name, job_id) is not None
        return queued and not await self.redis.exists(in_progress_key_prefix + job_id)

    async def discard(self, job_id: str) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.queue_name, job_id)
            pipe.delete(
                job_key_prefix + job_id, in_progress_key_prefix + job_id, retry_key_prefix + job_id
            )
            await pipe.execute()

    async def close(self) -> None:
        await self.redis.aclose()
        # A pool handed to the client is not closed by it.
        await self.redis.connection_pool.disconnect()
