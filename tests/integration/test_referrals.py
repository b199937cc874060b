"""Referrals against the real node: the life cycle with timestamps and attribution, invalid
steps refused, hires closing headcount (also under concurrency), the hard rules at proposal,
region scoping in the list query, and the period filter."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from matcher.foundation.principals import Role
from matcher.referrals.service import claim_place, reconcile_places
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body, service_today


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


async def put(client: httpx.AsyncClient, headers: dict[str, str], kind: str, **body: Any) -> str:
    record_id = uid(kind)
    if kind == "postings":
        body.setdefault("enterprise_id", "ent-1")
        payload = posting_body(**body)
    else:
        payload = profile_body(**body)
    resp = await client.put(f"/v1/{kind}/{record_id}", json=payload, headers=headers)
    assert resp.status_code == 201, resp.text
    return record_id


async def propose(
    client: httpx.AsyncClient, headers: dict[str, str], posting: str, profile: str
) -> httpx.Response:
    return await client.post(
        "/v1/referrals",
        json={"posting_id": posting, "profile_id": profile, "staff": "张老师", "note": "窗口推荐"},
        headers=headers,
    )


async def advance(
    client: httpx.AsyncClient, headers: dict[str, str], rid: str, status: str
) -> httpx.Response:
    return await client.post(
        f"/v1/referrals/{rid}/status", json={"status": status, "staff": "李老师"}, headers=headers
    )


async def backdate(services: Services, rid: str, field: str, by: timedelta) -> None:
    """Set a stored referral's timestamp ``by`` into the past (as if it had been written then)."""
    stamp = (datetime.now(UTC) - by).isoformat().replace("+00:00", "Z")
    await services.store.es.update(
        index=services.store.indexes.referrals.write_alias,
        id=rid,
        doc={field: stamp},
        refresh=True,
    )


async def test_life_cycle_to_hired_closes_headcount(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=1)
    profile = await put(client, admin_headers, "profiles")
    other = await put(client, admin_headers, "profiles")

    resp = await propose(client, office, posting, profile)
    assert resp.status_code == 201, resp.text
    referral = resp.json()
    rid = referral["id"]
    assert referral["status"] == "proposed"
    assert referral["occupation_code"] == "6-18-02-04"
    assert referral["posting_city_code"] == "150200"
    assert referral["next_statuses"] == ["contacted", "declined", "withdrew"]
    # Proposing the same pair again finds the same referral.
    again = await propose(client, office, posting, profile)
    assert again.status_code == 200
    assert again.json()["id"] == rid

    # Skipping steps is refused, and nothing changes.
    skipped = await advance(client, office, rid, "hired")
    assert skipped.status_code == 409
    assert skipped.headers["content-type"].startswith("application/problem+json")
    assert skipped.json()["current"] == "proposed"
    assert (await client.get(f"/v1/postings/{posting}", headers=office)).json()["filled"] == 0

    for status in ("contacted", "interviewed", "hired"):
        resp = await advance(client, office, rid, status)
        assert resp.status_code == 200, resp.text
    done = resp.json()
    assert done["status"] == "hired"
    assert [s["status"] for s in done["history"]] == [
        "proposed",
        "contacted",
        "interviewed",
        "hired",
    ]
    assert all(s["staff"] and s["by"] and s["at"] for s in done["history"])
    assert done["hired_at"]
    assert done["closed_at"] == done["hired_at"]
    assert done["contacted_at"]
    assert done["next_statuses"] == []

    stored = (await client.get(f"/v1/postings/{posting}", headers=office)).json()
    assert (stored["filled"], stored["open_headcount"], stored["matchable"]) == (1, 0, False)
    # Taking the place rewrote the posting; its embedding (kept out of _source) survived.
    raw = await services.store.es.get(
        index=services.store.indexes.postings.read_alias, id=posting, source_exclude_vectors=False
    )
    assert len(raw["_source"]["embedding"]) == services.embedder.dims
    # A closed referral never changes again.
    assert (await advance(client, office, rid, "declined")).status_code == 409
    # The filled posting no longer matches, and takes no new referral.
    matches = await client.get(f"/v1/postings/{posting}/matches", headers=office)
    assert matches.json()["total"] == 0
    refused = await propose(client, office, posting, other)
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("referral-refused")

    # Rewriting the posting keeps the place taken; raising the headcount reopens it.
    rewritten = await client.put(
        f"/v1/postings/{posting}",
        json=posting_body(enterprise_id="ent-1", headcount=2),
        headers=admin_headers,
    )
    assert rewritten.status_code == 200
    assert (rewritten.json()["filled"], rewritten.json()["open_headcount"]) == (1, 1)


