"""Role × endpoint × record matrix against the real stack: which principal receives which
record's personal data, before consent, after a grant and after its withdrawal.

Every endpoint that returns profile data is called by every kind of principal for every
record; the response text is searched for the record's personal values (name, phone, e-mail,
certificate number, the free-text summary). They may appear only where ``may_see`` says so:
the seeker, offices covering the record's region and admins reading the profile; the
posting's enterprise reading it through that posting while the seeker's grant stands.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from matcher.foundation.principals import Role
from tests.conftest import ADMIN_TOKEN, PUBLIC_TOKEN, TokenFactory
from tests.factories import days_from_today, posting_body, profile_body

TAG = uuid.uuid4().hex[:8]
MARK = f"k{TAG}"  # a skill only these records have: search finds them by it

PRINCIPALS: dict[str, tuple[Role, str | None]] = {
    "seeker_bt": (Role.SEEKER, None),
    "seeker_hh": (Role.SEEKER, None),
    "seeker_none": (Role.SEEKER, None),
    "ent": (Role.ENTERPRISE, None),
    "ent_other": (Role.ENTERPRISE, None),
    "office_bt": (Role.OFFICE, "150200"),
    "office_hh": (Role.OFFICE, "150100"),
    "office_region": (Role.OFFICE, "150000"),
    "admin": (Role.ADMIN, None),
    "public": (Role.PUBLIC, None),
}
REGIONS = {"baotou": "150203", "hohhot": "150102"}
OWNERS = {"baotou": "seeker_bt", "hohhot": "seeker_hh"}
OFFICES_COVERING = {
    "baotou": {"office_bt", "office_region"},
    "hohhot": {"office_hh", "office_region"},
}


@dataclass
class World:
    headers: dict[str, dict[str, str]]
    profiles: dict[str, str]  # record key → profile id
    secrets: dict[str, list[str]]  # record key → its personal values
    own_posting: str  # ent's posting (Baotou)
    other_posting: str  # ent_other's posting (Hohhot)


def _secrets(key: str) -> tuple[dict[str, Any], list[str]]:
    phone = "139" + "".join(random.choices("0123456789", k=8))  # noqa: S311
    name, email = f"姓名{key}{TAG}", f"{key}.{TAG}@example.cn"
    number, summary = f"T{TAG}{key.upper()}", f"备注{key}{TAG}"
    body = profile_body(
        region_code=REGIONS[key],
        skills=["氩弧焊", MARK],
        summary=f"从事压力容器焊接八年。{summary}",
        contact={"name": name, "phone": phone, "email": email},
        certificates=[
            {
                "type": "special_operation",
                "name": "熔化焊接与热切割作业",
                "number": number,
                "expires_on": days_from_today(4 * 365),
            }
        ],
    )
    return body, [name, phone, email, number, summary]


@pytest.fixture(scope="module")
async def world(client: httpx.AsyncClient, make_token: TokenFactory) -> World:
    headers: dict[str, dict[str, str]] = {}
    for name, (role, region) in PRINCIPALS.items():
        if role is Role.ADMIN:
            headers[name] = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        elif role is Role.PUBLIC:
            headers[name] = {"Authorization": f"Bearer {PUBLIC_TOKEN}"}
        else:
            headers[name] = await make_token(role, f"{name}-{TAG}", region)
    profiles, secrets = {}, {}
    for key in REGIONS:
        body, values = _secrets(key)
        pid = f"pm-{key}-{TAG}"
        resp = await client.put(f"/v1/profiles/{pid}", headers=headers[OWNERS[key]], json=body)
        assert resp.status_code == 201, resp.text
        profiles[key], secrets[key] = pid, values
    own, other = f"jm-own-{TAG}", f"jm-other-{TAG}"
    resp = await client.put(
        f"/v1/postings/{own}", headers=headers["ent"], json=posting_body(description=MARK)
    )
    assert resp.status_code == 201, resp.text
    resp = await client.put(
        f"/v1/postings/{other}",
        headers=headers["ent_other"],
        json=posting_body(region_code="150102", location=None, description=MARK),
    )
    assert resp.status_code == 201, resp.text
    return World(headers, profiles, secrets, own, other)


# endpoint name → (method, url, body) for a record's profile id and the two postings
def endpoints(w: World, pid: str) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    own, other = w.own_posting, w.other_posting
    return {
        "profile": ("GET", f"/v1/profiles/{pid}", None),
        "profile_via_own_posting": ("GET", f"/v1/profiles/{pid}?posting_id={own}", None),
        "profile_via_other_posting": ("GET", f"/v1/profiles/{pid}?posting_id={other}", None),
        "own_posting_matches": ("GET", f"/v1/postings/{own}/matches?limit=50", None),
        "other_posting_matches": ("GET", f"/v1/postings/{other}/matches?limit=50", None),
        "search_text": ("POST", "/v1/search/profiles", {"q": MARK, "limit": 50}),
        "search_listing": (
            "POST",
            "/v1/search/profiles",
            {"occupation_code": "6-18-02-04", "limit": 50},
        ),
        "profile_matches": ("GET", f"/v1/profiles/{pid}/matches?limit=50", None),
        "explanation": ("GET", f"/v1/profiles/{pid}/matches/{own}/explanation", None),
        "profile_contact_requests": ("GET", f"/v1/profiles/{pid}/contact-requests", None),
        "posting_contact_requests": ("GET", f"/v1/postings/{own}/contact-requests", None),
        "profile_audit": ("GET", f"/v1/profiles/{pid}/audit", None),
        "audit": ("GET", f"/v1/audit?profile_id={pid}", None),
        "retention": ("GET", "/v1/retention/profiles?limit=500", None),
        "posting": ("GET", f"/v1/postings/{own}", None),
        "posting_search": ("POST", "/v1/search/postings", {"q": MARK}),
        "me": ("GET", "/v1/me", None),
        "opportunities": ("GET", f"/v1/profiles/{pid}/opportunities", None),
        "incentive_report": ("GET", "/v1/reports/incentives", None),
        "referrals": ("GET", f"/v1/referrals?profile_id={pid}", None),
        "bulletins": ("GET", "/v1/bulletins", None),
    }


PROFILE_READS = {"profile", "profile_via_own_posting", "profile_via_other_posting"}


def may_see(principal: str, endpoint: str, record: str, *, granted: bool) -> bool:
    """The rule under test, written independently of the service's code."""
    if endpoint not in PROFILE_READS:
        return False  # lists, matches, search, audit never carry personal data
    if principal in (OWNERS[record], "admin") or principal in OFFICES_COVERING[record]:
        return True
    return (
        granted
        and principal == "ent"
        and endpoint == "profile_via_own_posting"
        and record == "baotou"
    )


