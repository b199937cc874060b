"""Saved searches, subscriptions and webhooks against the real node, Redis and a worker:
an alert arrives once (in the inbox and at a local webhook receiver, signature verified) when
a matching posting is written, and not for a 不对口 one or one outside the region; a rewrite
raises no second alert; a failing webhook is retried and then marked failing; profile and
posting subscriptions respect the hard rules and the candidate view; nobody follows a record
they may not match, or reads another's saved search; webhook addresses are checked."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from matcher.embeddings.base import Embedder
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import ValidationFailed
from matcher.foundation.settings import Settings
from matcher.services import Services
from matcher.subscriptions.models import SubscriptionIn
from matcher.subscriptions.service import create_subscription, match_new_records
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body
from tests.integration.test_worker import run_burst

ELECTRICIAN: dict[str, Any] = {
    "title": "维修电工",
    "description": "负责厂区配电线路和设备的维护检修。",
    "occupation_code": "6-31-01-03",
    "required_certificates": [],
    "required_level": None,
}


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


@dataclasses.dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook receiver on loopback: records every POST; paths under /down answer 500."""

    def __init__(self) -> None:
        self.calls: list[Received] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                outer.calls.append(Received(self.path, dict(self.headers.items()), body))
                self.send_response(500 if self.path.startswith("/down") else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def at(self, path: str) -> list[Received]:
        return [c for c in self.calls if c.path == path]


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


async def settle(services: Services) -> None:
    await asyncio.sleep(services.settings.feed_settle_s + 0.2)


async def put_posting(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str, **body: Any
) -> None:
    body.setdefault("enterprise_id", "ent-subs")
    resp = await client.put(
        f"/v1/postings/{posting_id}", json=posting_body(**body), headers=headers
    )
    assert resp.status_code in (200, 201), resp.text


async def inbox(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    resp = await client.get("/v1/alerts", params={"limit": "100"}, headers=headers)
    assert resp.status_code == 200, resp.text
    return list(resp.json()["alerts"])


async def test_an_alert_arrives_once_signed_and_never_for_an_unrelated_posting(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
    settings: Settings,
    embedder: Embedder,
    receiver: Receiver,
) -> None:
    await match_new_records(services)  # the job's first run takes its place in the logs
    seeker = await make_token(Role.SEEKER, uid("seeker-subs"))
    path = f"/ok/{uid('hook')}"
    resp = await client.post(
        "/v1/saved-searches",
        json={
            "kind": "postings",
            "name": "包头焊工",
            "search": {"q": "焊工", "region_code": "150200"},
            "webhook_url": receiver.url(path),
        },
        headers=seeker,
    )
    assert resp.status_code == 201, resp.text
    created = resp.json()
    secret = created["webhook_secret"]
    assert secret
    assert created["understood_codes"] == ["6-18-02-04"]
    shown = (await client.get(f"/v1/saved-searches/{created['id']}", headers=seeker)).json()
    assert "webhook_secret" not in shown
    assert shown["webhook_state"] == "ok"

    welding, electrician, elsewhere = uid("p-weld"), uid("p-elec"), uid("p-hohhot")
    await put_posting(client, admin_headers, welding, title="焊工（储罐）")
    await put_posting(client, admin_headers, electrician, **ELECTRICIAN)
    await put_posting(client, admin_headers, elsewhere, region_code="150102")
    await settle(services)
    ran = await match_new_records(services)
    assert ran["postings_read"] >= 3
    assert ran["deliveries_queued"] >= 1

    alerts = await inbox(client, seeker)
    assert [(a["kind"], a["record_id"]) for a in alerts] == [("new_posting", welding)]
    assert alerts[0]["subscription_id"] == created["id"]
    assert "焊工（储罐）" in alerts[0]["title"]
    assert "对口" in alerts[0]["body"]

    await run_burst(settings, embedder)
    calls = receiver.at(path)
    assert len(calls) == 1
    call = calls[0]
    stamp = call.headers["X-Matcher-Timestamp"]
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + call.body, hashlib.sha256)
    assert call.headers["X-Matcher-Signature"] == "sha256=" + expected.hexdigest()
    payload = json.loads(call.body)
    assert payload["alert"]["record_id"] == welding
    assert payload["subscription_id"] == created["id"]
    for secret_value in profile_body()["contact"].values():
        assert secret_value not in call.body.decode()

    # Rewritten, the posting raises no second alert, and nothing is delivered again.
    await put_posting(client, admin_headers, welding, title="焊工（储罐，改）")
    await settle(services)
    await match_new_records(services)
    await run_burst(settings, embedder)
    assert len(await inbox(client, seeker)) == 1
    assert len(receiver.at(path)) == 1


async def test_a_failing_webhook_is_retried_and_then_marked_failing(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
    settings: Settings,
    embedder: Embedder,
    receiver: Receiver,
) -> None:
    await match_new_records(services)
    office = await make_token(Role.OFFICE, uid("office-subs"), region_code="150200")
    path = f"/down/{uid('hook')}"
    resp = await client.post(
        "/v1/saved-searches",
        json={"kind": "postings", "search": {"q": "焊工"}, "webhook_url": receiver.url(path)},
        headers=office,
    )
    assert resp.status_code == 201, resp.text
    search_id = resp.json()["id"]
    await put_posting(client, admin_headers, uid("p-weld"))
    await settle(services)
    await match_new_records(services)
    await run_burst(settings, embedder)

    assert len(receiver.at(path)) == settings.webhook_tries  # 3 in the tests
    # Each try is signed afresh; the delivery id stays the alert's.
    assert len({c.headers["X-Matcher-Delivery"] for c in receiver.at(path)}) == 1
    shown = (await client.get(f"/v1/saved-searches/{search_id}", headers=office)).json()
    assert shown["webhook_state"] == "failing"
    # The inbox still has the alert; later alerts are not posted any more.
    assert len(await inbox(client, office)) == 1
    await put_posting(client, admin_headers, uid("p-weld"))
    await settle(services)
    await match_new_records(services)
    await run_burst(settings, embedder)
    assert len(receiver.at(path)) == settings.webhook_tries
    assert len(await inbox(client, office)) == 2


async def test_profile_and_posting_subscriptions_follow_the_rules(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    await match_new_records(services)
    seeker_id = uid("seeker-follow")
    seeker = await make_token(Role.SEEKER, seeker_id)
    profile = uid("prof-follow")
    resp = await client.put(f"/v1/profiles/{profile}", json=profile_body(), headers=seeker)
    assert resp.status_code == 201, resp.text
    resp = await client.post(
        "/v1/saved-searches",
        json={"kind": "profile_matches", "profile_id": profile},
        headers=seeker,
    )
    assert resp.status_code == 201, resp.text

    enterprise_id = uid("ent-follow")
    ent = await make_token(Role.ENTERPRISE, enterprise_id)
    own_posting = uid("p-own")
    await put_posting(client, ent, own_posting, enterprise_id=enterprise_id)
    resp = await client.post(
        "/v1/saved-searches",
        json={"kind": "posting_candidates", "posting_id": own_posting},
        headers=ent,
    )
    assert resp.status_code == 201, resp.text
    await settle(services)
    await match_new_records(services)  # the posting and profile written before subscribing

    fits, too_high, unrelated = uid("p-fits"), uid("p-tech"), uid("p-elec")
    await put_posting(client, admin_headers, fits)
    await put_posting(client, admin_headers, too_high, required_level="技师")  # grade fails
    await put_posting(client, admin_headers, unrelated, **ELECTRICIAN)
    candidate = uid("prof-cand")
    contact = {"name": "赵候选", "phone": "13900000077", "email": "zhao@example.cn"}
    resp = await client.put(
        f"/v1/profiles/{candidate}", json=profile_body(contact=contact), headers=admin_headers
    )
    assert resp.status_code == 201, resp.text
    await settle(services)
    await match_new_records(services)

    # The enterprise's posting came after the seeker subscribed, and fits too.
    to_seeker = await inbox(client, seeker)
    assert {(a["kind"], a["record_id"]) for a in to_seeker} == {
        ("new_posting", fits),
        ("new_posting", own_posting),
    }
    to_enterprise = await inbox(client, ent)
    assert [(a["kind"], a["record_id"]) for a in to_enterprise] == [("new_candidate", candidate)]
    text = json.dumps(to_enterprise, ensure_ascii=False)
    assert all(value not in text for value in contact.values())
    assert "同意" in to_enterprise[0]["body"]

    # Nobody follows what they may not match, or reads another's saved search.
    other_ent = await make_token(Role.ENTERPRISE, uid("ent-other"))
    other_seeker = await make_token(Role.SEEKER, uid("seeker-other"))
    refused = await client.post(
        "/v1/saved-searches",
        json={"kind": "posting_candidates", "posting_id": own_posting},
        headers=other_ent,
    )
    assert refused.status_code == 404
    refused = await client.post(
        "/v1/saved-searches",
        json={"kind": "profile_matches", "profile_id": profile},
        headers=other_seeker,
    )
    assert refused.status_code == 404
    wrong_kind = await client.post(
        "/v1/saved-searches", json={"kind": "postings", "search": {"q": "焊工"}}, headers=ent
    )
    assert wrong_kind.status_code == 403
    bad = await client.post(
        "/v1/saved-searches", json={"kind": "postings", "profile_id": profile}, headers=seeker
    )
    assert bad.status_code == 422
    mine = (await client.get("/v1/saved-searches", headers=seeker)).json()
    assert mine["total"] == 1
    search_id = mine["subscriptions"][0]["id"]
    assert (
        await client.get(f"/v1/saved-searches/{search_id}", headers=other_seeker)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/saved-searches/{search_id}", headers=other_seeker)
    ).status_code == 404
    assert (
        await client.delete(f"/v1/saved-searches/{search_id}", headers=seeker)
    ).status_code == 204
    assert (await client.get("/v1/saved-searches", headers=seeker)).json()["total"] == 0


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.9/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "http://93.184.215.14/hook",
        "https://user:pw@93.184.215.14/hook",
        "ftp://93.184.215.14/hook",
    ],
)
async def test_webhooks_to_private_addresses_or_without_https_are_refused(
    services: Services, url: str
) -> None:
    strict = dataclasses.replace(
        services, settings=services.settings.model_copy(update={"webhook_allow_private": False})
    )
    body = SubscriptionIn.model_validate(
        {"kind": "postings", "search": {"q": "焊工"}, "webhook_url": url}
    )
    principal = Principal(token_id="t-ssrf", role=Role.SEEKER, subject=uid("seeker-ssrf"))
    with pytest.raises(ValidationFailed) as refused:
        await create_subscription(strict, principal=principal, body=body)
    assert refused.value.extra["errors"][0]["field"] == "webhook_url"
