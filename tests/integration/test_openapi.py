"""The OpenAPI document is generated from the routes; /docs renders it as a page."""

import httpx

from matcher.api.app import API_ROUTES
from matcher.foundation.records import RECORD_ID_PATTERN


async def test_openapi_lists_every_operation_with_its_schemas(client: httpx.AsyncClient) -> None:
    resp = await client.get("/openapi.json")
    assert resp.status_code == 200
    spec = resp.json()
    assert spec["openapi"].startswith("3.1")
    for route in API_ROUTES:
        op = spec["paths"][route.path][route.method.lower()]
        assert op["summary"] == route.summary
        assert str(route.status) in op["responses"]
        if route.roles is not None:
            assert op["security"] == [{"bearer": []}]
            assert {"401", "403", "429"} <= op["responses"].keys()
        # Any operation may meet an outage; a body may be unreadable or too large.
        assert "Retry-After" in op["responses"]["503"]["headers"]
        if route.body is not None:
            assert {"400", "413", "415", "422"} <= op["responses"].keys()
        if "{" in route.path:
            assert "404" in op["responses"]
        # Record ids in paths are documented with the pattern they are checked against.
        for param in op["parameters"]:
            name = param["name"]
            if param["in"] == "path" and name.endswith("_id") and name != "bulletin_id":
                assert param["name"] in route.id_params, (route.path, param["name"])
                assert param["schema"]["pattern"] == RECORD_ID_PATTERN
        # A write that stores or changes a record can meet a conflict.
        if route.method in ("PUT", "DELETE") or ("{" in route.path and route.method == "POST"):
            assert "409" in op["responses"], (route.method, route.path)
    schemas = spec["components"]["schemas"]
    create = spec["paths"]["/v1/tokens"]["post"]
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.rsplit("/", 1)[1] in schemas
    assert "role" in schemas["TokenCreate"]["properties"]
    # Every $ref resolves inside the document.
    for ref in _refs(spec):
        assert ref.rsplit("/", 1)[1] in schemas, ref


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


async def test_docs_page_shows_every_path(client: httpx.AsyncClient) -> None:
    resp = await client.get("/docs")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    for route in API_ROUTES:
        assert route.path in resp.text
    assert "<script" not in resp.text
