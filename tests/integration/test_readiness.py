"""/healthz is the process; /readyz flips with Elasticsearch, Redis and the indexes."""

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from matcher.api.app import create_app
from matcher.embeddings import Embedder
from matcher.foundation.settings import Settings
from tests.conftest import RUN_ID, make_environ, shared_embedder
from tests.factories import posting_body, profile_body

ROOT = Path(__file__).resolve().parents[2]
# Where scripts/es.sh keeps a node's data (its default; readable by the node's own user).
RUN_DIR = Path(os.environ.get("MATCHER_RUN_DIR", "/var/tmp/matcher"))  # noqa: S108


async def test_healthz_is_up(client: httpx.AsyncClient) -> None:
    resp = await client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json()["status"] == "ok"


async def test_ready_when_everything_is_up(client: httpx.AsyncClient) -> None:
    resp = await client.get("/readyz")
    assert resp.status_code == 200, resp.text
    assert resp.json()["checks"] == {"elasticsearch": "ok", "redis": "ok", "indexes": "ok"}


async def other_app(embedder: Embedder, **env: str) -> AsyncIterator[httpx.AsyncClient]:
    app: Starlette = create_app(
        Settings.from_env(make_environ(**env)),
        embedder_factory=shared_embedder(embedder),
        configure_logs=False,
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def test_not_ready_names_missing_indexes(
    client: httpx.AsyncClient, embedder: Embedder
) -> None:
    async for c in other_app(embedder, MATCHER_INDEX_PREFIX="never-created"):
        resp = await c.get("/readyz")
        assert resp.status_code == 503
        assert resp.headers["content-type"] == "application/problem+json"
        body = resp.json()
        assert body["checks"]["indexes"].startswith("missing: never-created-profiles")
        assert body["checks"]["elasticsearch"] == "ok"
        assert "indexes" in body["detail"]


async def test_not_ready_names_redis_when_it_is_down(
    client: httpx.AsyncClient, embedder: Embedder
) -> None:
    # A port where nothing listens: the app still starts and says what is wrong.
    async for c in other_app(embedder, MATCHER_REDIS_URL="redis://127.0.0.1:1/0"):
        resp = await c.get("/readyz")
        assert resp.status_code == 503
        body = resp.json()
        assert body["checks"]["redis"].startswith("down")
        assert body["checks"]["elasticsearch"] == "ok"
        assert "redis" in body["detail"]
        assert (await c.get("/healthz")).status_code == 200


async def test_an_unreachable_dependency_is_a_503_naming_it_with_retry_after(
    client: httpx.AsyncClient, embedder: Embedder, admin_headers: dict[str, str]
) -> None:
    # Ports where nothing listens: each request that needs the dependency says so.
    async for c in other_app(embedder, MATCHER_ES_URL="http://127.0.0.1:1"):
        for method, url, body in (
            ("GET", "/v1/profiles/some-profile", None),
            ("PUT", "/v1/postings/some-posting", posting_body()),
            ("POST", "/v1/search/postings", {"q": "焊工"}),
            ("POST", "/v1/profiles:batch", {"profiles": [{"id": "p-out", **profile_body()}]}),
        ):
            resp = await c.request(method, url, headers=admin_headers, json=body)
            assert resp.status_code == 503, (url, resp.text)
            assert resp.headers["content-type"] == "application/problem+json"
            assert int(resp.headers["retry-after"]) > 0
            assert "Elasticsearch" in resp.json()["detail"]
        scraped = await c.get("/metrics", headers=admin_headers)
        assert 'matcher_dependency_unavailable_total{service="Elasticsearch"} 4.0' in scraped.text
    folder = Path(make_environ()["MATCHER_IMPORT_DIR"])
    before = await asyncio.to_thread(files_in, folder)
    async for c in other_app(embedder, MATCHER_REDIS_URL="redis://127.0.0.1:1/0"):
        resp = await c.post(
            "/v1/imports?kind=profiles",
            headers={**admin_headers, "content-type": "application/x-ndjson"},
            content='{"id": "a", "title": "焊工"}\n'.encode(),
        )
        assert resp.status_code == 503, resp.text
        assert int(resp.headers["retry-after"]) > 0
        assert "Redis" in resp.json()["detail"]
    # The upload was refused whole: its file (personal data) is not left on disk.
    assert await asyncio.to_thread(files_in, folder) == before


async def test_metrics_count_requests_by_route_template_for_whoever_may_read_them(
    client: httpx.AsyncClient, embedder: Embedder, admin_headers: dict[str, str]
) -> None:
    metrics_token = "metrics-token-" + RUN_ID
    async for c in other_app(embedder, MATCHER_METRICS_TOKEN=metrics_token):
        for profile_id in ("first-unknown", "second-unknown"):
            resp = await c.get(f"/v1/profiles/{profile_id}", headers=admin_headers)
            assert resp.status_code == 404
        # No token, a wrong one or another role's: as unknown as any other path.
        for headers in ({}, {"Authorization": "Bearer wrong-token-0000000"}):
            assert (await c.get("/metrics", headers=headers)).status_code == 404
        for token in (metrics_token, admin_headers["Authorization"].split()[1]):
            scraped = await c.get("/metrics", headers={"Authorization": f"Bearer {token}"})
            assert scraped.status_code == 200
            assert scraped.headers["content-type"].startswith("text/plain")
            text = scraped.text
            assert (
                'matcher_http_requests_total{method="GET",route="/v1/profiles/{profile_id}",'
                'status="404"} 2.0' in text
            )
            assert "unknown" not in text  # ids never become labels
            assert "matcher_http_request_duration_seconds_bucket" in text
            assert "matcher_queue_depth " in text


def files_in(folder: Path) -> set[Path]:
    return set(folder.iterdir()) if folder.exists() else set()


def es_script(action: str, port: int) -> None:
    env = {**os.environ, "MATCHER_ES_PORT": str(port), "MATCHER_ES_HEAP": "512m"}
    subprocess.run(  # noqa: S603
        ["/bin/bash", str(ROOT / "scripts" / "es.sh"), action], env=env, check=True, timeout=240
    )


@pytest.mark.timeout(420)
async def test_readiness_flips_when_elasticsearch_stops_and_returns(embedder: Embedder) -> None:
    """A node of its own (port, data directory), stopped and started with the project's
    script: the shared node keeps serving the rest of the suite and a running demo."""
    port = 9400 + int(RUN_ID[:4], 16) % 200  # transport on port + 100
    await asyncio.to_thread(es_script, "start", port)
    try:
        async for c in other_app(embedder, MATCHER_ES_URL=f"http://127.0.0.1:{port}"):
            before = (await c.get("/readyz")).json()["checks"]
            assert before["elasticsearch"] == "ok"
            await asyncio.to_thread(es_script, "stop", port)
            down = await c.get("/readyz")
            assert down.status_code == 503
            body = down.json()
            assert body["checks"]["elasticsearch"].startswith("down")
            assert body["checks"]["redis"] == "ok"
            assert "elasticsearch" in body["detail"]
            assert (await c.get("/healthz")).status_code == 200
            await asyncio.to_thread(es_script, "start", port)
            deadline = time.monotonic() + 90
            while True:
                checks = (await c.get("/readyz")).json().get("checks", {})
                if checks.get("elasticsearch") == "ok" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
            assert checks["elasticsearch"] == "ok", checks
    finally:
        await asyncio.to_thread(es_script, "stop", port)
        await asyncio.to_thread(shutil.rmtree, RUN_DIR / f"es-{port}", ignore_errors=True)
