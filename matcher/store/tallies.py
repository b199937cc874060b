"""Running totals the worker keeps in Redis for the API's ``/metrics`` to read.

The worker has no HTTP port of its own, and a deployment may run several workers: each adds
to one Redis hash per deployment (``<prefix>:tallies``), one field per series and label
values, and every API process exports the sums at each scrape as Prometheus counters. The
series and their labels are fixed here; label values are function names and outcomes, never
ids or anything a person wrote. A tally that cannot be written (Redis out) is dropped with a
warning: a figure is never worth failing the job it counts.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from redis.asyncio import Redis
from redis.exceptions import RedisError

logger = logging.getLogger("matcher.tallies")

# series → (what it counts, its label names)
SERIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "worker_jobs": ("Jobs the workers finished, by function and outcome", ("function", "outcome")),
    "import_rows": ("Import rows settled (worker or command line), by outcome", ("outcome",)),
    "alert_deliveries": ("Webhook deliveries of alerts and digests, by outcome", ("outcome",)),
}
_VALUE = re.compile(r"[a-z0-9_]{1,64}")


def field_of(series: str, labels: Mapping[str, str]) -> str:
    """``worker_jobs|function=run_import|outcome=complete``; refuses what is not declared."""
    if series not in SERIES:
        raise ValueError(f"unknown series {series!r}")
    names = SERIES[series][1]
    if set(labels) != set(names) or not all(_VALUE.fullmatch(labels[n]) for n in names):
        raise ValueError(f"labels {sorted(labels)} do not fit series {series!r}")
    return "|".join([series, *(f"{n}={labels[n]}" for n in names)])


def parse_field(field: str) -> tuple[str, dict[str, str]] | None:
    """The series and labels of a stored field; None for one this version does not know."""
    series, *pairs = field.split("|")
    labels = dict(p.split("=", 1) for p in pairs if "=" in p)
    if series not in SERIES or tuple(labels) != SERIES[series][1]:
        return None
    return series, labels


class Tallies:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key = f"{prefix}:tallies"

    async def add(self, series: str, labels: Mapping[str, str], by: int = 1) -> None:
        field = field_of(series, labels)
        if by <= 0:
            return
        try:
            await self.redis.hincrby(self.key, field, by)  # type: ignore[misc]
        except (RedisError, OSError) as exc:
            logger.warning("tally not written", extra={"series": series, "error": str(exc)})

    async def read(self) -> dict[str, int]:
        """Every stored field → its total (raises when Redis is out: the scrape says so)."""
        raw = await self.redis.hgetall(self.key)  # type: ignore[misc]
        return {(k.decode() if isinstance(k, bytes) else str(k)): int(v) for k, v in raw.items()}
