"""Retention: profiles nobody has updated for ``MATCHER_RETENTION_DAYS`` are flagged.

Flagging is a query, not a stored mark: a profile is due for review when its ``updated_at`` is
older than the retention period, so a change of the setting applies at once and no mapping
change or background write is needed. Offices see (and review) those of their region, in the
query itself; ``matcher retention-report`` lists them all for administrators. What happens to
a flagged profile (asking the seeker, then deleting) is the office's decision: deletion is
the ordinary ``DELETE /v1/profiles/{id}``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from matcher.auth.models import Principal, Role
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


def _scope(principal: Principal) -> list[dict[str, Any]]:
    if principal.role is not Role.OFFICE:
        return []
    code = principal.region_code or "000000"
    significant = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
    return [{"prefix": {"region_code": significant}}]


async def stale_profiles(
    svc: Services,
    *,
    principal: Principal,
    days: int | None = None,
    limit: int = 100,
    offset: int = 0,
    now: datetime | None = None,
) -> StaleProfiles:
    """Profiles not updated within the retention period, oldest first."""
    retention = svc.settings.retention_days if days is None else days
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention)
    resp = await svc.es.search(
        index=svc.specs["profiles"].read_alias,
        query={
            "bool": {
                "filter": [
                    {"range": {"updated_at": {"lt": cutoff.isoformat()}}},
                    *_scope(principal),
                ]
            }
        },
        sort=[{"updated_at": "asc"}, {"id": "asc"}],
        from_=offset,
        size=limit,
        track_total_hits=True,
        source_includes=["id", "region_code", "status", "updated_at"],
    )
    return StaleProfiles(
        retention_days=retention,
        cutoff=cutoff,
        profiles=[
            StaleProfile(
                profile_id=h["_id"],
                region_code=h["_source"]["region_code"],
                status=h["_source"]["status"],
                updated_at=h["_source"]["updated_at"],
            )
            for h in resp["hits"]["hits"]
        ],
        total=int(resp["hits"]["total"]["value"]),
    )
