"""When the worker publishes bulletins, and what it publishes then.

``MATCHER_BULLETIN_CRON`` is ``minute hour day month`` (each ``*``, a number, a comma list or a
range ``a-b``), in ``MATCHER_TIMEZONE``. The default, ``30 2 * *``, checks every night at 02:30:
a period's bulletins appear on its first day, and a worker that was down on that day catches
up on the next run, because publishing skips what already exists.
"""

from __future__ import annotations

from datetime import date

from matcher.bulletins.models import Kind
from matcher.bulletins.scope import resolve_scope
from matcher.bulletins.service import Publication, publish
from matcher.foundation.periods import last_ended
from matcher.services import Services
from matcher.store.bulletin_counts import Scope


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
                publication=Publication("schedule", "schedule", only_if_missing=True),
            )
            if bulletin is not None and bulletin.id is not None:
                written.append(bulletin.id)
    return written
