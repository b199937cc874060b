"""Consent to contact: requests, answers, consent recorded at a desk, the audit log, deletion."""

from __future__ import annotations

import uuid

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from matcher.foundation.principals import Role
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body

TAG = uuid.uuid4().hex[:8]
PHONE = "13712345678"


def new_id(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:10]}"


async def _setup(
    client: httpx.AsyncClient, make_token: TokenFactory, name: str
) -> tuple[dict[str, str], dict[str, str], str, str]:
    """A seeker with a Baotou profile and an enterprise with a matching posting."""
    seeker = await make_token(Role.SEEKER, f"s-{name}-{TAG}")
    ent = await make_token(Role.ENTERPRISE, f"e-{name}-{TAG}")
    pid, jid = new_id("p"), new_id("j")
    body = profile_body(contact={"name": f"联系人{name}", "phone": PHONE})
    assert (await client.put(f"/v1/profiles/{pid}", headers=seeker, json=body)).status_code == 201
    assert (await client.put(f"/v1/postings/{jid}", headers=ent, json=posting_body())).status_code
    return seeker, ent, pid, jid


async def _ask(
    client: httpx.AsyncClient, ent: dict[str, str], jid: str, pid: str
) -> httpx.Response:
    return await client.post(
        f"/v1/postings/{jid}/contact-requests",
        headers=ent,
        json={"profile_id": pid, "purpose": "邀请参加焊工岗位面试"},
    )


async def test_request_is_shown_to_the_seeker_and_answered(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker, ent, pid, jid = await _setup(client, make_token, "flow")
    asked = await _ask(client, ent, jid, pid)
    assert asked.status_code == 201
    rid = asked.json()["id"]
    # Asking again is the same request, not a second one.
    again = await _ask(client, ent, jid, pid)
    assert again.status_code == 200
    assert again.json()["id"] == rid

    inbox = await client.get(f"/v1/profiles/{pid}/contact-requests", headers=seeker)
    assert inbox.status_code == 200
    (request,) = inbox.json()["requests"]
    assert request["enterprise_name"] == "包头钢铁（集团）有限责任公司"
    assert request["posting_title"] == "焊工（压力容器）"
    assert request["purpose"] == "邀请参加焊工岗位面试"
    assert request["status"] == "pending"

    # The enterprise sees only that it is pending; no contact yet.
    via = f"/v1/profiles/{pid}?posting_id={jid}"
    assert PHONE not in (await client.get(via, headers=ent)).text
    matches = await client.get(f"/v1/postings/{jid}/matches?limit=50", headers=ent)
    states = {m["profile_id"]: m["contact_request"] for m in matches.json()["matches"]}
    assert states[pid] == "pending"

    declined = await client.post(f"/v1/contact-requests/{rid}/decline", headers=seeker)
    assert declined.json()["status"] == "declined"
    # The enterprise cannot re-open a declined request.
    assert (await _ask(client, ent, jid, pid)).status_code == 409
    # A pending-only transition from another state is a conflict, not a silent change.
    assert (
        await client.post(f"/v1/contact-requests/{rid}/withdraw", headers=seeker)
    ).status_code == 409
    # The seeker may change their mind.
    granted = await client.post(f"/v1/contact-requests/{rid}/grant", headers=seeker)
    assert granted.json()["status"] == "granted"
    shown = (await client.get(via, headers=ent)).json()
    assert shown["view"] == "consented"
    assert shown["contact"]["phone"] == PHONE
    assert shown["certificates"][0]["number"] == "T150203199001010011"
    assert shown["region_code"] == "150203"
    assert shown["owner_id"] is None
    assert (await client.get(f"/v1/postings/{jid}/contact-requests", headers=ent)).json()[
        "requests"
    ][0]["status"] == "granted"


async def test_a_grant_is_for_one_posting_and_one_enterprise(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker, ent, pid, jid = await _setup(client, make_token, "scope")
    second = new_id("j")
    await client.put(f"/v1/postings/{second}", headers=ent, json=posting_body())
    rid = (await _ask(client, ent, jid, pid)).json()["id"]
    await client.post(f"/v1/contact-requests/{rid}/grant", headers=seeker)
    assert PHONE in (await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)).text
    other_posting = await client.get(f"/v1/profiles/{pid}?posting_id={second}", headers=ent)
    assert other_posting.status_code == 200
    assert PHONE not in other_posting.text
    # Another enterprise cannot use this posting, nor ask through it.
    rival = await make_token(Role.ENTERPRISE, f"rival-{TAG}")
    assert (
        await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=rival)
    ).status_code == 404
    assert (await _ask(client, rival, jid, pid)).status_code == 404


