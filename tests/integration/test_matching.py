"""Matching against the real node: hard rules never violated, explanations add up, fairness,
both directions, pagination, and the pair explanation."""

import uuid
from typing import Any

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from matcher.demo.generate import generate_postings, generate_profiles
from matcher.foundation.principals import Role
from matcher.matching.service import pair_context
from matcher.policy.ranking import score_pair
from matcher.policy.rules import check
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body, service_today
from tests.writes import index_records

TAG = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
async def generated(services: Services) -> dict[str, list[str]]:
    """200 generated profiles and 40 postings (seeded), indexed like the API does."""
    profiles = generate_profiles(200, 11)
    postings = generate_postings(40, 11)
    for r in profiles + postings:
        r["id"] = f"{TAG}-{r['id']}"
    await index_records(services, "profiles", profiles)
    await index_records(services, "postings", postings)
    return {"profiles": [r["id"] for r in profiles], "postings": [r["id"] for r in postings]}


async def test_hard_rules_are_never_violated_in_either_direction(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    services: Services,
    es: AsyncElasticsearch,
    generated: dict[str, list[str]],
) -> None:
    today = service_today()
    checked = 0
    for posting_id in generated["postings"]:
        resp = await client.get(
            f"/v1/postings/{posting_id}/matches?limit=50&include_unrelated=true",
            headers=admin_headers,
        )
        assert resp.status_code == 200, resp.text
        posting = (await es.get(index=services.store.indexes.postings.read_alias, id=posting_id))[
            "_source"
        ]
        ids = [m["profile_id"] for m in resp.json()["matches"]]
        if not ids:
            continue
        found = await es.mget(index=services.store.indexes.profiles.read_alias, ids=ids)
        for doc in found["docs"]:
            results = check(posting, doc["_source"], today, services.taxonomy.occupations)
            assert all(r.passed for r in results), (posting_id, doc["_id"], results)
            checked += 1
    for profile_id in generated["profiles"][:40]:
        resp = await client.get(
            f"/v1/profiles/{profile_id}/matches?limit=50&include_unrelated=true",
            headers=admin_headers,
        )
        profile = (await es.get(index=services.store.indexes.profiles.read_alias, id=profile_id))[
            "_source"
        ]
        ids = [m["posting_id"] for m in resp.json()["matches"]]
        if not ids:
            continue
        found = await es.mget(index=services.store.indexes.postings.read_alias, ids=ids)
        for doc in found["docs"]:
            results = check(doc["_source"], profile, today, services.taxonomy.occupations)
            assert all(r.passed for r in results), (profile_id, doc["_id"], results)
            checked += 1
    assert checked > 100  # the property was exercised, not vacuously true


async def test_the_filters_keep_eligible_pairs(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    services: Services,
    es: AsyncElasticsearch,
    generated: dict[str, list[str]],
) -> None:
    """The converse: a same-occupation profile passing every rule in Python is retrieved."""
    today = service_today()
    alias = services.store.indexes.profiles.read_alias
    missed = 0
    for posting_id in generated["postings"][:15]:
        posting = (await es.get(index=services.store.indexes.postings.read_alias, id=posting_id))[
            "_source"
        ]
        same = await es.search(
            index=alias,
            size=200,
            query={
                "bool": {
                    "filter": [
                        {"term": {"occupation_codes": posting["occupation_code"]}},
                        {"prefix": {"id": TAG}},
                    ]
                }
            },
        )
        eligible = {
            h["_id"]
            for h in same["hits"]["hits"]
            if all(
                r.passed for r in check(posting, h["_source"], today, services.taxonomy.occupations)
            )
        }
        resp = await client.get(
            f"/v1/postings/{posting_id}/matches?limit=50&include_unrelated=true",
            headers=admin_headers,
        )
        returned = {m["profile_id"] for m in resp.json()["matches"]}
        missed += len(eligible - returned) if resp.json()["total"] < 50 else 0
    assert missed == 0


async def busy_posting(
    client: httpx.AsyncClient, headers: dict[str, str], ids: list[str], at_least: int
) -> str:
    """The first posting with at least ``at_least`` matches."""
    for posting_id in ids:
        resp = await client.get(f"/v1/postings/{posting_id}/matches?limit=50", headers=headers)
        if resp.json()["total"] >= at_least:
            return posting_id
    raise AssertionError(f"no generated posting has {at_least} matches")


