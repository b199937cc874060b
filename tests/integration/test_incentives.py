"""Incentive policies through the API against the real node: versioning, flags on postings,
in search and in both match directions, re-flagging, the opportunities feed, the report."""

import copy
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from redis.exceptions import ConnectionError as RedisConnectionError

from matcher.embeddings import Embedder
from matcher.foundation.principals import Role
from matcher.foundation.problems import ValidationFailed
from matcher.incentives.service import (
    active_policies,
    load_policy_file,
    reflag_and_mark,
    reflag_if_behind,
    reflag_job_id,
    reflag_postings,
    retire_policy,
    versions,
)
from matcher.migrations.backfill import fill_referrals
from matcher.services import Services
from matcher.store.incentives import PolicyRepository
from tests.conftest import TokenFactory
from tests.factories import policy_body, posting_body, profile_body, register_project
from tests.integration.test_desk import card_of, new_client, sign_in
from tests.integration.test_readiness import other_app

TAG = uuid.uuid4().hex[:6]
PROJECT = f"额济纳{TAG}风电基地"
PROJECT_ID = f"{TAG}-kp-ejina"
# The policies of this module cover welders in two 阿拉善盟 counties only, so other tests'
# postings are untouched; they are retired when the module ends.
RULE: dict[str, Any] = {
    "key_project": True,
    "area": "listed",
    "county_codes": ["152923", "152922"],
    "occupation_codes": ["6-18-02"],
    "min_grade": 3,
    "moving_from": "other_city",
    "min_commitment_months": 12,
}


def remote_posting(**overrides: Any) -> dict[str, Any]:
    body = posting_body(
        enterprise_id="ent-ejina",
        enterprise_name="额济纳新能源有限公司",
        title="风电基地焊工（压力容器）",
        region_code="152923",
        location={"lat": 41.95, "lon": 101.07},
        key_project={"name": PROJECT, "remote": True},
        key_project_id=PROJECT_ID,
        contract_months=24,
    )
    body.update(overrides)
    return body