async def test_a_hire_is_a_placement_in_the_live_supply_demand_bulletin(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=2)
    profile = await put(client, admin_headers, "profiles")

    async def placements() -> tuple[int, int]:
        resp = await client.get("/v1/bulletins/live?kind=supply-demand", headers=office)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        assert body["scope"] == "150200"
        (welders,) = [r for r in body["rows"] if r["key"] == "6-18-02-04"]
        return body["totals"]["measures"]["placements"]["value"], welders["measures"]["placements"][
            "value"
        ]

    before = await placements()
    rid = (await propose(client, office, posting, profile)).json()["id"]
    for status in ("contacted", "interviewed"):
        assert (await advance(client, office, rid, status)).status_code == 200
    assert await placements() == before  # only a hire is a placement
    assert (await advance(client, office, rid, "hired")).status_code == 200
    assert await placements() == (before[0] + 1, before[1] + 1)


async def test_places_held_by_unrecorded_hires_are_given_back(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=3)
    hired = await put(client, admin_headers, "profiles")
    crashed = await put(client, admin_headers, "profiles")
    ids = {}
    for name, profile in (("hired", hired), ("crashed", crashed)):
        ids[name] = (await propose(client, office, posting, profile)).json()["id"]
        for status in ("contacted", "interviewed"):
            assert (await advance(client, office, ids[name], status)).status_code == 200
    assert (await advance(client, office, ids["hired"], "hired")).status_code == 200
    # A worker died after taking the place and before writing the referral as hired.
    await claim_place(services, posting_id=posting, referral_id=ids["crashed"])

    async def places() -> tuple[int, int]:
        body = (await client.get(f"/v1/postings/{posting}", headers=office)).json()
        return body["filled"], body["open_headcount"]

    assert await places() == (2, 1)
    # Within the grace period a hire may still be in flight: nothing is touched.
    await reconcile_places(services)
    assert await places() == (2, 1)
    report = await reconcile_places(services, grace=timedelta(0))
    assert report["released"] >= 1
    assert await places() == (1, 2)  # the recorded hire keeps its place
    again = await reconcile_places(services, grace=timedelta(0))
    assert again["released"] == 0
    assert await places() == (1, 2)
    # The interrupted referral can still be hired properly.
    assert (await advance(client, office, ids["crashed"], "hired")).status_code == 200
    assert await places() == (2, 1)


async def test_a_declined_or_absent_seeker_can_be_introduced_again(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=2)
    profile = await put(client, admin_headers, "profiles")

    first = (await propose(client, office, posting, profile)).json()
    assert (first["attempt"], first["previous_id"]) == (1, None)
    assert (await advance(client, office, first["id"], "declined")).status_code == 200

    second = await propose(client, office, posting, profile)
    assert second.status_code == 201, second.text
    again = second.json()
    assert again["id"] != first["id"]
    assert (again["attempt"], again["previous_id"], again["status"]) == (2, first["id"], "proposed")
    # The closed referral is history: unchanged.
    closed = (await client.get(f"/v1/referrals/{first['id']}", headers=office)).json()
    assert closed["status"] == "declined"
    # While the new one is in progress, proposing finds it.
    repeat = await propose(client, office, posting, profile)
    assert (repeat.status_code, repeat.json()["id"]) == (200, again["id"])
    for status in ("contacted", "no_show"):
        assert (await advance(client, office, again["id"], status)).status_code == 200
    third = (await propose(client, office, posting, profile)).json()
    assert (third["attempt"], third["previous_id"]) == (3, again["id"])
    for status in ("contacted", "interviewed", "hired"):
        assert (await advance(client, office, third["id"], status)).status_code == 200
    # Hired: that is the referral; no fourth attempt.
    hired = await propose(client, office, posting, profile)
    assert (hired.status_code, hired.json()["id"]) == (200, third["id"])
    listed = await client.get(
        f"/v1/referrals?posting_id={posting}&profile_id={profile}", headers=office
    )
    assert listed.json()["total"] == 3


