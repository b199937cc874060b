"""Bulk imports through the API and the real worker: both encodings, row errors, re-runs."""

import asyncio
import csv
import io
import json
import os
import time
import uuid
import zipfile
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest
from arq.connections import ArqRedis
from arq.jobs import Job, JobStatus
from elasticsearch import AsyncElasticsearch

from matcher.embeddings import Embedder
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.foundation.sheets import XLSX_MEDIA
from matcher.imports.models import RowProblem
from matcher.imports.parse import Row
from matcher.imports.service import (
    ImportJob,
    LeaseLost,
    import_file,
    prepare_rows,
    sweep_uploads,
    write_rows,
)
from matcher.imports.service import run_import as run_import_job
from matcher.policy.fairness import GROUNDS
from matcher.postings.models import PostingIn
from matcher.referrals.service import claim_place
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body
from tests.integration.test_worker import run_burst
from workers.queue import job_deserializer

HEADER = [
    "编号",
    "求职意向",
    "个人简介",
    "技能",
    "职业编码",
    "技能等级",
    "工作年限",
    "地区编码",
    "愿意流动",
    "期望月薪",
    "姓名",
    "电话",
]


def csv_rows(prefix: str) -> list[list[str]]:
    return [
        [
            f"{prefix}-1",
            "焊工",
            "管道焊接五年",
            "氩弧焊;二保焊",
            "6-18-02-04",
            "高级工",
            "5",
            "150203",
            "是",
            "9000",
            "张三",
            "13800000011",
        ],
        [
            f"{prefix}-2",
            "电工",
            "变电检修",
            "倒闸操作",
            "6-31-01-03",
            "四级",
            "3",
            "150602",
            "否",
            "",
            "李四",
            "",
        ],
        # Invalid: unknown region; wage not a number; protected trait in the text.
        [
            f"{prefix}-3",
            "钢筋工",
            "绑扎",
            "",
            "6-29-01-04",
            "中级",
            "2",
            "159999",
            "是",
            "",
            "",
            "",
        ],
        [
            f"{prefix}-4",
            "车工",
            "数控车床",
            "",
            "6-18-01-01",
            "高级",
            "4",
            "150207",
            "是",
            "很多",
            "",
            "",
        ],
        [
            f"{prefix}-5",
            "化工总控工",
            "本人男，35岁",
            "",
            "6-11-01-03",
            "高级",
            "6",
            "150627",
            "否",
            "",
            "",
            "",
        ],
        # No occupation code: normalized from the title.
        [f"{prefix}-6", "电焊工（包吃住）", "", "", "", "初级", "1", "150802", "是", "", "", ""],
    ]