async def test_strangers_cannot_see_or_answer_requests(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    _, ent, pid, jid = await _setup(client, make_token, "strangers")
    rid = (await _ask(client, ent, jid, pid)).json()["id"]
    other = await make_token(Role.SEEKER, f"other-{TAG}")
    hohhot = await make_token(Role.OFFICE, f"o-hh-{TAG}", "150100")
    for headers in (other, hohhot):
        assert (
            await client.get(f"/v1/profiles/{pid}/contact-requests", headers=headers)
        ).status_code == 404
        for decision in ("grant", "decline"):
            resp = await client.post(f"/v1/contact-requests/{rid}/{decision}", headers=headers)
            assert resp.status_code == 404
    # The enterprise cannot answer for the seeker.
    assert (await client.post(f"/v1/contact-requests/{rid}/grant", headers=ent)).status_code == 403
    assert (
        await client.post(f"/v1/contact-requests/cr_{'0' * 32}/grant", headers=other)
    ).status_code == 404


async def test_bad_requests_are_refused(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker, ent, pid, jid = await _setup(client, make_token, "bad")
    unknown = await _ask(client, ent, jid, new_id("p"))
    assert unknown.status_code == 404
    biased = await client.post(
        f"/v1/postings/{jid}/contact-requests",
        headers=ent,
        json={"profile_id": pid, "purpose": "限男性，35岁以下"},
    )
    assert biased.status_code == 422
    missing = await client.post(
        f"/v1/postings/{jid}/contact-requests", headers=ent, json={"profile_id": pid}
    )
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "purpose"
    # A paused profile is not on the market: not found for enterprises.
    await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body(status="paused"))
    assert (await _ask(client, ent, jid, pid)).status_code == 404
    assert (
        await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)
    ).status_code == 404


async def test_office_records_consent_given_at_the_desk(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    seeker, ent, pid, jid = await _setup(client, make_token, "desk")
    office = await make_token(Role.OFFICE, f"o-bt-{TAG}", "150200")
    far = await make_token(Role.OFFICE, f"o-far-{TAG}", "150100")
    body = {"posting_id": jid, "method": "in_person", "note": "本人到窗口口头同意"}
    assert (
        await client.post(f"/v1/profiles/{pid}/consents", headers=far, json=body)
    ).status_code == 404
    assert (
        await client.post(f"/v1/profiles/{pid}/consents", headers=seeker, json=body)
    ).status_code == 403
    bad = await client.post(
        f"/v1/profiles/{pid}/consents", headers=office, json={**body, "method": "phone"}
    )
    assert bad.status_code == 422
    unknown = await client.post(
        f"/v1/profiles/{pid}/consents", headers=office, json={**body, "posting_id": "nope"}
    )
    assert unknown.status_code == 404

    recorded = await client.post(f"/v1/profiles/{pid}/consents", headers=office, json=body)
    assert recorded.status_code == 201
    out = recorded.json()
    assert out["status"] == "granted"
    assert out["method"] == "in_person"
    assert out["recorded_by"] == f"office:o-bt-{TAG}"
    assert out["decided_at"]
    assert PHONE in (await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)).text
    # The enterprise sees the request, not the desk's note or who recorded it.
    (seen,) = (await client.get(f"/v1/postings/{jid}/contact-requests", headers=ent)).json()[
        "requests"
    ]
    assert seen["note"] is None
    assert seen["recorded_by"] is None
    # The seeker can withdraw it like any other grant.
    rid = out["id"]
    assert (await client.post(f"/v1/contact-requests/{rid}/withdraw", headers=seeker)).json()[
        "status"
    ] == "withdrawn"
    assert PHONE not in (await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)).text
    audit = await client.get(f"/v1/audit?profile_id={pid}", headers=admin_headers)
    actions = [e["action"] for e in audit.json()["events"]]
    assert actions[::-1] == ["consent.recorded", "contact.released", "consent.withdrawn"]
    assert audit.json()["events"][-1]["actor_id"] == f"o-bt-{TAG}"


