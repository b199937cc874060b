"""``POST /v1/profiles:batch``: many profiles written at once, each judged on its own.

Records live in 兴安盟 (152201) and are deleted afterwards, so they crowd no other test's
rankings."""

import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from matcher.foundation.principals import Role
from matcher.profiles.models import MAX_BATCH
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import profile_body

URL = "/v1/profiles:batch"
REGION = "152201"  # 乌兰浩特市, 兴安盟


def record(record_id: str, **overrides: Any) -> dict[str, Any]:
    return {"id": record_id, **profile_body(**{"region_code": REGION, **overrides})}


@pytest.fixture
async def tag(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> AsyncIterator[str]:
    """A prefix for this test's ids; every profile it names is deleted afterwards."""
    prefix = f"batch-{uuid.uuid4().hex[:8]}"
    yield prefix
    for i in range(12):
        await client.delete(f"/v1/profiles/{prefix}-{i}", headers=admin_headers)


async def test_each_record_is_judged_on_its_own_and_the_written_ones_are_searchable_at_once(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str], tag: str
) -> None:
    office = await make_token(Role.OFFICE, f"office-batch-{tag}", "152200")
    batch = [
        record(f"{tag}-0"),
        record(f"{tag}-1", title="电工", occupation_codes=[], skills=["低压配电"]),
        record(f"{tag}-2", years_experience="8"),  # a string where a number belongs
        record(f"{tag}-3", summary="男，35岁以下，汉族"),  # protected traits in the text
        record(f"{tag}-4", region_code="150203"),  # outside the office's area
        {"id": "not a valid id!", **profile_body(region_code=REGION)},
        record(f"{tag}-6", occupation_codes=["9-99-99-99"]),  # not in the classification
    ]
    resp = await client.post(URL, headers=office, json={"profiles": batch})
    assert resp.status_code == 200, resp.text
    answer = resp.json()
    statuses = [(r["index"], r["id"], r["status"]) for r in answer["results"]]
    assert statuses == [
        (0, f"{tag}-0", 201),
        (1, f"{tag}-1", 201),
        (2, f"{tag}-2", 422),
        (3, f"{tag}-3", 422),
        (4, f"{tag}-4", 403),
        (5, "not a valid id!", 422),
        (6, f"{tag}-6", 422),
    ]
    assert (answer["created"], answer["replaced"], answer["failed"]) == (2, 0, 5)
    # Ids and statuses only: nothing of a stored profile comes back in a result.
    for result in answer["results"]:
        assert set(result) == {"index", "id", "status", "detail", "errors", "matchable"}
    assert "王建国" not in resp.text
    assert "13800000001" not in resp.text
    by_index = {r["index"]: r for r in answer["results"]}
    assert by_index[2]["errors"][0]["field"] == "years_experience"
    assert by_index[3]["errors"], by_index[3]
    assert by_index[6]["errors"][0]["field"].startswith("occupation_codes")
    assert by_index[0]["matchable"] is True

    # Written ones are stored whole and searchable on return; refused ones are not stored.
    stored = await client.get(f"/v1/profiles/{tag}-1", headers=office)
    assert stored.status_code == 200
    assert stored.json()["occupation_codes"], "the occupation is read from the title"
    for i in (2, 3, 4, 6):
        assert (
            await client.get(f"/v1/profiles/{tag}-{i}", headers=admin_headers)
        ).status_code == 404
    found = await client.post(
        "/v1/search/profiles",
        headers=office,
        json={"q": "焊工", "region_code": REGION, "limit": 50},
    )
    assert found.status_code == 200, found.text
    assert f"{tag}-0" in [h["profile_id"] for h in found.json()["results"]]

    # Sent again: replaced, not created; the creation time is kept.
    created_at = stored.json()["created_at"]
    again = await client.post(URL, headers=office, json={"profiles": batch[:2]})
    assert [r["status"] for r in again.json()["results"]] == [200, 200]
    assert again.json()["replaced"] == 2
    reread = await client.get(f"/v1/profiles/{tag}-1", headers=office)
    assert reread.json()["created_at"] == created_at


