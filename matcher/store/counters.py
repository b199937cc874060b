"""Counters in Redis that hold across processes: the rate limits and daily quotas.

Two kinds of window, each checked and counted by one atomic Lua script, so a charge that would
go over the limit is refused whole and not counted (a refused request never eats into the next
one's allowance):

- **sliding**: a sorted set of the charges of the last window; at most ``allowed`` in *any*
  window-long span, and the wait is until enough of the oldest charges leave it;
- **fixed**: a counter per window (a UTC day) that expires with it.
"""

from __future__ import annotations

import inspect
import uuid
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

# KEYS[1] counter; ARGV amount, limit, ttl. Returns {new count, 0}, or {-1, 0} when refused.
_FIXED = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if current + amount > tonumber(ARGV[2]) then return {-1, 0} end
local value = redis.call('INCRBY', KEYS[1], amount)
if value == amount then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return {value, 0}
"""

# KEYS[1] sorted set of charges scored by their time in ms; ARGV now, window (ms), amount,
# limit, a unique id for this charge. Returns {charges in the window now, 0}, or {-1, ms until
# the charge would fit} when refused.
_SLIDING = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local amount, allowed = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local held = redis.call('ZCARD', KEYS[1])
if held + amount > allowed then
  if amount > allowed then return {-1, window} end
  local i = held + amount - allowed - 1
  local leaving = redis.call('ZRANGE', KEYS[1], i, i, 'WITHSCORES')
  return {-1, tonumber(leaving[2]) + window - now}
end
for n = 1, amount do redis.call('ZADD', KEYS[1], now, ARGV[5] .. ':' .. n) end
redis.call('PEXPIRE', KEYS[1], window + 5000)
return {held + amount, 0}
"""


class CounterStoreDown(RuntimeError):
    """Redis cannot be reached (limits must then refuse, not fail open)."""


class Counters:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix

    def key(self, name: str, who: str) -> str:
        return f"{self.prefix}:limits:{name}:{who}"

    async def charge_sliding(
        self, key: str, *, now_ms: int, window_ms: int, amount: int, allowed: int
    ) -> tuple[int, int]:
        """(charges in the window now, 0), or (-1, ms until the charge would fit)."""
        args = [str(now_ms), str(window_ms), str(amount), str(allowed), uuid.uuid4().hex]
        return await self._run(_SLIDING, key, *args)

    async def charge_fixed(
        self, key: str, *, amount: int, allowed: int, ttl_s: int
    ) -> tuple[int, int]:
        """(new count, 0), or (-1, 0) when refused."""
        return await self._run(_FIXED, key, str(amount), str(allowed), str(ttl_s))

    async def _run(self, script: str, key: str, *args: str) -> tuple[int, int]:
        try:
            pending = self.redis.eval(script, 1, key, *args)
            if not inspect.isawaitable(pending):
                raise TypeError("expected an awaitable from the async Redis client")
            result: Any = await pending
        except (RedisError, OSError) as exc:
            raise CounterStoreDown(type(exc).__name__) from None
        return int(result[0]), int(result[1])
