"""``/v1/feed/postings`` and ``/v1/snapshot/postings``: follow the open postings from another
system (``matcher.changes``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from pydantic import Field
from starlette.responses import Response, StreamingResponse

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import QueryModel
from matcher.changes import service
from matcher.changes.models import FeedPage
from matcher.foundation.principals import ALL_ROLES


class FeedQuery(QueryModel):
    cursor: str | None = Field(
        default=None,
        max_length=80,
        description="next_cursor of the last page (or an item's cursor); none: from the start",
    )
    limit: int = Field(default=200, ge=1, le=1000, description="Log entries read (default 200)")


def _client(call: Call[None, Any]) -> str | None:
    return call.request.client.host if call.request.client else None


async def read_feed(call: Call[None, FeedQuery]) -> Response:
    """Postings created, updated, closed, paused, filled, expired or deleted after the cursor,
    oldest first, one item per posting and page. ``open`` true: add or replace the posting
    (its public fields as they stand now); false: remove it. Follow ``next_cursor``; writes
    younger than ``settle_s`` come on a later poll. A cursor older than the feed keeps is 410:
    take a snapshot. At most 30 polls a minute per caller (one a minute is enough)."""
    page = await service.read_feed(
        call.services,
        principal=call.require_principal(),
        cursor=call.query.cursor,
        limit=call.query.limit,
        client_host=_client(call),
    )
    return json_response(page)


class SnapshotQuery(QueryModel):
    format: Literal["jsonl", "csv"] = Field(
        default="jsonl", description="jsonl (default): one JSON object per line; csv: a table"
    )


async def read_snapshot(call: Call[None, SnapshotQuery]) -> Response:
    """Every open posting, public fields only: one JSON object per line (JSON Lines), or with
    ``format=csv`` a UTF-8 table (certificates joined by 、, the location as lat and lon). The
    ``X-Feed-Cursor`` header is the cursor to follow the feed from afterwards. At most 6 a
    caller per hour."""
    cursor, postings = await service.snapshot(
        call.services, principal=call.require_principal(), client_host=_client(call)
    )
    headers = {"X-Feed-Cursor": cursor}
    if call.query.format == "csv":
        headers["Content-Disposition"] = 'attachment; filename="postings.csv"'
        return StreamingResponse(
            service.csv_lines(postings), media_type="text/csv; charset=utf-8", headers=headers
        )

    async def lines() -> AsyncIterator[bytes]:
        async for posting in postings:
            yield posting.model_dump_json().encode() + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson", headers=headers)


ROUTES = [
    ApiRoute(
        "/v1/feed/postings",
        "GET",
        read_feed,
        "Changes to the open postings since a cursor",
        ALL_ROLES,
        "feed",
        response=FeedPage,
        query=FeedQuery,
        also={
            400: "A cursor this feed did not give out",
            410: "A cursor older than the changes the feed keeps: take a snapshot",
        },
    ),
    ApiRoute(
        "/v1/snapshot/postings",
        "GET",
        read_snapshot,
        "Every open posting (JSON Lines or CSV)",
        ALL_ROLES,
        "feed",
        query=SnapshotQuery,
        media_type="application/x-ndjson",
    ),
]
