"""Key projects as registered data: a posting whose enterprise names a project has no
key-project incentive until an office links it to a registered project, and gets it once
linked; an enterprise cannot link; the link survives the enterprise's rewrites; unknown and
retired projects cannot be linked, and retiring a project unlinks its postings; a policy may
name the projects it covers."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from matcher.foundation.principals import Role
from matcher.foundation.problems import Forbidden
from matcher.lifecycle.service import run_lifecycle
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import days_from_today, policy_body, posting_body, register_project

TAG = uuid.uuid4().hex[:6]
COUNTY = "152922"  # 阿拉善右旗, a configured remote area


def uid(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:8]}"


def flags(posting: dict[str, Any], policy_id: str) -> bool:
    return policy_id in [f["policy_id"] for f in posting["incentives"]]


async def test_a_claimed_project_earns_nothing_until_an_office_links_it(
    client: httpx.AsyncClient, make_token: TokenFactory, admin_headers: dict[str, str]
) -> None:
    project_id, name = f"{TAG}-kp", f"阿右旗{TAG}光伏治沙项目"
    await register_project(client, admin_headers, project_id, name, COUNTY)
    shown = (await client.get(f"/v1/key-projects/{project_id}", headers=admin_headers)).json()
    assert shown["remote"] is True  # from the county, not from anyone's say
    assert shown["city_code"] == "152900"
    listed = await client.get(
        "/v1/key-projects", params={"region": "152900"}, headers=admin_headers
    )
    assert project_id in [p["id"] for p in listed.json()["projects"]]

    policy_id = f"{TAG}-projects"
    rule = {"area": "listed", "county_codes": [COUNTY], "occupation_codes": ["6-18-02"]}
    resp = await client.put(
        f"/v1/incentives/{policy_id}", headers=admin_headers, json=policy_body(eligibility=rule)
    )
    assert resp.status_code == 201, resp.text
    enterprise_id = uid("ent-kp")
    ent = await make_token(Role.ENTERPRISE, enterprise_id)
    office = await make_token(Role.OFFICE, uid("office-alxa"), region_code="152900")
    other_office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting_id = uid("p-kp")
    claim = posting_body(
        region_code=COUNTY,
        location=None,
        key_project={"name": "自称的国家重点项目", "remote": True},
        contract_months=24,
    )
    try:
        resp = await client.put(f"/v1/postings/{posting_id}", headers=ent, json=claim)
        assert resp.status_code == 201, resp.text
        stored = resp.json()
        assert stored["key_project_status"] == "claimed"
        assert not flags(stored, policy_id)

        # The enterprise cannot link it itself, to this project or any other.
        linked = {**claim, "key_project_id": project_id}
        refused = await client.put(f"/v1/postings/{posting_id}", headers=ent, json=linked)
        assert refused.status_code == 403
        link = f"/v1/postings/{posting_id}/key-project"
        refused = await client.put(link, headers=ent, json={"project_id": project_id})
        assert refused.status_code == 403
        # An office of another region cannot either (as if the posting did not exist).
        refused = await client.put(link, headers=other_office, json={"project_id": project_id})
        assert refused.status_code == 404
        unknown = await client.put(link, headers=office, json={"project_id": f"{TAG}-nope"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "key_project_id"

        resp = await client.put(link, headers=office, json={"project_id": project_id})
        assert resp.status_code == 200, resp.text
        now = resp.json()
        assert now["key_project_status"] == "registered"
        assert now["key_project_id"] == project_id
        assert now["key_project"] == {"name": name, "remote": True}  # the registry's
        assert flags(now, policy_id)

        # The enterprise's rewrite naming no project keeps the link.
        resp = await client.put(
            f"/v1/postings/{posting_id}", headers=ent, json={**claim, "title": "光伏焊工"}
        )
        assert resp.status_code == 200, resp.text
        assert resp.json()["key_project_id"] == project_id
        assert flags(resp.json(), policy_id)

        # Retiring the project unlinks its postings at once; a retired one cannot be linked.
        await register_project(client, admin_headers, project_id, name, COUNTY, status="retired")
        after = (await client.get(f"/v1/postings/{posting_id}", headers=ent)).json()
        assert after["key_project_status"] == "claimed"
        assert not flags(after, policy_id)
        again = await client.put(link, headers=office, json={"project_id": project_id})
        assert again.status_code == 422
    finally:
        await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)
        await client.delete(f"/v1/postings/{posting_id}", headers=admin_headers)


async def test_a_policy_may_name_its_projects(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    named, other = f"{TAG}-kp-a", f"{TAG}-kp-b"
    await register_project(client, admin_headers, named, f"{TAG}甲项目", COUNTY)
    await register_project(client, admin_headers, other, f"{TAG}乙项目", COUNTY)
    policy_id = f"{TAG}-named"
    rule = {
        "area": "listed",
        "county_codes": [COUNTY],
        "occupation_codes": ["6-18-02"],
        "project_ids": [named],
    }
    resp = await client.put(
        f"/v1/incentives/{policy_id}", headers=admin_headers, json=policy_body(eligibility=rule)
    )
    assert resp.status_code == 201, resp.text
    ids = {named: uid("p-a"), other: uid("p-b")}
    try:
        for project_id, posting_id in ids.items():
            body = posting_body(
                enterprise_id="ent-kp", region_code=COUNTY, location=None, key_project_id=project_id
            )
            resp = await client.put(f"/v1/postings/{posting_id}", headers=admin_headers, json=body)
            assert resp.status_code == 201, resp.text
            assert flags(resp.json(), policy_id) is (project_id == named)
        bad = {**rule, "project_ids": [named], "key_project": False}
        refused = await client.put(
            f"/v1/incentives/{TAG}-bad", headers=admin_headers, json=policy_body(eligibility=bad)
        )
        assert refused.status_code == 422
    finally:
        await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)
        for posting_id in ids.values():
            await client.delete(f"/v1/postings/{posting_id}", headers=admin_headers)


async def test_only_admins_register_projects(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    office = await make_token(Role.OFFICE, uid("office"), region_code="150000")
    body = {
        "name": "未经批准的项目",
        "county_code": COUNTY,
        "authority": "某单位",
        "approval_number": "无",
        "valid_from": "2026-01-01",
    }
    resp = await client.put(f"/v1/key-projects/{TAG}-x", headers=office, json=body)
    assert resp.status_code == 403
    assert (await client.get(f"/v1/key-projects/{TAG}-x", headers=office)).status_code == 404


async def test_the_link_holds_against_enterprises_and_lapses_with_its_project(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    services: Services,
) -> None:
    project_id, name = f"{TAG}-kp-life", f"阿右旗{TAG}风电项目"
    await register_project(client, admin_headers, project_id, name, COUNTY)
    enterprise_id = uid("ent-kp")
    ent = await make_token(Role.ENTERPRISE, enterprise_id)
    office = await make_token(Role.OFFICE, uid("office-alxa"), region_code="152900")
    far_office = await make_token(Role.OFFICE, uid("office-bt"), region_code="150200")
    posting_id = uid("p-life")
    # No occupation code: the service reads it, and a link must not turn it into "given".
    body = posting_body(region_code=COUNTY, location=None, occupation_code=None)
    link = f"/v1/postings/{posting_id}/key-project"
    try:
        assert (
            await client.put(f"/v1/postings/{posting_id}", headers=ent, json=body)
        ).status_code == 201
        refused = await client.put(
            f"/v1/postings/{posting_id}",
            headers=far_office,
            json={**body, "enterprise_id": enterprise_id, "key_project_id": project_id},
        )
        assert refused.status_code == 403  # outside the office's region
        linked = await client.put(link, headers=office, json={"project_id": project_id})
        assert linked.status_code == 200, linked.text
        assert linked.json()["occupation_source"] == "inferred"
        # The enterprise may name the link it has (a read-modify-write round trip) ...
        again = await client.put(
            f"/v1/postings/{posting_id}", headers=ent, json={**body, "key_project_id": project_id}
        )
        assert again.status_code == 200, again.text
        assert again.json()["key_project_status"] == "registered"
        # ... but moving the posting to another region takes the link off.
        moved = await client.put(
            f"/v1/postings/{posting_id}", headers=ent, json={**body, "region_code": "152921"}
        )
        assert moved.status_code == 200, moved.text
        assert moved.json()["key_project_status"] in ("claimed", None)
        assert moved.json().get("key_project_id") is None

        # Linked again, then the project's validity ends: the life-cycle job unlinks it.
        relinked = await client.put(link, headers=office, json={"project_id": project_id})
        assert relinked.status_code == 200, relinked.text
        await register_project(
            client, admin_headers, project_id, name, COUNTY, valid_until=days_from_today(-1)
        )
        done = await run_lifecycle(services)
        assert done["projects_unlinked"] >= 1
        after = (await client.get(f"/v1/postings/{posting_id}", headers=ent)).json()
        assert after.get("key_project_id") is None
        # An office takes a link off with null.
        assert (
            await client.put(link, headers=office, json={"project_id": None})
        ).status_code == 200
    finally:
        await client.delete(f"/v1/postings/{posting_id}", headers=admin_headers)


def test_the_link_rule_is_checked_on_the_version_written() -> None:
    """The write itself refuses an enterprise's new link (not only a check before it), so a
    race with an office's unlink cannot bring a link back."""
    from matcher.postings.models import PostingIn
    from matcher.postings.service import link_project
    from matcher.records.prepare import WriteContext

    body = PostingIn.model_validate(posting_body(enterprise_id="e", key_project_id="kp-x"))
    stored: Any = {"region_code": body.region_code, "key_project_id": None}
    with pytest.raises(Forbidden):
        link_project({}, body, stored, WriteContext(may_link=False))
    doc: dict[str, Any] = {}
    link_project(doc, body, stored, WriteContext(may_link=None))  # a file import
    assert "key_project_id" not in doc
