"""Every error is application/problem+json; every response carries a request id."""

from collections.abc import AsyncIterator

import httpx

from tests.conftest import ADMIN_TOKEN
from tests.factories import profile_body

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def assert_problem(resp: httpx.Response, status: int) -> dict[str, object]:
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = resp.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    assert str(body["type"]).startswith("https://")
    return body


async def test_unknown_route_is_404_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/no/such/thing"), 404)
    assert "/no/such/thing" in str(body["detail"])


async def test_wrong_method_is_405_problem(client: httpx.AsyncClient) -> None:
    resp = await client.delete("/healthz")
    assert_problem(resp, 405)
    assert "GET" in resp.headers["allow"]


async def test_invalid_body_is_422_naming_each_field(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/tokens", headers=ADMIN, json={"role": "wizard", "subject": "bad id with spaces"}
    )
    body = assert_problem(resp, 422)
    fields = {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert fields == {"role", "subject"}


async def test_cross_field_rule_names_the_field(client: httpx.AsyncClient) -> None:
    resp = await client.post("/v1/tokens", headers=ADMIN, json={"role": "office", "subject": "o1"})
    body = assert_problem(resp, 422)
    assert "region_code" in str(body["errors"])


async def test_unknown_field_is_rejected(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/tokens", headers=ADMIN, json={"role": "seeker", "subject": "s1", "gender": "f"}
    )
    body = assert_problem(resp, 422)
    assert body["errors"] == [{"field": "gender", "message": "Extra inputs are not permitted"}]


async def test_malformed_json_is_400(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/tokens", headers={**ADMIN, "content-type": "application/json"}, content=b"{bad"
    )
    assert "not valid JSON" in str(assert_problem(resp, 400)["detail"])


async def test_hostile_json_shapes_are_400_and_the_connection_serves_on(
    client: httpx.AsyncClient,
) -> None:
    headers = {**ADMIN, "content-type": "application/json"}
    for body, reason in (
        (b"[" * 5000 + b"]" * 5000, "nested deeper"),
        (b'{"role": "admin", "subject": ' + b"7" * 5000 + b"}", "number longer"),
    ):
        resp = await client.post("/v1/tokens", headers=headers, content=body)
        assert reason in str(assert_problem(resp, 400)["detail"])
    assert (await client.get("/healthz")).status_code == 200


async def test_wrong_media_type_is_415(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/tokens", headers={**ADMIN, "content-type": "text/csv"}, content=b"a,b"
    )
    assert_problem(resp, 415)


async def test_oversized_body_is_413_and_names_the_bound(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/v1/tokens", headers=ADMIN, json={"role": "seeker", "subject": "s", "label": "x" * 70000}
    )
    body = assert_problem(resp, 413)
    assert body["max_bytes"] == 65536


async def test_oversized_chunked_body_is_413_without_content_length(
    client: httpx.AsyncClient,
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b" " * 8192

    resp = await client.post(
        "/v1/tokens", headers={**ADMIN, "content-type": "application/json"}, content=chunks()
    )
    assert_problem(resp, 413)


async def test_every_response_has_a_request_id(client: httpx.AsyncClient) -> None:
    ok, missing = await client.get("/healthz"), await client.get("/missing")
    ids = {ok.headers["x-request-id"], missing.headers["x-request-id"]}
    assert len(ids) == 2
    assert all(len(i) == 32 for i in ids)


async def test_a_plain_caller_request_id_is_echoed_and_a_hostile_one_replaced(
    client: httpx.AsyncClient,
) -> None:
    echoed = await client.get("/healthz", headers={"X-Request-ID": "trace-1234abcd"})
    assert echoed.headers["x-request-id"] == "trace-1234abcd"
    replaced = await client.get("/healthz", headers={"X-Request-ID": 'bad" id\nx'})
    assert replaced.headers["x-request-id"] != 'bad" id\nx'
    assert len(replaced.headers["x-request-id"]) == 32


async def test_only_true_and_false_are_booleans_in_a_body(client: httpx.AsyncClient) -> None:
    for value in (0, 1, "true", "是", None):
        resp = await client.put(
            "/v1/profiles/strict-bool-probe",
            headers=ADMIN,
            json=profile_body(willing_to_relocate=value),
        )
        body = assert_problem(resp, 422)
        assert body["errors"] == [
            {"field": "willing_to_relocate", "message": "Input should be a valid boolean"}
        ], value
        search = await client.post(
            "/v1/search/postings", headers=ADMIN, json={"q": "焊工", "include_unrelated": value}
        )
        assert_problem(search, 422)
    absent = await client.get("/v1/profiles/strict-bool-probe", headers=ADMIN)
    assert absent.status_code == 404  # nothing was written


async def test_a_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    resp = await client.patch("/v1/postings/some-id", headers=ADMIN)
    assert_problem(resp, 405)
    assert set(resp.headers["allow"].replace(" ", "").split(",")) >= {"GET", "PUT", "DELETE"}
