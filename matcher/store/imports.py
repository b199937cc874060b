"""The state of import jobs, in Redis: a hash of counters per import and a bounded list of
its row errors, both expiring a week after the last write, and the lease of the run that
imports it now (a key that expires unless the run renews it)."""

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


def lease_key(import_id: str) -> str:
    return f"matcher:import-lease:{import_id}"


def active_key(deployment: str) -> str:
    """The imports of one deployment (its index prefix) not yet ended: what the sweep for
    stalled imports reads, instead of scanning every import on a shared Redis."""
    return f"matcher:imports-active:{deployment}"


# Renew or release the lease only while this run still holds it.
_RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('expire', KEYS[1], ARGV[2]) else return 0 end"
)
# A batch's outcome — the counters (the checkpoint) and its row errors — written at once and
# only by the run that holds the lease: a run that lost it (stalled, and taken over) cannot
# move the checkpoint under the run that goes on.
_SETTLE = """
if redis.call('get', KEYS[3]) ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[2])
for i = 0, n - 1 do redis.call('hset', KEYS[1], ARGV[5 + 2 * i], ARGV[6 + 2 * i]) end
local first = 5 + 2 * n
if #ARGV >= first then
  for i = first, #ARGV do redis.call('rpush', KEYS[2], ARGV[i]) end
  redis.call('ltrim', KEYS[2], 0, tonumber(ARGV[3]) - 1)
  redis.call('expire', KEYS[2], tonumber(ARGV[4]))
end
return 1
"""
_RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end"
)


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

    async def settle(
        self,
        import_id: str,
        owner: str,
        fields: Mapping[str, str | int | float],
        errors: Sequence[str],
    ) -> bool:
        """Record a batch's outcome in one step: the counters (the checkpoint a resumed run
        starts from) and the batch's row errors, or neither. False, and nothing written, when
        ``owner`` no longer holds the import's lease."""
        flat = [str(x) for pair in fields.items() for x in pair]
        argv = [owner, str(len(fields)), str(MAX_ERRORS_KEPT), str(STATE_TTL_S), *flat, *errors]
        keys = [state_key(import_id), errors_key(import_id), lease_key(import_id)]
        return bool(await _r(self.redis.eval(_SETTLE, 3, *keys, *argv)))

    async def acquire_lease(self, import_id: str, owner: str, ttl_s: int) -> bool:
        """Take the import's lease for ``ttl_s`` seconds; False when another run holds it."""
        return bool(await _r(self.redis.set(lease_key(import_id), owner, nx=True, ex=ttl_s)))

    async def renew_lease(self, import_id: str, owner: str, ttl_s: int) -> bool:
        """Extend the lease; False when it expired and was taken (stop: another run goes on)."""
        renewed = await _r(self.redis.eval(_RENEW, 1, lease_key(import_id), owner, str(ttl_s)))
        return bool(renewed)

    async def release_lease(self, import_id: str, owner: str) -> None:
        await _r(self.redis.eval(_RELEASE, 1, lease_key(import_id), owner))

    async def leased(self, import_id: str) -> bool:
        return bool(await _r(self.redis.exists(lease_key(import_id))))

    async def next_run(self, import_id: str) -> int:
        """A new number for the import's next run (its job id)."""
        return int(await _r(self.redis.hincrby(state_key(import_id), "runs", 1)))

    async def track(self, deployment: str, import_id: str) -> None:
        await _r(self.redis.sadd(active_key(deployment), import_id))

    async def untrack(self, deployment: str, import_id: str) -> None:
        await _r(self.redis.srem(active_key(deployment), import_id))

    async def active(self, deployment: str) -> list[str]:
        """The deployment's imports not yet ended (queued or running)."""
        found = await _r(self.redis.smembers(active_key(deployment)))
        return sorted(m.decode() if isinstance(m, bytes) else str(m) for m in found)

    async def errors(self, import_id: str, *, offset: int, limit: int) -> list[str]:
        found = await _r(self.redis.lrange(errors_key(import_id), offset, offset + limit - 1))
        return [e.decode() if isinstance(e, bytes) else str(e) for e in found]

    async def error_count(self, import_id: str) -> int:
        return int(await _r(self.redis.llen(errors_key(import_id))))