async def remote_listed(client: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    """Postings of 阿拉善左旗 that search lists as carrying a remote-project incentive."""
    found = await client.post(
        "/v1/search/postings",
        headers=headers,
        json={"remote_incentives_only": True, "region_code": "152921", "limit": 50},
    )
    return {r["posting_id"] for r in found.json()["results"]}


async def put(client: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any) -> Any:
    resp = await client.put(path, headers=headers, json=body)
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


@pytest.fixture(scope="module")
async def policy(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> AsyncIterator[str]:
    policy_id = f"{TAG}-allowance"
    # The module's remote postings belong to a registered project (claims earn nothing).
    await register_project(client, admin_headers, PROJECT_ID, PROJECT, "152923")
    resp = await client.put(
        f"/v1/incentives/{policy_id}",
        headers=admin_headers,
        json=policy_body(eligibility=RULE),
    )
    assert resp.status_code == 201, resp.text
    # What the worker's reflag job does (no worker runs here): postings that other tests
    # stored before this policy existed carry it in search too.
    await reflag_postings(services)
    yield policy_id
    await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)


@pytest.fixture(scope="module")
async def records(
    client: httpx.AsyncClient, admin_headers: dict[str, str], policy: str
) -> dict[str, str]:
    ids = {name: f"{TAG}-{name}" for name in ("remote", "remote_tech", "baotou", "hohhot")}
    await put(client, f"/v1/postings/{ids['remote']}", admin_headers, remote_posting())
    await put(
        client,
        f"/v1/postings/{ids['remote_tech']}",
        admin_headers,
        remote_posting(title="风电基地焊工技师", required_level=2, region_code="152922"),
    )
    # Same trade, not remote: carries nothing.
    await put(
        client, f"/v1/postings/{ids['baotou']}", admin_headers, posting_body(enterprise_id="ent-bt")
    )
    profiles = {
        "welder": profile_body(),  # 包头, 高级, willing, permit held
        "stay": profile_body(willing_to_relocate=False),
        "junior": profile_body(skill_level=4),
        "no_permit": profile_body(certificates=[]),
        "local": profile_body(region_code="152921"),  # 阿拉善左旗: same league-city
        "tech": profile_body(skill_level=2),
    }
    for name, body in profiles.items():
        ids[f"p-{name}"] = f"{TAG}-p-{name}"
        await put(client, f"/v1/profiles/{ids[f'p-{name}']}", admin_headers, body)
    return ids


async def test_policy_versions_keep_history(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> None:
    path = f"/v1/incentives/{TAG}-versioned"
    body = policy_body(eligibility=RULE)
    first = await client.put(path, headers=admin_headers, json=body)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1
    # Replaying the same body writes nothing.
    again = await client.put(path, headers=admin_headers, json=body)
    assert again.status_code == 200
    assert again.json()["version"] == 1
    changed = policy_body(
        eligibility=RULE,
        benefits=[{"kind": "monthly_allowance", "unit": "yuan_per_month", "amount": 2000}],
        note="津贴提高到2000元",
        expected_version=1,
    )
    second = (await client.put(path, headers=admin_headers, json=changed)).json()
    assert (second["version"], second["benefits"][0]["amount"]) == (2, 2000)
    stale = await client.put(path, headers=admin_headers, json={**changed, "expected_version": 1})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    retired = await client.delete(path, headers=admin_headers)
    assert retired.status_code == 200
    assert (retired.json()["version"], retired.json()["status"]) == (3, "retired")
    assert retired.json()["in_force"] is False
    history = (await client.get(path + "/versions", headers=admin_headers)).json()["versions"]
    assert [(v["version"], v["status"]) for v in history] == [
        (1, "active"),
        (2, "active"),
        (3, "retired"),
    ]
    # The first version reads exactly as it was recorded.
    v1 = (await client.get(path + "/versions/1", headers=admin_headers)).json()
    assert v1["benefits"] == first.json()["benefits"]
    assert history[1]["note"] == "津贴提高到2000元"
    listed = (await client.get("/v1/incentives", headers=admin_headers)).json()["policies"]
    assert f"{TAG}-versioned" not in [p["policy_id"] for p in listed]
    everything = await client.get("/v1/incentives?include_retired=true", headers=admin_headers)
    assert f"{TAG}-versioned" in [p["policy_id"] for p in everything.json()["policies"]]
    assert len(await versions(services, policy_id=f"{TAG}-versioned")) == 3
    missing = await client.get(path + "/versions/9", headers=admin_headers)
    assert missing.status_code == 404


async def test_policy_writes_are_checked(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_token: TokenFactory
) -> None:
    path = f"/v1/incentives/{TAG}-bad"
    office = await make_token(Role.OFFICE, "office-152900", "152900")
    assert (await client.put(path, headers=office, json=policy_body())).status_code == 403
    bad_codes = policy_body(
        eligibility={"area": "listed", "county_codes": ["152900"], "occupation_codes": ["6-99"]}
    )
    resp = await client.put(path, headers=admin_headers, json=bad_codes)
    assert resp.status_code == 422
    fields = {e["field"] for e in resp.json()["errors"]}
    assert fields == {"eligibility.county_codes.0", "eligibility.occupation_codes.0"}
    wrong_unit = policy_body(benefits=[{"kind": "relocation_subsidy", "unit": "yuan_per_month"}])
    resp = await client.put(path, headers=admin_headers, json=wrong_unit)
    assert resp.status_code == 422
    assert "benefits.0" in resp.json()["errors"][0]["field"]
    # Nothing was stored by the refused writes.
    assert (await client.get(path, headers=admin_headers)).status_code == 404


async def test_postings_show_the_policies_that_apply_and_for_whom(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_token: TokenFactory,
    records: dict[str, str],
    policy: str,
) -> None:
    seeker = await make_token(Role.SEEKER, f"{TAG}-reader")
    shown = (await client.get(f"/v1/postings/{records['remote']}", headers=seeker)).json()
    (flag,) = [f for f in shown["incentives"] if f["policy_id"] == policy]
    assert flag["candidates"] == ["技能等级高级及以上", "从其他盟市（或区外）流动而来"]
    assert flag["monthly_total"] == 1500
    assert flag["one_off_total"] == 20000
    assert flag["conditions"] == ["须在项目服务满12个月"]
    assert {c["rule"] for c in flag["posting_rule"]} == {
        "key_project",
        "area",
        "occupation",
        "commitment",
    }
    other = (await client.get(f"/v1/postings/{records['baotou']}", headers=seeker)).json()
    assert policy not in [f["policy_id"] for f in other["incentives"]]
    # A posting whose contract is shorter than the commitment the policy asks carries nothing.
    short = await put(
        client,
        f"/v1/postings/{TAG}-short",
        admin_headers,
        remote_posting(contract_months=6),
    )
    assert policy not in [f["policy_id"] for f in short["incentives"]]


async def test_search_filter_and_facets_follow_the_policies(
    client: httpx.AsyncClient, admin_headers: dict[str, str], records: dict[str, str], policy: str
) -> None:
    async def search(**body: Any) -> dict[str, Any]:
        resp = await client.post(
            "/v1/search/postings", headers=admin_headers, json={"limit": 50, **body}
        )
        assert resp.status_code == 200, resp.text
        result: dict[str, Any] = resp.json()
        return result

    found = await search(remote_incentives_only=True, region_code="152900")
    ids = {r["posting_id"] for r in found["results"]}
    assert {records["remote"], records["remote_tech"]} <= ids
    assert records["baotou"] not in ids
    for hit in found["results"]:
        assert hit["incentives"], hit["posting_id"]  # filter and flags agree
    per_policy = {f["key"]: f["count"] for f in found["facets"]["incentive_policy"]}
    assert per_policy[policy] >= 2
    assert {f["key"] for f in found["facets"]["incentive"]} == {"true"}
    text = await search(q="风电基地焊工", region_code="152900")
    flagged = {f["key"]: f["count"] for f in text["facets"]["incentive"]}
    carrying = [r for r in text["results"] if r["incentives"]]
    assert flagged.get("true", 0) == len(carrying) >= 2


async def test_a_policy_change_reflags_postings(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services, arq: ArqRedis
) -> None:
    posting_id = f"{TAG}-later"
    await put(
        client,
        f"/v1/postings/{posting_id}",
        admin_headers,
        remote_posting(region_code="152921", occupation_code="6-18-02-01", title="电焊工"),
    )
    policy_id = f"{TAG}-later-policy"
    rule = {**RULE, "county_codes": ["152921"], "occupation_codes": ["6-18-02-01"]}
    resp = await client.put(
        f"/v1/incentives/{policy_id}", headers=admin_headers, json=policy_body(eligibility=rule)
    )
    assert resp.status_code == 201
    job_id = reflag_job_id(services.settings.index_prefix, policy_id, 1)
    job = Job(job_id, arq, _queue_name=services.settings.queue_name)
    assert await job.status() in (JobStatus.queued, JobStatus.deferred)

    # The flag is stored with the posting: until the job runs, search does not know it yet,
    # while the posting itself (evaluated when read) already shows it.
    shown = (await client.get(f"/v1/postings/{posting_id}", headers=admin_headers)).json()
    assert policy_id in [f["policy_id"] for f in shown["incentives"]]
    assert posting_id not in await remote_listed(client, admin_headers)
    assert (await reflag_postings(services))["changed"] >= 1
    assert posting_id in await remote_listed(client, admin_headers)
    # Retiring takes effect in search at once (queries keep only policies in force).
    await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)
    assert posting_id not in await remote_listed(client, admin_headers)
    await reflag_postings(services)
    assert posting_id not in await remote_listed(client, admin_headers)


async def test_matches_list_the_incentives_in_both_directions(
    client: httpx.AsyncClient, admin_headers: dict[str, str], records: dict[str, str], policy: str
) -> None:
    resp = await client.get(
        f"/v1/postings/{records['remote']}/matches?limit=50", headers=admin_headers
    )
    assert resp.status_code == 200, resp.text
    by_id = {m["profile_id"]: m for m in resp.json()["matches"]}
    welder = by_id[records["p-welder"]]
    (grant,) = [g for g in welder["incentives"] if g["policy_id"] == policy]
    assert {c["rule"] for c in grant["granted_by"]} >= {"grade", "moving_from", "in_force"}
    assert welder["incentive_totals"]["monthly"] >= 1500
    feature = welder["explanation"]["features"]["mobility_incentive"]
    assert feature["value"] == 1.0
    assert "边远地区重点项目技能人才津贴" in feature["detail"]
    # 中级 passes the posting's own rules? No (it asks 高级), so take the local and the
    # unwilling candidates: the local one moves from nowhere, the unwilling one gets the grant
    # listed but no ranking boost.
    local = by_id[records["p-local"]]
    assert policy not in [g["policy_id"] for g in local["incentives"]]
    assert local["explanation"]["features"]["mobility_incentive"]["value"] == 0.0
    stay = by_id[records["p-stay"]]
    assert policy in [g["policy_id"] for g in stay["incentives"]]
    assert stay["explanation"]["features"]["mobility_incentive"]["value"] == 0.0
    assert "未表示愿意流动" in stay["explanation"]["features"]["mobility_incentive"]["detail"]

    other = await client.get(
        f"/v1/profiles/{records['p-welder']}/matches?limit=50", headers=admin_headers
    )
    postings = {m["posting_id"]: m for m in other.json()["matches"]}
    assert policy in [g["policy_id"] for g in postings[records["remote"]]["incentives"]]
    assert postings[records["remote"]]["incentive_totals"]["one_off"] >= 20000
    if records["baotou"] in postings:
        assert postings[records["baotou"]]["incentives"] == []
    pair = await client.get(
        f"/v1/profiles/{records['p-welder']}/matches/{records['remote']}/explanation",
        headers=admin_headers,
    )
    assert policy in [g["policy_id"] for g in pair.json()["incentives"]]


async def test_an_incentive_never_lifts_another_trade_into_the_feed(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> None:
    """A generous policy for any occupation at a remote project: its slaughterhouse posting
    passes every hard rule for a welder, yet is 不对口 and stays out of the welder's feed."""
    policy_id = f"{TAG}-any-trade"
    rule = RULE | {"occupation_codes": []}
    body = policy_body(eligibility=rule)
    body["benefits"][0]["amount"] = 9000
    resp = await client.put(f"/v1/incentives/{policy_id}", headers=admin_headers, json=body)
    assert resp.status_code == 201, resp.text
    try:
        butcher = f"{TAG}-butcher"
        await put(
            client,
            f"/v1/postings/{butcher}",
            admin_headers,
            remote_posting(
                title="牛羊屠宰工",
                description="负责牛羊屠宰和分割，肉联厂流水线作业。",
                occupation_code="6-01-04-01",
                required_certificates=[],
                required_level=None,
            ),
        )
        seekers = {
            "welder": profile_body(),
            "slaughter": profile_body(
                title="屠宰分割工",
                summary="在肉联厂做了六年牛羊屠宰和分割。",
                skills=["牛羊屠宰", "分割"],
                occupation_codes=["6-01-04-01"],
                certificates=[],
            ),
        }
        feeds = {}
        for name, seeker in seekers.items():
            pid = f"{TAG}-feed-{name}"
            await put(client, f"/v1/profiles/{pid}", admin_headers, seeker)
            resp = await client.get(f"/v1/profiles/{pid}/opportunities", headers=admin_headers)
            assert resp.status_code == 200, resp.text
            feeds[name] = resp.json()["opportunities"]
        assert butcher not in [o["posting_id"] for o in feeds["welder"]]
        assert all(o["tier"] in ("对口", "相近") for o in feeds["welder"])
        # The same posting reaches a seeker of its trade (the feed is not simply empty).
        mine = next(o for o in feeds["slaughter"] if o["posting_id"] == butcher)
        assert mine["tier"] == "对口"
        assert mine["incentive_value"] >= 12 * 9000
        # And in the welder's matches it is 不对口: left out unless asked for, then marked.
        welder = f"{TAG}-feed-welder"
        # (In the posting's league, 阿拉善盟: other tests' welding postings elsewhere must not
        # push it out of the top 50.)
        plain = await client.get(
            f"/v1/profiles/{welder}/matches?limit=50&region=152900", headers=admin_headers
        )
        assert butcher not in [m["posting_id"] for m in plain.json()["matches"]]
        wide = await client.get(
            f"/v1/profiles/{welder}/matches?limit=50&region=152900&include_unrelated=true",
            headers=admin_headers,
        )
        marked = [m for m in wide.json()["matches"] if m["posting_id"] == butcher]
        assert marked
        assert marked[0]["tier"] == "不对口"
        assert marked[0]["explanation"]["tier_summary"].startswith("不对口")
    finally:
        await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)


async def test_the_feed_respects_willingness_grade_and_certificates(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    records: dict[str, str],
    policy: str,
) -> None:
    async def feed(name: str) -> dict[str, Any]:
        resp = await client.get(
            f"/v1/profiles/{records[f'p-{name}']}/opportunities", headers=admin_headers
        )
        assert resp.status_code == 200, resp.text
        result: dict[str, Any] = resp.json()
        return result

    welder = await feed("welder")
    ids = [o["posting_id"] for o in welder["opportunities"]]
    assert records["remote"] in ids
    assert records["baotou"] not in ids  # no incentive there
    assert records["remote_tech"] not in ids  # asks 技师: the grade rule keeps it out
    top = next(o for o in welder["opportunities"] if o["posting_id"] == records["remote"])
    assert policy in [g["policy_id"] for g in top["incentives"]]
    assert top["incentive_value"] >= 12 * 1500 + 20000
    assert "匹配度" in top["why"]
    assert all(r["passed"] for r in top["explanation"]["rules"])
    scores = [o["score"] for o in welder["opportunities"]]
    assert scores == sorted(scores, reverse=True)
    # The order mixes match quality and what moving pays, as documented.
    best = max(o["incentive_value"] for o in welder["opportunities"])
    for o in welder["opportunities"]:
        assert o["incentive_score"] == pytest.approx(o["incentive_value"] / best, abs=1e-4)
        assert o["score"] == pytest.approx(
            0.7 * o["match_score"] + 0.3 * o["incentive_score"], abs=1e-4
        )

    stay = await feed("stay")
    assert stay["opportunities"] == []
    assert stay["willing_to_relocate"] is False
    assert "willing_to_relocate" in stay["hint"]
    # The permit for welding is a hard rule: never shown without it.
    assert records["remote"] not in [
        o["posting_id"] for o in (await feed("no_permit"))["opportunities"]
    ]
    # 中级 fails the posting's grade and the policy's minimum.
    assert (await feed("junior"))["opportunities"] == []
    tech = [o["posting_id"] for o in (await feed("tech"))["opportunities"]]
    assert {records["remote"], records["remote_tech"]} <= set(tech)

    # Same access rules as the profile's matches.
    stranger = await make_token(Role.SEEKER, f"{TAG}-stranger")
    resp = await client.get(f"/v1/profiles/{records['p-welder']}/opportunities", headers=stranger)
    assert resp.status_code == 404
    enterprise = await make_token(Role.ENTERPRISE, f"{TAG}-ent")
    resp = await client.get(f"/v1/profiles/{records['p-welder']}/opportunities", headers=enterprise)
    assert resp.status_code == 403


async def test_the_report_counts_inside_the_office_scope(
    client: httpx.AsyncClient, make_token: TokenFactory, records: dict[str, str], policy: str
) -> None:
    alxa = await make_token(Role.OFFICE, "office-152900", "152900")

    async def project_row(query: str = "") -> dict[str, Any]:
        resp = await client.get(f"/v1/reports/incentives{query}", headers=alxa)
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        assert body["scope"] == "152900"
        assert {r["city_code"] for r in body["by_city"]} <= {"152900"}
        row: dict[str, Any]
        (row,) = [r for r in body["by_project"] if r["project"] == PROJECT]
        (by_policy,) = [r for r in body["by_policy"] if r["policy_id"] == policy]
        assert by_policy["postings"] >= 2
        row["policy"] = by_policy
        return row

    row = await project_row()
    # remote (3 open) and remote_tech (3 open); the short-contract one carries nothing.
    assert (row["postings"], row["open_headcount"], row["city_code"]) == (2, 6, "152900")
    assert (row["referrals"], row["referrals_eligible"], row["placements"]) == (0, 0, 0)

    # The office introduces a mover from 包头 (the policy is for them) and a local seeker (it
    # is not) to the remote posting, and the mover is hired.
    referred = {}
    for name in ("welder", "local"):
        resp = await client.post(
            "/v1/referrals",
            json={
                "posting_id": records["remote"],
                "profile_id": records[f"p-{name}"],
                "staff": "王",
            },
            headers=alxa,
        )
        assert resp.status_code == 201, resp.text
        referred[name] = resp.json()
    assert referred["welder"]["incentive_grant_ids"] == [policy]
    assert referred["local"]["incentive_policy_ids"] == [policy]
    assert referred["local"]["incentive_grant_ids"] == []
    for step in ("contacted", "interviewed", "hired"):
        resp = await client.post(
            f"/v1/referrals/{referred['welder']['id']}/status",
            json={"status": step, "staff": "王"},
            headers=alxa,
        )
        assert resp.status_code == 200, resp.text

    row = await project_row()
    assert (row["postings"], row["open_headcount"]) == (2, 5)  # the hire took a place
    assert (row["referrals"], row["referrals_eligible"], row["placements"]) == (2, 1, 1)
    counts = row["policy"]
    assert (counts["referrals"], counts["referrals_eligible"], counts["placements"]) == (2, 1, 1)
    # Referrals count by the day they were proposed: none in a past quarter.
    earlier = await project_row("?period=2020-Q1")
    assert (earlier["referrals"], earlier["postings"]) == (0, 2)
    bad = await client.get("/v1/reports/incentives?period=someday", headers=alxa)
    assert bad.status_code == 422

    baotou = await make_token(Role.OFFICE, "office-150200", "150200")
    theirs = (await client.get("/v1/reports/incentives", headers=baotou)).json()
    # The referrals counted where their posting lies: 阿拉善盟, not 包头 (the mover's home).
    assert PROJECT not in [r["project"] for r in theirs["by_project"]]
    assert {r["city_code"] for r in theirs["by_city"]} <= {"150200"}
    outside = await client.get("/v1/reports/incentives?region=152923", headers=baotou)
    assert outside.status_code == 403
    seeker = await make_token(Role.SEEKER, f"{TAG}-s")
    assert (await client.get("/v1/reports/incentives", headers=seeker)).status_code == 403


async def test_referrals_from_before_v2_get_their_incentive_fields_on_migration(
    services: Services, records: dict[str, str], policy: str
) -> None:
    def stored(
        profile: str, posting: str = records["remote"], **extra: list[str]
    ) -> dict[str, Any]:
        return {"_source": {"posting_id": posting, "profile_id": records[profile], **extra}}

    kept = {"incentive_policy_ids": ["old"], "incentive_grant_ids": []}
    batch = [
        stored("p-welder"),
        stored("p-local"),
        stored("p-welder", posting=f"{TAG}-gone"),
        stored("p-welder", records["remote"], **kept),
    ]
    await fill_referrals(services, batch)
    fields = [
        (h["_source"]["incentive_policy_ids"], h["_source"]["incentive_grant_ids"]) for h in batch
    ]
    assert fields == [([policy], [policy]), ([policy], []), ([], []), (["old"], [])]


async def test_active_policies_are_cached_until_any_process_writes_one(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    services: Services,
    policy: str,
    arq: ArqRedis,
) -> None:
    first = await active_policies(services)
    assert policy in [p.policy_id for p in first]
    assert await active_policies(services) is first  # no write since: the same list
    # A write through the API (another Services, same process) is seen at once.
    path = f"/v1/incentives/{TAG}-cached"
    assert (await client.put(path, headers=admin_headers, json=policy_body())).status_code == 201
    after_write = await active_policies(services)
    assert f"{TAG}-cached" in [p.policy_id for p in after_write]
    assert (await client.delete(path, headers=admin_headers)).status_code == 200
    after_retire = await active_policies(services)
    assert f"{TAG}-cached" not in [p.policy_id for p in after_retire]
    # A write by another process renews the generation in Redis: this process reads again.
    await arq.set(f"{services.settings.index_prefix}:incentives:generation", "other")
    assert await active_policies(services) is not after_retire

    class Unreachable:
        async def get(self, key: str) -> None:
            raise RedisConnectionError("down")

    # Without Redis nothing is cached: every call reads Elasticsearch.
    store = copy.copy(services.store)
    store.incentives = PolicyRepository(
        store.es, store.indexes.incentives, cast(Any, Unreachable())
    )
    offline = dataclasses.replace(services, store=store)
    one, two = await active_policies(offline), await active_policies(offline)
    assert one is not two
    assert [p.policy_id for p in one] == [p.policy_id for p in two]


async def test_policy_files_load_whole_or_not_at_all(services: Services, tmp_path: Path) -> None:
    good = {
        "policies": [
            {"id": f"{TAG}-file-a", **policy_body(eligibility=RULE)},
            {"id": f"{TAG}-file-b", **policy_body(eligibility=RULE, name="B")},
        ]
    }
    report = await load_policy_file(
        services, text=json.dumps(good, ensure_ascii=False), source="p.json", recorded_by="t"
    )
    assert sorted(report.written) == [f"{TAG}-file-a", f"{TAG}-file-b"]
    again = await load_policy_file(
        services, text=json.dumps(good, ensure_ascii=False), source="p.json", recorded_by="t"
    )
    assert sorted(again.unchanged) == [f"{TAG}-file-a", f"{TAG}-file-b"]
    bad = {"policies": [{**good["policies"][0], "name": "A2"}, {"id": f"{TAG}-file-c"}]}
    with pytest.raises(ValidationFailed):
        await load_policy_file(
            services, text=json.dumps(bad, ensure_ascii=False), source="p.json", recorded_by="t"
        )
    # The valid first entry was not written either.
    assert len(await versions(services, policy_id=f"{TAG}-file-a")) == 1
    for policy_id in (f"{TAG}-file-a", f"{TAG}-file-b"):
        await retire_policy(services, policy_id=policy_id, recorded_by="t")


async def test_a_policy_written_while_the_queue_is_out_is_reflagged_by_the_sweep(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    services: Services,
    embedder: Embedder,
) -> None:
    posting_id = f"{TAG}-outbox"
    await put(
        client,
        f"/v1/postings/{posting_id}",
        admin_headers,
        remote_posting(region_code="152921", occupation_code="6-18-02-02", title="锻造工"),
    )
    await reflag_and_mark(services)  # nothing owed before this test's policy
    assert (await reflag_if_behind(services))["behind"] is False
    policy_id = f"{TAG}-outbox-policy"
    rule = {**RULE, "county_codes": ["152921"], "occupation_codes": ["6-18-02-02"]}
    async for down in other_app(embedder, MATCHER_REDIS_URL="redis://127.0.0.1:1/0"):
        # The write stands (its version is the intent to re-flag); the job is not queued.
        resp = await down.put(
            f"/v1/incentives/{policy_id}", headers=admin_headers, json=policy_body(eligibility=rule)
        )
        assert resp.status_code == 201, resp.text

    try:
        assert posting_id not in await remote_listed(client, admin_headers)
        swept = await reflag_if_behind(services)
        assert swept["behind"] is True
        assert swept["changed"] >= 1
        assert posting_id in await remote_listed(client, admin_headers)
        assert (await reflag_if_behind(services))["behind"] is False
    finally:
        await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)
        await reflag_postings(services)


