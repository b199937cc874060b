"""The registry of key construction projects: one document per project, written by admins."""

from __future__ import annotations

from collections.abc import Sequence

from indexes.documents import RegisteredProjectDoc
from matcher.store.base import Fetch, Repository
from matcher.store.queries import Query, region_prefix


class ProjectRepository(Repository[RegisteredProjectDoc]):
    async def page(
        self, *, region: str | None, statuses: Sequence[str], offset: int, limit: int
    ) -> tuple[list[RegisteredProjectDoc], int]:
        """Projects inside ``region`` (any when None) in ``statuses`` (any when empty), by
        name."""
        filters: list[Query] = []
        if region:
            filters.append(region_prefix(region, "county_code"))
        if statuses:
            filters.append({"terms": {"status": list(statuses)}})
        hits, total = await self.search(
            {"bool": {"filter": filters}},
            Fetch(size=limit, offset=offset, sort=[{"name": "asc"}, {"id": "asc"}], count=True),
        )
        return [h.doc for h in hits], total or 0

    async def lapsed(self, today: str) -> list[str]:
        """Ids of projects retired, whose validity ended before ``today`` or has not begun."""
        query = {
            "bool": {
                "should": [
                    {"term": {"status": "retired"}},
                    {"range": {"valid_until": {"lt": today}}},
                    {"range": {"valid_from": {"gt": today}}},
                ],
                "minimum_should_match": 1,
            }
        }
        return [doc_id async for doc_id, _, _ in self.scan(query, fields=[])]
