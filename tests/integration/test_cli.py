"""The ``matcher`` command line, run in-process against the real node."""

import asyncio
import json
import uuid
from pathlib import Path

import httpx
import openpyxl
from click.testing import CliRunner, Result

from matcher.cli import cli
from matcher.services import Services
from tests.conftest import make_environ
from tests.factories import policy_body, posting_body, register_project


async def invoke(*args: str) -> Result:
    """Run the CLI in a thread: it runs its own event loop, the API client lives in ours."""
    return await asyncio.to_thread(CliRunner().invoke, cli, list(args), env=make_environ())


async def test_tokens_created_and_revoked_by_cli_work_in_the_api(
    client: httpx.AsyncClient,
) -> None:
    created = await invoke(
        "create-token", "--role", "office", "--subject", "office-152900", "--region", "152900"
    )
    assert created.exit_code == 0, created.output
    token = created.output.strip()
    token_id = token.split("_")[1]
    headers = {"Authorization": f"Bearer {token}"}
    me = await client.get("/v1/me", headers=headers)
    assert me.json()["region_code"] == "152900"

    listed = await invoke("list-tokens")
    assert token_id in listed.output
    assert token not in listed.output
    assert (await invoke("revoke-token", token_id)).exit_code == 0
    assert (await client.get("/v1/me", headers=headers)).status_code == 401
    assert token_id not in (await invoke("list-tokens")).output
    unknown = await invoke("revoke-token", "0000000000000000")
    assert unknown.exit_code == 1
    assert "No token" in unknown.output


