"""The postings change feed and snapshot against the real node and Redis: a consumer that
follows the feed from the start while postings are written, closed, filled, expired and
deleted ends with exactly the open postings a snapshot returns; an entry whose write was never
committed (a process killed between the two) still reaches the consumer; cursors are checked;
entries younger than the settle time wait; a trimmed log refuses old cursors with 410."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from typing import Any

import httpx
from redis.asyncio import Redis

from matcher.changes.models import PublicPosting
from matcher.changes.service import decode_cursor, encode_cursor
from matcher.foundation.principals import Role
from matcher.services import Services
from matcher.store.changes import START, ChangeLog, entry_key
from tests.conftest import TokenFactory
from tests.factories import days_from_today, posting_body


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


class Consumer:
    """A system keeping a copy of the open postings from the feed alone."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.cursor: str | None = None
        self.postings: dict[str, dict[str, Any]] = {}
        self.polls = 0

    async def catch_up(self) -> None:
        while True:
            params = {"limit": "1000", **({"cursor": self.cursor} if self.cursor else {})}
            resp = await self.client.get("/v1/feed/postings", params=params, headers=self.headers)
            self.polls += 1
            assert resp.status_code == 200, resp.text
            page = resp.json()
            for item in page["items"]:
                if item["open"]:
                    assert item["posting"]["id"] == item["posting_id"]
                    self.postings[item["posting_id"]] = item["posting"]
                else:
                    assert item["posting"] is None
                    self.postings.pop(item["posting_id"], None)
            self.cursor = page["next_cursor"]
            if not page["more"]:
                return


