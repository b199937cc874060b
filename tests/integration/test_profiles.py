"""Profiles through the API against the real node: round trips, validation, ownership."""

import uuid
from typing import Any

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Conflict
from matcher.profiles.models import ProfileStatus
from matcher.profiles.service import PROFILES
from matcher.records.writes import write_record
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body

ADMIN_PRINCIPAL = Principal(token_id="tests", role=Role.ADMIN, subject="tests")


def new_id() -> str:
    return f"prof-{uuid.uuid4().hex[:10]}"


async def test_put_get_round_trip_and_idempotent_upsert(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-rt")
    pid = new_id()
    created = await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["owner_id"] == "seeker-rt"
    assert body["skill_level"] == 3
    assert body["matchable"] is True
    again = await client.put(
        f"/v1/profiles/{pid}", headers=seeker, json=profile_body(title="焊工技师")
    )
    assert again.status_code == 200
    assert again.json()["created_at"] == body["created_at"]
    fetched = (await client.get(f"/v1/profiles/{pid}", headers=seeker)).json()
    assert fetched["title"] == "焊工技师"
    assert fetched["contact"]["phone"] == "13800000001"
    assert fetched["certificates"][0]["number"] == "T150203199001010011"


async def test_stored_record_is_segmented_embedded_and_tagged_with_its_model(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-doc")
    pid = new_id()
    await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body())
    alias = services.store.indexes.profiles.read_alias
    doc = (await es.get(index=alias, id=pid, source_exclude_vectors=False))["_source"]
    assert "氩弧焊" in doc["search_text"].split()
    assert "焊工" in doc["search_text"].split()  # occupation name added
    assert len(doc["embedding"]) == services.embedder.dims
    assert doc["embedding_model"] == services.embedder.model_id
    assert doc["city_code"] == "150200"
    assert "6-18" in doc["occupation_groups"]
    hits = await es.search(
        index=services.store.indexes.profiles.read_alias,
        query={"bool": {"filter": [{"term": {"id": pid}}, {"match": {"search_text": "氩弧焊"}}]}},
    )
    assert hits["hits"]["total"]["value"] == 1


async def test_occupation_is_normalized_from_the_title_when_absent(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-norm")
    resp = await client.put(
        f"/v1/profiles/{new_id()}",
        headers=seeker,
        json=profile_body(title="电焊工（包吃住）", occupation_codes=[]),
    )
    body = resp.json()
    assert body["occupation_codes"] == ["6-18-02-04"]
    assert body["occupation_normalized"]["code"] == "6-18-02-04"
    assert 0 < body["occupation_normalized"]["score"] <= 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"region_code": "159999"}, "region_code"),
        ({"region_code": "15"}, "region_code"),
        ({"preferred_region_codes": ["150100", "990000"]}, "preferred_region_codes.1"),
        ({"occupation_codes": ["6-18-02-99"]}, "occupation_codes.0"),
        ({"occupation_codes": ["6-18-00-00"]}, "occupation_codes.0"),
        ({"skill_level": "大师"}, "skill_level"),
        ({"years_experience": 75}, "years_experience"),
        ({"expected_monthly_wage": -1}, "expected_monthly_wage"),
        ({"title": "x" * 101}, "title"),
        ({"summary": "焊" * 2001}, "summary"),
        ({"skills": ["焊"] * 51}, "skills"),
        ({"contact": {"phone": "call me"}}, "contact.phone"),
        (
            {
                "certificates": [
                    {
                        "type": "special_operation",
                        "name": "焊接",
                        "issued_on": "2025-01-01",
                        "expires_on": "2024-01-01",
                    }
                ]
            },
            "certificates.0.expires_on",
        ),
        ({"gender": "男"}, "gender"),
        ({"age": 35}, "age"),
        ({"hukou": "本地"}, "hukou"),
        ({"marital_status": "married"}, "marital_status"),
        ({"民族": "汉族"}, "民族"),
        ({"summary": "本人男，已婚，想找稳定工作"}, "summary"),
        ({"status": "deleted"}, "status"),
    ],
)
async def test_invalid_profiles_are_rejected_naming_the_field(
    client: httpx.AsyncClient, make_token: TokenFactory, overrides: dict[str, Any], field: str
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-bad")
    pid = new_id()
    resp = await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body(**overrides))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in resp.json()["errors"]]
    # Nothing was stored.
    assert (await client.get(f"/v1/profiles/{pid}", headers=seeker)).status_code == 404


async def test_invalid_update_leaves_the_stored_profile_intact(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-intact")
    pid = new_id()
    await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body())
    bad = await client.put(
        f"/v1/profiles/{pid}",
        headers=seeker,
        json=profile_body(title="新标题", region_code="159999"),
    )
    assert bad.status_code == 422
    assert (await client.get(f"/v1/profiles/{pid}", headers=seeker)).json()["title"] == "高级焊工"


async def test_invalid_id_is_rejected(client: httpx.AsyncClient, make_token: TokenFactory) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-id")
    resp = await client.put("/v1/profiles/has%20space", headers=seeker, json=profile_body())
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "profile_id"


