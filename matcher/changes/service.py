"""The postings change feed and snapshot, for systems that keep a copy of the open postings
(a province's data platform, a city's job-fair app).

- ``read_feed``: what changed after a cursor, oldest first. Each item names a posting and
  whether it is open now; an open one comes with its public fields as they stand when served
  (so an item is never stale, and serving one twice is harmless). A consumer that adds or
  replaces every open item and removes every other ends with the open postings.
- ``snapshot``: every open posting, and the cursor to follow the feed from afterwards.

The log behind it (``matcher.store.changes``) is appended by every posting write; the feed
serves entries only once they are older than ``MATCHER_FEED_SETTLE_S``. Cursors are opaque;
one older than the log keeps (``MATCHER_FEED_RETENTION_DAYS``) is refused with 410, and the
consumer starts again from a snapshot.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import Any, TypeVar

from indexes.documents import PostingDoc, PostingStatus
from matcher.changes.models import ChangeName, FeedItem, FeedPage, PublicPosting
from matcher.foundation.principals import Principal
from matcher.foundation.problems import BadRequest, CursorExpired
from matcher.privacy.limits import Limit, charge
from matcher.services import Services
from matcher.store.changes import START, Change, ChangeLog, entry_key, horizon
from matcher.store.queries import is_open_posting, open_posting
from matcher.taxonomy.catalog import Taxonomy

T = TypeVar("T")

CURSOR_PREFIX = "c1."
FEED_POLLS = Limit("feed_polls", 60, sliding=True)
SNAPSHOTS = Limit("snapshots", 3600, sliding=True)
POLLS_PER_MINUTE = 30  # one a minute is enough for a consumer; this leaves room to catch up
SNAPSHOTS_PER_HOUR = 6
# What the feed reads of a stored posting: the public fields and what decides openness.
STORED_FIELDS = [
    name for name in PublicPosting.model_fields if name not in ("id", "occupation_name")
] + ["filled"]
CERTIFICATE_FIELDS = ("type", "name", "mandatory")


def encode_cursor(entry: str) -> str:
    return CURSOR_PREFIX + base64.urlsafe_b64encode(entry.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str:
    """The log entry a cursor stands for; no cursor (or ``0``) is the start of the log."""
    if not cursor or cursor == "0":
        return START
    body = cursor.removeprefix(CURSOR_PREFIX)
    try:
        if body == cursor or len(body) > 64:
            raise ValueError(cursor)
        entry = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        entry_key(entry)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "cursor is not one this feed gave out; pass next_cursor or an item's cursor "
            "as returned, or omit it to start from the beginning"
        ) from None
    return entry


def public_posting(posting_id: str, doc: Mapping[str, Any], taxonomy: Taxonomy) -> PublicPosting:
    fields = {k: doc[k] for k in STORED_FIELDS if k in doc and k != "filled"}
    code = doc.get("occupation_code")
    fields["required_certificates"] = [
        {k: c[k] for k in CERTIFICATE_FIELDS if k in c}
        for c in doc.get("required_certificates") or []
    ]
    return PublicPosting.model_validate(
        {
            **fields,
            "id": posting_id,
            "occupation_name": taxonomy.occupation_name(code) if code else None,
        }
    )


def change_of(doc: PostingDoc | None, change: Change, today: date) -> tuple[ChangeName, bool]:
    """What the item says happened, and whether the posting is open now."""
    if doc is None:
        return "deleted", False
    if is_open_posting(doc, today):
        return ("created" if change.kind == "created" else "updated"), True
    status = doc.get("status")
    named: dict[str | None, ChangeName] = {
        PostingStatus.CLOSED.value: "closed",
        PostingStatus.PAUSED.value: "paused",
        PostingStatus.FILLED.value: "filled",
        PostingStatus.EXPIRED.value: "expired",
    }
    if status in named:
        return named[status], False
    if (doc.get("valid_until") or today.isoformat()) < today.isoformat():
        return "expired", False
    return "not_open", False


async def read_feed(
    svc: Services,
    *,
    principal: Principal,
    cursor: str | None,
    limit: int,
    client_host: str | None = None,
) -> FeedPage:
    await charge(svc, principal, FEED_POLLS, allowed=POLLS_PER_MINUTE, client_host=client_host)
    after = decode_cursor(cursor)
    log = svc.store.posting_changes
    floor = await log.floor()
    if entry_key(after) < entry_key(floor):
        start = (
            "This cursor is older than the changes the feed keeps"
            if cursor
            else "The feed no longer holds its beginning: it keeps the changes"
        )
        raise CursorExpired(
            f"{start} ({svc.settings.feed_retention_days} days). Take a snapshot "
            "(GET /v1/snapshot/postings) and follow the feed from the cursor it gives."
        )
    settle_ms = int(svc.settings.feed_settle_s * 1000)
    before_ms = await log.now_ms() - settle_ms
    entries = await log.read(after, before_ms=before_ms, count=limit)
    # One item per posting: its latest entry (the posting is read as it stands anyway).
    latest = {e.record_id: e for e in entries}
    docs = await svc.store.postings.get_many(list(latest), fields=STORED_FIELDS)
    today = svc.clock.today()
    items = []
    for entry in sorted(latest.values(), key=lambda e: entry_key(e.entry)):
        doc = docs.get(entry.record_id)
        change, is_open = change_of(doc, entry, today)
        items.append(
            FeedItem(
                cursor=encode_cursor(entry.entry),
                posting_id=entry.record_id,
                change=change,
                open=is_open,
                posting=public_posting(entry.record_id, doc, svc.taxonomy)
                if doc is not None and is_open
                else None,
            )
        )
    more = len(entries) == limit
    # A page that is not full read everything appended before the horizon: the cursor moves
    # there, so a consumer of a quiet feed keeps up with the log (and with its trimming).
    if more:
        following = entries[-1].entry
    else:
        reached = horizon(before_ms)
        following = max(after, reached, key=entry_key)
    return FeedPage(
        items=items,
        next_cursor=encode_cursor(following),
        more=more,
        settle_s=svc.settings.feed_settle_s,
    )


async def snapshot(
    svc: Services, *, principal: Principal, client_host: str | None = None
) -> tuple[str, AsyncIterator[PublicPosting]]:
    """The cursor to follow the feed from, and every open posting (read after the cursor was
    taken, so nothing written before it is missing from one or the other)."""
    await charge(svc, principal, SNAPSHOTS, allowed=SNAPSHOTS_PER_HOUR, client_host=client_host)
    log = svc.store.posting_changes
    settle_ms = int(svc.settings.feed_settle_s * 1000)
    cursor = encode_cursor(await log.last_before(await log.now_ms() - settle_ms))
    today = svc.clock.today()

    async def postings() -> AsyncIterator[PublicPosting]:
        async for posting_id, doc, _ in svc.store.postings.scan(
            {"bool": {"filter": open_posting(today)}}, fields=STORED_FIELDS
        ):
            yield public_posting(posting_id, doc, svc.taxonomy)

    return cursor, postings()


CSV_COLUMNS = [
    "id",
    "title",
    "enterprise_name",
    "occupation_code",
    "occupation_name",
    "required_level",
    "required_certificates",
    "headcount",
    "open_headcount",
    "wage_min",
    "wage_max",
    "region_code",
    "lat",
    "lon",
    "industry",
    "key_project",
    "contract_months",
    "valid_from",
    "valid_until",
    "status",
    "created_at",
    "updated_at",
    "description",
]


def csv_row(posting: PublicPosting) -> list[Any]:
    """A posting as one CSV row (``CSV_COLUMNS``)."""
    fields = posting.model_dump(mode="json")
    location = fields.get("location") or {}
    fields["lat"], fields["lon"] = location.get("lat"), location.get("lon")
    fields["required_certificates"] = "、".join(
        str(c.get("name")) for c in fields.get("required_certificates") or []
    )
    fields["key_project"] = (fields.get("key_project") or {}).get("name")
    return ["" if fields.get(c) is None else fields[c] for c in CSV_COLUMNS]


async def csv_lines(postings: AsyncIterator[PublicPosting]) -> AsyncIterator[bytes]:
    """The snapshot as CSV, a header first, a row per posting (UTF-8 with a byte-order mark,
    so spreadsheet programs read the Chinese text right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    yield "\ufeff".encode() + out.getvalue().encode()
    async for posting in postings:
        out.seek(0)
        out.truncate()
        writer.writerow(csv_row(posting))
        yield out.getvalue().encode()


async def follow(
    svc: Services,
    log: ChangeLog,
    reader: str,
    handle: Callable[[Sequence[Change]], Awaitable[T]],
    *,
    batch: int = 500,
    lock_ms: int = 300_000,
) -> tuple[int, T | None]:
    """One batch of a change log for a job that follows it (``reader`` names the job's
    position): the settled entries after the position handed to ``handle``, then the
    position moved past them. One run at a time (a lock held at most ``lock_ms``); a run
    that fails leaves the position where it was and the next run repeats the batch, so
    ``handle`` must be idempotent. The first run starts from the log's end, not its history.
    Returns (entries read, what ``handle`` returned; None when it was not called)."""
    token = await log.lock(reader, ttl_ms=lock_ms)
    if token is None:
        return 0, None
    try:
        position = await log.position(reader)
        if position is None:
            await log.advance(reader, await log.last(), expected=None)
            return 0, None
        settle_ms = int(svc.settings.feed_settle_s * 1000)
        entries = await log.read(position, before_ms=await log.now_ms() - settle_ms, count=batch)
        if not entries:
            return 0, None
        result = await handle(entries)
        await log.advance(reader, entries[-1].entry, expected=position)
        return len(entries), result
    finally:
        await log.unlock(reader, token)
