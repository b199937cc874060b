"""When the worker publishes bulletins, and what it publishes then.

``MATCHER_BULLETIN_CRON`` is ``minute hour day month`` (each ``*``, a number, a comma list or a
range ``a-b``), in ``MATCHER_TIMEZONE``. The default, ``30 2 * *``, checks every night at 02:30:
a period's bulletins appear on its first day, and a worker that was down on that day catches
up on the next run, because publishing skips what already exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from matcher.bulletins.models import Kind
from matcher.bulletins.periods import last_ended
from matcher.bulletins.scope import Scope, resolve_scope
from matcher.bulletins.service import publish
from matcher.services import Services

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12))


class ScheduleError(ValueError):
    """MATCHER_BULLETIN_CRON cannot be read."""


@dataclass(frozen=True)
class Schedule:
    minute: set[int] | None
    hour: set[int] | None
    day: set[int] | None
    month: set[int] | None


def _field(text: str, name: str, low: int, high: int) -> set[int] | None:
    if text == "*":
        return None
    values: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ScheduleError(f"MATCHER_BULLETIN_CRON: {name} {part!r} is not a number")
        a, b = int(first), int(last or first)
        if not low <= a <= b <= high:
            raise ScheduleError(f"MATCHER_BULLETIN_CRON: {name} must lie in {low}..{high}")
        values.update(range(a, b + 1))
    return values


def parse_schedule(text: str) -> Schedule:
    parts = text.split()
    if len(parts) != len(FIELDS):
        raise ScheduleError("MATCHER_BULLETIN_CRON needs four fields: minute hour day month")
    sets = [_field(p, n, lo, hi) for p, (n, lo, hi) in zip(parts, FIELDS, strict=True)]
    return Schedule(*sets)


def scheduled_scopes(svc: Services) -> list[Scope]:
    """The configured region and each league-city in it."""
    regions = svc.taxonomy.regions
    home = resolve_scope(svc.settings.bulletin_region, regions)
    cities = [] if home.level == "city" else regions.children(home.code)
    return [home, *(resolve_scope(c.code, regions) for c in cities)]


async def publish_due(svc: Services, *, today: date) -> list[str]:
    """Publish every kind for every scheduled scope for the last ended period, where missing;
    the ids written (none when all exist)."""
    period = last_ended(svc.settings.bulletin_period, today)
    written = []
    for scope in scheduled_scopes(svc):
        for kind in Kind:
            bulletin = await publish(
                svc,
                kind=kind,
                period=period,
                scope=scope,
                trigger="schedule",
                published_by="schedule",
                only_if_missing=True,
            )
            if bulletin is not None and bulletin.id is not None:
                written.append(bulletin.id)
    return written
