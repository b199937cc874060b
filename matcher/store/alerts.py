"""Inbox alerts: written once each (create), read newest first per recipient, marked read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from indexes.documents import AlertDoc
from matcher.store.base import Fetch, Repository
from matcher.store.queries import InboxScope, inbox_filter


class AlertRepository(Repository[AlertDoc]):
    async def add_new(self, alerts: Sequence[AlertDoc]) -> list[str]:
        """Create each alert whose id is new (one already there is left as it is, read or
        not); the ids created. Searchable on return."""
        if not alerts:
            return []
        conflicts, errors = await self.write_many_if_unchanged([(a["id"], a, None) for a in alerts])
        if errors:
            raise RuntimeError(f"{len(errors)} alerts not written: {next(iter(errors.values()))}")
        await self.refresh_now()
        return [a["id"] for a in alerts if a["id"] not in conflicts]

    async def page(
        self, scope: InboxScope, *, unread_only: bool, offset: int, limit: int
    ) -> tuple[list[AlertDoc], int, int]:
        """(alerts newest first, how many in all, how many unread) of the inbox ``scope``."""
        mine = inbox_filter(scope)
        unread = {"bool": {"must_not": [{"exists": {"field": "read_at"}}]}}
        filters = [mine, unread] if unread_only else [mine]
        hits, total = await self.search(
            {"bool": {"filter": filters}},
            Fetch(
                size=limit,
                offset=offset,
                sort=[{"created_at": "desc"}, {"id": "asc"}],
                count=True,
            ),
        )
        if unread_only:
            unread_count = total or 0
        else:
            _, unread_hits = await self.search(
                {"bool": {"filter": [mine, unread]}}, Fetch(size=0, count=True)
            )
            unread_count = unread_hits or 0
        return [h.doc for h in hits], total or 0, unread_count

    async def of_subscription(
        self, subscription_id: str, *, after: str | None, limit: int
    ) -> list[AlertDoc]:
        """The alerts a subscription raised after ``after`` (``<created_at ms>|<id>``, the
        last one a digest delivered), oldest first."""
        extra = (
            {"search_after": [int(after.split("|")[0]), after.split("|", 1)[1]]} if after else None
        )
        hits, _ = await self.search(
            {"bool": {"filter": [{"term": {"subscription_id": subscription_id}}]}},
            Fetch(size=limit, sort=[{"created_at": "asc"}, {"id": "asc"}], extra=extra),
        )
        return [h.doc for h in hits]

    async def set_fields(self, alert_id: str, fields: Mapping[str, object]) -> None:
        await self.es.update(
            index=self.spec.write_alias, id=alert_id, doc=dict(fields), refresh=self.refresh
        )
