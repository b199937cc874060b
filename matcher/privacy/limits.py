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

import math
from dataclasses import dataclass

from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import ServiceUnavailable, TooManyRequests
from matcher.services import Services
from matcher.store.counters import CounterStoreDown


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
) -> int:
    """Count ``amount`` against ``limit``; raise ``TooManyRequests`` when it would exceed
    ``allowed`` in the current window. ``allowed`` 0 means unlimited. Returns the new count."""
    if allowed <= 0 or amount <= 0:
        return 0
    moment = svc.clock.now().timestamp()
    counters = svc.store.counters
    key = counters.key(limit.name, principal_key(principal, client_host))
    try:
        if limit.sliding:
            count, wait_ms = await counters.charge_sliding(
                key,
                now_ms=int(moment * 1000),
                window_ms=limit.window_s * 1000,
                amount=amount,
                allowed=allowed,
            )
            retry_after = max(1, math.ceil(wait_ms / 1000))
        else:
            window = int(moment // limit.window_s)
            count, _ = await counters.charge_fixed(
                f"{key}:{window}", amount=amount, allowed=allowed, ttl_s=limit.window_s + 5
            )
            retry_after = max(1, math.ceil((window + 1) * limit.window_s - moment))
    except CounterStoreDown:
        # Failing open would let a Redis outage switch abuse limits off.
        raise ServiceUnavailable("The rate-limit store (Redis) is unreachable") from None
    if count < 0:
        raise TooManyRequests(
            f"Limit '{limit.name}' reached: at most {allowed} {_span(limit)}"
            + (f" (this request needs {amount})" if amount > 1 else ""),
            retry_after_s=retry_after,
            limit=limit.name,
        )
    return count


def _span(limit: Limit) -> str:
    if limit.sliding:
        return f"in any {limit.window_s} s"
    return "per " + {60: "minute", 3600: "hour", 86_400: "day (UTC)"}.get(
        limit.window_s, f"{limit.window_s} s"
    )


async def charge_candidate_views(svc: Services, principal: Principal, amount: int = 1) -> int:
    """Count ``amount`` candidates shown to an enterprise against its daily quota
    (``MATCHER_CANDIDATE_VIEWS_PER_DAY``); ``TooManyRequests`` past it."""
    return await charge(
        svc, principal, CANDIDATE_VIEWS, allowed=svc.settings.candidate_views_per_day, amount=amount
    )