async def test_audit_records_releases_and_changes_without_personal_data(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    seeker, ent, pid, jid = await _setup(client, make_token, "audit")
    rid = (await _ask(client, ent, jid, pid)).json()["id"]
    await client.post(f"/v1/contact-requests/{rid}/grant", headers=seeker)
    for _ in range(2):
        await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)
    own = await client.get(f"/v1/profiles/{pid}/audit", headers=seeker)
    assert own.status_code == 200
    events = own.json()["events"]
    assert [e["action"] for e in events][::-1] == [
        "contact_request.created",
        "consent.granted",
        "contact.released",
        "contact.released",
    ]
    release = events[0]
    assert release["actor_role"] == "enterprise"
    assert release["actor_id"] == f"e-audit-{TAG}"
    assert release["posting_id"] == jid
    assert release["profile_id"] == pid
    # Only the seeker and admins read a profile's trail.
    for role, subject, region in (
        (Role.SEEKER, f"nosy-{TAG}", None),
        (Role.OFFICE, f"o-{TAG}", "150200"),
        (Role.ENTERPRISE, f"e-audit-{TAG}", None),
    ):
        headers = await make_token(role, subject, region)
        assert (await client.get(f"/v1/profiles/{pid}/audit", headers=headers)).status_code in (
            403,
            404,
        )
        assert (await client.get("/v1/audit", headers=headers)).status_code == 403
    assert (
        await client.get(f"/v1/audit?enterprise_id=e-audit-{TAG}", headers=admin_headers)
    ).json()["total"] == 4
    # The stored events hold no contact details.
    stored = await es.search(
        index=services.store.indexes.audit.read_alias, query={"term": {"profile_id": pid}}, size=50
    )
    assert PHONE not in str(stored.body)
    assert "联系人" not in str(stored.body)


async def test_deleting_a_profile_removes_it_everywhere_at_once(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    seeker, ent, pid, jid = await _setup(client, make_token, "delete")
    office = await make_token(Role.OFFICE, f"o-del-{TAG}", "150000")
    rid = (await _ask(client, ent, jid, pid)).json()["id"]
    await client.post(f"/v1/contact-requests/{rid}/grant", headers=seeker)
    matches = await client.get(f"/v1/postings/{jid}/matches?limit=50", headers=ent)
    assert pid in {m["profile_id"] for m in matches.json()["matches"]}

    assert (await client.delete(f"/v1/profiles/{pid}", headers=seeker)).status_code == 204
    # Immediately, with no wait: gone from reads, matches, search and the consent records.
    for headers in (seeker, office, admin_headers):
        assert (await client.get(f"/v1/profiles/{pid}", headers=headers)).status_code == 404
    assert (
        await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)
    ).status_code == 404
    matches = await client.get(f"/v1/postings/{jid}/matches?limit=50", headers=ent)
    assert pid not in {m["profile_id"] for m in matches.json()["matches"]}
    found = await client.post(
        "/v1/search/profiles", headers=office, json={"q": "焊工", "limit": 50}
    )
    assert pid not in {r["profile_id"] for r in found.json()["results"]}
    listing = await client.get(f"/v1/postings/{jid}/contact-requests", headers=ent)
    assert listing.json()["total"] == 0
    for name in ("profiles", "contact_requests"):
        count = await es.count(
            index=getattr(services.store.indexes, name).read_alias,
            query={"bool": {"should": [{"term": {"id": pid}}, {"term": {"profile_id": pid}}]}},
        )
        assert count["count"] == 0
    # The audit keeps what happened, by id only.
    trail = (await client.get(f"/v1/audit?profile_id={pid}", headers=admin_headers)).json()
    assert trail["events"][0]["action"] == "profile.deleted"
    assert PHONE not in str(trail)
    # The seeker cannot be re-asked for a profile that no longer exists.
    assert (await _ask(client, ent, jid, pid)).status_code == 404


@pytest.mark.parametrize("decision", ["grant", "decline", "withdraw"])
async def test_answers_need_a_known_request(
    client: httpx.AsyncClient, make_token: TokenFactory, decision: str
) -> None:
    seeker = await make_token(Role.SEEKER, f"s-any-{TAG}")
    resp = await client.post(f"/v1/contact-requests/not-a-request/{decision}", headers=seeker)
    assert resp.status_code == 404
    assert resp.headers["content-type"] == "application/problem+json"


async def test_audit_filters_are_checked(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    bad = await client.get("/v1/audit?action=everything&profile_id=a%20b", headers=admin_headers)
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"action", "profile_id"}
    deep = await client.get("/v1/audit?offset=9990&limit=50", headers=admin_headers)
    assert deep.status_code == 422


async def test_a_change_whose_audit_event_fails_is_undone(
    client: httpx.AsyncClient, make_token: TokenFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matcher.privacy import audit

    seeker, ent, pid, jid = await _setup(client, make_token, "undo")
    rid = (await _ask(client, ent, jid, pid)).json()["id"]

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(audit, "record", broken)
    failed = await client.post(f"/v1/contact-requests/{rid}/grant", headers=seeker)
    assert failed.status_code == 500
    monkeypatch.undo()
    (request,) = (await client.get(f"/v1/profiles/{pid}/contact-requests", headers=seeker)).json()[
        "requests"
    ]
    assert request["status"] == "pending"
    assert PHONE not in (await client.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)).text