async def test_explanations_add_up_to_the_score(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    generated: dict[str, list[str]],
) -> None:
    posting_id = await busy_posting(client, admin_headers, generated["postings"], 5)
    resp = await client.get(f"/v1/postings/{posting_id}/matches", headers=admin_headers)
    matches = resp.json()["matches"]
    assert matches
    for match in matches:
        features = match["explanation"]["features"]
        assert sum(v["contribution"] for v in features.values()) == pytest.approx(
            match["score"], abs=1e-5
        )
        assert abs(sum(v["weight"] for v in features.values()) - 1) < 1e-3
        assert all(0 <= v["value"] <= 1 for v in features.values())
        assert all(rule["passed"] for rule in match["explanation"]["rules"])
        assert "contact" not in match["profile"]
    scores = [m["score"] for m in matches]
    assert scores == sorted(scores, reverse=True)


async def test_pagination_is_stable(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    generated: dict[str, list[str]],
) -> None:
    posting_id = await busy_posting(client, admin_headers, generated["postings"], 10)
    url = f"/v1/postings/{posting_id}/matches"
    whole = (await client.get(f"{url}?limit=10", headers=admin_headers)).json()["matches"]
    first = (await client.get(f"{url}?limit=5", headers=admin_headers)).json()["matches"]
    second = (await client.get(f"{url}?limit=5&offset=5", headers=admin_headers)).json()["matches"]
    assert [m["profile_id"] for m in first + second] == [m["profile_id"] for m in whole]
    deep = await client.get(f"{url}?limit=50&offset=190", headers=admin_headers)
    assert deep.status_code == 422


def test_protected_traits_never_change_a_score(services: Services) -> None:
    """Changing only protected or personal data leaves every feature and the score alone."""
    posting = {
        "occupation_code": "6-18-02-04",
        "required_level": 3,
        "region_code": "150203",
        "title": "焊工",
        "description": "氩弧焊",
        "wage_min": 8000,
        "wage_max": 9000,
        "required_certificates": [],
    }
    profile = {
        "occupation_codes": ["6-18-02-04"],
        "effective_level": 3,
        "skills": ["氩弧焊"],
        "region_code": "150204",
        "years_experience": 5,
        "expected_monthly_wage": 8500,
        "willing_to_relocate": True,
        "status": "active",
        "contact": {"name": "张三", "phone": "13800000000"},
    }
    variants: list[dict[str, Any]] = [
        {"contact": {"name": "其木格", "phone": "13900000000"}},
        {"gender": "女"},
        {"age": 52},
        {"ethnicity": "蒙古族"},
        {"marital_status": "已婚"},
        {"hukou": "外省"},
    ]
    base = score_pair(
        posting,
        profile,
        retrieval=0.5,
        context=pair_context(services),
    )
    for change in variants:
        assert (
            score_pair(
                posting,
                profile | change,
                retrieval=0.5,
                context=pair_context(services),
            )
            == base
        )


