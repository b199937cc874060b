"""Logs are JSON lines with the request id, and carry no personal data."""

import io
import json
import logging
import uuid
from collections.abc import Iterator

import httpx
import pytest

from matcher.foundation import timing
from matcher.foundation.logs import configure_logging
from matcher.foundation.principals import Role
from tests.conftest import TokenFactory
from tests.factories import posting_body


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", stream)
    yield stream
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)


async def test_access_log_is_json_with_request_id_and_no_personal_data(
    client: httpx.AsyncClient, admin_headers: dict[str, str], log_lines: io.StringIO
) -> None:
    phone, name = "13912345678", "王小明"
    resp = await client.post(
        f"/v1/tokens?phone={phone}",
        headers=admin_headers,
        json={"role": "seeker", "subject": "s-log", "label": f"{name} {phone}"},
    )
    assert resp.status_code == 201
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "matcher.policy.access"]
    assert access, records
    line = access[-1]
    assert line["request_id"] == resp.headers["x-request-id"]
    assert line["route"] == "/v1/tokens"
    assert line["status"] == 201
    assert isinstance(line["duration_ms"], float)
    text = log_lines.getvalue()
    for secret in (phone, name, resp.json()["token"], admin_headers["Authorization"]):
        assert secret not in text


async def test_unexpected_errors_are_logged_without_leaking_to_the_client(
    client: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    # A token header that makes the auth code fail is a client error, never a 500 with a trace.
    resp = await client.get("/v1/me", headers=[(b"Authorization", b"Bearer " + b"\xe4" * 10)])
    assert resp.status_code == 401
    assert "Traceback" not in resp.text


async def test_each_request_says_where_its_time_went_in_the_log_and_the_metrics(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_token: TokenFactory,
    log_lines: io.StringIO,
) -> None:
    tag = uuid.uuid4().hex[:6]
    office = await make_token(Role.OFFICE, f"office-timing-{tag}", "150200")
    owner = await make_token(Role.ENTERPRISE, f"ent-timing-{tag}")
    posting_id = f"timing-{tag}"
    resp = await client.put(f"/v1/postings/{posting_id}", headers=owner, json=posting_body())
    assert resp.status_code == 201, resp.text
    try:
        matched = await client.get(f"/v1/postings/{posting_id}/matches?limit=5", headers=office)
        assert matched.status_code == 200, matched.text
        searched = await client.post(
            "/v1/search/postings", headers=office, json={"q": f"焊工 {tag}"}
        )
        assert searched.status_code == 200, searched.text
    finally:
        await client.delete(f"/v1/postings/{posting_id}", headers=owner)
    records = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    stages = {r["route"]: r["stages_ms"] for r in records if r["logger"] == "matcher.policy.access"}
    match_stages = stages["/v1/postings/{posting_id}/matches"]
    for name in ("auth", "rate_limit", "read_record", "es_bm25", "es_knn", "incentives"):
        assert name in match_stages, match_stages
    for name in ("fusion", "rerank", "explain", "serialise"):
        assert name in match_stages, match_stages
    assert all(isinstance(v, float) and v >= 0 for v in match_stages.values())
    assert set(match_stages) <= set(timing.STAGES)
    assert {"embed", "es_bm25", "es_knn", "fusion"} <= set(stages["/v1/search/postings"])

    scraped = (await client.get("/metrics", headers=admin_headers)).text
    for name in ("es_knn", "rerank", "serialise"):
        assert (
            'matcher_stage_duration_seconds_count{route="/v1/postings/{posting_id}/matches",'
            f'stage="{name}"}}'
        ) in scraped, name
    assert 'route="/v1/search/postings",stage="embed"}' in scraped
