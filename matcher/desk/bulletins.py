"""The desk's bulletin links: the newest published bulletins of the office's scope (its
region, which is the whole region or one league-city), current versions only, each linking to
its page with tables and charts."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from matcher.bulletins.page import zone_name
from matcher.bulletins.service import BulletinFilter, list_bulletins
from matcher.foundation.paging import Page
from matcher.foundation.periods import in_words
from matcher.foundation.principals import Principal
from matcher.policy.access import home_region
from matcher.services import Services

LATEST = 10


@dataclass(frozen=True)
class BulletinLink:
    title: str
    scope_name: str
    period: str
    version: int
    generated_at: str
    href: str
    workbook: str  # the desk's Excel download of it


async def latest_bulletins(svc: Services, *, principal: Principal) -> list[BulletinLink]:
    """Newest bulletins of the office's scope (admins: all scopes), corrections replacing the
    versions they correct."""
    scope = home_region(principal)
    region = svc.taxonomy.regions.get(scope) if scope else None
    if region is not None and region.level == "county":
        scope = svc.taxonomy.regions.city_of(region.code)  # bulletins stop at league-cities
    zone = ZoneInfo(svc.settings.timezone)
    # Superseded versions are listed too (history); ask for a few more and drop them.
    found = await list_bulletins(
        svc, selection=BulletinFilter(scope=scope), page=Page(limit=LATEST * 3)
    )
    return [
        BulletinLink(
            title=item.title,
            scope_name=item.scope_name,
            period=in_words(item.period),
            version=item.version,
            generated_at=f"{item.generated_at.astimezone(zone):%Y-%m-%d %H:%M}"
            f"（{zone_name(zone)}）",
            href=f"/bulletins/{item.id}",
            workbook=f"/desk/bulletins/{item.id}.xlsx",
        )
        for item in found.items
        if item.superseded_by is None
    ][:LATEST]