async def snapshot(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> tuple[str, dict[str, dict[str, Any]]]:
    resp = await client.get("/v1/snapshot/postings", headers=headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/x-ndjson")
    rows = [json.loads(line) for line in resp.text.splitlines() if line]
    return resp.headers["x-feed-cursor"], {row["id"]: row for row in rows}


async def settle(services: Services) -> None:
    await asyncio.sleep(services.settings.feed_settle_s + 0.2)


async def test_a_consumer_following_the_feed_ends_with_the_snapshot(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    platform = await make_token(Role.ENTERPRISE, uid("platform"))
    consumer = Consumer(client, platform)
    # Start the documented way: a snapshot, then the feed from the cursor it gives (the
    # log's beginning may be trimmed already by an earlier test's daily job).
    consumer.cursor, consumer.postings = await snapshot(client, platform)
    await consumer.catch_up()

    async def put(posting_id: str, **body: Any) -> None:
        body.setdefault("enterprise_id", "ent-feed")
        # Hohhot, not Baotou: later desk tests list Baotou's welding postings.
        body.setdefault("region_code", "150102")
        resp = await client.put(
            f"/v1/postings/{posting_id}", json=posting_body(**body), headers=admin_headers
        )
        assert resp.status_code in (200, 201), resp.text

    ids = [uid("feed") for _ in range(8)]
    for posting_id in ids:
        await put(posting_id, title="焊工（feed）")
    await settle(services)
    await consumer.catch_up()
    assert set(ids) <= set(consumer.postings)

    await put(ids[0], title="焊工（改）")  # updated
    await put(ids[1], status="closed")  # closed
    await put(ids[2], headcount=1, status="filled")  # filled
    await put(ids[3], valid_from=days_from_today(-30), valid_until=days_from_today(-1))
    resp = await client.delete(f"/v1/postings/{ids[4]}", headers=admin_headers)
    assert resp.status_code == 204
    await put(ids[5], status="paused")
    # Created and deleted between two polls: the consumer never needs to hear of it.
    ghost = uid("feed-ghost")
    await put(ghost)
    assert (await client.delete(f"/v1/postings/{ghost}", headers=admin_headers)).status_code == 204
    await settle(services)
    await consumer.catch_up()
    await put(ids[5], status="active")  # reopened
    # A write whose process died after writing but before its commit entry: only the intent
    # entry (appended before the write) is in the log.
    crashed = uid("feed-crash")
    doc = {**posting_body(enterprise_id="ent-feed", title="电工（crash）", region_code="150102")}
    doc["id"] = crashed
    doc |= {"status": "active", "open_headcount": 3, "filled": 0}
    doc |= {"created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
    await services.store.posting_changes.record([crashed], "created")
    await services.store.es.index(
        index=services.store.indexes.postings.write_alias, id=crashed, document=doc, refresh=True
    )
    await settle(services)
    await consumer.catch_up()

    _, snap = await snapshot(client, platform)
    assert set(consumer.postings) == set(snap)
    # The same snapshot as a table.
    table = await client.get("/v1/snapshot/postings", params={"format": "csv"}, headers=platform)
    assert table.status_code == 200, table.text
    assert table.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == set(snap)
    assert next(r for r in rows if r["id"] == ids[0])["title"] == "焊工（改）"
    for posting_id in (ids[0], ids[5], ids[6], ids[7], crashed):
        assert posting_id in snap
    for posting_id in (ids[1], ids[2], ids[3], ids[4], ghost):
        assert posting_id not in consumer.postings
    assert consumer.postings[ids[0]]["title"] == "焊工（改）"
    assert consumer.postings[ids[0]] == snap[ids[0]]
    # Public fields only: no internal ids or bookkeeping.
    for row in snap.values():
        assert set(row) <= set(PublicPosting.model_fields)
        assert "enterprise_id" not in row
        assert "hired_referral_ids" not in row
    assert consumer.polls < 20
    # Leave no postings behind for later tests' rankings.
    for posting_id in (crashed, *ids):
        resp = await client.delete(f"/v1/postings/{posting_id}", headers=admin_headers)
        assert resp.status_code in (204, 404)


async def test_items_say_what_happened_and_one_item_per_posting(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    platform = await make_token(Role.OFFICE, uid("feed-office"), region_code="150000")
    cursor, _ = await snapshot(client, platform)
    posting_id = uid("feed-kind")
    body = posting_body(enterprise_id="ent-feed", region_code="150102")
    assert (
        await client.put(f"/v1/postings/{posting_id}", json=body, headers=admin_headers)
    ).status_code == 201
    await settle(services)
    page = (
        await client.get("/v1/feed/postings", params={"cursor": cursor}, headers=platform)
    ).json()
    mine = [i for i in page["items"] if i["posting_id"] == posting_id]
    # The intent and the commit entry of the write make one item.
    assert [(i["change"], i["open"]) for i in mine] == [("created", True)]
    body["status"] = "closed"
    assert (
        await client.put(f"/v1/postings/{posting_id}", json=body, headers=admin_headers)
    ).status_code == 200
    await settle(services)
    page = (
        await client.get(
            "/v1/feed/postings", params={"cursor": page["next_cursor"]}, headers=platform
        )
    ).json()
    assert [(i["change"], i["open"]) for i in page["items"] if i["posting_id"] == posting_id] == [
        ("closed", False)
    ]


async def test_cursors_are_checked(client: httpx.AsyncClient, make_token: TokenFactory) -> None:
    platform = await make_token(Role.ENTERPRISE, uid("platform"))
    too_big = encode_cursor("0-99999999999999999999")
    for bad in ("abc", "c1.!!!", "c1." + "A" * 100, "c1.bm90LWFuLWlk", too_big):
        resp = await client.get("/v1/feed/postings", params={"cursor": bad}, headers=platform)
        assert resp.status_code in (400, 422), (bad, resp.text)
        assert resp.headers["content-type"].startswith("application/problem+json")
    assert decode_cursor(encode_cursor("1700000000000-3")) == "1700000000000-3"
    assert decode_cursor(None) == decode_cursor("0") == START
    assert (await client.get("/v1/feed/postings")).status_code == 401


async def test_young_entries_wait_and_a_trimmed_log_refuses_old_cursors(
    redis: Redis, services: Services
) -> None:
    log = ChangeLog(redis, f"test-{uid('log')}", "postings")
    try:
        await log.record(["a", "b"], "updated")
        now = await log.now_ms()
        assert await log.read(START, before_ms=now - 10_000, count=10) == []
        served = await log.read(START, before_ms=now + 1, count=10)
        assert [c.record_id for c in served] == ["a", "b"]
        assert await log.read(served[0].entry, before_ms=now + 1, count=10) == served[1:]
        assert await log.floor() == START
        assert await log.trim(now + 1) == 2
        assert await log.floor() == f"{now + 1}-0"
    finally:
        await redis.delete(log.key, log.floor_key)


async def test_a_cursor_below_the_trimmed_floor_is_gone(
    client: httpx.AsyncClient, make_token: TokenFactory, services: Services
) -> None:
    """Runs on the service's own log, so it sets the floor back afterwards."""
    platform = await make_token(Role.ENTERPRISE, uid("platform"))
    log = services.store.posting_changes
    old = encode_cursor("1-0")
    await services.store.redis.set(log.floor_key, "2-0")
    try:
        resp = await client.get("/v1/feed/postings", params={"cursor": old}, headers=platform)
        assert resp.status_code == 410, resp.text
        assert "snapshot" in resp.json()["detail"]
        fresh = await client.get(
            "/v1/feed/postings", params={"cursor": encode_cursor("3-0")}, headers=platform
        )
        assert fresh.status_code == 200
    finally:
        await services.store.redis.delete(log.floor_key)


async def test_a_quiet_feed_moves_the_cursor_on(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    """An empty page still moves the cursor to what was read, so a consumer of a quiet feed
    keeps up with the log and is not refused later when old entries are trimmed."""
    platform = await make_token(Role.ENTERPRISE, uid("platform"))
    last = await services.store.posting_changes.last()
    cursor = encode_cursor(last)
    await settle(services)
    page = (
        await client.get("/v1/feed/postings", params={"cursor": cursor}, headers=platform)
    ).json()
    assert page["items"] == []
    assert page["more"] is False
    moved = decode_cursor(page["next_cursor"])
    assert entry_key(moved) > entry_key(last)
    # Nothing appended later is skipped by the moved cursor.
    posting_id = uid("feed-after")
    body = posting_body(enterprise_id="ent-feed", region_code="150102")
    resp = await client.put(f"/v1/postings/{posting_id}", json=body, headers=admin_headers)
    assert resp.status_code == 201, resp.text
    await settle(services)
    page = (
        await client.get(
            "/v1/feed/postings", params={"cursor": page["next_cursor"]}, headers=platform
        )
    ).json()
    assert [i["posting_id"] for i in page["items"]] == [posting_id]