async def test_the_desk_shows_the_pairs_incentives_in_money_and_conditions(
    client: httpx.AsyncClient, admin_headers: dict[str, str], records: dict[str, str]
) -> None:
    # The same grants the API computes for the pair, on the candidate card and on the walk-in
    # result (a willing 高级 welder from 包头 to the remote key project).
    api = await client.get(f"/v1/postings/{records['remote']}/matches", headers=admin_headers)
    granted = {m["profile_id"]: m["incentive_totals"]["monthly"] for m in api.json()["matches"]}
    assert granted.get(records["p-welder"]) == 1500, granted
    async with await new_client(client) as desk:
        await sign_in(desk, admin_headers["Authorization"].split()[1])
        page = await desk.get("/desk/candidates", params={"posting": records["remote"]})
        assert page.status_code == 200
        card = card_of(page.text, "data-profile", records["p-welder"])
        assert f"去{PROJECT}每月多 1500 元，一次性补贴 20000 元；须在项目服务满12个月" in card
        # A seeker the policy does not pay (already in the project's league-city) has none.
        if f'data-profile="{records["p-local"]}"' in page.text:
            assert not granted.get(records["p-local"])
            assert "每月多" not in card_of(page.text, "data-profile", records["p-local"])
        walkin = await desk.get(
            "/desk/walkin",
            params={
                "q": "压力容器焊工，干了十年电焊",
                "grade": "3",
                "city": "150200",
                "certs": "熔化焊接与热切割作业",
                "relocate": "1",
            },
        )
        assert walkin.status_code == 200
        assert f'data-posting="{records["remote"]}"' in walkin.text, "among the results"
        result = card_of(walkin.text, "data-posting", records["remote"])
        assert f"去{PROJECT}每月多 1500 元" in result


