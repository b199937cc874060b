"""The audit log's index: one document per event, never rewritten.

An acknowledged write is durable (ES syncs its translog per request); it is not refreshed then
— that would add up to a second to every release of contact details — but a query refreshes
the index first, so it always sees every event written before it.
"""

from __future__ import annotations

from collections.abc import Mapping

from indexes.documents import AuditDoc
from matcher.store.base import Fetch, Refresh, Repository


class AuditRepository(Repository[AuditDoc]):
    refresh: Refresh = False

    async def add(self, event: AuditDoc) -> None:
        await self.put(event["id"], event)

    async def page(
        self, *, terms: Mapping[str, str], offset: int, limit: int
    ) -> tuple[list[AuditDoc], int]:
        """Events matching every ``field: value`` of ``terms``, newest first."""
        await self.refresh_now()
        hits, total = await self.search(
            {"bool": {"filter": [{"term": {k: v}} for k, v in terms.items()]}},
            Fetch(size=limit, offset=offset, sort=[{"at": "desc"}, {"id": "asc"}], count=True),
        )
        return [h.doc for h in hits], total or 0
