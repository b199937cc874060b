"""Retention: profiles nobody has updated for ``MATCHER_RETENTION_DAYS`` are flagged.

Flagging is a query, not a stored mark: a profile is due for review when its ``updated_at`` is
older than the retention period, so a change of the setting applies at once and no mapping
change or background write is needed. Offices see (and review) those of their region, in the
query itself; ``matcher retention-report`` lists them all for administrators. What happens to
a flagged profile (asking the seeker, then deleting) is the office's decision: deletion is
the ordinary ``DELETE /v1/profiles/{id}``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal
from matcher.policy.access import listing_scope
from matcher.services import Services


class StaleProfile(BaseModel):
    profile_id: str
    region_code: str
    status: str
    updated_at: datetime


class StaleProfiles(BaseModel):
    retention_days: int
    cutoff: datetime
    profiles: list[StaleProfile]
    total: int


async def stale_profiles(
    svc: Services, *, principal: Principal, days: int | None = None, page: Page | None = None
) -> StaleProfiles:
    """Profiles not updated within the retention period, oldest first (an office: those of
    its region, in the query itself)."""
    retention = svc.settings.retention_days if days is None else days
    cutoff = svc.clock.now() - timedelta(days=retention)
    page = page or Page(limit=100)
    hits, total = await svc.store.profiles.not_updated_since(
        cutoff.isoformat(),
        scope=listing_scope(principal),
        offset=page.offset,
        limit=page.limit,
    )
    return StaleProfiles(
        retention_days=retention,
        cutoff=cutoff,
        profiles=[
            StaleProfile(
                profile_id=h.id,
                region_code=h.doc["region_code"],
                status=h.doc["status"],
                updated_at=datetime.fromisoformat(h.doc["updated_at"]),
            )
            for h in hits
        ],
        total=total,
    )
