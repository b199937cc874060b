"""Per-principal rate limits and daily quotas, counted in Redis so they hold across processes.

Two kinds of window, each checked and counted by one atomic Lua script, so a charge that would
go over the limit is refused whole and not counted (a refused request never eats into the next
one's allowance); a refusal is ``TooManyRequests`` (429) with ``Retry-After``:

- **sliding** (the per-minute request rate): a sorted set of the charges of the last window;
  at most ``allowed`` in *any* window-long span, and ``Retry-After`` is when enough of the
  oldest charges leave it. (A fixed minute would let up to twice the limit through across the
  edge between two minutes.)
- **fixed** (the daily quotas): a counter per UTC day that expires with it, as quotas are
  read (“50 per day”); ``Retry-After`` is the end of the day.

Use from any endpoint::

    from matcher.privacy.limits import Limit, charge

    BULLETIN_DOWNLOADS = Limit("bulletin_downloads", window_s=86_400)
    await charge(call.services, principal, BULLETIN_DOWNLOADS, limit=100)

``REQUESTS`` (every authenticated call, checked in ``ApiRoute``), ``CANDIDATE_VIEWS`` (profiles
shown to an enterprise: matches, search, reads) and ``CONTACT_REQUESTS`` are built in; their
sizes are settings (``MATCHER_RATE_LIMIT_PER_MINUTE`` …).
"""

from __future__ import annotations

import inspect
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

from matcher.auth.models import Principal, Role
from matcher.foundation.problems import ServiceUnavailable, TooManyRequests
from matcher.services import Services

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


@dataclass(frozen=True)
class Limit:
    """A named allowance per principal and window: ``sliding`` counts the last ``window_s``
    seconds at every moment, otherwise windows are UTC-aligned (a day starts at 00:00 UTC)."""

    name: str
    window_s: int
    sliding: bool = False


REQUESTS = Limit("requests", 60, sliding=True)
CANDIDATE_VIEWS = Limit("candidate_views", 86_400)
CONTACT_REQUESTS = Limit("contact_requests", 86_400)


def principal_key(principal: Principal, client_host: str | None = None) -> str:
    """Whom a limit counts: the role and subject, so several tokens of one enterprise share
    one allowance; the shared public token is counted per client address."""
    if principal.role is Role.PUBLIC:
        return f"public:{client_host or 'unknown'}"
    return f"{principal.role.value}:{principal.subject}"


async def charge(
    svc: Services,
    principal: Principal,
    limit: Limit,
    *,
    allowed: int,
    amount: int = 1,
    client_host: str | None = None,
    now: float | None = None,
) -> int:
    """Count ``amount`` against ``limit``; raise ``TooManyRequests`` when it would exceed
    ``allowed`` in the current window. ``allowed`` 0 means unlimited. Returns the new count."""
    if allowed <= 0 or amount <= 0:
        return 0
    moment = time.time() if now is None else now
    key = f"{svc.settings.index_prefix}:limits:{limit.name}:{principal_key(principal, client_host)}"
    if limit.sliding:
        window_ms = limit.window_s * 1000
        args = [str(int(moment * 1000)), str(window_ms), str(amount), str(allowed)]
        count, wait_ms = await _run(svc, _SLIDING, key, *args, uuid.uuid4().hex)
        retry_after = max(1, math.ceil(wait_ms / 1000))
    else:
        window = int(moment // limit.window_s)
        ttl = str(limit.window_s + 5)
        count, _ = await _run(svc, _FIXED, f"{key}:{window}", str(amount), str(allowed), ttl)
        retry_after = max(1, math.ceil((window + 1) * limit.window_s - moment))
    if count < 0:
        raise TooManyRequests(
            f"Limit '{limit.name}' reached: at most {allowed} {_span(limit)}"
            + (f" (this request needs {amount})" if amount > 1 else ""),
            retry_after_s=retry_after,
            limit=limit.name,
        )
    return count


async def _run(svc: Services, script: str, key: str, *args: str) -> tuple[int, int]:
    try:
        pending = svc.arq.eval(script, 1, key, *args)
        if not inspect.isawaitable(pending):
            raise TypeError("expected an awaitable from the async Redis client")
        result: Any = await pending
    except Exception as exc:
        if type(exc).__module__.startswith("redis"):
            # Failing open would let a Redis outage switch abuse limits off.
            raise ServiceUnavailable("The rate-limit store (Redis) is unreachable") from None
        raise
    return int(result[0]), int(result[1])


def _span(limit: Limit) -> str:
    if limit.sliding:
        return f"in any {limit.window_s} s"
    return "per " + {60: "minute", 3600: "hour", 86_400: "day (UTC)"}.get(
        limit.window_s, f"{limit.window_s} s"
    )
