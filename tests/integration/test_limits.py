"""Rate limits and quotas, counted in the real Redis: they trip, answer 429 + Retry-After,
hold across API processes, and reset with their window."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from starlette.applications import Starlette

from matcher.api.app import create_app
from matcher.embeddings import Embedder
from matcher.foundation.clock import Clock
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import TooManyRequests
from matcher.foundation.settings import Settings
from matcher.privacy.limits import Limit, charge
from matcher.services import Services
from tests.conftest import TokenFactory, make_environ, shared_embedder
from tests.factories import posting_body, profile_body
from tests.integration.test_desk import sign_in

TAG = uuid.uuid4().hex[:8]
SMALL = {
    "MATCHER_RATE_LIMIT_PER_MINUTE": "12",
    "MATCHER_CANDIDATE_VIEWS_PER_DAY": "6",
    "MATCHER_CONTACT_REQUESTS_PER_DAY": "1",
    "MATCHER_ENTERPRISE_MAX_DEPTH": "20",
}


def at(services: Services, moment: float) -> Services:
    """The services with their clock stopped at ``moment`` (a Unix time)."""
    return dataclasses.replace(services, clock=Clock.fixed(datetime.fromtimestamp(moment, UTC)))


def _principal(subject: str, role: Role = Role.ENTERPRISE) -> Principal:
    return Principal(token_id="t", role=role, subject=subject)


async def test_a_limit_trips_refuses_whole_charges_and_resets(services: Services) -> None:
    limit = Limit(f"unit-{TAG}", window_s=60)
    who = _principal(f"ent-unit-{TAG}")
    start = 1_800_000_000.0  # the start of a 60 s window
    for expected in (1, 2, 3):
        assert await charge(at(services, start + 1), who, limit, allowed=3) == expected
    with pytest.raises(TooManyRequests) as refused:
        await charge(at(services, start + 10), who, limit, allowed=3)
    assert refused.value.retry_after_s == 50
    # Another principal has its own allowance.
    assert await charge(at(services, start), _principal(f"other-{TAG}"), limit, allowed=3) == 1
    # The next window starts from zero.
    assert await charge(at(services, start + 61), who, limit, allowed=3) == 1
    # A charge that does not fit is refused whole and not counted.
    with pytest.raises(TooManyRequests):
        await charge(at(services, start + 62), who, limit, allowed=3, amount=3)
    assert await charge(at(services, start + 63), who, limit, allowed=3, amount=2) == 3
    # 0 means no limit.
    assert await charge(at(services, start + 64), who, limit, allowed=0) == 0


async def test_a_sliding_limit_holds_in_any_window_and_says_when_a_charge_fits(
    services: Services,
) -> None:
    limit = Limit(f"sliding-{TAG}", window_s=60, sliding=True)
    who = _principal(f"ent-sliding-{TAG}")
    start = 1_800_000_000.0  # the start of a UTC-aligned minute: a fixed window would reset
    assert await charge(at(services, start + 50), who, limit, allowed=3) == 1
    assert await charge(at(services, start + 58), who, limit, allowed=3, amount=2) == 3
    # Past the minute's edge the last 60 s still hold three charges: refused, until the one
    # made at +50 leaves the window (at +110).
    with pytest.raises(TooManyRequests) as refused:
        await charge(at(services, start + 62), who, limit, allowed=3)
    assert refused.value.retry_after_s == 48
    assert "in any 60 s" in refused.value.detail
    # Refused charges are not counted; once +50 has left, one fits, two do not (until +118,
    # when the first of the two made at +58 leaves).
    assert await charge(at(services, start + 110.5), who, limit, allowed=3) == 3
    with pytest.raises(TooManyRequests) as refused:
        await charge(at(services, start + 111), who, limit, allowed=3, amount=2)
    assert refused.value.retry_after_s == 7
    # A charge larger than the limit never fits; another principal has its own window.
    with pytest.raises(TooManyRequests):
        await charge(at(services, start + 200), who, limit, allowed=3, amount=4)
    assert await charge(at(services, start), _principal(f"other-s-{TAG}"), limit, allowed=3) == 1


@pytest.fixture(scope="module")
async def small_apps(
    embedder: Embedder, app: Starlette
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two API processes with small limits, sharing the session's indexes and Redis (and so
    the session app's counters: requests made through ``client`` count too)."""
    settings = Settings.from_env(make_environ(**SMALL))
    clients = []
    apps = [
        create_app(settings, embedder_factory=shared_embedder(embedder), configure_logs=False)
        for _ in range(2)
    ]
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        for application in apps:
            transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
            clients.append(httpx.AsyncClient(transport=transport, base_url="http://matcher.test"))
        yield clients[0], clients[1]
        for c in clients:
            await c.aclose()


