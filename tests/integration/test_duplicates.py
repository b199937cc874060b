"""Duplicates against the real node and Redis: a posting that repeats an open posting of the
same enterprise is flagged by the job (once, however often it runs), its enterprise and the
offices of its region are told, and bulletins count the two once; another enterprise's copy,
another occupation or a reworded text is not a repeat; the flag goes when the original closes
or is deleted. Two profiles sharing a phone or certificate number are flagged to the offices
that may read both, never to the seekers or to an office that may read only one."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from matcher.bulletins.scope import resolve_scope
from matcher.bulletins.service import supply_demand
from matcher.duplicates.service import check_new_records
from matcher.foundation.periods import parse_period
from matcher.foundation.principals import Role
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body

# 锡林郭勒盟 (152500), away from the regions other tests rank in.
COUNTY, CITY = "152502", "152500"
DESCRIPTION = (
    "负责露天矿区输变电线路和配电设备的日常巡检、故障排查与维修，执行两票三制。"
    "持低压电工作业证，能适应倒班。月薪{wage}元，缴纳五险一金，提供食宿和班车。"
)


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


async def settle_and_run(services: Services) -> dict[str, int]:
    await asyncio.sleep(services.settings.feed_settle_s + 0.2)
    return await check_new_records(services)


async def put(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str, **body: Any
) -> None:
    fields = {
        "title": "矿区电工",
        "description": DESCRIPTION.format(wage="7000-9000"),
        "occupation_code": "6-31-01-03",
        "required_level": None,
        "required_certificates": [],
        "region_code": COUNTY,
        "location": None,
        "headcount": 2,
        **body,
    }
    resp = await client.put(
        f"/v1/postings/{posting_id}", json=posting_body(**fields), headers=headers
    )
    assert resp.status_code in (200, 201), resp.text


async def told(
    client: httpx.AsyncClient, headers: dict[str, str], kind: str, record_ids: set[str]
) -> list[dict[str, Any]]:
    resp = await client.get("/v1/alerts", params={"limit": "100"}, headers=headers)
    assert resp.status_code == 200, resp.text
    return [a for a in resp.json()["alerts"] if a["kind"] == kind and a["record_id"] in record_ids]


async def demand(services: Services) -> int:
    today = services.clock.today()
    period = parse_period(f"{today.year}Q{(today.month - 1) // 3 + 1}")
    bulletin = await supply_demand(
        services, period=period, scope=resolve_scope(CITY, services.taxonomy.regions)
    )
    assert bulletin.totals is not None
    return int(bulletin.totals.measures["demand"].value or 0)


async def duplicate_of(
    client: httpx.AsyncClient, headers: dict[str, str], posting_id: str
) -> str | None:
    resp = await client.get(f"/v1/postings/{posting_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()["duplicate_of"]  # type: ignore[no-any-return]


async def test_a_repeated_posting_is_flagged_told_once_and_counted_once(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    await check_new_records(services)  # its position: from here on
    enterprise = uid("ent-dup")
    ent = await make_token(Role.ENTERPRISE, enterprise)
    rival = await make_token(Role.ENTERPRISE, uid("ent-rival"))
    county_office = await make_token(Role.OFFICE, uid("office-xl"), region_code=COUNTY)
    city_office = await make_token(Role.OFFICE, uid("office-xlm"), region_code=CITY)
    elsewhere = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    before = await demand(services)

    original, repeat, copied, other_trade, reworded, other_site = (
        uid("p-orig"),
        uid("p-rep"),
        uid("p-copy"),
        uid("p-trade"),
        uid("p-new"),
        uid("p-site"),
    )
    await put(client, ent, original)
    # The same vacancy posted again a little later, its wage raised and "急招" added.
    await put(
        client, ent, repeat, title="急招矿区电工", description=DESCRIPTION.format(wage="7500-9000")
    )
    await put(client, rival, copied)  # another enterprise's copy is its own demand
    await put(client, ent, other_trade, occupation_code="6-31-01-02")  # another occupation
    await put(
        client,
        ent,
        reworded,
        description="选煤厂招聘电工，负责高压开关柜和变频器的维护，需持高压电工作业证，白班。",
    )
    # The same text for the enterprise's site in another county (二连浩特): another vacancy.
    await put(client, ent, other_site, region_code="152501")
    assert await demand(services) == before + 12

    ran = await settle_and_run(services)
    assert ran["postings_flagged"] >= 1
    assert await duplicate_of(client, ent, repeat) == original
    for posting_id, headers in (
        (original, ent),
        (copied, rival),
        (other_trade, ent),
        (reworded, ent),
        (other_site, ent),
    ):
        assert await duplicate_of(client, headers, posting_id) is None, posting_id
    assert await demand(services) == before + 10  # the repeat's two places are not counted

    mine = {original, repeat, copied, other_trade, reworded, other_site}
    to_enterprise = await told(client, ent, "posting_duplicate", mine)
    assert [a["record_id"] for a in to_enterprise] == [repeat]
    assert original in to_enterprise[0]["body"]
    assert "只计一次" in to_enterprise[0]["body"]
    for office in (county_office, city_office, admin_headers):
        desk = await told(client, office, "posting_duplicate", mine)
        assert [a["record_id"] for a in desk] == [repeat]
    assert await told(client, elsewhere, "posting_duplicate", mine) == []
    assert await told(client, rival, "posting_duplicate", mine) == []
    # An office alert is read for the region's offices once one has read it; an office
    # outside the region cannot touch it.
    alert_id = (await told(client, city_office, "posting_duplicate", mine))[0]["id"]
    assert (await client.post(f"/v1/alerts/{alert_id}/read", headers=elsewhere)).status_code == 404
    assert (
        await client.post(f"/v1/alerts/{alert_id}/read", headers=county_office)
    ).status_code == 200
    assert (await told(client, city_office, "posting_duplicate", mine))[0]["read_at"]

    # Run again (a retried job, a second worker) and write the repeat again: told once.
    await put(
        client, ent, repeat, title="急招矿区电工", description=DESCRIPTION.format(wage="7500-9000")
    )
    await settle_and_run(services)
    assert await duplicate_of(client, ent, repeat) == original
    assert len(await told(client, ent, "posting_duplicate", mine)) == 1
    assert len(await told(client, city_office, "posting_duplicate", mine)) == 1

    # The original closes: the repeat is the open vacancy now, and counts again.
    await put(client, ent, original, status="closed")
    await settle_and_run(services)
    assert await duplicate_of(client, ent, repeat) is None
    assert await demand(services) == before + 12

    for posting_id, headers in (
        (original, ent),
        (repeat, ent),
        (copied, rival),
        (other_trade, ent),
        (reworded, ent),
        (other_site, ent),
    ):
        assert (
            await client.delete(f"/v1/postings/{posting_id}", headers=headers)
        ).status_code == 204


async def test_a_closed_repeat_keeps_its_flag_until_its_original_is_deleted(
    client: httpx.AsyncClient, make_token: TokenFactory, services: Services
) -> None:
    await check_new_records(services)
    ent = await make_token(Role.ENTERPRISE, uid("ent-dup"))
    first, second = uid("p-first"), uid("p-second")
    await put(client, ent, first)
    await put(client, ent, second, description=DESCRIPTION.format(wage="7000-9500"))
    await settle_and_run(services)
    assert await duplicate_of(client, ent, second) == first

    # The original paused, the repeat is the open vacancy; reopened, the repeat is one again.
    await put(client, ent, first, status="paused")
    await settle_and_run(services)
    assert await duplicate_of(client, ent, second) is None
    await put(client, ent, first)
    await settle_and_run(services)
    assert await duplicate_of(client, ent, second) == first

    # Closed, the repeat keeps its flag: the past period's bulletin does not change.
    await put(
        client, ent, second, description=DESCRIPTION.format(wage="7000-9500"), status="closed"
    )
    await settle_and_run(services)
    assert await duplicate_of(client, ent, second) == first
    # Its original deleted, it is no longer a repeat of anything.
    assert (await client.delete(f"/v1/postings/{first}", headers=ent)).status_code == 204
    await settle_and_run(services)
    assert await duplicate_of(client, ent, second) is None
    assert (await client.delete(f"/v1/postings/{second}", headers=ent)).status_code == 204


async def test_profiles_sharing_a_phone_or_certificate_are_flagged_to_offices_reading_both(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    await check_new_records(services)
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    cert = f"T15{uuid.uuid4().int % 10**10:010d}"
    in_county, same_city, other_city, unrelated = (
        uid("prof-a"),
        uid("prof-b"),
        uid("prof-c"),
        uid("prof-d"),
    )
    seeker_id = uid("seeker-dup")
    seeker = await make_token(Role.SEEKER, seeker_id)
    county_office = await make_token(Role.OFFICE, uid("office-xl"), region_code=COUNTY)
    city_office = await make_token(Role.OFFICE, uid("office-xlm"), region_code=CITY)
    province = await make_token(Role.OFFICE, uid("office-nm"), region_code="150000")

    def body(region: str, phone_no: str, number: str, **extra: Any) -> dict[str, Any]:
        base = profile_body()
        return profile_body(
            region_code=region,
            contact={**base["contact"], "phone": phone_no},
            certificates=[{**base["certificates"][0], "number": number}],
            **extra,
        )

    writes = [
        (in_county, body(COUNTY, phone, f"X{uuid.uuid4().hex[:10]}"), county_office),
        # The seeker registers again online, with the phone written another way.
        (same_city, body("152501", f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}", cert), seeker),
        (other_city, body("150203", "13700000000", cert.lower()), admin_headers),
        (unrelated, body(COUNTY, f"136{phone[3:]}", f"Y{uuid.uuid4().hex[:10]}"), admin_headers),
    ]
    for profile_id, profile, headers in writes:
        resp = await client.put(f"/v1/profiles/{profile_id}", json=profile, headers=headers)
        assert resp.status_code == 201, resp.text
    ran = await settle_and_run(services)
    assert ran["profile_alerts"] >= 2

    ids = {in_county, same_city, other_city, unrelated}
    # same_city shares the phone with in_county (both in 锡林郭勒盟), and the certificate
    # with other_city (包头): the first pair is the league's work, the second the province's.
    city_desk = await told(client, city_office, "profile_duplicate", ids)
    assert [(a["record_id"], a["title"]) for a in city_desk] == [
        (same_city, f"档案 {same_city} 疑似重复登记")
    ]
    assert in_county in city_desk[0]["body"]
    assert "手机号" in city_desk[0]["body"]
    assert phone not in str(city_desk)
    # The county office may read only one of the two: it is not told.
    assert await told(client, county_office, "profile_duplicate", ids) == []
    by_province = await told(client, province, "profile_duplicate", ids)
    assert {(a["record_id"], other_city in a["body"]) for a in by_province} == {
        (same_city, False),
        (other_city, True),
    }
    certificate = next(a for a in by_province if other_city in a["body"])
    assert "证书编号" in certificate["body"]
    assert cert not in certificate["body"]
    assert len(await told(client, admin_headers, "profile_duplicate", ids)) == 2
    assert await told(client, seeker, "profile_duplicate", ids) == []

    # Run again and rewrite one: nothing is told twice.
    resp = await client.put(
        f"/v1/profiles/{same_city}",
        json=body("152501", phone, cert, summary="重新填写"),
        headers=seeker,
    )
    assert resp.status_code == 200, resp.text
    await settle_and_run(services)
    assert len(await told(client, admin_headers, "profile_duplicate", ids)) == 2

    # A number on four profiles (a family's phone, an agent's) tells nothing about one person.
    shared = f"158{uuid.uuid4().int % 10**8:08d}"
    family = [uid("prof-family") for _ in range(4)]
    for profile_id in family:
        resp = await client.put(
            f"/v1/profiles/{profile_id}",
            json=body(COUNTY, shared, f"F{uuid.uuid4().int % 10**10:010d}"),
            headers=admin_headers,
        )
        assert resp.status_code == 201, resp.text
    await settle_and_run(services)
    assert await told(client, admin_headers, "profile_duplicate", set(family)) == []
    for profile_id in [*ids, *family]:
        resp = await client.delete(f"/v1/profiles/{profile_id}", headers=admin_headers)
        assert resp.status_code == 204, resp.text