async def _matrix(client: httpx.AsyncClient, w: World, principal: str, *, granted: bool) -> None:
    failures = []
    for record, pid in w.profiles.items():
        for name, (method, url, body) in endpoints(w, pid).items():
            resp = await client.request(method, url, headers=w.headers[principal], json=body)
            assert resp.status_code < 500, (name, resp.text)
            leaked = [s for s in w.secrets[record] if s in resp.text]
            expected = may_see(principal, name, record, granted=granted)
            if expected and resp.status_code == 200 and len(leaked) != len(w.secrets[record]):
                failures.append(f"{principal} {name} {record}: should see all, saw {leaked}")
            if expected and resp.status_code != 200:
                failures.append(f"{principal} {name} {record}: {resp.status_code}")
            if not expected and leaked:
                failures.append(f"{principal} {name} {record}: LEAK {leaked}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_no_personal_data_without_consent(
    client: httpx.AsyncClient, world: World, principal: str
) -> None:
    await _matrix(client, world, principal, granted=False)


async def test_candidates_are_found_so_the_matrix_is_not_empty(
    client: httpx.AsyncClient, world: World
) -> None:
    """Positive control: the enterprise does receive both candidates (redacted)."""
    ent = world.headers["ent"]
    matches = await client.get(f"/v1/postings/{world.own_posting}/matches?limit=50", headers=ent)
    assert set(world.profiles.values()) <= {m["profile_id"] for m in matches.json()["matches"]}
    found = await client.post("/v1/search/profiles", headers=ent, json={"q": MARK})
    assert set(world.profiles.values()) <= {r["profile_id"] for r in found.json()["results"]}
    # Enterprises see the league-city, never the county.
    assert all(r["region_code"].endswith("00") for r in found.json()["results"])
    for m in matches.json()["matches"]:
        if m["profile_id"] in world.profiles.values():
            assert m["profile"]["region_code"] in {"150200", "150100"}
    view = await client.get(
        f"/v1/profiles/{world.profiles['baotou']}?posting_id={world.own_posting}", headers=ent
    )
    shown = view.json()
    assert shown["view"] == "candidate"
    assert shown["region_code"] == "150200"
    assert shown["contact"] is None
    assert shown["owner_id"] is None
    assert shown["summary"] == ""
    assert shown["certificates"][0]["number"] is None
    assert shown["certificates"][0]["name"] == "熔化焊接与热切割作业"
    assert shown["skill_level"] == 3
    assert shown["expected_monthly_wage"] == 9000
    assert "contact" in shown["redacted"]