async def test_request_rate_holds_across_processes(
    small_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    first, second = small_apps
    seeker = await make_token(Role.SEEKER, f"rate-{TAG}")
    # Two windows' worth: even if a minute ends mid-test, one window sees more than 12.
    refused = None
    for client in (first, second) * 13:
        resp = await client.get("/v1/me", headers=seeker)
        if resp.status_code == 429:
            refused = resp
            break
        assert resp.status_code == 200
    assert refused is not None
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    body = refused.json()
    assert body["status"] == 429
    assert body["limit"] == "requests"
    # Another principal is unaffected; admins are not rate-limited.
    other = await make_token(Role.SEEKER, f"rate-other-{TAG}")
    assert (await first.get("/v1/me", headers=other)).status_code == 200
    for _ in range(14):
        assert (await first.get("/v1/me", headers=admin_headers)).status_code == 200


async def test_each_title_to_normalize_counts_as_a_request(
    small_apps: tuple[httpx.AsyncClient, httpx.AsyncClient], make_token: TokenFactory
) -> None:
    first, _ = small_apps
    seeker = await make_token(Role.SEEKER, f"normalize-{TAG}")
    url = "/v1/occupations/normalize"
    five = await first.post(url, headers=seeker, json={"titles": ["电焊工"] * 5})
    assert five.status_code == 200
    assert len(five.json()["results"]) == 5
    # Five of twelve spent: eight more titles do not fit in the minute, and are refused whole.
    refused = await first.post(url, headers=seeker, json={"titles": ["电焊工"] * 8})
    assert refused.status_code == 429
    assert "this request needs 7" in refused.json()["detail"]
    assert (await first.post(url, headers=seeker, json={"titles": ["焊工"] * 6})).status_code == 200


async def test_each_record_of_a_batch_counts_as_a_request(
    small_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    """A batch pays for every record: it cannot carry past the per-minute allowance what
    single PUTs could not. A batch over the allowance by itself is refused in any window,
    and nothing of it is written."""
    first, _ = small_apps
    office = await make_token(Role.OFFICE, f"rate-batch-{TAG}", region_code="152200")
    ids = [f"rate-batch-{TAG}-{i}" for i in range(13)]
    batch = [{"id": i, **profile_body(region_code="152201")} for i in ids]
    try:
        refused = await first.post("/v1/profiles:batch", headers=office, json={"profiles": batch})
        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "this request needs 12" in refused.json()["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        for record_id in ids:
            got = await first.get(f"/v1/profiles/{record_id}", headers=admin_headers)
            assert got.status_code == 404, record_id
        # Admins load without a count.
        loaded = await first.post(
            "/v1/profiles:batch", headers=admin_headers, json={"profiles": batch}
        )
        assert loaded.status_code == 200
        assert loaded.json()["created"] == 13
    finally:
        for record_id in ids:
            await first.delete(f"/v1/profiles/{record_id}", headers=admin_headers)


async def test_desk_pages_count_against_the_request_rate(
    small_apps: tuple[httpx.AsyncClient, httpx.AsyncClient], make_token: TokenFactory
) -> None:
    first, _ = small_apps
    office = await make_token(Role.OFFICE, f"rate-desk-{TAG}", region_code="150200")
    token = office["Authorization"].removeprefix("Bearer ")
    async with httpx.AsyncClient(transport=first._transport, base_url=str(first.base_url)) as desk:
        await sign_in(desk, token)
        refused = None
        for _ in range(26):
            resp = await desk.get("/desk/bulletins")
            if resp.status_code == 429:
                refused = resp
                break
            assert resp.status_code == 200
        assert refused is not None
        assert "操作过于频繁" in refused.text
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        # The token's API calls share the allowance the desk used up.
        api = await first.get("/v1/me", headers=office)
        assert api.status_code == 429


async def test_candidate_views_and_contact_requests_have_daily_quotas(
    small_apps: tuple[httpx.AsyncClient, httpx.AsyncClient],
    client: httpx.AsyncClient,
    make_token: TokenFactory,
) -> None:
    first, second = small_apps
    seeker = await make_token(Role.SEEKER, f"quota-s-{TAG}")
    pids = [f"quota-{TAG}-{i}" for i in range(4)]
    for pid in pids:
        # Written through the session app: the small apps' request rate is tiny.
        resp = await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body())
        assert resp.status_code == 201
    ent = await make_token(Role.ENTERPRISE, f"quota-e-{TAG}")
    jid = f"quota-j-{TAG}"
    assert (await client.put(f"/v1/postings/{jid}", headers=ent, json=posting_body())).is_success

    # Paging deeper than the enterprise cap is refused before anything is counted.
    deep = await first.post(
        "/v1/search/profiles", headers=ent, json={"q": "焊工", "offset": 15, "limit": 10}
    )
    assert deep.status_code == 422
    # 6 candidate views a day: 4 in a match page, 2 reads, then refusal — in either process.
    page = await first.get(f"/v1/postings/{jid}/matches?limit=4", headers=ent)
    assert page.status_code == 200
    assert len(page.json()["matches"]) == 4
    for pid in pids[:2]:
        assert (await second.get(f"/v1/profiles/{pid}?posting_id={jid}", headers=ent)).is_success
    refused = await second.get(f"/v1/profiles/{pids[2]}?posting_id={jid}", headers=ent)
    assert refused.status_code == 429
    assert refused.json()["limit"] == "candidate_views"
    assert int(refused.headers["retry-after"]) <= 86_400
    # Contact requests: one a day.
    ask = {"profile_id": pids[0], "purpose": "面试邀请"}
    url = f"/v1/postings/{jid}/contact-requests"
    assert (await first.post(url, headers=ent, json=ask)).status_code == 201
    # Asking again for the same candidate is not a new request and costs nothing.
    assert (await second.post(url, headers=ent, json=ask)).status_code == 200
    again = await second.post(url, headers=ent, json={**ask, "profile_id": pids[2]})
    assert again.status_code == 429
    assert again.json()["limit"] == "contact_requests"


async def test_enterprises_may_not_narrow_candidates_to_a_county(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"county-{TAG}")
    county = await client.post("/v1/search/profiles", headers=ent, json={"region_code": "150203"})
    assert county.status_code == 422
    city = await client.post("/v1/search/profiles", headers=ent, json={"region_code": "150200"})
    assert city.status_code == 200
    office = await make_token(Role.OFFICE, f"county-o-{TAG}", "150200")
    assert (
        await client.post("/v1/search/profiles", headers=office, json={"region_code": "150203"})
    ).status_code == 200