async def test_bad_requests_are_clear(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings")
    profile = await put(client, admin_headers, "profiles")
    rid = (await propose(client, office, posting, profile)).json()["id"]
    unknown = await advance(client, office, rid, "promoted")
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "status"
    no_staff = await client.post(
        f"/v1/referrals/{rid}/status", json={"status": "contacted"}, headers=office
    )
    assert no_staff.status_code == 422
    missing = await propose(client, office, posting, "no-such-profile")
    assert missing.status_code == 404
    bad_period = await client.get("/v1/referrals?period=2026-13", headers=office)
    assert bad_period.status_code == 422
    bad_status = await client.get("/v1/referrals?status=open", headers=office)
    assert bad_status.status_code == 422
    seeker = await make_token(Role.SEEKER, uid("seeker"))
    assert (await client.get("/v1/referrals", headers=seeker)).status_code == 403
    # Declined and no-show close the referral too.
    assert (await advance(client, office, rid, "declined")).json()["declined_at"]
    assert (await advance(client, office, rid, "contacted")).status_code == 409


async def test_hard_rules_refuse_an_introduction(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    """Employment access: a welder without a valid permit is never introduced."""
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings")
    lapsed = await put(
        client,
        admin_headers,
        "profiles",
        certificates=[
            {
                "type": "special_operation",
                "name": "熔化焊接与热切割作业",
                "expires_on": "2020-01-01",
            }
        ],
    )
    resp = await propose(client, office, posting, lapsed)
    assert resp.status_code == 409
    body = resp.json()
    assert body["failed_rules"]
    assert any(r["next_step"] for r in body["failed_rules"])
    listed = await client.get(f"/v1/referrals?posting_id={posting}", headers=office)
    assert listed.json()["total"] == 0


async def test_concurrent_hires_never_exceed_headcount(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=2)
    rids = []
    for _ in range(4):
        profile = await put(client, admin_headers, "profiles")
        rid = (await propose(client, office, posting, profile)).json()["id"]
        for status in ("contacted", "interviewed"):
            assert (await advance(client, office, rid, status)).status_code == 200
        rids.append(rid)
    results = await asyncio.gather(*(advance(client, office, r, "hired") for r in rids))
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 200, 409, 409]
    assert all(r.json()["type"].endswith("posting-full") for r in results if r.status_code == 409)
    stored = (await client.get(f"/v1/postings/{posting}", headers=office)).json()
    assert (stored["filled"], stored["open_headcount"]) == (2, 0)
    raw = await services.store.es.get(index=services.store.indexes.postings.read_alias, id=posting)
    hired = {r.json()["id"] for r in results if r.status_code == 200}
    assert set(raw["_source"]["hired_referral_ids"]) == hired
    # Retrying a recorded hire is refused and counts nothing twice.
    assert (await advance(client, office, next(iter(hired)), "hired")).status_code == 409
    stored = (await client.get(f"/v1/postings/{posting}", headers=office)).json()
    assert stored["filled"] == 2


async def test_region_scope_is_enforced_in_the_list(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    baotou = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    hohhot = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    region = await make_token(Role.OFFICE, uid("office-nm"), region_code="150000")
    bt_posting = await put(client, admin_headers, "postings")
    bt_profile = await put(client, admin_headers, "profiles")
    hh_posting = await put(client, admin_headers, "postings", region_code="150102", location=None)
    hh_profile = await put(client, admin_headers, "profiles", region_code="150102")

    bt_ref = (await propose(client, baotou, bt_posting, bt_profile)).json()["id"]
    hh_ref = (await propose(client, hohhot, hh_posting, hh_profile)).json()["id"]
    # Another region's seeker is answered exactly as an unknown profile — to another region's
    # posting, to the office's own when not willing to move, or when a hard rule fails (the
    # refusal would tell what the profile lacks): nothing about it is learnt.
    stays = await put(
        client,
        admin_headers,
        "profiles",
        region_code="150102",
        willing_to_relocate=False,
        preferred_region_codes=[],
    )
    lacking = await put(client, admin_headers, "profiles", region_code="150102", certificates=[])
    unknown = await propose(client, baotou, bt_posting, uid("no-such-profile"))
    for posting, profile in ((hh_posting, hh_profile), (bt_posting, stays), (bt_posting, lacking)):
        refused = await propose(client, baotou, posting, profile)
        assert refused.status_code == unknown.status_code == 404
        assert refused.json()["title"] == unknown.json()["title"]
        assert set(refused.json()) == set(unknown.json())

    bt_list = (await client.get(f"/v1/referrals?posting_id={bt_posting}", headers=baotou)).json()
    assert [r["id"] for r in bt_list["referrals"]] == [bt_ref]
    hidden = await client.get(f"/v1/referrals?posting_id={hh_posting}", headers=baotou)
    assert hidden.json()["total"] == 0
    assert (await client.get(f"/v1/referrals/{hh_ref}", headers=baotou)).status_code == 404
    assert (await advance(client, baotou, hh_ref, "contacted")).status_code == 404
    # The region-wide office and the admin see both; the office filter narrows.
    for headers in (region, admin_headers):
        both = await client.get(
            f"/v1/referrals?posting_id={bt_posting},{hh_posting}", headers=headers
        )
        assert both.status_code == 422  # one posting id per query
        ids = set()
        for posting in (bt_posting, hh_posting):
            page = await client.get(f"/v1/referrals?posting_id={posting}", headers=headers)
            ids |= {r["id"] for r in page.json()["referrals"]}
        assert ids == {bt_ref, hh_ref}
    office_id = (await client.get(f"/v1/referrals/{hh_ref}", headers=region)).json()["office_id"]
    mine = await client.get(f"/v1/referrals?office={office_id}", headers=region)
    assert {r["id"] for r in mine.json()["referrals"]} == {hh_ref}
    # A Baotou seeker referred to a Hohhot posting (mobility) is visible to both offices.
    cross = (await propose(client, baotou, hh_posting, bt_profile)).json()["id"]
    assert (await client.get(f"/v1/referrals/{cross}", headers=hohhot)).status_code == 200
    # And a Hohhot seeker willing to move, to the Baotou office's own posting.
    assert (await propose(client, baotou, bt_posting, hh_profile)).status_code == 201


async def test_status_and_period_filters(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office_id = uid("office-bt")
    office = await make_token(Role.OFFICE, office_id, region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=5)
    rids = []
    for _ in range(3):
        profile = await put(client, admin_headers, "profiles")
        rids.append((await propose(client, office, posting, profile)).json()["id"])
    await advance(client, office, rids[0], "contacted")
    today = service_today()
    base = f"/v1/referrals?office={office_id}"
    listed = (await client.get(f"{base}&status=contacted", headers=office)).json()
    assert [r["id"] for r in listed["referrals"]] == [rids[0]]
    assert listed["by_status"]["proposed"] == 2
    assert listed["by_status"]["contacted"] == 1
    this_month = (await client.get(f"{base}&period={today:%Y-%m}", headers=office)).json()
    assert this_month["total"] == 3
    last_year = (await client.get(f"{base}&period={today.year - 1}", headers=office)).json()
    assert last_year["total"] == 0


async def test_a_hire_recorded_by_mistake_is_undone_within_the_window(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    stranger = await make_token(Role.OFFICE, uid("office-hh"), region_code="150100")
    posting = await put(client, admin_headers, "postings", headcount=1)
    rids = []
    for _ in range(2):
        profile = await put(client, admin_headers, "profiles")
        rid = (await propose(client, office, posting, profile)).json()["id"]
        for status in ("contacted", "interviewed"):
            assert (await advance(client, office, rid, status)).status_code == 200
        rids.append(rid)
    hired = (await advance(client, office, rids[0], "hired")).json()
    assert hired["undo_hire_until"]
    # The wrong row: the only place is taken, so the right seeker cannot be hired.
    assert (await advance(client, office, rids[1], "hired")).status_code == 409
    undo = f"/v1/referrals/{rids[0]}/undo-hire"
    body = {"staff": "李老师", "note": "点错了行"}
    # An office outside the referral's region learns nothing of it.
    assert (await client.post(undo, json=body, headers=stranger)).status_code == 404
    resp = await client.post(undo, json=body, headers=office)
    assert resp.status_code == 200, resp.text
    back = resp.json()
    assert (back["status"], back["hired_at"], back["closed_at"]) == ("interviewed", None, None)
    assert back["undo_hire_until"] is None
    assert back["history"][-1]["note"] == "撤销录用：点错了行"
    assert back["next_statuses"] == ["hired", "declined", "withdrew", "no_show"]
    stored = (await client.get(f"/v1/postings/{posting}", headers=office)).json()
    assert (stored["filled"], stored["open_headcount"]) == (0, 1)
    # Undone once: a second undo is a conflict, and the place went to the right seeker.
    assert (await client.post(undo, json=body, headers=office)).status_code == 409
    assert (await advance(client, office, rids[1], "hired")).status_code == 200
    # After the window a hire stands (here: recorded 31 minutes ago).
    await backdate(services, rids[1], "hired_at", timedelta(minutes=31))
    late = await client.post(f"/v1/referrals/{rids[1]}/undo-hire", json=body, headers=office)
    assert late.status_code == 409
    assert "已超过30分钟" in late.json()["detail"]


async def test_an_enterprise_reads_the_outcomes_of_referrals_to_its_postings_only(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    enterprise_id = uid("ent-outcome")
    ent = await make_token(Role.ENTERPRISE, enterprise_id)
    other = await make_token(Role.ENTERPRISE, uid("ent-other"))
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", enterprise_id=enterprise_id)
    profile = await put(client, admin_headers, "profiles")
    rid = (await propose(client, office, posting, profile)).json()["id"]
    assert (await advance(client, office, rid, "contacted")).status_code == 200

    listed = await client.get("/v1/referrals", params={"posting_id": posting}, headers=ent)
    assert listed.status_code == 200, listed.text
    (seen,) = listed.json()["referrals"]
    assert (seen["id"], seen["status"], seen["profile_id"]) == (rid, "contacted", profile)
    assert seen["contacted_at"]
    # The enterprise's view: no office staff, notes, county or the seeker's grants.
    assert (seen["staff"], seen["note"], seen["profile_region_code"]) == ("", "", None)
    assert all((s["staff"], s["note"], s["by"]) == ("", "", "") for s in seen["history"])
    assert seen["profile_city_code"] == "150200"
    text = listed.text
    assert "张老师" not in text
    assert "窗口推荐" not in text
    assert all(v not in text for v in profile_body()["contact"].values())
    one = await client.get(f"/v1/referrals/{rid}", headers=ent)
    assert one.status_code == 200
    assert one.json()["staff"] == ""
    # Another enterprise sees nothing of it; no enterprise moves a referral on.
    assert (await client.get(f"/v1/referrals/{rid}", headers=other)).status_code == 404
    assert (await client.get("/v1/referrals", headers=other)).json()["total"] == 0
    moved = await advance(client, ent, rid, "interviewed")
    assert moved.status_code == 403


async def test_the_employers_no_and_the_workers_withdrawal_are_different_outcomes(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting = await put(client, admin_headers, "postings", headcount=3)
    first = await put(client, admin_headers, "profiles")
    second = await put(client, admin_headers, "profiles")
    outcomes = {}
    soon = service_today() + timedelta(days=3)
    for profile, outcome in ((first, "declined"), (second, "withdrew")):
        rid = (await propose(client, office, posting, profile)).json()["id"]
        # An interview is arranged with the step that contacts the worker, and only then.
        wrong = await client.post(
            f"/v1/referrals/{rid}/status",
            json={"status": "declined", "staff": "李老师", "interview_at": f"{soon}T06:30:00Z"},
            headers=office,
        )
        assert wrong.status_code == 422
        # A time without its offset, or years away, is refused.
        for when in ("2026-12-10T14:30:00", "0001-01-01T00:00:00+08:00"):
            unclear = await client.post(
                f"/v1/referrals/{rid}/status",
                json={"status": "contacted", "staff": "李老师", "interview_at": when},
                headers=office,
            )
            assert unclear.status_code == 422, (when, unclear.text)
        contacted = await client.post(
            f"/v1/referrals/{rid}/status",
            json={
                "status": "contacted",
                "staff": "李老师",
                "note": "约周四上午面试",
                "interview_at": f"{soon}T06:30:00+08:00",
            },
            headers=office,
        )
        assert contacted.status_code == 200, contacted.text
        # 06:30 in Beijing is 22:30 UTC the day before.
        assert contacted.json()["interview_at"].startswith(f"{soon - timedelta(days=1)}T22:30:00")
        assert contacted.json()["history"][-1]["note"] == "约周四上午面试"
        ended = await advance(client, office, rid, outcome)
        assert ended.status_code == 200, ended.text
        outcomes[outcome] = ended.json()
    assert outcomes["declined"]["declined_at"]
    assert not outcomes["declined"]["withdrew_at"]
    assert outcomes["withdrew"]["withdrew_at"]
    assert not outcomes["withdrew"]["declined_at"]
    board = await client.get(
        "/v1/referrals", params={"posting_id": posting, "status": "withdrew"}, headers=office
    )
    assert [r["status"] for r in board.json()["referrals"]] == ["withdrew"]
