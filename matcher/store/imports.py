"""The state of import jobs, in Redis: a hash of counters per import and a bounded list of
its row errors, both expiring a week after the last write."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Mapping, Sequence
from typing import TypeVar

from redis.asyncio import Redis

T = TypeVar("T")
STATE_TTL_S = 7 * 24 * 3600
MAX_ERRORS_KEPT = 10_000


def _r(value: Awaitable[T] | T) -> Awaitable[T]:
    """redis-py types its async methods as ``Awaitable[X] | X``; they always await here."""
    if inspect.isawaitable(value):
        return value
    raise TypeError("expected an awaitable from the async Redis client")


def state_key(import_id: str) -> str:
    return f"matcher:import:{import_id}"


def errors_key(import_id: str) -> str:
    return f"matcher:import:{import_id}:errors"


class ImportStateRepository:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    async def create(self, import_id: str, fields: Mapping[str, str | int]) -> None:
        await _r(self.redis.hset(state_key(import_id), mapping=dict(fields)))
        await _r(self.redis.expire(state_key(import_id), STATE_TTL_S))

    async def delete(self, import_id: str) -> None:
        await _r(self.redis.delete(state_key(import_id), errors_key(import_id)))

    async def update(self, import_id: str, fields: Mapping[str, str | int | float]) -> None:
        await _r(self.redis.hset(state_key(import_id), mapping=dict(fields)))

    async def get(self, import_id: str) -> dict[str, str] | None:
        raw = await _r(self.redis.hgetall(state_key(import_id)))
        if not raw:
            return None
        return {k.decode(): v.decode() for k, v in raw.items()}

    async def add_errors(self, import_id: str, errors: Sequence[str]) -> None:
        """Append row errors (JSON), keeping the first ``MAX_ERRORS_KEPT``: enough to fix a
        file, bounded in memory."""
        if not errors:
            return
        key = errors_key(import_id)
        await _r(self.redis.rpush(key, *errors))
        await _r(self.redis.ltrim(key, 0, MAX_ERRORS_KEPT - 1))
        await _r(self.redis.expire(key, STATE_TTL_S))

    async def errors(self, import_id: str, *, offset: int, limit: int) -> list[str]:
        found = await _r(self.redis.lrange(errors_key(import_id), offset, offset + limit - 1))
        return [e.decode() if isinstance(e, bytes) else str(e) for e in found]

    async def error_count(self, import_id: str) -> int:
        return int(await _r(self.redis.llen(errors_key(import_id))))
