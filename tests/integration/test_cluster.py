"""The service on a three-node Elasticsearch cluster (scripts/es-cluster.sh, its own ports and
data directory): with one node killed under a write and read load, no acknowledged write is
lost, reads keep answering while the cluster is yellow, and the node rejoins."""

import asyncio
import os
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast

import httpx
import pytest
from starlette.applications import Starlette

from matcher.api.app import create_app
from matcher.embeddings import Embedder
from matcher.foundation.settings import Settings
from matcher.migrations.service import prepare_indexes
from matcher.services import Services
from tests.conftest import ADMIN_TOKEN, RUN_ID, make_environ, shared_embedder
from tests.factories import posting_body

ROOT = Path(__file__).resolve().parents[2]
BASE = int(os.environ.get("MATCHER_TEST_CLUSTER_PORT", "9730"))  # transport on BASE + 100
URLS = [f"http://127.0.0.1:{BASE + n}" for n in range(3)]
PREFIX = f"test-{RUN_ID}-cluster"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
# The load: writes and reads before the kill, and after it until the node is back.
BEFORE_S, AFTER_S = 3.0, 8.0


def cluster(*args: str) -> None:
    env = {**os.environ, "MATCHER_ES_CLUSTER_PORT": str(BASE)}
    subprocess.run(  # noqa: S603 — the project's own script
        ["/bin/bash", str(ROOT / "scripts" / "es-cluster.sh"), *args],
        env=env,
        check=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def three_nodes() -> Iterator[None]:
    cluster("start")
    try:
        yield
    finally:
        cluster("destroy")


@asynccontextmanager
async def service(embedder: Embedder) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    settings = Settings.from_env(
        make_environ(
            MATCHER_ES_URL=",".join(URLS),
            MATCHER_INDEX_PREFIX=PREFIX,
            MATCHER_QUEUE_NAME=f"test:{RUN_ID}:cluster:queue",
            MATCHER_RATE_LIMIT_PER_MINUTE="0",
        )
    )
    app: Starlette = create_app(
        settings, embedder_factory=shared_embedder(embedder), configure_logs=False
    )
    async with app.router.lifespan_context(app):
        svc: Services = app.state.services
        await prepare_indexes(svc)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cluster") as client:
            yield client, svc


async def health(svc: Services, **wait: str) -> dict[str, object]:
    resp = await svc.store.es.cluster.health(timeout="60s", **wait)  # type: ignore[arg-type]
    return dict(resp.body)


@pytest.mark.timeout(420)
async def test_a_node_killed_under_load_loses_no_acknowledged_write(
    three_nodes: None, embedder: Embedder
) -> None:
    async with service(embedder) as (client, svc):
        # One shard, replicas "0-1" (the default layout): on three nodes every index keeps
        # one replica, so each shard lives on two nodes.
        assert (await health(svc, wait_for_status="green"))["status"] == "green"
        postings = svc.store.indexes.postings.read_alias
        shards = cast(
            list[dict[str, str]],
            (await svc.store.es.cat.shards(index=postings, format="json")).body,
        )
        assert len(shards) == 2
        assert len({s["node"] for s in shards}) == 2
        # The node killed is the one holding the postings' primary: writes must fail over.
        primary = next(s["node"] for s in shards if s["prirep"] == "p")
        victim = primary.rsplit("-", 1)[1]

        acknowledged: dict[str, str] = {}
        refused_writes: list[int] = []
        reads: list[int] = []
        stop = asyncio.Event()

        async def write(writer: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                posting_id, title = f"cluster-{writer}-{n}", f"焊工（集群写入 {writer}-{n}）"
                resp = await client.put(
                    f"/v1/postings/{posting_id}",
                    headers=ADMIN,
                    json=posting_body(enterprise_id="ent-cluster", title=title),
                )
                if resp.status_code in (200, 201):
                    acknowledged[posting_id] = title
                else:
                    assert resp.status_code == 503, resp.text  # never a 500
                    refused_writes.append(resp.status_code)

        async def read() -> None:
            while not stop.is_set():
                ids = list(acknowledged)
                if not ids:
                    await asyncio.sleep(0.05)
                    continue
                pick = ids[len(reads) % len(ids)]
                got = await client.get(f"/v1/postings/{pick}", headers=ADMIN)
                found = await client.post(
                    "/v1/search/postings", headers=ADMIN, json={"q": "焊工", "limit": 5}
                )
                reads.extend([got.status_code, found.status_code])

        load = [asyncio.create_task(write(w)) for w in range(3)] + [asyncio.create_task(read())]
        await asyncio.sleep(BEFORE_S)
        before_kill = len(acknowledged)
        await asyncio.to_thread(cluster, "kill", victim)
        killed_at = time.monotonic()
        await asyncio.sleep(AFTER_S)
        down = await health(svc, wait_for_nodes="2")
        stop.set()
        await asyncio.gather(*load)

        assert down["number_of_nodes"] == 2
        assert down["status"] in ("yellow", "green"), down  # readable with a node down
        assert len(acknowledged) > before_kill, "writes went on after the kill"
        # Reads kept answering: every GET and search during the run was a 200.
        assert reads
        assert set(reads) == {200}, {s: reads.count(s) for s in set(reads)}
        # No acknowledged write was lost: each is there, as written, with a node still down.
        for posting_id, title in acknowledged.items():
            got = await client.get(f"/v1/postings/{posting_id}", headers=ADMIN)
            assert got.status_code == 200, (posting_id, got.text)
            assert got.json()["title"] == title

        # The node comes back and rejoins; the cluster heals.
        await asyncio.to_thread(cluster, "start-node", victim)
        back = await health(svc, wait_for_nodes="3", wait_for_status="green")
        assert (back["number_of_nodes"], back["status"]) == (3, "green")
        print(
            f"cluster: {len(acknowledged)} writes acknowledged ({before_kill} before the kill, "
            f"{len(refused_writes)} answered 503), {len(reads)} reads all 200, "
            f"node {victim} (the postings' primary) rejoined "
            f"{time.monotonic() - killed_at:.0f} s after the kill"
        )