@pytest.fixture(scope="module")
async def granted(client: httpx.AsyncClient, world: World) -> str:
    """ent asks the Baotou seeker about its posting; the seeker grants."""
    asked = await client.post(
        f"/v1/postings/{world.own_posting}/contact-requests",
        headers=world.headers["ent"],
        json={"profile_id": world.profiles["baotou"], "purpose": "邀请面试焊工岗位"},
    )
    assert asked.status_code == 201, asked.text
    rid: str = asked.json()["id"]
    grant = await client.post(
        f"/v1/contact-requests/{rid}/grant", headers=world.headers["seeker_bt"]
    )
    assert grant.status_code == 200, grant.text
    assert grant.json()["status"] == "granted"
    return rid


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_a_grant_releases_contact_to_that_enterprise_for_that_posting_only(
    client: httpx.AsyncClient, world: World, granted: str, principal: str
) -> None:
    await _matrix(client, world, principal, granted=True)


@pytest.fixture(scope="module")
async def withdrawn(client: httpx.AsyncClient, world: World, granted: str) -> str:
    resp = await client.post(
        f"/v1/contact-requests/{granted}/withdraw", headers=world.headers["seeker_bt"]
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["status"] == "withdrawn"
    return granted


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_a_withdrawal_hides_contact_again(
    client: httpx.AsyncClient, world: World, withdrawn: str, principal: str
) -> None:
    await _matrix(client, world, principal, granted=False)


# Reads of a profile by id: who gets it at all (404, never 403, so ids cannot be probed).
READERS = {
    "baotou": {"seeker_bt", "office_bt", "office_region", "admin"},
    "hohhot": {"seeker_hh", "office_hh", "office_region", "admin"},
}


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_who_reads_which_profile(
    client: httpx.AsyncClient, world: World, principal: str
) -> None:
    h = world.headers[principal]
    for record, pid in world.profiles.items():
        status = (await client.get(f"/v1/profiles/{pid}", headers=h)).status_code
        if principal in READERS[record]:
            assert status == 200
        elif principal.startswith("ent"):
            assert status == 422  # through a posting only
        else:
            assert status == 404
        # Enterprises: through their own posting only; another's posting is "not found".
        via_own = await client.get(f"/v1/profiles/{pid}?posting_id={world.own_posting}", headers=h)
        if principal == "ent":
            assert via_own.status_code == 200
        elif principal == "ent_other":
            assert via_own.status_code == 404
    # Guessed ids answer exactly like other people's records.
    guess = await client.get(f"/v1/profiles/pm-guess-{TAG}", headers=h)
    assert guess.status_code in (404, 422)
    if principal == "ent":
        guess = await client.get(
            f"/v1/profiles/pm-guess-{TAG}?posting_id={world.own_posting}", headers=h
        )
        assert guess.status_code == 404


@pytest.mark.parametrize("principal", list(PRINCIPALS))
async def test_who_writes_which_profile(
    client: httpx.AsyncClient, world: World, principal: str
) -> None:
    """Writes are checked with an unchanged body, so an allowed write changes nothing."""
    h = world.headers[principal]
    for record, pid in world.profiles.items():
        body, _ = _secrets(record)
        resp = await client.put(f"/v1/profiles/{pid}", headers=h, json=body)
        if principal in READERS[record]:
            assert resp.status_code == 200, resp.text
        elif principal == "public":
            assert resp.status_code == 403
        else:
            assert resp.status_code == 403, (principal, record, resp.text)
    # Deleting someone else's profile: refused without saying whether it exists.
    for record, pid in world.profiles.items():
        if principal not in READERS[record]:
            status = (await client.delete(f"/v1/profiles/{pid}", headers=h)).status_code
            assert status in (403, 404)


async def test_offices_match_and_search_inside_their_region_only(
    client: httpx.AsyncClient, world: World
) -> None:
    bt, hh, region = (world.headers[n] for n in ("office_bt", "office_hh", "office_region"))
    # The Baotou posting's candidates, seen by Baotou's office: only Baotou profiles.
    matches = await client.get(f"/v1/postings/{world.own_posting}/matches?limit=50", headers=bt)
    assert matches.status_code == 200
    regions = {m["profile"]["region_code"][:4] for m in matches.json()["matches"]}
    assert regions == {"1502"}
    # The region's office sees both cities' candidates for the same posting.
    wide = await client.get(f"/v1/postings/{world.own_posting}/matches?limit=50", headers=region)
    assert set(world.profiles.values()) <= {m["profile_id"] for m in wide.json()["matches"]}
    # Hohhot's office cannot reach the Baotou posting at all.
    far = await client.get(f"/v1/postings/{world.own_posting}/matches", headers=hh)
    assert far.status_code == 404
    # Search: the scope is part of the query (total counts only in-scope records).
    found = await client.post("/v1/search/profiles", headers=bt, json={"q": MARK})
    ids = [r["profile_id"] for r in found.json()["results"]]
    assert world.profiles["baotou"] in ids
    assert world.profiles["hohhot"] not in ids
    assert all(r["region_code"].startswith("1502") for r in found.json()["results"])
    listing = await client.post(
        "/v1/search/profiles", headers=bt, json={"region_code": "150100", "limit": 50}
    )
    assert listing.json()["total"] == 0
    # Retention review lists only the office's region.
    stale = await client.get("/v1/retention/profiles", headers=hh)
    assert all(p["region_code"].startswith("1501") for p in stale.json()["profiles"])


async def test_imports_respect_roles(client: httpx.AsyncClient, world: World) -> None:
    row = b'{"id": "x", "title": "t", "region_code": "150203"}\n'
    for principal in ("seeker_bt", "ent"):
        resp = await client.post(
            "/v1/imports?kind=profiles",
            headers=world.headers[principal] | {"content-type": "application/x-ndjson"},
            content=row,
        )
        assert resp.status_code == 403


async def test_an_import_is_visible_only_to_whoever_started_it(
    client: httpx.AsyncClient, world: World
) -> None:
    row = '{"id": "imp-x", "title": "焊工", "enterprise_name": "x", "region_code": "150203"}\n'
    started = await client.post(
        "/v1/imports?kind=postings",
        headers=world.headers["ent"] | {"content-type": "application/x-ndjson"},
        content=row.encode(),
    )
    assert started.status_code == 202
    url = f"/v1/imports/{started.json()['id']}"
    assert (await client.get(url, headers=world.headers["ent"])).status_code == 200
    for principal in ("ent_other", "office_bt", "seeker_bt"):
        assert (await client.get(url, headers=world.headers[principal])).status_code in (403, 404)


# Operations outside the read matrix: (method, path) → why no personal data can leak there,
# or which test covers them. A new endpoint must be added here or to ``endpoints()``.
OUTSIDE_THE_MATRIX = {
    ("GET", "/healthz"): "no records",
    ("GET", "/readyz"): "no records",
    ("POST", "/v1/tokens"): "admin only, tokens",
    ("GET", "/v1/tokens"): "admin only, tokens",
    ("DELETE", "/v1/tokens/{token_id}"): "admin only, tokens",
    ("GET", "/v1/taxonomy/occupations"): "taxonomy",
    ("GET", "/v1/taxonomy/occupations/{code}"): "taxonomy",
    ("GET", "/v1/taxonomy/regions"): "taxonomy",
    ("GET", "/v1/taxonomy/grades"): "taxonomy",
    ("POST", "/v1/occupations/normalize"): "taxonomy",
    ("PUT", "/v1/profiles/{profile_id}"): "test_who_writes_which_profile",
    ("POST", "/v1/profiles:batch"): (
        "offices and admins write as PUT does; results hold ids and statuses, never profile "
        "fields (test_profile_batch)"
    ),
    ("DELETE", "/v1/profiles/{profile_id}"): "test_who_writes_which_profile, test_consent",
    ("PUT", "/v1/postings/{posting_id}"): "postings hold no personal data (test_postings)",
    ("PUT", "/v1/postings/{posting_id}/occupation"): "postings (test_occupation)",
    ("PUT", "/v1/profiles/{profile_id}/occupation"): (
        "writers only, others 404 without data (test_who_may_confirm_a_profiles_occupation)"
    ),
    ("DELETE", "/v1/postings/{posting_id}"): "postings (test_postings)",
    ("POST", "/v1/imports"): "test_imports_respect_roles",
    ("GET", "/v1/imports/{import_id}"): "test_an_import_is_visible_only_to_whoever_started_it",
    ("POST", "/v1/postings/{posting_id}/contact-requests"): "test_consent",
    ("POST", "/v1/contact-requests/{request_id}/grant"): "test_consent",
    ("POST", "/v1/contact-requests/{request_id}/decline"): "test_consent",
    ("POST", "/v1/contact-requests/{request_id}/withdraw"): "test_consent",
    ("POST", "/v1/profiles/{profile_id}/consents"): "test_consent",
    ("GET", "/v1/incentives"): "policies: no personal data",
    ("GET", "/v1/incentives/{policy_id}"): "policies: no personal data",
    ("PUT", "/v1/incentives/{policy_id}"): "policies, admin only (test_incentives)",
    ("DELETE", "/v1/incentives/{policy_id}"): "policies, admin only (test_incentives)",
    ("GET", "/v1/incentives/{policy_id}/versions"): "policies: no personal data",
    ("GET", "/v1/incentives/{policy_id}/versions/{version}"): "policies: no personal data",
    ("POST", "/v1/bulletins"): "aggregate counts only; office scope in test_bulletins",
    ("GET", "/v1/bulletins/live"): "aggregate counts only; office scope in test_bulletins",
    ("GET", "/v1/bulletins/{bulletin_id}"): "aggregate counts only (test_bulletins)",
    ("GET", "/bulletins/{bulletin_id}"): "aggregate counts only, HTML (test_bulletins)",
    ("POST", "/v1/referrals"): "referrals hold ids and codes, no personal data (test_referrals)",
    ("GET", "/v1/referrals/{referral_id}"): "ids and codes only; region scope and the "
    "enterprise's view (its postings only, no staff or notes) in test_referrals",
    ("POST", "/v1/referrals/{referral_id}/status"): "ids and codes only (test_referrals)",
    ("POST", "/v1/referrals/{referral_id}/undo-hire"): "as the status step; 404 outside the "
    "region (test_referrals)",
    ("GET", "/v1/postings"): "postings hold no personal data; whose in test_lifecycle",
    ("GET", "/v1/alerts"): "the caller's own alerts only, no contact details (test_lifecycle)",
    ("POST", "/v1/alerts/{alert_id}/read"): "another's alert is 404 (test_lifecycle)",
    ("GET", "/v1/feed/postings"): "public posting fields only (test_changes)",
    ("GET", "/v1/snapshot/postings"): "public posting fields only (test_changes)",
    ("POST", "/v1/saved-searches"): "the followed record is checked as for its matches; "
    "404 otherwise (test_subscriptions)",
    ("GET", "/v1/saved-searches"): "the caller's own only (test_subscriptions)",
    ("GET", "/v1/saved-searches/{search_id}"): "another's is 404 (test_subscriptions)",
    ("DELETE", "/v1/saved-searches/{search_id}"): "another's is 404 (test_subscriptions)",
    ("GET", "/v1/key-projects"): "the project registry: no personal data",
    ("GET", "/v1/key-projects/{project_id}"): "the project registry: no personal data",
    ("PUT", "/v1/key-projects/{project_id}"): "admin only, no personal data (test_projects)",
    ("PUT", "/v1/postings/{posting_id}/key-project"): "offices of the region and admins; "
    "postings hold no personal data (test_projects)",
}


def test_every_operation_is_in_the_matrix_or_accounted_for() -> None:
    """Guards later endpoints: each must be called by the matrix or say why it need not be."""
    from starlette.routing import Match, Route

    from matcher.api.app import API_ROUTES

    def endpoint() -> None:
        return None

    fake = World(headers={}, profiles={}, secrets={}, own_posting="j1", other_posting="j2")
    called = [(m, url.split("?")[0]) for m, url, _ in endpoints(fake, "p1").values()]
    covered = set()
    for r in API_ROUTES:
        route = Route(r.path, endpoint, methods=[r.method])
        for method, path in called:
            match, _ = route.matches({"type": "http", "path": path, "method": method})
            if match is Match.FULL:
                covered.add((r.method, r.path))
    unaccounted = {(r.method, r.path) for r in API_ROUTES} - covered - set(OUTSIDE_THE_MATRIX)
    assert not unaccounted, (
        f"{sorted(unaccounted)}: add each to endpoints() in this file (it returns data) or to "
        "OUTSIDE_THE_MATRIX with the reason no profile data can leak there"
    )
