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
import random
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
from matcher.store.saved_searches import meets_conditions, posting_conditions, unstated
from matcher.subscriptions.models import SubscriptionIn
from matcher.subscriptions.service import (
    create_subscription,
    deliver_digest,
    match_new_records,
    posting_traits,
    queue_digests,
    search_query,
)
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
    """The caller's alerts raised by subscriptions (an office's inbox also holds its region's
    duplicate notices, which the worker's duplicates job may write meanwhile)."""
    resp = await client.get("/v1/alerts", params={"limit": "100"}, headers=headers)
    assert resp.status_code == 200, resp.text
    return [a for a in resp.json()["alerts"] if a["kind"] in ("new_posting", "new_candidate")]


async def test_an_alert_arrives_once_signed_and_never_for_an_unrelated_posting(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
    settings: Settings,
    embedder: Embedder,
    receiver: Receiver,
) -> None:
    # Jobs other tests queued (re-flags, imports) run first, so they do not share the worker
    # with this delivery; then the job takes its place in the logs.
    await run_burst(settings, embedder)
    await match_new_records(services)
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

    alerts = await inbox(client, seeker)
    assert [(a["kind"], a["record_id"]) for a in alerts] == [("new_posting", welding)]
    assert alerts[0]["subscription_id"] == created["id"]
    assert "焊工（储罐）" in alerts[0]["title"]
    assert "对口" in alerts[0]["body"]

    await run_burst(settings, embedder)
    calls = receiver.at(path)
    # One alert, one delivery id (a try that timed out after reaching the receiver would be
    # retried with the same id: deliveries are at least once, receivers dedupe by the id).
    assert {c.headers["X-Matcher-Delivery"] for c in calls} == {alerts[0]["id"]}
    call = calls[-1]
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
    assert len(receiver.at(path)) == len(calls)


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


async def test_a_daily_subscription_gets_one_digest(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
    settings: Settings,
    embedder: Embedder,
    receiver: Receiver,
) -> None:
    await match_new_records(services)
    seeker = await make_token(Role.SEEKER, uid("seeker-digest"))
    path = f"/ok/{uid('digest')}"
    body = {
        "kind": "postings",
        "search": {"q": "焊工", "region_code": "150203"},
        "webhook_url": receiver.url(path),
        "delivery": "daily",
    }
    resp = await client.post("/v1/saved-searches", json=body, headers=seeker)
    assert resp.status_code == 201, resp.text
    search_id, secret = resp.json()["id"], resp.json()["webhook_secret"]
    first, second = uid("p-weld"), uid("p-weld")
    await put_posting(client, admin_headers, first)
    await put_posting(client, admin_headers, second)
    await settle(services)
    ran = await match_new_records(services)
    assert ran["alerts"] >= 2
    await run_burst(settings, embedder)
    assert receiver.at(path) == []  # nothing instant: it waits for the digest

    assert await queue_digests(services) >= 1
    await run_burst(settings, embedder)
    (call,) = receiver.at(path)
    stamp = call.headers["X-Matcher-Timestamp"]
    expected = hmac.new(secret.encode(), f"{stamp}.".encode() + call.body, hashlib.sha256)
    assert call.headers["X-Matcher-Signature"] == "sha256=" + expected.hexdigest()
    digest = json.loads(call.body)
    assert {a["record_id"] for a in digest["alerts"]} == {first, second}
    assert digest["more"] is False
    # Delivered alerts are not sent again; the day's job runs once.
    assert await deliver_digest(services, search_id=search_id, last_try=True) == "empty"
    assert await queue_digests(services) == 0


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
        "https://[::1",
        "https://93.184.215.14:99999/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[2002:a00:1::]/hook",
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


