"""Search with filters and facets, for seekers (and the public token) and for offices."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from matcher.foundation.principals import Role
from matcher.services import Services
from tests.conftest import PUBLIC_TOKEN, TokenFactory
from tests.factories import policy_body, posting_body, profile_body, register_project

TAG = uuid.uuid4().hex[:6]
PUBLIC = {"Authorization": f"Bearer {PUBLIC_TOKEN}"}


@pytest.fixture(scope="module")
async def policy(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> AsyncIterator[str]:
    """A policy in force for wind-turbine work in 额济纳旗 (retired afterwards)."""
    policy_id = f"{TAG}-wind"
    body = policy_body(
        eligibility={
            "area": "listed",
            "county_codes": ["152923"],
            "occupation_codes": ["6-28-01-12"],
        }
    )
    resp = await client.put(f"/v1/incentives/{policy_id}", headers=admin_headers, json=body)
    assert resp.status_code == 201, resp.text
    # Its remote posting is linked to a registered project (claims earn no incentive).
    await register_project(client, admin_headers, f"{TAG}-kp-wind", "额济纳风电基地", "152923")
    yield policy_id
    await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)


@pytest.fixture(scope="module")
async def records(
    client: httpx.AsyncClient, admin_headers: dict[str, str], policy: str
) -> dict[str, str]:
    postings = {
        "weld": posting_body(enterprise_id="e1", title="高级焊工（压力容器）"),
        "remote": posting_body(
            enterprise_id="e2",
            title="风电运维技师",
            description="风机定检与故障处理",
            occupation_code="6-28-01-12",
            required_certificates=[],
            region_code="152923",
            location={"lat": 41.95, "lon": 101.07},
            wage_min=11000,
            wage_max=16000,
            key_project={"name": "额济纳风电基地", "remote": True},
            key_project_id=f"{TAG}-kp-wind",
            industry="能源",
        ),
        "dairy": posting_body(
            enterprise_id="e3",
            title="乳品加工工",
            description="杀菌灌装",
            required_level=None,
            occupation_code="6-02-04-01",
            required_certificates=[],
            region_code="150121",
            location=None,
            wage_min=None,
            wage_max=None,
            industry="农畜产品加工",
        ),
    }
    ids = {}
    for name, body in postings.items():
        ids[name] = f"{TAG}-{name}"
        resp = await client.put(f"/v1/postings/{ids[name]}", headers=admin_headers, json=body)
        assert resp.status_code == 201, resp.text
    for name, region in (("baotou", "150203"), ("chifeng", "150402")):
        ids[name] = f"{TAG}-prof-{name}"
        # A rare word, so the office's search finds these two among every test's welders.
        body = profile_body(region_code=region, summary="十年锅炉汽包焊接经验。")
        assert (
            await client.put(f"/v1/profiles/{ids[name]}", headers=admin_headers, json=body)
        ).status_code == 201
    return ids


def assert_facets_describe_the_hits(body: dict[str, Any]) -> None:
    """Single-valued facets add up to the total; each value's count is the number of hits
    carrying it (checked on the hits themselves when they fit on the page)."""
    for name in ("region", "grade", "incentive", "industry"):
        if name in body["facets"]:
            assert sum(v["count"] for v in body["facets"][name]) == body["total"], name
    if body["total"] > len(body["results"]):
        return
    for facet in body["facets"]["occupation"]:
        carrying = [
            r
            for r in body["results"]
            if facet["key"] in (r.get("occupation_codes") or [r.get("occupation_code")])
        ]
        assert len(carrying) == facet["count"], facet


@pytest.mark.parametrize("q", ["焊工", ""])
async def test_posting_search_facets_count_exactly_the_hits(
    client: httpx.AsyncClient, records: dict[str, str], q: str
) -> None:
    resp = await client.post("/v1/search/postings", headers=PUBLIC, json={"q": q, "limit": 50})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total"] >= 1
    assert_facets_describe_the_hits(body)
    if q:
        assert body["results"][0]["occupation_code"] == "6-18-02-04"


async def test_a_repeated_search_text_is_embedded_and_read_once_with_the_same_answer(
    client: httpx.AsyncClient, records: dict[str, str], services: Services
) -> None:
    q = f"压力容器焊工 {uuid.uuid4().hex[:4]}"  # a text no other test searched for
    body = {"q": q, "limit": 20}
    caches = (services.query_vectors, services.query_readings)
    misses = [cache.misses for cache in caches]
    first = await client.post("/v1/search/postings", headers=PUBLIC, json=body)
    hits = [cache.hits for cache in caches]
    again = await client.post("/v1/search/postings", headers=PUBLIC, json=body)
    assert first.status_code == again.status_code == 200
    assert [cache.misses for cache in caches] == [m + 1 for m in misses]
    assert [cache.hits for cache in caches] == [h + 1 for h in hits]
    assert first.json()["understood"] == again.json()["understood"]
    ids = [[r["posting_id"] for r in resp.json()["results"]] for resp in (first, again)]
    assert ids[0] == ids[1]


async def test_text_search_finds_the_trade_by_its_everyday_words(
    client: httpx.AsyncClient, records: dict[str, str]
) -> None:
    zh = await client.post("/v1/search/postings", headers=PUBLIC, json={"q": "风机运维"})
    assert records["remote"] in [r["posting_id"] for r in zh.json()["results"][:5]]


# A county no other test posts in: what a search finds there is exactly what these tests put.
FAR = "150822"


@pytest.fixture(scope="module")
async def far(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> dict[str, str]:
    bodies = {
        "welder": posting_body(enterprise_id="f1", title="电焊工", region_code=FAR, location=None),
        # Another trade that asks for welding: it holds the word 焊工.
        "electrician": posting_body(
            enterprise_id="f2",
            title="维修电工",
            description="负责厂区配电和设备电气维修，会焊工操作者优先。",
            occupation_code="6-31-01-03",
            required_certificates=[],
            region_code=FAR,
            location=None,
        ),
        "filling": posting_body(
            enterprise_id="f3",
            title="灌装操作工",
            description="负责PLC控制的牛奶灌装线的开机、巡检和清洗。",
            occupation_code="6-02-04-01",
            required_certificates=[],
            required_level=None,
            region_code=FAR,
            location=None,
        ),
        "crane": posting_body(
            enterprise_id="f4",
            title="汽车吊司机",
            description="驾驶25吨汽车起重机，持起重机械作业证。",
            occupation_code="6-30-05-01",
            required_certificates=[],
            region_code=FAR,
            location=None,
        ),
    }
    ids = {}
    for name, body in bodies.items():
        ids[name] = f"{TAG}-far-{name}"
        resp = await client.put(f"/v1/postings/{ids[name]}", headers=admin_headers, json=body)
        assert resp.status_code == 201, resp.text
    return ids


async def _far_search(client: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    resp = await client.post(
        "/v1/search/postings", headers=PUBLIC, json={"region_code": FAR, "limit": 50, **body}
    )
    assert resp.status_code == 200, resp.text
    found: dict[str, Any] = resp.json()
    return found


async def test_a_trade_finds_its_postings_first_and_other_trades_only_by_their_words(
    client: httpx.AsyncClient, far: dict[str, str]
) -> None:
    found = await _far_search(client, q="焊工")
    assert found["understood"]["occupation_codes"][0] == "6-18-02-04"
    hits = {r["posting_id"]: r for r in found["results"]}
    assert found["results"][0]["posting_id"] == far["welder"]
    assert found["results"][0]["tier"] == "对口"
    # The electrician's posting asks for 焊工: shown, as a neighbour, after the welders.
    assert hits[far["electrician"]]["tier"] == "相近"
    assert hits[far["electrician"]]["matched_by"] == "keyword"
    # Dairy filling says nothing of welding: not offered, however the embedding leans.
    assert far["filling"] not in hits
    assert all(r["tier"] != "不对口" for r in found["results"])
    assert found["total"] == len(found["results"])


async def test_a_word_no_posting_holds_finds_no_keyword_hit_and_pads_nothing(
    client: httpx.AsyncClient, far: dict[str, str]
) -> None:
    found = await _far_search(client, q="量子计算")
    assert found["keyword_total"] == 0
    # Whatever is left passed the similarity floor and says how it was found.
    assert all(r["matched_by"] == "meaning" for r in found["results"])
    assert all(r["tier"] == "相近" for r in found["results"])
    assert found["total"] == len(found["results"])
    assert not set(far.values()) & {r["posting_id"] for r in found["results"]}
    if not found["results"]:
        assert found["next_steps"]


async def test_a_skill_finds_exactly_the_postings_that_name_it(
    client: httpx.AsyncClient, far: dict[str, str]
) -> None:
    found = await _far_search(client, q="PLC")
    keyword = [r["posting_id"] for r in found["results"] if r["matched_by"] == "keyword"]
    assert keyword == [far["filling"]]
    assert found["keyword_total"] >= 1
    assert found["total"] < 20  # the real count, never padded to a page


async def test_everyday_words_find_the_trade(
    client: httpx.AsyncClient, far: dict[str, str]
) -> None:
    found = await _far_search(client, q="开吊车")
    hits = {r["posting_id"]: r for r in found["results"]}
    assert far["crane"] in hits
    assert hits[far["crane"]]["tier"] in ("对口", "相近")
    assert far["filling"] not in hits


async def test_posting_filters(client: httpx.AsyncClient, records: dict[str, str]) -> None:
    async def ids(**filters: Any) -> set[str]:
        resp = await client.post(
            "/v1/search/postings", headers=PUBLIC, json={"limit": 50, **filters}
        )
        assert resp.status_code == 200, resp.text
        return {r["posting_id"] for r in resp.json()["results"]}

    remote = await ids(remote_incentives_only=True)
    assert records["remote"] in remote
    assert records["weld"] not in remote
    assert records["dairy"] not in remote
    assert records["remote"] in await ids(wage_floor=15000)
    assert records["weld"] not in await ids(wage_floor=15000)
    near = await ids(near={"lat": 41.9, "lon": 101.0, "radius_km": 50})
    assert records["remote"] in near
    assert records["weld"] not in near
    # A 中级 seeker sees postings asking 中级 or less, or nothing.
    mid = await ids(grade="中级")
    assert records["dairy"] in mid
    assert records["weld"] not in mid
    assert records["dairy"] in await ids(region_code="150100")
    assert records["dairy"] not in await ids(region_code="150200")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"q": "限男性 焊工"}, "q"),
        ({"q": "焊工", "gender": "男"}, "gender"),
        ({"age_max": 35}, "age_max"),
        ({"limit": 51}, "limit"),
        ({"limit": 50, "offset": 160}, "body"),
        ({"q": "焊" * 201}, "q"),
        ({"region_code": "abc"}, "region_code"),
    ],
)
async def test_bad_searches_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    resp = await client.post("/v1/search/postings", headers=PUBLIC, json=body)
    assert resp.status_code == 422
    assert field in [e["field"] for e in resp.json()["errors"]]


async def test_the_public_token_only_reads(
    client: httpx.AsyncClient, records: dict[str, str]
) -> None:
    assert (await client.post("/v1/search/profiles", headers=PUBLIC, json={})).status_code == 403
    assert (
        await client.put("/v1/profiles/x1", headers=PUBLIC, json=profile_body())
    ).status_code == 403
    assert (
        await client.get(f"/v1/profiles/{records['baotou']}", headers=PUBLIC)
    ).status_code == 404
    assert (await client.get(f"/v1/postings/{records['weld']}", headers=PUBLIC)).status_code == 200


async def test_profile_search_scope_and_privacy(
    client: httpx.AsyncClient, make_token: TokenFactory, records: dict[str, str]
) -> None:
    office = await make_token(Role.OFFICE, f"office-{TAG}", "150200")
    resp = await client.post(
        "/v1/search/profiles", headers=office, json={"q": "汽包 焊工", "limit": 50}
    )
    found = resp.json()
    assert found["results"][0]["profile_id"] == records["baotou"]
    assert records["chifeng"] not in [r["profile_id"] for r in found["results"]]
    assert all(r["region_code"].startswith("1502") for r in found["results"])
    assert_facets_describe_the_hits(found)

    enterprise = await make_token(Role.ENTERPRISE, f"ent-{TAG}")
    seen = await client.post("/v1/search/profiles", headers=enterprise, json={"limit": 50})
    assert seen.status_code == 200
    assert "13800000001" not in seen.text
    assert "contact" not in seen.text
    seeker = await make_token(Role.SEEKER, f"seeker-{TAG}")
    assert (await client.post("/v1/search/profiles", headers=seeker, json={})).status_code == 403
