"""The desk's bulletin links: the office's latest published bulletins, when the service has a
``bulletins`` index. Without one (the bulletins package is not installed) the page says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from matcher.auth.models import Principal, Role
from matcher.services import Services

LATEST = 10


@dataclass(frozen=True)
class BulletinLink:
    title: str
    period: str
    published_at: str
    href: str


async def latest_bulletins(svc: Services, *, principal: Principal) -> list[BulletinLink] | None:
    """Newest published bulletins of the office's region; None when bulletins do not exist."""
    spec = svc.specs.get("bulletins")
    if spec is None:
        return None
    filters: list[dict[str, Any]] = [{"term": {"status": "published"}}]
    if principal.role is Role.OFFICE and principal.region_code:
        filters.append({"term": {"region_code": principal.region_code}})
    resp = await svc.es.search(
        index=spec.read_alias,
        query={"bool": {"filter": filters}},
        sort=[{"published_at": "desc"}],
        size=LATEST,
    )
    links = []
    for hit in resp["hits"]["hits"]:
        source = hit["_source"]
        links.append(
            BulletinLink(
                title=str(source.get("title") or hit["_id"]),
                period=str(source.get("period") or ""),
                published_at=str(source.get("published_at") or "")[:10],
                href=f"/v1/bulletins/{hit['_id']}",
            )
        )
    return links