async def test_the_inverted_check_and_its_python_twin_agree_with_the_search(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> None:
    """Random saved searches against real postings: the inverted query finds exactly those
    its Python twin accepts, and each of them is a hit of its own search restricted to the
    posting (so the job may trust the structured part without asking the search again)."""
    tag = uuid.uuid4().hex[:6]
    docs = random_saved_searches(f"twin-{tag}-", random.Random(20261207))  # noqa: S311
    repo = services.store.saved_searches
    assert await repo.write_many([(d["id"], d) for d in docs], refresh="wait_for") == {}  # type: ignore[misc]
    ours = {"prefix": {"id": f"twin-{tag}-"}}
    postings = {
        uid("twin-weld"): {},
        uid("twin-elec"): {**ELECTRICIAN, "industry": "电力", "wage_max": 9000},
        uid("twin-hohhot"): {"region_code": "150102", "required_level": 2, "wage_max": 15000},
        uid("twin-unpaid"): {"wage_min": None, "wage_max": None, "industry": None},
    }
    try:
        for posting_id, body in postings.items():
            await put_posting(client, admin_headers, posting_id, **body)
        stored = await services.store.postings.get_many(list(postings))
        for posting_id, posting in stored.items():
            traits = posting_traits(posting, [])
            found = await repo.candidates(["postings"], [*posting_conditions(traits), ours])
            expected = {d["id"] for d in docs if meets_conditions(d, traits)}
            assert {d["id"] for d in found} == expected
            assert expected, "the random searches should find this posting at least once"
            queries = [search_query(d["search"], d, services, []) for d in docs]
            met = await services.store.postings.meets_each(posting_id, queries)
            by_search = {d["id"] for d, m in zip(docs, met, strict=True) if m is not None}
            assert by_search == expected
    finally:
        await repo.delete_matching(ours)


def random_saved_searches(prefix: str, rng: random.Random, n: int = 300) -> list[dict[str, Any]]:
    """Saved searches stating random conditions over a small vocabulary."""
    words = ["焊工", "氩弧焊", "储罐", "电工", "配电", "压力容器", "司机"]
    codes = ["6-18-02-04", "6-31-01-03", "6-30-05-01"]
    cities = ["1502", "1501", "1529"]
    docs: list[dict[str, Any]] = []
    for i in range(n):
        doc: dict[str, Any] = unstated() | {"id": f"{prefix}{i:03d}", "kind": "postings"}
        doc["match_any"] = False
        search: dict[str, Any] = {}
        if rng.random() < 0.15:
            doc["match_any"] = True
        else:
            chosen = sorted(set(rng.sample(words, k=rng.choice((1, 2)))))
            code = rng.choice(codes)
            doc |= {"words": chosen, "words_count": len(chosen)}
            doc |= {"occupation_codes": [code], "occupation_groups": [code[:7]]}
            search["q"] = " ".join(chosen)
        if rng.random() < 0.5:
            doc["region_scope"] = [rng.choice(cities)]
            search["region_code"] = doc["region_scope"][0] + "00"
        if rng.random() < 0.4:
            doc["wage_floor"] = search["wage_floor"] = rng.choice((0, 6000, 9000, 13000))
        if rng.random() < 0.3:
            doc["grade"] = search["grade"] = rng.choice((2, 3, 4, 5))
        if rng.random() < 0.2:
            doc["industry"] = search["industry"] = rng.choice(("冶金", "电力"))
        if rng.random() < 0.1:
            doc["incentives_only"] = search["remote_incentives_only"] = True
        doc["search"] = search
        docs.append(doc)
    return docs


async def test_old_records_raise_nothing_and_offices_see_candidates_of_their_region_only(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    """A posting stored before a search was saved does not become new when it is rewritten
    (a typo fixed, a re-flag, a hire); an office following a posting is told of candidates
    inside its region only, as its matching shows them."""
    await match_new_records(services)
    old = uid("p-old")
    await put_posting(client, admin_headers, old)
    await settle(services)
    await match_new_records(services)
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    follow = {"kind": "postings", "search": {"q": "焊工", "region_code": "150200"}}
    assert (await client.post("/v1/saved-searches", json=follow, headers=office)).status_code == 201
    watch = {"kind": "posting_candidates", "posting_id": old}
    assert (await client.post("/v1/saved-searches", json=watch, headers=office)).status_code == 201
    await put_posting(client, admin_headers, old, title="焊工（压力容器，改）")
    inside, outside = uid("prof-bt"), uid("prof-hh")
    for profile_id, region in ((inside, "150203"), (outside, "150102")):
        body = profile_body(region_code=region)
        resp = await client.put(f"/v1/profiles/{profile_id}", json=body, headers=admin_headers)
        assert resp.status_code == 201, resp.text
    await settle(services)
    await match_new_records(services)
    told = await inbox(client, office)
    assert [(a["kind"], a["record_id"]) for a in told] == [("new_candidate", inside)]


async def test_a_digest_resumes_after_alerts_written_at_the_same_moment(
    make_token: TokenFactory,
    services: Services,
    settings: Settings,
    embedder: Embedder,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matcher.alerts.models import AlertKind
    from matcher.alerts.service import Notice, notify
    from matcher.subscriptions import service

    seeker_id = uid("seeker-digest")
    path = f"/ok/{uid('digest')}"
    body = SubscriptionIn.model_validate(
        {
            "kind": "postings",
            "search": {"q": "焊工"},
            "webhook_url": receiver.url(path),
            "delivery": "daily",
        }
    )
    owner = Principal(token_id="t", role=Role.SEEKER, subject=seeker_id)
    sub = await create_subscription(services, principal=owner, body=body)
    notices = [
        Notice(
            Role.SEEKER,
            seeker_id,
            AlertKind.NEW_POSTING,
            "posting",
            f"p-{i}",
            "t",
            "b",
            subscription_id=sub.id,
        )
        for i in range(3)
    ]
    assert await notify(services, notices) == 3  # one write: one created_at for all three
    monkeypatch.setattr(service, "DIGEST_SIZE", 2)
    assert await deliver_digest(services, search_id=sub.id, last_try=True) == "delivered"
    assert await deliver_digest(services, search_id=sub.id, last_try=True) == "delivered"
    assert await deliver_digest(services, search_id=sub.id, last_try=True) == "empty"
    sent = [json.loads(c.body) for c in receiver.at(path)]
    assert [len(d["alerts"]) for d in sent] == [2, 1]
    assert [d["more"] for d in sent] == [True, False]
    got = [a["record_id"] for d in sent for a in d["alerts"]]
    assert sorted(got) == ["p-0", "p-1", "p-2"]
