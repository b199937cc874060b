"""Logs are JSON lines with the request id, and carry no personal data."""

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from matcher.foundation.logs import configure_logging


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