async def test_profiles_differing_only_in_contact_details_rank_alike(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-{TAG}")
    posting_id = f"{TAG}-fair-post"
    await client.put(f"/v1/postings/{posting_id}", headers=ent, json=posting_body())
    twins = {
        f"{TAG}-fair-a": {"name": "王建国", "phone": "13800000001", "email": "w@example.cn"},
        f"{TAG}-fair-b": {"name": "其木格", "phone": "13911112222", "email": None},
    }
    for pid, contact in twins.items():
        body = profile_body(contact=contact)
        assert (
            await client.put(f"/v1/profiles/{pid}", headers=admin_headers, json=body)
        ).status_code == 201
    resp = await client.get(f"/v1/postings/{posting_id}/matches?limit=50", headers=ent)
    found = {m["profile_id"]: m for m in resp.json()["matches"] if m["profile_id"] in twins}
    assert set(found) == set(twins)
    a, b = found.values()
    assert a["score"] == b["score"]
    assert a["explanation"] == b["explanation"]


async def test_an_enterprise_cannot_tell_a_candidates_county_from_the_score(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    """Enterprises see a candidate's league-city only: the location feature is scored at that
    level for them, so neither its value nor the score tells the posting's own county (150203)
    from another county of 包头 (150207); offices see the difference."""
    ent = await make_token(Role.ENTERPRISE, f"ent-county-{TAG}")
    office = await make_token(Role.OFFICE, f"office-county-{TAG}", "150200")
    posting_id = f"{TAG}-county-post"
    await client.put(f"/v1/postings/{posting_id}", headers=ent, json=posting_body())
    homes = {f"{TAG}-county-same": "150203", f"{TAG}-county-other": "150207"}
    for pid, region in homes.items():
        body = profile_body(region_code=region, preferred_region_codes=[])
        resp = await client.put(f"/v1/profiles/{pid}", headers=admin_headers, json=body)
        assert resp.status_code == 201, resp.text

    async def location(headers: dict[str, str]) -> dict[str, tuple[float, float, float]]:
        resp = await client.get(f"/v1/postings/{posting_id}/matches?limit=50", headers=headers)
        assert resp.status_code == 200, resp.text
        out = {}
        for m in resp.json()["matches"]:
            if m["profile_id"] in homes:
                feat = m["explanation"]["features"]["location"]
                out[m["profile_id"]] = (feat["value"], feat["contribution"], m["score"])
        assert set(out) == set(homes)
        return out

    seen = await location(ent)
    assert seen[f"{TAG}-county-same"] == seen[f"{TAG}-county-other"]
    desk = await location(office)
    assert desk[f"{TAG}-county-same"][0] > desk[f"{TAG}-county-other"][0]


async def test_both_directions_and_who_may_ask(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
) -> None:
    owner = await make_token(Role.ENTERPRISE, f"ent-own-{TAG}")
    rival = await make_token(Role.ENTERPRISE, f"ent-rival-{TAG}")
    seeker_id = f"seeker-{TAG}"
    seeker = await make_token(Role.SEEKER, seeker_id)
    other_seeker = await make_token(Role.SEEKER, f"other-{TAG}")
    baotou = await make_token(Role.OFFICE, f"office-{TAG}", "150200")
    chifeng = await make_token(Role.OFFICE, f"office-cf-{TAG}", "150400")
    posting_id, profile_id = f"{TAG}-dir-post", f"{TAG}-dir-prof"
    await client.put(f"/v1/postings/{posting_id}", headers=owner, json=posting_body())
    await client.put(f"/v1/profiles/{profile_id}", headers=seeker, json=profile_body())

    for headers in (owner, baotou):
        resp = await client.get(f"/v1/postings/{posting_id}/matches?limit=50", headers=headers)
        assert profile_id in [m["profile_id"] for m in resp.json()["matches"]]
    for headers in (rival, chifeng):
        assert (
            await client.get(f"/v1/postings/{posting_id}/matches", headers=headers)
        ).status_code == 404
    assert (
        await client.get(f"/v1/postings/{posting_id}/matches", headers=seeker)
    ).status_code == 403

    mine = await client.get(f"/v1/profiles/{profile_id}/matches?limit=50", headers=seeker)
    assert posting_id in [m["posting_id"] for m in mine.json()["matches"]]
    assert (
        await client.get(f"/v1/profiles/{profile_id}/matches", headers=other_seeker)
    ).status_code == 404
    assert (
        await client.get(f"/v1/profiles/{profile_id}/matches", headers=owner)
    ).status_code == 403


async def test_explanation_says_which_rule_failed_and_how_to_close_it(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    services: Services,
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-why-{TAG}")
    seeker = await make_token(Role.SEEKER, f"seeker-why-{TAG}")
    posting_id, profile_id = f"{TAG}-why-post", f"{TAG}-why-prof"
    await client.put(
        f"/v1/postings/{posting_id}", headers=ent, json=posting_body(required_certificates=[])
    )
    # A welder without a valid permit (it lapsed) and one grade too low.
    lapsed = [
        {"type": "special_operation", "name": "熔化焊接与热切割作业", "expires_on": "2020-01-01"}
    ]
    await client.put(
        f"/v1/profiles/{profile_id}",
        headers=seeker,
        json=profile_body(certificates=lapsed, skill_level="中级"),
    )
    mine = await client.get(f"/v1/profiles/{profile_id}/matches?limit=50", headers=seeker)
    assert posting_id not in [m["posting_id"] for m in mine.json()["matches"]]
    why = await client.get(
        f"/v1/profiles/{profile_id}/matches/{posting_id}/explanation", headers=seeker
    )
    assert why.status_code == 200
    failed = {r["rule"]: r for r in why.json()["rules"] if not r["passed"]}
    assert set(failed) == {"grade", "employment_access"}
    rule = services.taxonomy.occupations.access_rule("6-18-02-04")
    assert rule is not None
    assert failed["employment_access"]["next_step"] == rule.how_to_obtain
    assert "职业技能" in failed["grade"]["next_step"]


async def test_award_holders_count_one_grade_up_and_it_is_explained(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-award-{TAG}")
    posting_id, profile_id = f"{TAG}-award-post", f"{TAG}-award-prof"
    await client.put(
        f"/v1/postings/{posting_id}", headers=ent, json=posting_body(required_level="技师")
    )
    await client.put(
        f"/v1/profiles/{profile_id}",
        headers=admin_headers,
        json=profile_body(skill_level="高级", awards=["自治区技术能手"]),
    )
    resp = await client.get(f"/v1/postings/{posting_id}/matches?limit=50", headers=ent)
    match = next(m for m in resp.json()["matches"] if m["profile_id"] == profile_id)
    grade = next(r for r in match["explanation"]["rules"] if r["rule"] == "grade")
    assert grade["passed"]
    assert "破格" in grade["detail"]


async def test_implied_certificates_meet_requirements_through_the_api(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
) -> None:
    """An A1 licence meets a B2 requirement (not a C1 one the other way round), an item meets
    its category (高处作业), and a forklift N1 meets the crane/forklift access rule."""
    ent = await make_token(Role.ENTERPRISE, f"ent-implied-{TAG}")

    def licence(name: str) -> list[dict[str, Any]]:
        return [{"type": "other", "name": name, "expires_on": "2031-01-01"}]

    cases = {
        "truck": (
            posting_body(
                title="重型货车司机",
                description="跑长途干线运输。",
                occupation_code="4-02-02-02",
                required_level=None,
                required_certificates=[{"type": "other", "name": "B2驾照", "mandatory": True}],
            ),
            {"a1": licence("机动车驾驶证（A1）"), "c1": licence("驾驶证C1")},
            {"a1"},
        ),
        "height": (
            posting_body(
                title="架子工",
                occupation_code="6-29-01-05",
                required_level=None,
                required_certificates=[{"type": "special_operation", "name": "高处作业"}],
            ),
            {
                "item": [{"type": "special_operation", "name": "高处安装、维护、拆除作业"}],
                "other": [{"type": "special_operation", "name": "低压电工作业"}],
            },
            {"item"},
        ),
        "forklift": (
            posting_body(
                title="叉车司机",
                occupation_code="6-30-05-01",
                required_level=None,
                required_certificates=[],
            ),
            {
                "n1": [{"type": "special_equipment", "name": "N1叉车证"}],
                "g1": [{"type": "special_equipment", "name": "工业锅炉司炉（G1）"}],
            },
            {"n1"},
        ),
    }
    for case, (posting, holders, eligible) in cases.items():
        posting_id = f"{TAG}-implied-{case}"
        assert (
            await client.put(f"/v1/postings/{posting_id}", headers=ent, json=posting)
        ).status_code in (200, 201)
        for name, certificates in holders.items():
            resp = await client.put(
                f"/v1/profiles/{TAG}-implied-{case}-{name}",
                headers=admin_headers,
                json=profile_body(
                    title=posting["title"],
                    occupation_codes=[posting["occupation_code"]],
                    certificates=certificates,
                ),
            )
            assert resp.status_code in (200, 201), resp.text
        resp = await client.get(f"/v1/postings/{posting_id}/matches?limit=50", headers=ent)
        assert resp.status_code == 200, resp.text
        found = {
            m["profile_id"].removeprefix(f"{TAG}-implied-{case}-")
            for m in resp.json()["matches"]
            if m["profile_id"].startswith(f"{TAG}-implied-{case}-")
        }
        assert found == eligible, case
