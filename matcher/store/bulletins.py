"""Published bulletins: written once (``op_type=create``), never updated; a correction is a
new version that names the one it replaces."""

from __future__ import annotations

from collections.abc import Sequence

from indexes.documents import BulletinDoc
from matcher.store.base import Fetch, Repository
from matcher.store.queries import Query


class BulletinRepository(Repository[BulletinDoc]):
    async def latest_version(self, *, kind: str, scope: str, period: str) -> BulletinDoc | None:
        """The newest version of one bulletin (its header: the figures stay stored)."""
        hits, _ = await self.search(
            {
                "bool": {
                    "filter": [
                        {"term": {"kind": kind}},
                        {"term": {"scope": scope}},
                        {"term": {"period": period}},
                    ]
                }
            },
            Fetch(size=1, sort=[{"version": "desc"}], exclude=["content"]),
        )
        return hits[0].doc if hits else None

    async def superseded_by(self, ids: Sequence[str]) -> dict[str, str]:
        """For each id, the version that replaces it (if any)."""
        if not ids:
            return {}
        hits, _ = await self.search(
            {"terms": {"replaces": list(ids)}}, Fetch(size=len(ids), fields=["id", "replaces"])
        )
        return {str(h.doc["replaces"]): h.doc["id"] for h in hits}

    async def page(
        self, *, filters: Sequence[Query], offset: int, limit: int, heavy: Sequence[str]
    ) -> tuple[list[BulletinDoc], int]:
        """Listing headers, newest period first; the ``heavy`` parts of the content stay in
        Elasticsearch."""
        hits, total = await self.search(
            {"bool": {"filter": list(filters)}},
            Fetch(
                size=limit,
                offset=offset,
                sort=[
                    {"period_end": "desc"},
                    {"scope": "asc"},
                    {"kind": "asc"},
                    {"version": "desc"},
                ],
                exclude=[f"content.{part}" for part in heavy],
                count=True,
            ),
        )
        return [h.doc for h in hits], total or 0