async def test_a_posting_slip_prints_what_the_job_requires_pays_and_earns(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    records: dict[str, str],
    policy: str,
) -> None:
    # A 包头 office prints the slip of a remote posting in 阿拉善 (any active posting: a worker
    # may be referred anywhere).
    office = await make_token(Role.OFFICE, f"{TAG}-slip-office", region_code="150200")
    async with await new_client(client) as desk:
        await sign_in(desk, office["Authorization"].split()[1])
        slip = await desk.get(f"/desk/postings/{records['remote']}/slip")
        assert slip.status_code == 200, slip.text
        for seen in (
            "岗位信息单",
            f"岗位编号：{records['remote']}",
            "额济纳新能源有限公司",
            "技能等级</th><td>高级及以上",
            "《特种作业操作证》（熔化焊接与热切割作业），必须持有",
            "8000–12000 元",
            "24 个月",
            f"{PROJECT}，边远地区重点项目",
            "边远地区重点项目技能人才津贴（测试）",
            "每月多 1500 元，一次性补贴 20000 元",
            "适用于：",
            "办理推荐",
        ):
            assert seen in slip.text, seen
        # The enterprise's contact is not on it: referrals go through the office.
        assert "ent-ejina" not in slip.text
        missing = await desk.get(f"/desk/postings/{TAG}-no-such-posting/slip")
        assert missing.status_code == 404
        assert "找不到该记录" in missing.text
        assert 'aria-label="主导航"' in missing.text
