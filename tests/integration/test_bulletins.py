"""Bulletins against the real node, on a small data set whose figures were worked out by hand.

Scope 152900 阿拉善盟 (counties 152921 左旗, 152922 右旗, 152923 额济纳旗), period 2025Q2
(2025-04-01 … 2025-06-30), previous 2025Q1, a year earlier 2024Q2. Occupations: 焊工
6-18-02-04, 锻造工 6-18-02-02 (same minor group), 电工 6-31-01-03.

Demand in 2025Q2 (headcount): 焊工 5+3+1+1+1 = 11, 锻造工 1+1 = 2, 电工 2+1 = 3 → 16.
Left out: a posting registered 2025-07-01 (after the boundary), one expired before the period,
one in 包头 (another scope). Supply in 2025Q2: 焊工 2 (active + paused; the withdrawn one and
the one registered 2025-07-01 are not counted), 电工 1 (first of its two occupations), 锻造工 0.
Previous quarter: 焊工 demand 4, supply 1. A year earlier: 焊工 demand 2, supply 0.

Placements (hired referrals) in 2025Q2, by the day in Beijing time: 焊工 1 (hired 00:30 on
1 April Beijing time, still 31 March in UTC), 电工 1. Left out: one hired at 01:00 on 1 July
Beijing time (30 June in UTC: next quarter), one only interviewed, one in 包头. Previous
quarter: 焊工 1.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import uuid
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from typing import Any, cast

import httpx
import pytest

from matcher.bulletins.export import WAGE_COLUMNS
from matcher.bulletins.models import Bulletin, Kind
from matcher.bulletins.schedule import publish_due
from matcher.bulletins.scope import resolve_scope
from matcher.bulletins.service import Publication, publish, supply_demand, wage_guidance
from matcher.foundation.periods import parse_period
from matcher.foundation.principals import Role
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body, service_today
from tests.writes import index_records

TAG = uuid.uuid4().hex[:6]
WELDER, FORGER, ELECTRICIAN = "6-18-02-04", "6-18-02-02", "6-31-01-03"
SCOPE = "152900"


def posting(
    key: str,
    registered: str,
    occupation: str,
    grade: int,
    region: str,
    headcount: int,
    wage: tuple[int | None, int | None] = (None, None),
    **extra: Any,
) -> dict[str, Any]:
    body = posting_body(
        enterprise_id="ent-1",
        title="岗位",
        description="",
        occupation_code=occupation,
        required_level=grade,
        required_certificates=[],
        headcount=headcount,
        wage_min=wage[0],
        wage_max=wage[1],
        region_code=region,
        location=None,
        registered_on=registered,
        **{"valid_from": None, "valid_until": None, **extra},
    )
    return {"id": f"{TAG}-{key}", **{k: v for k, v in body.items() if v is not None}}


def profile(
    key: str, registered: str, codes: list[str], grade: int, region: str, status: str = "active"
) -> dict[str, Any]:
    body = profile_body(
        title="求职者",
        summary="",
        skills=[],
        certificates=[],
        occupation_codes=codes,
        skill_level=grade,
        region_code=region,
        status=status,
        registered_on=registered,
        contact=None,
    )
    return {"id": f"{TAG}-{key}", **body}


POSTINGS = [
    posting("p1", "2025-04-01", WELDER, 3, "152921", 5, (8000, 10000)),  # first day: in
    posting("p2", "2025-06-30", WELDER, 3, "152922", 3, (7000, None)),  # last day: in
    posting("p3", "2025-07-01", WELDER, 3, "152921", 100, (1000, 1000)),  # next quarter
    posting("p4", "2025-03-31", WELDER, 3, "152921", 4, (6000, 6000)),  # previous quarter
    posting("p5", "2025-05-10", ELECTRICIAN, 4, "152923", 2),  # no pay stated
    posting("p6", "2025-05-15", WELDER, 3, "152921", 1, (1000, 1000), valid_until="2025-03-31"),
    posting("p7", "2024-05-01", WELDER, 3, "152921", 2, (5000, 5000)),  # a year earlier
    posting("p8", "2025-05-01", WELDER, 3, "150203", 50, (1000, 1000)),  # 包头: other scope
    posting("w1", "2025-04-20", WELDER, 3, "152921", 1, (9000, 11000)),
    posting("w2", "2025-04-21", WELDER, 3, "152921", 1, (None, 12000)),
    posting("w3", "2025-05-01", WELDER, 4, "152922", 1, (6000, 6000)),
    posting("w4", "2025-05-02", FORGER, 4, "152921", 1, (7000, 7000)),
    posting("w5", "2025-05-03", FORGER, 4, "152921", 1, (7500, 8500)),
    posting("w6", "2025-05-04", ELECTRICIAN, 2, "152923", 1, (15000, 15000)),
]
PROFILES = [
    profile("s1", "2025-04-01", [WELDER], 3, "152921"),
    profile("s2", "2025-06-30", [WELDER], 3, "152921", "paused"),
    profile("s3", "2025-05-05", [WELDER], 3, "152921", "withdrawn"),
    profile("s4", "2025-07-01", [WELDER], 3, "152921"),
    profile("s5", "2025-02-01", [WELDER], 3, "152921"),
    profile("s6", "2025-05-01", [ELECTRICIAN, WELDER], 4, "152923"),
]


def referral(
    key: str, occupation: str, grade: int, region: str, hired_at: str | None, status: str = "hired"
) -> dict[str, Any]:
    """A referral as the referrals index stores it (only what the bulletin counts on)."""
    return {
        "id": f"{TAG}-{key}",
        "posting_id": f"{TAG}-posting-{key}",
        "profile_id": f"{TAG}-profile-{key}",
        "office_id": "office-152900",
        "status": status,
        "occupation_code": occupation,
        "required_level": grade,
        "posting_region_code": region,
        "posting_city_code": region[:4] + "00",
        "proposed_at": "2025-01-15T09:00:00+08:00",
        "hired_at": hired_at,
        "updated_at": hired_at or "2025-01-15T09:00:00+08:00",
    }


REFERRALS = [
    referral("r1", WELDER, 3, "152921", "2025-03-31T16:30:00Z"),  # 1 April, 00:30 Beijing
    referral("r2", WELDER, 3, "152922", "2025-06-30T17:00:00Z"),  # 1 July, 01:00 Beijing
    referral("r3", WELDER, 3, "152921", None, status="interviewed"),
    referral("r4", ELECTRICIAN, 4, "152923", "2025-05-10T10:00:00+08:00"),
    referral("r5", WELDER, 3, "150203", "2025-05-10T10:00:00+08:00"),  # 包头: other scope
    referral("r6", WELDER, 3, "152921", "2025-02-10T10:00:00+08:00"),  # previous quarter
]


@pytest.fixture(scope="module")
async def dataset(services: Services) -> Services:
    """The hand-checked records, and services whose minimum wage sample is 3."""
    await index_records(services, "postings", POSTINGS)
    await index_records(services, "profiles", PROFILES)
    written = await services.store.referrals.write_many(
        [(r["id"], cast(Any, {k: v for k, v in r.items() if v is not None})) for r in REFERRALS],
        refresh="wait_for",
    )
    assert written == {}
    settings = services.settings.model_copy(update={"wage_min_sample": 3})
    return dataclasses.replace(services, settings=settings)


def rows(bulletin: Bulletin, dimension: str) -> dict[str, Any]:
    return {r.key: r for r in bulletin.rows if r.dimension == dimension}


async def test_supply_demand_figures_match_the_hand_count(dataset: Services) -> None:
    b = await supply_demand(
        dataset, period=parse_period("2025Q2"), scope=resolve_scope(SCOPE, dataset.taxonomy.regions)
    )
    assert b.previous_period == "2025Q1"
    assert b.year_ago_period == "2024Q2"
    assert b.totals is not None
    assert (b.totals.measures["demand"].value, b.totals.measures["supply"].value) == (16, 3)
    assert b.totals.ratio.value == 5.33

    occ = rows(b, "occupation")
    welder = occ[WELDER]
    d, s = welder.measures["demand"], welder.measures["supply"]
    assert (d.value, d.share, d.previous, d.change, d.change_pct) == (11, 0.6875, 4, 7, 1.75)
    assert (d.year_ago, d.change_yoy, d.change_yoy_pct) == (2, 9, 4.5)
    assert (s.value, s.share, s.previous, s.year_ago, s.change_yoy_pct) == (2, 0.6667, 1, 0, None)
    assert (welder.ratio.value, welder.ratio.previous, welder.ratio.year_ago) == (5.5, 4.0, None)
    # Supply 0: the ratio is undefined, never a division by zero.
    forger = occ[FORGER]
    assert (forger.measures["demand"].value, forger.measures["supply"].value) == (2, 0)
    assert forger.ratio.value is None
    # A seeker with two occupations counts once, under the first.
    assert occ[ELECTRICIAN].measures["supply"].value == 1
    # Groups are the sums of their occupations.
    assert (occ["6-18-02"].level, occ["6-18-02"].name) == ("minor", "机械热加工人员")
    assert occ["6-18-02"].measures["demand"].value == 13
    assert occ["6"].measures["demand"].value == 16

    grades = rows(b, "grade")
    assert [grades[g].measures["demand"].value for g in "12345"] == [0, 1, 10, 5, 0]
    assert [grades[g].measures["supply"].value for g in "12345"] == [0, 0, 2, 1, 0]
    empty = grades["1"]  # an empty cell: listed, zero, ratio undefined
    assert empty.name == "高级技师"
    assert empty.ratio.value is None
    assert empty.measures["demand"].share == 0.0

    regions = rows(b, "region")
    assert list(regions) == ["152921", "152922", "152923"]
    assert [r.measures["demand"].value for r in regions.values()] == [9, 4, 3]
    assert [r.measures["supply"].value for r in regions.values()] == [2, 0, 1]

    # Placements: hired referrals, by their posting's occupation, grade and county.
    assert b.totals.measures["placements"].value == 2
    assert occ[WELDER].measures["placements"].value == 1
    assert occ[WELDER].measures["placements"].previous == 1
    assert occ[ELECTRICIAN].measures["placements"].value == 1
    assert occ["6-18-02"].measures["placements"].value == 1
    assert [grades[g].measures["placements"].value for g in "12345"] == [0, 0, 1, 1, 0]
    assert [r.measures["placements"].value for r in regions.values()] == [1, 0, 1]
    assert b.counts["current"]["placements"]["value"] == [1, 1]

    ranking = [(r.occupation_code, r.rank, r.previous_rank, r.gap) for r in b.shortage]
    assert ranking == [(WELDER, 1, 1, 9), (ELECTRICIAN, 2, None, 2), (FORGER, 2, None, 2)]
    assert b.counts["current"]["demand"]  # the counts it was computed from are kept


async def test_period_boundary_moves_records_to_the_next_quarter(dataset: Services) -> None:
    b = await supply_demand(
        dataset, period=parse_period("2025Q3"), scope=resolve_scope(SCOPE, dataset.taxonomy.regions)
    )
    assert b.totals is not None
    assert b.totals.measures["demand"].value == 100  # p3, registered 2025-07-01
    assert b.totals.measures["supply"].value == 1  # s4
    assert b.totals.measures["placements"].value == 1  # r2, hired 1 July Beijing time
    assert b.totals.measures["demand"].previous == 16


async def test_wage_guidance_percentiles_rollups_and_suppression(dataset: Services) -> None:
    b = await wage_guidance(
        dataset, period=parse_period("2025Q2"), scope=resolve_scope(SCOPE, dataset.taxonomy.regions)
    )
    cells = {(c.level, c.occupation_code, c.grade, c.region_code): c for c in b.wages}
    # 焊工 高级: midpoints 9000, 7000 (one end), 10000, 12000 → numpy-style linear percentiles.
    welder = cells[("occupation", WELDER, 3, None)]
    assert welder.basis == "own"
    assert welder.sample_size == 4
    figures = (welder.p10, welder.p25, welder.p50, welder.p75, welder.p90, welder.mean)
    assert figures == (7600, 8500, 9500, 10500, 11400, 9500)
    # 焊工 中级 has one sample, 锻造工 中级 two: both roll up to 6-18-02 中级 (6000, 7000, 8000).
    for code, n in ((WELDER, 1), (FORGER, 2)):
        cell = cells[("occupation", code, 4, None)]
        assert (cell.basis, cell.basis_code, cell.basis_sample_size) == ("rolled_up", "6-18-02", 3)
        assert cell.sample_size == n
        assert (cell.p10, cell.p50, cell.p90, cell.mean) == (6200, 7000, 7800, 7000)
    # 电工 技师: one sample, and no group of the same grade reaches 3: suppressed.
    lone = cells[("occupation", ELECTRICIAN, 2, None)]
    assert lone.basis == "suppressed"
    assert lone.sample_size == 1
    assert (lone.p50, lone.mean) == (None, None)
    # A posting without pay is no sample; region cells only where the sample allows.
    assert ("occupation", ELECTRICIAN, 4, None) not in cells
    assert [k for k in cells if k[3] is not None] == [("occupation", WELDER, 3, "152921")]
    assert cells[("occupation", WELDER, 3, "152921")].sample_size == 3
    overall = cells[("total", "", None, None)]
    assert overall.sample_size == 8
    assert overall.basis == "own"


async def test_publishing_again_is_a_new_version_and_the_old_one_never_changes(
    client: httpx.AsyncClient, dataset: Services, make_token: TokenFactory
) -> None:
    office = await make_token(Role.OFFICE, f"office-{TAG}", SCOPE)
    body = {"kind": "supply-demand", "period": "2025Q2", "scope": SCOPE}
    first = await client.post("/v1/bulletins", json=body, headers=office)
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert (v1["id"], v1["version"], v1["replaces"]) == (
        f"supply-demand-{SCOPE}-2025Q2-v1",
        1,
        None,
    )
    # New data arrives for the period; a correction is published.
    await index_records(
        dataset, "postings", [posting("late", "2025-05-20", WELDER, 3, "152921", 7)]
    )
    second = await client.post("/v1/bulletins", json={**body, "reason": "补录岗位"}, headers=office)
    assert second.status_code == 201, second.text
    v2 = second.json()
    assert (v2["version"], v2["replaces"], v2["reason"]) == (2, v1["id"], "补录岗位")
    assert v2["totals"]["measures"]["demand"]["value"] == 23

    stored = await client.get(f"/v1/bulletins/{v1['id']}", headers=office)
    assert stored.json() == v1  # unchanged, figures and all
    listed = await client.get(
        f"/v1/bulletins?kind=supply-demand&period=2025Q2&scope={SCOPE}", headers=office
    )
    items = {i["id"]: i for i in listed.json()["items"]}
    assert items[v1["id"]]["superseded_by"] == v2["id"]
    assert items[v2["id"]]["superseded_by"] is None
    await dataset.store.es.delete(
        index=dataset.store.indexes.postings.write_alias, id=f"{TAG}-late", refresh="wait_for"
    )


async def test_a_period_that_has_not_ended_is_not_published(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    resp = await client.post(
        "/v1/bulletins",
        json={"kind": "wages", "period": f"{service_today().year}", "scope": SCOPE},
        headers=admin_headers,
    )
    assert resp.status_code == 409
    assert "/v1/bulletins/live" in resp.json()["detail"]


async def test_offices_publish_and_see_live_figures_only_for_their_scope(
    client: httpx.AsyncClient, dataset: Services, make_token: TokenFactory
) -> None:
    baotou = await make_token(Role.OFFICE, f"baotou-{TAG}", "150200")
    region = await make_token(Role.OFFICE, f"region-{TAG}", "150000")
    enterprise = await make_token(Role.ENTERPRISE, f"ent-{TAG}")
    for path in (f"/v1/bulletins/live?kind=wages&scope={SCOPE}",):
        assert (await client.get(path, headers=baotou)).status_code == 403
    publish = {"kind": "wages", "period": "2025Q2", "scope": SCOPE}
    refused = await client.post("/v1/bulletins", json=publish, headers=baotou)
    assert refused.status_code == 403
    assert "outside your office" in refused.json()["detail"]
    assert (await client.post("/v1/bulletins", json=publish, headers=enterprise)).status_code == 403
    # Its own scope by default; the whole region's office may look at a league-city.
    own = await client.get("/v1/bulletins/live?kind=supply-demand", headers=baotou)
    assert own.status_code == 200
    assert own.json()["scope"] == "150200"
    live = await client.get(
        f"/v1/bulletins/live?kind=supply-demand&scope={SCOPE}&period=2025Q2", headers=region
    )
    assert live.status_code == 200
    assert live.json()["id"] is None
    assert live.json()["totals"]["measures"]["demand"]["value"] == 16
    county = await client.get("/v1/bulletins/live?kind=wages&scope=152921", headers=region)
    assert county.status_code == 422
    assert county.json()["errors"][0]["field"] == "scope"
    bad = await client.get("/v1/bulletins/live?kind=wages&period=2025Q5", headers=region)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "period"


def _read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_opens_in_excel_and_parses_back_to_the_same_numbers(
    client: httpx.AsyncClient, dataset: Services, admin_headers: dict[str, str]
) -> None:
    sd = await client.post(
        "/v1/bulletins",
        json={"kind": "supply-demand", "period": "2025Q2", "scope": SCOPE, "reason": "csv"},
        headers=admin_headers,
    )
    bulletin = sd.json()
    resp = await client.get(f"/v1/bulletins/{bulletin['id']}?format=csv", headers=admin_headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads it as UTF-8
    assert b"\r\n" in resp.content
    parsed = _read_csv(resp.content.decode("utf-8-sig"))
    by_key = {(r["维度"], r["代码"]): r for r in parsed}
    for row in [bulletin["totals"], *bulletin["rows"]]:
        line = by_key[(row["dimension"], row["key"])]
        assert line["名称"] == row["name"]
        assert int(line["需求人数"]) == row["measures"]["demand"]["value"]
        assert int(line["求职人数"]) == row["measures"]["supply"]["value"]
        share = row["measures"]["demand"]["share"]
        assert (float(line["需求人数占比"]) if line["需求人数占比"] else None) == share
        ratio = row["ratio"]["value"]
        assert (float(line["求人倍率"]) if line["求人倍率"] else None) == ratio
    assert len(parsed) == 1 + len(bulletin["rows"])

    ranking = await client.get(
        f"/v1/bulletins/{bulletin['id']}?format=csv&table=shortage", headers=admin_headers
    )
    ranked = _read_csv(ranking.content.decode("utf-8-sig"))
    assert [(r["职业代码"], int(r["排名"]), int(r["缺口"])) for r in ranked] == [
        (s["occupation_code"], s["rank"], s["gap"]) for s in bulletin["shortage"]
    ]

    # Published with a minimum sample of 3 (the app's own is 10), read back through the API.
    wage = await publish_wages(dataset, "csv")
    resp = await client.get(f"/v1/bulletins/{wage.id}?format=csv", headers=admin_headers)
    lines = _read_csv(resp.content.decode("utf-8-sig"))
    assert len(lines) == len(wage.wages)
    for line, cell in zip(lines, wage.wages, strict=True):
        for field, title in WAGE_COLUMNS:
            value = getattr(cell, field)
            assert line[title] == ("" if value is None else str(value)), (field, cell)
    welder = next(
        r for r in lines if r["职业代码"] == WELDER and r["等级"] == "3" and not r["地区代码"]
    )
    assert (welder["中位数(P50)"], welder["平均数"], welder["样本数"]) == ("9500", "9500", "4")
    lone = next(r for r in lines if r["职业代码"] == ELECTRICIAN and r["等级"] == "2")
    assert (lone["依据"], lone["中位数(P50)"]) == ("suppressed", "")


async def publish_wages(svc: Services, reason: str) -> Bulletin:
    published = await publish(
        svc,
        kind=Kind.WAGES,
        period=parse_period("2025Q2"),
        scope=resolve_scope(SCOPE, svc.taxonomy.regions),
        publication=Publication("admin", "tests", reason),
    )
    assert published is not None
    return published


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg\b.*?</svg>", html, flags=re.S)]  # noqa: S314


async def test_html_page_renders_tables_and_charts(
    client: httpx.AsyncClient, dataset: Services, admin_headers: dict[str, str]
) -> None:
    ns = {"s": "http://www.w3.org/2000/svg"}
    sd = (
        await client.post(
            "/v1/bulletins",
            json={"kind": "supply-demand", "period": "2025Q2", "scope": SCOPE, "reason": "html"},
            headers=admin_headers,
        )
    ).json()
    page = await client.get(f"/bulletins/{sd['id']}")  # public: no token
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "阿拉善盟2025年第二季度人力资源市场供求信息" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")  # nothing external
    collected = _Collect()
    collected.feed(html)
    assert collected.tags.count("table") >= 5
    (bars,) = _svgs(html)
    demand = {
        b.get("data-label"): int(b.get("data-value", "-1"))
        for b in bars.iterfind(".//s:rect[@class='bar demand']", ns)
    }
    supply = {
        b.get("data-label"): int(b.get("data-value", "-1"))
        for b in bars.iterfind(".//s:rect[@class='bar supply']", ns)
    }
    assert demand == {"焊工": 11, "电工": 3, "锻造工": 2}
    assert supply == {"焊工": 2, "电工": 1, "锻造工": 0}
    widths = {
        b.get("data-label"): float(b.get("width", "0"))
        for b in bars.iterfind(".//s:rect[@class='bar demand']", ns)
    }
    assert widths["焊工"] > widths["电工"] > widths["锻造工"] > 0

    wage = await publish_wages(dataset, "html")
    wage_page = await client.get(f"/bulletins/{wage.id}")
    (boxes,) = _svgs(wage_page.text)
    plotted = {g.get("data-label"): g for g in boxes.iterfind(".//s:g[@class='box']", ns)}
    assert set(plotted) == {"高级", "中级"}  # 技师 has one sample: below the minimum, no box
    senior = plotted["高级"]
    assert (senior.get("data-n"), senior.get("data-p50"), senior.get("data-p90")) == (
        "4",
        "9500",
        "11400",
    )
    assert "样本不足" in wage_page.text
    assert "上卷" in wage_page.text
    missing = await client.get("/bulletins/wages-152900-2025Q2-v99")
    assert missing.status_code == 404


async def test_schedule_publishes_what_is_missing_once(dataset: Services) -> None:
    settings = dataset.settings.model_copy(update={"bulletin_region": SCOPE})
    svc = dataclasses.replace(dataset, settings=settings)
    first = await publish_due(svc, today=date(2024, 10, 1))  # the last ended quarter: 2024Q3
    assert sorted(first) == [f"supply-demand-{SCOPE}-2024Q3-v1", f"wages-{SCOPE}-2024Q3-v1"]
    assert await publish_due(svc, today=date(2024, 10, 2)) == []  # a replay changes nothing
    found = await dataset.store.es.get(
        index=dataset.store.indexes.bulletins.read_alias, id=first[0]
    )
    assert found["_source"]["trigger"] == "schedule"
    assert Bulletin.model_validate(found["_source"]["content"]).kind in set(Kind)


async def test_registration_day_defaults_to_the_first_store_and_is_kept(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    path = f"/v1/postings/{TAG}-reg"
    body = posting_body(enterprise_id="ent-1", region_code="152921")
    created = await client.put(path, json=body, headers=admin_headers)
    assert created.status_code in (200, 201), created.text
    first_day = created.json()["registered_on"]
    assert first_day is not None
    again = await client.put(path, json={**body, "headcount": 5}, headers=admin_headers)
    assert again.json()["registered_on"] == first_day
    future = await client.put(
        path, json={**body, "registered_on": "2999-01-01"}, headers=admin_headers
    )
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "registered_on"
    await client.delete(path, headers=admin_headers)