async def test_an_office_updating_a_seekers_profile_in_a_batch_keeps_the_seeker_its_owner(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str], tag: str
) -> None:
    # A seeker's own profile in the office's area: the office may update it (desk work) and
    # the seeker stays its owner.
    seeker = await make_token(Role.SEEKER, f"seeker-{tag}")
    put = await client.put(
        f"/v1/profiles/{tag}-0", headers=seeker, json=profile_body(region_code=REGION)
    )
    assert put.status_code == 201, put.text
    office = await make_token(Role.OFFICE, f"office-own-{tag}", "152200")
    resp = await client.post(
        URL, headers=office, json={"profiles": [record(f"{tag}-0", title="焊工技师")]}
    )
    assert [r["status"] for r in resp.json()["results"]] == [200]
    mine = await client.get(f"/v1/profiles/{tag}-0", headers=seeker)
    assert mine.status_code == 200
    assert mine.json()["title"] == "焊工技师"


async def test_the_batch_itself_is_refused_when_it_is_malformed_or_not_the_callers_to_send(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str], tag: str
) -> None:
    office = await make_token(Role.OFFICE, f"office-refused-{tag}", "152200")
    seeker = await make_token(Role.SEEKER, f"seeker-b-{tag}")
    enterprise = await make_token(Role.ENTERPRISE, f"ent-b-{tag}")
    refusals: list[tuple[dict[str, str], Any, int]] = [
        (office, {"profiles": []}, 422),
        (office, {"profiles": [record(f"{tag}-0")] * 2}, 422),  # the same id twice
        (office, {"profiles": [record(f"{tag}-{i}") for i in range(MAX_BATCH + 1)]}, 422),
        (office, {"profiles": ["焊工"]}, 422),
        (office, {"records": [record(f"{tag}-0")]}, 422),
        (office, [record(f"{tag}-0")], 422),
        (seeker, {"profiles": [record(f"{tag}-0")]}, 403),
        (enterprise, {"profiles": [record(f"{tag}-0")]}, 403),
        ({}, {"profiles": [record(f"{tag}-0")]}, 401),
    ]
    for headers, body, status in refusals:
        resp = await client.post(URL, headers=headers, json=body)
        assert resp.status_code == status, (body if len(str(body)) < 200 else "...", resp.text)
        assert resp.headers["content-type"] == "application/problem+json"
    assert (
        "repeated ids"
        in (
            await client.post(URL, headers=office, json={"profiles": [record(f"{tag}-0")] * 2})
        ).text
    )
    # Nothing of a refused batch was stored.
    assert (await client.get(f"/v1/profiles/{tag}-0", headers=admin_headers)).status_code == 404


async def test_a_batch_may_be_larger_than_a_single_body_but_is_bounded(
    client: httpx.AsyncClient, make_token: TokenFactory, services: Services, tag: str
) -> None:
    office = await make_token(Role.OFFICE, f"office-size-{tag}", "152200")
    # 300 records of about 6 KB (each refused: a string where a number belongs, so nothing
    # is stored): over the single-body bound, under the batch bound, so read and answered.
    batch = [
        record(f"{tag}-{i}", summary="熟练氩弧焊和手工电弧焊。" * 166, years_experience="8")
        for i in range(300)
    ]
    body = json.dumps({"profiles": batch}, ensure_ascii=False).encode()
    settings = services.settings
    assert settings.max_body_bytes < len(body) < settings.max_batch_bytes
    resp = await client.post(
        URL, headers={**office, "content-type": "application/json"}, content=body
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["failed"] == 300
    # Over the batch bound: 413, whatever the body holds.
    huge = b'{"profiles": ["' + b"x" * settings.max_batch_bytes + b'"]}'
    resp = await client.post(
        URL, headers={**office, "content-type": "application/json"}, content=huge
    )
    assert resp.status_code == 413
    assert resp.headers["content-type"] == "application/problem+json"
