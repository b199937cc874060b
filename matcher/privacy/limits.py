"""Per-principal rate limits and daily quotas, counted in Redis so they hold across processes.

Fixed windows: a counter per (limit, principal, window) that expires with its window. A charge
that would take a counter over its limit is refused whole and not counted (an atomic Lua
script), so a refused request never eats into the next one's allowance. A refusal is
``TooManyRequests`` (429) with ``Retry-After`` = seconds until the window ends.

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
import time
from dataclasses import dataclass
from typing import Any

from matcher.auth.models import Principal, Role
from matcher.problems import ServiceUnavailable, TooManyRequests
from matcher.services import Services

# KEYS[1] counter; ARGV amount, limit, ttl. Returns the new count, or -1 when refused.
_CHARGE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if current + amount > tonumber(ARGV[2]) then return -1 end
local value = redis.call('INCRBY', KEYS[1], amount)
if value == amount then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return value
"""


@dataclass(frozen=True)
class Limit:
    """A named allowance per principal and window (UTC-aligned: a day starts at 00:00 UTC)."""

    name: str
    window_s: int


REQUESTS = Limit("requests", 60)
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
    window = int(moment // limit.window_s)
    key = (
        f"{svc.settings.index_prefix}:limits:{limit.name}:"
        f"{principal_key(principal, client_host)}:{window}"
    )
    try:
        pending = svc.arq.eval(_CHARGE, 1, key, str(amount), str(allowed), str(limit.window_s + 5))
        if not inspect.isawaitable(pending):
            raise TypeError("expected an awaitable from the async Redis client")
        result: Any = await pending
    except Exception as exc:
        if type(exc).__module__.startswith("redis"):
            # Failing open would let a Redis outage switch abuse limits off.
            raise ServiceUnavailable("The rate-limit store (Redis) is unreachable") from None
        raise
    count = int(result)
    if count < 0:
        retry_after = max(1, int((window + 1) * limit.window_s - moment + 0.999))
        raise TooManyRequests(
            f"Limit '{limit.name}' reached: at most {allowed} per {_window_name(limit.window_s)}"
            + (f" (this request needs {amount})" if amount > 1 else ""),
            retry_after_s=retry_after,
            limit=limit.name,
        )
    return count


def _window_name(seconds: int) -> str:
    return {60: "minute", 3600: "hour", 86_400: "day (UTC)"}.get(seconds, f"{seconds} s")
