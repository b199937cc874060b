"""The posting and seeker life cycle against the real node: postings past their validity
expire (their enterprise is told, once), enterprises are warned seven days ahead, a posting
whose last place is taken is filled and active again when the hire is undone, a hired seeker
is asked whether to pause the profile; the owner lists its postings by status; the inbox is
the caller's own."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from matcher.foundation.principals import Role
from matcher.lifecycle.service import run_lifecycle
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body
from tests.integration.test_referrals import advance, propose


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


async def alerts(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> Any:
    resp = await client.get("/v1/alerts", params=params, headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def test_expiry_warning_listing_and_the_inbox(
    client: httpx.AsyncClient, make_token: TokenFactory, services: Services
) -> None:
    enterprise_id = uid("ent-life")
    ent = await make_token(Role.ENTERPRISE, enterprise_id)
    other = await make_token(Role.ENTERPRISE, uid("ent-other"))
    today = services.clock.today()

    async def put(posting_id: str, **body: Any) -> None:
        resp = await client.put(
            f"/v1/postings/{posting_id}", json=posting_body(**body), headers=ent
        )
        assert resp.status_code in (200, 201), resp.text

    past, soon, later = uid("p-past"), uid("p-soon"), uid("p-later")
    await put(
        past,
        valid_from=(today - timedelta(days=60)).isoformat(),
        valid_until=(today - timedelta(days=1)).isoformat(),
    )
    await put(soon, valid_until=(today + timedelta(days=7)).isoformat())
    await put(later, valid_until=(today + timedelta(days=30)).isoformat())

    done = await run_lifecycle(services)
    assert done["expired"] >= 1
    assert done["warned"] >= 1

    stored = (await client.get(f"/v1/postings/{past}", headers=ent)).json()
    assert (stored["status"], stored["matchable"]) == ("expired", False)
    # No longer public: another enterprise cannot read it; the owner still can.
    assert (await client.get(f"/v1/postings/{past}", headers=other)).status_code == 404
    assert (await client.get(f"/v1/postings/{soon}", headers=ent)).json()["status"] == "active"

    inbox = await alerts(client, ent)
    kinds = {(a["kind"], a["record_id"]) for a in inbox["alerts"]}
    assert kinds == {("posting_expired", past), ("posting_expiring", soon)}
    assert inbox["unread"] == 2
    expiring = next(a for a in inbox["alerts"] if a["kind"] == "posting_expiring")
    assert "将于" in expiring["title"]
    assert "到期" in expiring["title"]

    # Run again (a retried or second worker): nothing changes, nothing is told twice.
    again = await run_lifecycle(services)
    assert again["warned"] == 0
    assert (await alerts(client, ent))["total"] == 2

    # The inbox is the caller's own; marking another's alert read is 404.
    assert (await alerts(client, other))["total"] == 0
    first = inbox["alerts"][0]["id"]
    assert (await client.post(f"/v1/alerts/{first}/read", headers=other)).status_code == 404
    read = await client.post(f"/v1/alerts/{first}/read", headers=ent)
    assert read.status_code == 200
    assert read.json()["read_at"]
    assert (await client.post(f"/v1/alerts/{first}/read", headers=ent)).status_code == 200
    after = await alerts(client, ent, unread="true")
    assert (after["total"], after["unread"]) == (1, 1)

    # The owner lists its postings in every status, with counts by status.
    listed = (await client.get("/v1/postings", params={"owner": "me"}, headers=ent)).json()
    assert {p["id"] for p in listed["postings"]} == {past, soon, later}
    assert listed["by_status"] == {"active": 2, "expired": 1}
    only = await client.get("/v1/postings", params={"status": "expired"}, headers=ent)
    assert [p["id"] for p in only.json()["postings"]] == [past]
    assert only.json()["by_status"] == {"active": 2, "expired": 1}
    assert (
        await client.get("/v1/postings", params={"status": "gone"}, headers=ent)
    ).status_code == 422
    # Another enterprise lists none of them.
    theirs = (await client.get("/v1/postings", headers=other)).json()
    assert theirs["total"] == 0
    # Renewed by its owner, it is open again.
    await put(past, valid_until=(today + timedelta(days=90)).isoformat())
    assert (await client.get(f"/v1/postings/{past}", headers=ent)).json()["matchable"] is True


async def test_filled_and_undone_and_a_hired_seeker_is_asked_to_pause(
    client: httpx.AsyncClient, make_token: TokenFactory, services: Services
) -> None:
    enterprise_id = uid("ent-fill")
    ent = await make_token(Role.ENTERPRISE, enterprise_id)
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    seeker_id = uid("seeker-life")
    seeker = await make_token(Role.SEEKER, seeker_id)
    posting = uid("p-fill")
    resp = await client.put(f"/v1/postings/{posting}", json=posting_body(headcount=1), headers=ent)
    assert resp.status_code == 201, resp.text
    profile = uid("prof-life")
    resp = await client.put(f"/v1/profiles/{profile}", json=profile_body(), headers=seeker)
    assert resp.status_code == 201, resp.text

    rid = (await propose(client, office, posting, profile)).json()["id"]
    for status in ("contacted", "interviewed", "hired"):
        assert (await advance(client, office, rid, status)).status_code == 200
    stored = (await client.get(f"/v1/postings/{posting}", headers=ent)).json()
    assert (stored["status"], stored["open_headcount"]) == ("filled", 0)
    listed = (await client.get("/v1/postings", params={"status": "filled"}, headers=ent)).json()
    assert [p["id"] for p in listed["postings"]] == [posting]

    done = await run_lifecycle(services)
    assert done["filled_notices"] >= 1
    assert done["hired_notices"] >= 1
    told = (await alerts(client, ent))["alerts"]
    assert [(a["kind"], a["record_id"]) for a in told] == [("posting_filled", posting)]
    asked = (await alerts(client, seeker))["alerts"]
    assert [(a["kind"], a["record_id"]) for a in asked] == [("hired_pause_profile", profile)]
    assert "暂停" in asked[0]["body"]
    # Alerts carry no contact details of anyone.
    contact = profile_body()["contact"]
    text = str(told) + str(asked)
    assert all(str(v) not in text for v in contact.values() if v)

    undone = await client.post(
        f"/v1/referrals/{rid}/undo-hire", json={"staff": "李老师"}, headers=office
    )
    assert undone.status_code == 200, undone.text
    stored = (await client.get(f"/v1/postings/{posting}", headers=ent)).json()
    assert (stored["status"], stored["open_headcount"], stored["matchable"]) == ("active", 1, True)
