"""Postings through the API against the real node: round trips, validation, ownership."""

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from matcher.foundation.principals import Role
from tests.conftest import TokenFactory
from tests.factories import posting_body


def new_id() -> str:
    return f"post-{uuid.uuid4().hex[:10]}"


async def test_enterprise_posts_as_itself(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, "ent-baogang")
    pid = new_id()
    resp = await client.put(f"/v1/postings/{pid}", headers=ent, json=posting_body())
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["enterprise_id"] == "ent-baogang"
    assert body["required_level"] == 3
    assert body["matchable"] is True
    assert body["filled"] == 0
    seeker = await make_token(Role.SEEKER, "seeker-reads")
    assert (await client.get(f"/v1/postings/{pid}", headers=seeker)).json()[
        "title"
    ] == "焊工（压力容器）"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"wage_min": 12000, "wage_max": 8000}, "wage_max"),
        ({"wage_max": 900_000}, "wage_max"),
        ({"valid_from": "2027-01-01", "valid_until": "2026-01-01"}, "valid_until"),
        ({"headcount": 0}, "headcount"),
        ({"region_code": "150299"}, "region_code"),
        ({"occupation_code": "9-99-99-99"}, "occupation_code"),
        ({"required_level": 7}, "required_level"),
        ({"location": {"lat": 91, "lon": 0}}, "location.lat"),
        ({"description": "职" * 5001}, "description"),
        ({"description": "限男性，年龄35岁以下"}, "description"),
        ({"title": "普工（本地户口）"}, "title"),
        ({"age_max": 35}, "age_max"),
        ({"gender": "male"}, "gender"),
        ({"ethnicity": "汉族"}, "ethnicity"),
    ],
)
async def test_invalid_postings_are_rejected_naming_the_field(
    client: httpx.AsyncClient, make_token: TokenFactory, overrides: dict[str, Any], field: str
) -> None:
    ent = await make_token(Role.ENTERPRISE, "ent-bad")
    pid = new_id()
    resp = await client.put(f"/v1/postings/{pid}", headers=ent, json=posting_body(**overrides))
    assert resp.status_code == 422, resp.text
    assert field in [e["field"] for e in resp.json()["errors"]]
    assert (await client.get(f"/v1/postings/{pid}", headers=ent)).status_code == 404


async def test_posting_without_pay_or_code_is_accepted_and_normalized(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, "ent-nopay")
    body = posting_body(
        title="电工（变电站检修）",
        occupation_code=None,
        wage_min=None,
        wage_max=None,
        required_certificates=[],
    )
    resp = await client.put(f"/v1/postings/{new_id()}", headers=ent, json=body)
    assert resp.status_code == 201, resp.text
    # A worker at a substation: 电工 and 变电设备检修工 are both right; the engineer
    # (变电工程技术人员, 2-02-12-03), whom the title's worker head rules out, is not.
    assert resp.json()["occupation_code"] in {"6-31-01-03", "6-31-01-08"}


async def test_expired_posting_is_stored_but_not_matchable(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, "ent-old")
    body = posting_body(valid_from="2020-01-01", valid_until="2020-12-31")
    resp = await client.put(f"/v1/postings/{new_id()}", headers=ent, json=body)
    assert resp.json()["matchable"] is False


async def test_posting_ownership(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    owner = await make_token(Role.ENTERPRISE, "ent-owner")
    rival = await make_token(Role.ENTERPRISE, "ent-rival")
    seeker = await make_token(Role.SEEKER, "seeker-p")
    baotou = await make_token(Role.OFFICE, "office-bt", "150200")
    chifeng = await make_token(Role.OFFICE, "office-cf", "150400")
    pid = new_id()
    url = f"/v1/postings/{pid}"
    assert (await client.put(url, headers=owner, json=posting_body())).status_code == 201
    assert (await client.put(url, headers=rival, json=posting_body())).status_code == 403
    assert (await client.put(url, headers=seeker, json=posting_body())).status_code == 403
    assert (
        await client.put(url, headers=chifeng, json=posting_body(enterprise_id="ent-owner"))
    ).status_code == 403
    assert (
        await client.put(url, headers=baotou, json=posting_body(enterprise_id="ent-owner"))
    ).status_code == 200
    # Offices must say for which enterprise they post.
    missing = await client.put(f"/v1/postings/{new_id()}", headers=baotou, json=posting_body())
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "enterprise_id"
    # Claiming another enterprise's id is refused.
    claim = await client.put(
        f"/v1/postings/{new_id()}", headers=rival, json=posting_body(enterprise_id="ent-owner")
    )
    assert claim.status_code == 403
    # A paused posting is visible to its owner and offices of its region only.
    await client.put(url, headers=owner, json=posting_body(status="paused"))
    assert (await client.get(url, headers=seeker)).status_code == 404
    assert (await client.get(url, headers=rival)).status_code == 404
    assert (await client.get(url, headers=owner)).status_code == 200
    assert (await client.get(url, headers=baotou)).status_code == 200
    assert (await client.delete(url, headers=rival)).status_code == 404
    assert (await client.delete(url, headers=owner)).status_code == 204
    assert (await client.get(url, headers=admin_headers)).status_code == 404


async def test_two_enterprises_creating_one_new_id_never_overwrite_each_other(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    first = await make_token(Role.ENTERPRISE, "ent-race-a")
    second = await make_token(Role.ENTERPRISE, "ent-race-b")
    for _ in range(10):
        pid = new_id()
        url = f"/v1/postings/{pid}"
        answers = await asyncio.gather(
            client.put(url, headers=first, json=posting_body(enterprise_id="ent-race-a")),
            client.put(url, headers=second, json=posting_body(enterprise_id="ent-race-b")),
        )
        codes = sorted(a.status_code for a in answers)
        assert codes[0] == 201, codes
        assert codes[1] in (403, 409), codes
        winner = "ent-race-a" if answers[0].status_code == 201 else "ent-race-b"
        stored = await client.get(url, headers=admin_headers)
        assert stored.json()["enterprise_id"] == winner