async def test_import_command_stores_rows_and_reports_errors(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    prefix = f"cli-{uuid.uuid4().hex[:6]}"
    rows = [
        {"id": f"{prefix}-1", **posting_body(enterprise_id="ent-cli")},
        {"id": f"{prefix}-2", **posting_body(enterprise_id="ent-cli", title="电工")},
        {"id": f"{prefix}-3", **posting_body(enterprise_id="ent-cli", wage_min=9, wage_max=1)},
    ]
    path = tmp_path / "postings.jsonl"
    await asyncio.to_thread(
        path.write_text, "\n".join(json.dumps(r, ensure_ascii=False) for r in rows), "utf-8"
    )
    result = await invoke("import", str(path), "--kind", "postings")
    assert result.exit_code == 1  # some rows were rejected
    assert "2 rows stored, 1 rejected" in result.output
    assert "row 3: wage_max" in result.output
    stored = await client.get(f"/v1/postings/{prefix}-2", headers=admin_headers)
    assert stored.json()["title"] == "电工"


async def test_import_command_reads_an_excel_workbook_and_refuses_what_is_not_one(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    prefix = f"cli-{uuid.uuid4().hex[:6]}"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["编号", "单位编号", "单位名称", "职位名称", "职业编码", "地区编码", "招聘人数"])
    who = ["ent-cli", "包头钢铁（集团）有限责任公司"]
    sheet.append([f"{prefix}-x1", *who, "电焊工", "6-18-02-04", 150203, 2])
    sheet.append([f"{prefix}-x2", *who, "电工", "", 150203, "两个"])
    path = tmp_path / "岗位.xlsx"
    await asyncio.to_thread(book.save, path)
    result = await invoke("import", str(path), "--kind", "postings")
    assert result.exit_code == 1, result.output  # one row was rejected
    assert "1 rows stored, 1 rejected" in result.output
    assert "row 2: headcount" in result.output
    stored = await client.get(f"/v1/postings/{prefix}-x1", headers=admin_headers)
    assert stored.status_code == 200, stored.text
    assert (stored.json()["title"], stored.json()["headcount"]) == ("电焊工", 2)
    await client.delete(f"/v1/postings/{prefix}-x1", headers=admin_headers)

    fake = tmp_path / "not-a-book.xlsx"
    await asyncio.to_thread(fake.write_text, '{"id": "x"}\n', "utf-8")
    refused = await invoke("import", str(fake), "--kind", "postings")
    assert refused.exit_code == 1
    assert "not a workbook that can be imported" in refused.output


async def test_retention_report_lists_profiles_past_the_period(app: object) -> None:
    result = await invoke("retention-report", "--days", "0")
    assert result.exit_code == 0, result.output
    assert "profiles not updated since" in result.output


async def test_merge_segments_command_reports_every_matching_index(
    services: Services, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    # Two writes, two refreshes: the postings index has more than one segment.
    for _ in range(2):
        body = posting_body(title="电工", enterprise_id="ent-cli")
        resp = await client.put(
            f"/v1/postings/cli-merge-{uuid.uuid4().hex[:6]}", json=body, headers=admin_headers
        )
        assert resp.status_code in (200, 201), resp.text
        await services.store.es.indices.refresh(index=services.store.indexes.postings.read_alias)
    result = await invoke("merge-segments")
    assert result.exit_code == 0, result.output
    postings = await services.store.es.indices.get_alias(
        name=services.store.indexes.postings.read_alias
    )
    for index in postings:
        assert f"{index}: " in result.output
    stats = await services.store.es.indices.stats(
        index=services.store.indexes.postings.read_alias, metric="segments"
    )
    assert stats["_all"]["primaries"]["segments"]["count"] == 1
    refused = await invoke("merge-segments", "--max-mb", "0")
    assert refused.exit_code == 2
    assert "--max-mb" in refused.output


async def test_load_incentives_command_loads_a_file_whole_or_not_at_all(
    client: httpx.AsyncClient, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    policy_id = f"cli-{uuid.uuid4().hex[:6]}"
    rule = {"area": "listed", "county_codes": ["152923"], "occupation_codes": ["6-18-02-04"]}
    bad = tmp_path / "bad.yaml"
    entries = [
        {"id": policy_id, **policy_body(eligibility=rule)},
        {"id": policy_id + "-x", **policy_body(eligibility={**rule, "county_codes": ["150200"]})},
    ]
    await asyncio.to_thread(bad.write_text, json.dumps({"policies": entries}), "utf-8")
    refused = await invoke("load-incentives", str(bad))
    assert refused.exit_code == 1
    assert "policies.1.eligibility.county_codes.0" in refused.output
    assert (
        await client.get(f"/v1/incentives/{policy_id}", headers=admin_headers)
    ).status_code == 404

    good = tmp_path / "good.json"
    await asyncio.to_thread(good.write_text, json.dumps({"policies": entries[:1]}), "utf-8")
    loaded = await invoke("load-incentives", str(good))
    assert loaded.exit_code == 0, loaded.output
    assert f"1 new versions ({policy_id})" in loaded.output
    again = await invoke("load-incentives", str(good))
    assert "0 new versions (-), 1 unchanged" in again.output
    versions = await client.get(f"/v1/incentives/{policy_id}/versions", headers=admin_headers)
    assert [v["recorded_by"] for v in versions.json()["versions"]] == ["cli"]
    await client.delete(f"/v1/incentives/{policy_id}", headers=admin_headers)


async def test_migrating_postings_reflags_them(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    tag = f"mig-{uuid.uuid4().hex[:6]}"
    posting_id = f"{tag}-p"
    await register_project(client, admin_headers, f"{tag}-kp", f"{tag}项目", "152922")
    body = posting_body(
        enterprise_id="ent-mig",
        region_code="152922",
        key_project={"name": f"{tag}项目", "remote": True},
        key_project_id=f"{tag}-kp",
        occupation_code="6-18-02-02",
    )
    assert (
        await client.put(f"/v1/postings/{posting_id}", headers=admin_headers, json=body)
    ).status_code == 201
    # The policy comes after the posting and no worker runs: the posting is not flagged yet.
    rule = {"area": "listed", "county_codes": ["152922"], "occupation_codes": ["6-18-02-02"]}
    policy = await client.put(
        f"/v1/incentives/{tag}", headers=admin_headers, json=policy_body(eligibility=rule)
    )
    assert policy.status_code == 201

    async def flagged() -> bool:
        found = await client.post(
            "/v1/search/postings",
            headers=admin_headers,
            json={"remote_incentives_only": True, "region_code": "152922", "limit": 50},
        )
        return posting_id in [r["posting_id"] for r in found.json()["results"]]

    assert not await flagged()
    result = await invoke("migrate", "postings")
    assert result.exit_code == 0, result.output
    assert "incentive flags:" in result.output
    assert await flagged()
    await client.delete(f"/v1/incentives/{tag}", headers=admin_headers)