def encode_csv(rows: list[list[str]], encoding: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


async def run_import(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    content: bytes,
    media: str,
    kind: str,
    settings: Settings,
    embedder: Embedder,
) -> dict[str, Any]:
    resp = await client.post(
        f"/v1/imports?kind={kind}", headers={**headers, "content-type": media}, content=content
    )
    assert resp.status_code == 202, resp.text
    queued = resp.json()
    assert queued["state"] == "queued"
    await run_burst(settings, embedder)
    done = await client.get(f"/v1/imports/{queued['id']}", headers=headers)
    assert done.status_code == 200
    result: dict[str, Any] = done.json()
    assert result["state"] == "done", result
    return result


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
async def test_csv_import_stores_valid_rows_and_reports_invalid_ones(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
    es: AsyncElasticsearch,
    services: Services,
    encoding: str,
) -> None:
    prefix = f"imp-{uuid.uuid4().hex[:6]}"
    content = encode_csv(csv_rows(prefix), encoding)
    before = await services.store.tallies.read()
    result = await run_import(
        client, admin_headers, content, "text/csv", "profiles", settings, embedder
    )
    assert (result["rows_total"], result["rows_done"]) == (6, 6)
    assert (result["rows_ok"], result["rows_failed"]) == (3, 3)
    # The rows reach the operators' figures (/metrics: matcher_import_rows_total).
    after = await services.store.tallies.read()
    for outcome in ("stored", "rejected"):
        field = f"import_rows|outcome={outcome}"
        assert after.get(field, 0) - before.get(field, 0) == 3
    errors = {(e["row"], e["field"]) for e in result["errors"]}
    assert errors == {(3, "region_code"), (4, "expected_monthly_wage"), (5, "summary")}
    alias = services.store.indexes.profiles.read_alias
    found = await es.mget(index=alias, ids=[f"{prefix}-{i}" for i in range(1, 7)])
    stored = {d["_id"]: d.get("_source") for d in found["docs"] if d["found"]}
    assert set(stored) == {f"{prefix}-1", f"{prefix}-2", f"{prefix}-6"}
    first = stored[f"{prefix}-1"]
    assert first["skills"] == ["氩弧焊", "二保焊"]
    assert first["skill_level"] == 3
    assert first["willing_to_relocate"] is True
    assert first["contact"] == {"name": "张三", "phone": "13800000011", "email": None}
    assert stored[f"{prefix}-6"]["occupation_codes"] == ["6-18-02-04"]
    with_vector = await es.get(index=alias, id=f"{prefix}-1", source_exclude_vectors=False)
    assert len(with_vector["_source"]["embedding"]) == embedder.dims


def workbook(rows: list[list[Any]], header: list[str] = HEADER) -> bytes:
    """An .xlsx as Excel would hold these rows: codes, years and wages as numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([int(c) if isinstance(c, str) and c.isdigit() else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_an_excel_import_reads_like_csv_and_says_what_is_wrong_in_chinese(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    prefix = f"xlsx-{uuid.uuid4().hex[:6]}"
    rows: list[list[Any]] = [list(r) for r in csv_rows(prefix)]
    rows.insert(2, [])  # an empty row in the sheet: skipped, but counted in row numbers
    result = await run_import(
        client, admin_headers, workbook(rows), XLSX_MEDIA, "profiles", settings, embedder
    )
    assert result["format"] == "xlsx"
    assert (result["rows_ok"], result["rows_failed"]) == (3, 3)
    errors = {(e["row"], e["field"]): e["message_zh"] for e in result["errors"]}
    assert errors == {
        (4, "region_code"): "地区编码：没有这个地区编码",
        (5, "expected_monthly_wage"): "期望月薪：应填整数",
        (6, "summary"): "个人简介：写有对年龄、性别、民族、婚育、健康或户籍的要求，请删去",
    }
    # The machine-readable fields are as before.
    assert all(e["message"] and e["message"] != e["message_zh"] for e in result["errors"])
    alias = services.store.indexes.profiles.read_alias
    first = (await es.get(index=alias, id=f"{prefix}-1"))["_source"]
    # Numbers in cells arrive as the text a CSV would hold: codes keep their digits.
    assert first["region_code"] == "150203"
    assert first["expected_monthly_wage"] == 9000
    assert first["years_experience"] == 5
    assert first["contact"]["phone"] == "13800000011"


async def test_files_that_are_not_workbooks_are_refused_before_anything_is_queued(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    headers = {**admin_headers, "content-type": XLSX_MEDIA}
    not_zip = await client.post("/v1/imports?kind=profiles", headers=headers, content=b"id,x\n1,2")
    assert not_zip.status_code == 422, not_zip.text
    assert "xlsx" in not_zip.text
    # A zip whose one part unpacks a thousand times larger: refused unpacked.
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 20_000_000)
    packed = bomb.getvalue()
    assert len(packed) < 1_000_000  # under the upload limit
    refused = await client.post("/v1/imports?kind=profiles", headers=headers, content=packed)
    assert refused.status_code == 422, refused.text
    leftovers = await asyncio.to_thread(lambda: list(Path(settings.import_dir).glob("*.xlsx")))
    assert leftovers == []


async def test_a_large_import_queues_the_segment_merge(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
    services: Services,
    arq: ArqRedis,
) -> None:
    """An import storing at least MATCHER_MERGE_AFTER_IMPORT_ROWS rows (here 3) queues the
    merge of the matching indexes, which the worker then runs; a smaller one does not."""
    worker = settings.model_copy(update={"merge_after_import_rows": 3})
    ids = []
    for rows in (
        csv_rows(f"imp-{uuid.uuid4().hex[:6]}"),
        csv_rows(f"imp-{uuid.uuid4().hex[:6]}")[:2],
    ):
        resp = await client.post(
            "/v1/imports?kind=profiles",
            headers={**admin_headers, "content-type": "text/csv"},
            content=encode_csv(rows, "utf-8"),
        )
        assert resp.status_code == 202, resp.text
        ids.append(resp.json()["id"])
    await run_burst(worker, embedder)
    large, small = (
        Job(
            f"import:{i}",
            arq,
            _queue_name=settings.queue_name,
            _deserializer=job_deserializer,
        )
        for i in ids
    )
    assert (await large.result(timeout=10))["merge_queued"] is True
    assert (await small.result(timeout=10))["merge_queued"] is False
    merge = Job(
        f"merge-after-import:{ids[0]}",
        arq,
        _queue_name=settings.queue_name,
        _deserializer=job_deserializer,
    )
    if await merge.status() is not JobStatus.complete:  # enqueued after the burst's last poll
        await run_burst(worker, embedder)
    merged = await merge.result(timeout=30)
    assert {r["index"] for r in merged["merged"]}
    assert (
        await Job(f"merge-after-import:{ids[1]}", arq, _queue_name=settings.queue_name).status()
        is JobStatus.not_found
    )


async def test_reimporting_the_same_file_rewrites_not_duplicates(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    prefix = f"re-{uuid.uuid4().hex[:6]}"
    lines = [
        json.dumps(
            {"id": f"{prefix}-{i}", **posting_body(enterprise_id="ent-re")}, ensure_ascii=False
        )
        for i in range(5)
    ]
    content = "\n".join(lines).encode()
    for _ in range(2):
        result = await run_import(
            client, admin_headers, content, "application/x-ndjson", "postings", settings, embedder
        )
        assert result["rows_ok"] == 5
    count = await es.count(
        index=services.store.indexes.postings.read_alias,
        query={"prefix": {"id": prefix}},
    )
    assert count["count"] == 5


async def test_jsonl_row_errors_name_line_and_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
) -> None:
    prefix = f"jl-{uuid.uuid4().hex[:6]}"
    lines = [
        json.dumps({"id": f"{prefix}-ok", **profile_body()}, ensure_ascii=False),
        "{not json",
        json.dumps({**profile_body()}, ensure_ascii=False),
        json.dumps({"id": f"{prefix}-g", **profile_body(gender="女")}, ensure_ascii=False),
    ]
    result = await run_import(
        client,
        admin_headers,
        "\n".join(lines).encode(),
        "application/x-ndjson",
        "profiles",
        settings,
        embedder,
    )
    assert result["rows_ok"] == 1
    assert {(e["row"], e["field"]) for e in result["errors"]} == {
        (2, "line"),
        (3, "id"),
        (4, "gender"),
    }


async def test_office_imports_only_inside_its_region_and_enterprises_only_postings(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    settings: Settings,
    embedder: Embedder,
) -> None:
    office = await make_token(Role.OFFICE, "office-imp", "150200")
    prefix = f"off-{uuid.uuid4().hex[:6]}"
    result = await run_import(
        client,
        office,
        encode_csv(csv_rows(prefix), "utf-8"),
        "text/csv",
        "profiles",
        settings,
        embedder,
    )
    # Only row 1 lies in 包头 (150203); rows 2 and 6 are valid but outside the office's region.
    assert result["rows_ok"] == 1
    outside = {e["row"] for e in result["errors"] if "outside" in e["message"]}
    assert outside == {2, 6}

    enterprise = await make_token(Role.ENTERPRISE, "ent-imp")
    refused = await client.post(
        "/v1/imports?kind=profiles",
        headers={**enterprise, "content-type": "text/csv"},
        content=b"id\n1\n",
    )
    assert refused.status_code == 403
    seeker = await make_token(Role.SEEKER, "seeker-imp")
    assert (
        await client.post(
            "/v1/imports?kind=profiles",
            headers={**seeker, "content-type": "text/csv"},
            content=b"id\n1\n",
        )
    ).status_code == 403
    # Another principal cannot read the office's import.
    other = await make_token(Role.OFFICE, "office-other", "150100")
    assert (await client.get(f"/v1/imports/{result['id']}", headers=other)).status_code == 404


async def test_bad_uploads_are_refused_up_front(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    no_kind = await client.post(
        "/v1/imports", headers={**admin_headers, "content-type": "text/csv"}, content=b"id\n"
    )
    assert no_kind.status_code == 422
    wrong_type = await client.post(
        "/v1/imports?kind=profiles",
        headers={**admin_headers, "content-type": "application/pdf"},
        content=b"%PDF",
    )
    assert wrong_type.status_code == 422
    empty = await client.post(
        "/v1/imports?kind=profiles",
        headers={**admin_headers, "content-type": "text/csv"},
        content=b"",
    )
    assert empty.status_code == 400


async def test_import_progress_is_visible_while_queued(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
) -> None:
    resp = await client.post(
        "/v1/imports?kind=postings",
        headers={**admin_headers, "content-type": "application/x-ndjson"},
        content=json.dumps({"id": "q-1", **posting_body(enterprise_id="e")}).encode(),
    )
    status = (await client.get(f"/v1/imports/{resp.json()['id']}", headers=admin_headers)).json()
    assert status["state"] == "queued"
    assert status["rows_done"] == 0
    await run_burst(settings, embedder)
    await asyncio.sleep(0)


async def test_oversized_upload_is_413_and_leaves_no_file(
    client: httpx.AsyncClient, admin_headers: dict[str, str], settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 100_000

    resp = await client.post(
        "/v1/imports?kind=profiles",
        headers={**admin_headers, "content-type": "text/csv"},
        content=chunks(),
    )
    assert resp.status_code == 413
    assert resp.json()["max_bytes"] == 1_000_000
    leftovers = await asyncio.to_thread(lambda: list(Path(settings.import_dir).glob("*")))
    assert leftovers == []


async def test_an_import_never_undoes_what_changed_while_it_ran(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> None:
    """The rows are prepared on the stored records; a hire and a new record written before the
    batch is stored are kept, and the rows are written on top of them."""
    admin = Principal("t-admin", Role.ADMIN, "admin")
    posting_id, new_id = f"imp-{uuid.uuid4().hex[:8]}", f"imp-{uuid.uuid4().hex[:8]}"
    resp = await client.put(
        f"/v1/postings/{posting_id}",
        headers=admin_headers,
        json=posting_body(enterprise_id="ent-1", headcount=3),
    )
    assert resp.status_code == 201, resp.text

    def row(number: int, record_id: str, title: str) -> tuple[Row, Any]:
        body = PostingIn.model_validate(
            posting_body(enterprise_id="ent-1", headcount=3, title=title)
        )
        return Row(number, record_id, {}), body

    valid = [row(1, posting_id, "导入后的焊工岗位"), row(2, new_id, "导入的新岗位")]
    job = ImportJob(Path("unused.jsonl"), "jsonl", "postings", admin)
    prepared = await prepare_rows(services, job, valid)
    assert prepared.refused == []
    assert set(prepared.versions) == {posting_id}
    # Meanwhile a desk hires someone for the posting, and someone stores the new id.
    await claim_place(services, posting_id=posting_id, referral_id="ref-meanwhile")
    created = await client.put(
        f"/v1/postings/{new_id}",
        headers=admin_headers,
        json=posting_body(enterprise_id="ent-1", headcount=3),
    )
    assert created.status_code == 201
    await claim_place(services, posting_id=new_id, referral_id="ref-new")

    errors = await write_rows(services, job, prepared)
    assert errors == {}
    for record_id, title in ((posting_id, "导入后的焊工岗位"), (new_id, "导入的新岗位")):
        stored = (await client.get(f"/v1/postings/{record_id}", headers=admin_headers)).json()
        assert stored["title"] == title  # the import's content
        assert (stored["filled"], stored["open_headcount"]) == (1, 2)  # the hire survived


async def test_uploads_are_deleted_in_every_end_state_and_orphans_swept(
    services: Services,
) -> None:
    folder = Path(services.settings.import_dir)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    imports = services.store.imports

    def upload(name: str, age_s: float = 0) -> Path:
        path = folder / f"{name}.jsonl"
        path.write_text('{"id": "x", "title": "焊工"}\n', "utf-8")
        if age_s:
            moment = time.time() - age_s
            os.utime(path, (moment, moment))
        return path

    tag = uuid.uuid4().hex[:8]
    # A job that fails as a whole (here: an unreadable principal) still deletes its upload.
    broken = upload(f"{tag}broken")
    await imports.create(
        broken.stem,
        {
            "id": broken.stem,
            "kind": "profiles",
            "format": "jsonl",
            "state": "queued",
            "principal": "{not json",
        },
    )
    outcome = await run_import_job(services, import_id=broken.stem)
    assert outcome["state"] == "failed"
    assert not broken.exists()
    assert (await imports.get(broken.stem) or {})["state"] == "failed"
    # The sweep: ended imports' files and old orphans go; queued and fresh ones stay.
    ended = upload(f"{tag}ended")
    await imports.create(ended.stem, {"id": ended.stem, "state": "done"})
    queued = upload(f"{tag}queued", age_s=7200)
    await imports.create(queued.stem, {"id": queued.stem, "state": "queued"})
    orphan = upload(f"{tag}orphan", age_s=7200)
    fresh = upload(f"{tag}fresh")
    result = await sweep_uploads(services)
    assert result["removed"] >= 2
    assert not ended.exists()
    assert not orphan.exists()
    assert queued.exists()
    assert fresh.exists()
    for path in (queued, fresh):
        path.unlink()


async def test_an_office_importing_employer_ads_may_cut_discriminatory_requirements(
    client: httpx.AsyncClient,
    make_token: TokenFactory,
    admin_headers: dict[str, str],
    settings: Settings,
    embedder: Embedder,
    services: Services,
) -> None:
    office = await make_token(Role.OFFICE, f"office-{uuid.uuid4().hex[:6]}", region_code="150200")
    ent_id = f"ent-{uuid.uuid4().hex[:6]}"
    enterprise = await make_token(Role.ENTERPRISE, ent_id)
    prefix = f"san-{uuid.uuid4().hex[:6]}"
    ads = [
        (f"{prefix}-1", "招聘焊工2名，限男性，年龄25-35岁，持焊工证，月薪8000元。"),
        (f"{prefix}-2", "负责压力容器焊接，男女不限，持焊工证。"),
    ]
    content = "\n".join(
        json.dumps(
            {"id": i, **posting_body(enterprise_id=ent_id, description=d)}, ensure_ascii=False
        )
        for i, d in ads
    ).encode()

    # Strictly (the default), the ad with requirements on gender and age fails.
    strict = await run_import(
        client, office, content, "application/x-ndjson", "postings", settings, embedder
    )
    assert (strict["rows_ok"], strict["rows_failed"]) == (1, 1)
    assert strict["mode"] == "strict"

    resp = await client.post(
        "/v1/imports?kind=postings&mode=sanitize",
        headers={**office, "content-type": "application/x-ndjson"},
        content=content,
    )
    assert resp.status_code == 202, resp.text
    await run_burst(settings, embedder)
    done = (await client.get(f"/v1/imports/{resp.json()['id']}", headers=office)).json()
    assert (done["state"], done["mode"], done["rows_ok"], done["rows_failed"]) == (
        "done",
        "sanitize",
        2,
        0,
    )
    cut = (await client.get(f"/v1/postings/{prefix}-1", headers=enterprise)).json()
    assert cut["description"] == "招聘焊工2名，持焊工证，月薪8000元。"
    assert "限男性" in cut["compliance_note"]
    assert "年龄25-35岁" in cut["compliance_note"]
    assert "性别" in cut["compliance_note"]
    # What was cut quotes the requirement: a seeker reading the posting does not see it.
    seeker = await make_token(Role.SEEKER, f"seeker-{uuid.uuid4().hex[:6]}")
    public = (await client.get(f"/v1/postings/{prefix}-1", headers=seeker)).json()
    assert public["compliance_note"] is None
    assert public["description"] == cut["description"]
    clean = (await client.get(f"/v1/postings/{prefix}-2", headers=enterprise)).json()
    assert clean["description"] == ads[1][1]  # 男女不限 is no requirement: left as written
    assert clean["compliance_note"] is None
    # The enterprise is told, once, even when the same file is imported again.
    again = await client.post(
        "/v1/imports?kind=postings&mode=sanitize",
        headers={**office, "content-type": "application/x-ndjson"},
        content=content,
    )
    assert again.status_code == 202
    await run_burst(settings, embedder)
    alerts = (await client.get("/v1/alerts", headers=enterprise)).json()["alerts"]
    told = [a for a in alerts if a["kind"] == "posting_sanitized"]
    assert [a["record_id"] for a in told] == [f"{prefix}-1"]
    assert "限男性" in told[0]["body"]
    # The grounds of what was cut (gender, age), not of every trait.
    assert GROUNDS["gender"] in told[0]["body"]
    assert GROUNDS["age"] in told[0]["body"]
    assert GROUNDS["household registration"] not in told[0]["body"]
    # Nothing indexed or embedded holds the cut requirement: only the note names it.
    stored = await services.store.postings.get(f"{prefix}-1")
    assert stored is not None
    rest = {k: v for k, v in stored.items() if k != "compliance_note"}
    assert "男性" not in json.dumps(rest, ensure_ascii=False)
    assert "25-35" not in json.dumps(rest, ensure_ascii=False)

    # Sanitizing is the office's choice for employer ads: not an enterprise's, not profiles'.
    for headers, kind in ((enterprise, "postings"), (office, "profiles")):
        refused = await client.post(
            f"/v1/imports?kind={kind}&mode=sanitize",
            headers={**headers, "content-type": "application/x-ndjson"},
            content=content,
        )
        assert refused.status_code == 422, refused.text
    for posting_id, _ in ads:
        await client.delete(f"/v1/postings/{posting_id}", headers=admin_headers)


class _LeaseLostAtFirstCheckpoint:
    """A run's reports, as a run that lost its lease to another one sees them."""

    async def started(self, total: int) -> None:
        pass

    async def progress(self, done: int, ok: int, failed: int) -> None:
        raise LeaseLost("taken over")

    async def errors(self, errors: Sequence[RowProblem]) -> None:
        pass


async def test_a_run_that_lost_its_lease_adds_nothing_to_the_row_tallies(
    services: Services, es: AsyncElasticsearch, tmp_path: Path
) -> None:
    """The run that took the import over settles these rows and tallies them itself: the
    one that lost the lease must not count them too."""
    prefix = f"imp-{uuid.uuid4().hex[:6]}"
    path = tmp_path / "rows.csv"
    path.write_bytes(encode_csv(csv_rows(prefix), "utf-8"))
    admin = Principal("t-admin", Role.ADMIN, "admin")
    fields = [f"import_rows|outcome={o}" for o in ("stored", "rejected")]
    before = await services.store.tallies.read()
    try:
        with pytest.raises(LeaseLost):
            await import_file(
                services,
                ImportJob(path, "csv", "profiles", admin),
                reporter=_LeaseLostAtFirstCheckpoint(),
            )
        after = await services.store.tallies.read()
        assert [after.get(f, 0) for f in fields] == [before.get(f, 0) for f in fields]
    finally:
        for i in range(1, 7):
            await es.options(ignore_status=404).delete(
                index=services.store.indexes.profiles.write_alias, id=f"{prefix}-{i}", refresh=True
            )