async def test_object_level_authorisation(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    owner = await make_token(Role.SEEKER, "seeker-a")
    other = await make_token(Role.SEEKER, "seeker-b")
    baotou = await make_token(Role.OFFICE, "office-baotou", "150200")
    hohhot = await make_token(Role.OFFICE, "office-hohhot", "150100")
    region = await make_token(Role.OFFICE, "office-region", "150000")
    enterprise = await make_token(Role.ENTERPRISE, "ent-x")
    pid = new_id()
    assert (
        await client.put(f"/v1/profiles/{pid}", headers=owner, json=profile_body())
    ).status_code == 201
    url = f"/v1/profiles/{pid}"

    # Reads: owner, offices covering 150203, admin. Others see nothing (404, not 403).
    for headers in (owner, baotou, region, admin_headers):
        assert (await client.get(url, headers=headers)).status_code == 200
    for headers in (other, hohhot):
        assert (await client.get(url, headers=headers)).status_code == 404
    # An enterprise reads candidates only through one of its postings (tests/test_privacy*).
    assert (await client.get(url, headers=enterprise)).status_code == 422

    # Writes.
    assert (await client.put(url, headers=other, json=profile_body())).status_code == 403
    assert (await client.put(url, headers=hohhot, json=profile_body())).status_code == 403
    assert (await client.put(url, headers=enterprise, json=profile_body())).status_code == 403
    assert (
        await client.put(url, headers=baotou, json=profile_body(summary="窗口更新"))
    ).status_code == 200
    # An office may not move a profile out of its region.
    moved = await client.put(url, headers=baotou, json=profile_body(region_code="150102"))
    assert moved.status_code == 403
    # A seeker cannot claim a profile for someone else.
    claim = await client.put(
        f"/v1/profiles/{new_id()}", headers=other, json=profile_body(owner_id="seeker-a")
    )
    assert claim.status_code == 403
    # Deletes.
    for headers in (other, hohhot, enterprise):
        assert (await client.delete(url, headers=headers)).status_code in (403, 404)
    assert (await client.get(url, headers=owner)).status_code == 200


async def test_delete_removes_the_profile_from_search(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-del")
    pid = new_id()
    await client.put(f"/v1/profiles/{pid}", headers=seeker, json=profile_body())
    alias = services.store.indexes.profiles.read_alias
    query = {"bool": {"filter": [{"term": {"id": pid}}]}}
    assert (await es.count(index=alias, query=query))["count"] == 1
    assert (await client.delete(f"/v1/profiles/{pid}", headers=seeker)).status_code == 204
    assert (await es.count(index=alias, query=query))["count"] == 0
    assert (await client.get(f"/v1/profiles/{pid}", headers=seeker)).status_code == 404
    assert (await client.delete(f"/v1/profiles/{pid}", headers=seeker)).status_code == 404


async def test_paused_profile_is_stored_but_not_matchable(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker = await make_token(Role.SEEKER, "seeker-pause")
    resp = await client.put(
        f"/v1/profiles/{new_id()}", headers=seeker, json=profile_body(status="paused")
    )
    assert resp.status_code == 201
    assert resp.json()["matchable"] is False


async def test_an_enterprise_sees_only_the_candidates_of_its_posting(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    enterprise = await make_token(Role.ENTERPRISE, "ent-cand")
    posting_id = new_id()
    put = await client.put(
        f"/v1/postings/{posting_id}",
        headers=enterprise,
        json=posting_body(enterprise_id="ent-cand"),
    )
    assert put.status_code == 201, put.text
    profiles = {
        "candidate": profile_body(),
        # Every hard rule met, but another trade (不对口): not a candidate.
        "cook": profile_body(
            title="中式烹调师",
            summary="川菜厨师十年，擅长热菜和凉菜。",
            skills=["川菜", "凉菜"],
            occupation_codes=["4-03-02-01"],
        ),
        # The trade, but below the posting's grade (高级): not a candidate.
        "junior": profile_body(skill_level="初级工"),
    }
    ids = {}
    for label, body in profiles.items():
        seeker = await make_token(Role.SEEKER, f"seeker-cand-{label}")
        ids[label] = new_id()
        resp = await client.put(
            f"/v1/profiles/{ids[label]}", headers=seeker, json={**body, "owner_id": None}
        )
        assert resp.status_code == 201, resp.text

    def read(profile_id: str) -> Any:
        return client.get(
            f"/v1/profiles/{profile_id}", headers=enterprise, params={"posting_id": posting_id}
        )

    seen = await read(ids["candidate"])
    assert seen.status_code == 200
    assert "13800000001" not in seen.text  # the candidate view, contact details withheld
    unknown = await read(new_id())
    for label in ("cook", "junior"):
        refused = await read(ids[label])
        # Exactly as an id that does not exist: the enterprise learns nothing.
        assert refused.status_code == unknown.status_code == 404
        assert refused.json()["title"] == unknown.json()["title"]


async def test_a_status_change_never_undoes_a_write_made_since_it_read_the_profile(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> None:
    """Pausing rewrites the whole profile from the version it read: a seeker's edit that
    lands in between is a 409 for the pause, never silently reverted."""
    profile_id = f"race-{uuid.uuid4().hex[:8]}"
    resp = await client.put(
        f"/v1/profiles/{profile_id}", json=profile_body(), headers=admin_headers
    )
    assert resp.status_code == 201, resp.text
    read = await services.store.profiles.get_versioned(profile_id)
    assert read is not None
    edited = await client.put(
        f"/v1/profiles/{profile_id}",
        json=profile_body(summary="刚改过的简介：从事压力容器焊接九年。"),
        headers=admin_headers,
    )
    assert edited.status_code == 200, edited.text
    stale = PROFILES.body_of(read.doc).model_copy(update={"status": ProfileStatus.PAUSED})
    with pytest.raises(Conflict):
        await write_record(
            services,
            PROFILES,
            principal=ADMIN_PRINCIPAL,
            record_id=profile_id,
            body=stale,
            expected=read.version,
        )
    kept = (await client.get(f"/v1/profiles/{profile_id}", headers=admin_headers)).json()
    assert kept["summary"].startswith("刚改过的简介")
    assert kept["status"] == "active"
    await client.delete(f"/v1/profiles/{profile_id}", headers=admin_headers)
