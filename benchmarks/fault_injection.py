"""Faults injected into a running service, each on loopback and on components of its own, with
the figures that say whether anything was lost, half done or answered 500.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fault_injection.py
        [--only es,redis,cluster,import] [--seconds 30] [--rows 10000] [--sweep-wait 660]

- ``es`` (defect 3): a single Elasticsearch node of its own (scripts/es.sh on another port)
  stopped for a while under a PUT load on the API; every answer is counted by status, every
  503 must carry Retry-After, and every acknowledged write is read back once the node is back.
- ``redis`` (defects 2 and 4): a Redis of its own (scripts/redis.sh on another port) stopped
  while a real worker process runs and while the API takes an incentive policy and an import
  upload; the worker must still be alive and run the jobs queued after Redis returns, the
  policy written while the queue was out must be re-flagged by the sweep, and the refused
  upload must leave no file behind.
- ``cluster`` (item 18): three nodes (scripts/es-cluster.sh on other ports); the node holding
  the postings' primary is killed under writes and reads, and started again.
- ``import`` (defect 1): benchmarks/import_recovery.py at full size (a worker killed at 30 %
  and 70 % of the rows).

Needs the shared Redis (scripts/services.sh start) only for ``import``. Prints figures with
date and machine; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import platform
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import httpx
from starlette.applications import Starlette

from matcher.api.app import create_app
from matcher.foundation.settings import Settings
from matcher.migrations.service import prepare_indexes
from matcher.services import Services

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
TOKEN = secrets.token_hex(16)
ADMIN = {"Authorization": f"Bearer {TOKEN}"}
ES_PORT, REDIS_PORT, CLUSTER_PORT = 9650, 6490, 9760


def script(name: str, *args: str, **env: str) -> None:
    subprocess.run(  # noqa: S603 — the project's own scripts
        ["/bin/bash", str(SCRIPTS / name), *args],
        env={**os.environ, **env},
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def environ(**overrides: str) -> dict[str, str]:
    base = {
        **{k: v for k, v in os.environ.items() if k.startswith("MATCHER_")},
        "MATCHER_ADMIN_TOKEN": TOKEN,
        "MATCHER_INDEX_PREFIX": f"bench-faults-{os.getpid()}",
        "MATCHER_QUEUE_NAME": f"bench-faults-{os.getpid()}:queue",
        "MATCHER_RATE_LIMIT_PER_MINUTE": "0",
    }
    return base | overrides


@asynccontextmanager
async def api(
    env: dict[str, str], *, prepare: bool = True
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    """The API in this process (its own embedder, closed with it)."""
    app: Starlette = create_app(Settings.from_env(env), configure_logs=False)
    async with app.router.lifespan_context(app):
        svc: Services = app.state.services
        if prepare:
            await prepare_indexes(svc)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client, svc


def posting(n: int) -> dict[str, Any]:
    today = date.today()
    return {
        "enterprise_id": "ent-bench",
        "enterprise_name": "包头钢铁（集团）有限责任公司",
        "title": f"焊工（故障注入 {n}）",
        "description": "负责压力容器及管道焊接。",
        "occupation_code": "6-18-02-04",
        "headcount": 2,
        "wage_min": 8000,
        "wage_max": 12000,
        "region_code": "150203",
        "valid_from": (today - timedelta(days=1)).isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
    }


async def put_load(
    client: httpx.AsyncClient, stop: asyncio.Event, tag: str, writers: int = 3
) -> tuple[dict[str, str], Counter[str]]:
    """Writers putting new postings until ``stop``: the acknowledged ids → titles, and every
    answer by status (a 503 without Retry-After counted apart)."""
    acknowledged: dict[str, str] = {}
    answers: Counter[str] = Counter()

    async def write(w: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            body = posting(n)
            resp = await client.put(f"/v1/postings/{tag}-{w}-{n}", headers=ADMIN, json=body)
            status = str(resp.status_code)
            if resp.status_code == 503 and not resp.headers.get("retry-after"):
                status = "503 without Retry-After"
            answers[status] += 1
            if resp.status_code in (200, 201):
                acknowledged[f"{tag}-{w}-{n}"] = body["title"]
            elif resp.status_code == 503:
                await asyncio.sleep(0.2)

    await asyncio.gather(*(write(w) for w in range(writers)))
    return acknowledged, answers


async def read_back(client: httpx.AsyncClient, acknowledged: dict[str, str]) -> int:
    """Acknowledged writes that are missing or differ."""
    lost = 0
    for posting_id, title in acknowledged.items():
        got = await client.get(f"/v1/postings/{posting_id}", headers=ADMIN)
        lost += got.status_code != 200 or got.json().get("title") != title
    return lost


async def es_outage(seconds: float) -> None:
    await asyncio.to_thread(script, "es.sh", "start", MATCHER_ES_PORT=str(ES_PORT))
    env = environ(MATCHER_ES_URL=f"http://127.0.0.1:{ES_PORT}")
    try:
        async with api(env) as (client, svc):
            stop = asyncio.Event()
            load = asyncio.create_task(put_load(client, stop, "es"))
            await asyncio.sleep(seconds / 3)
            await asyncio.to_thread(script, "es.sh", "stop", MATCHER_ES_PORT=str(ES_PORT))
            down_at = time.monotonic()
            await asyncio.sleep(seconds / 3)
            await asyncio.to_thread(script, "es.sh", "start", MATCHER_ES_PORT=str(ES_PORT))
            outage = time.monotonic() - down_at
            await asyncio.sleep(seconds / 3)
            stop.set()
            acknowledged, answers = await load
            lost = await read_back(client, acknowledged)
            await svc.store.drop_all()
    finally:
        await asyncio.to_thread(script, "es.sh", "stop", MATCHER_ES_PORT=str(ES_PORT))
    print(f"es: node stopped for {outage:.0f} s of a {seconds:.0f} s PUT load (3 writers)")
    print(f"  answers by status: {dict(sorted(answers.items()))}")
    print(f"  acknowledged writes: {len(acknowledged)}; lost or changed: {lost}")


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 — the matcher CLI of this checkout
        [str(ROOT / ".venv" / "bin" / "matcher"), "worker"],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def redis_outage(seconds: float, sweep_wait: float) -> None:
    redis_env = {"MATCHER_REDIS_PORT": str(REDIS_PORT)}
    await asyncio.to_thread(script, "redis.sh", "start", **redis_env)
    with tempfile.TemporaryDirectory() as uploads:
        env = environ(
            MATCHER_REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0", MATCHER_IMPORT_DIR=uploads
        )
        process = worker(env)
        try:
            async with api(env) as (client, svc):
                await asyncio.sleep(15)  # the worker loads its embedder
                await asyncio.to_thread(script, "redis.sh", "stop", **redis_env)
                down_at = time.monotonic()
                # Written while the queue is out: the policy (its re-flag goes to the outbox)
                # and an upload (refused whole).
                policy = await client.put(
                    "/v1/incentives/bench-faults", headers=ADMIN, json=policy_body()
                )
                upload = await client.post(
                    "/v1/imports?kind=profiles",
                    headers={**ADMIN, "content-type": "application/x-ndjson"},
                    content=b'{"id": "a", "title": "\\u710a\\u5de5"}\n',
                )
                left = await asyncio.to_thread(lambda: sorted(Path(uploads).iterdir()))
                await asyncio.sleep(seconds)
                await asyncio.to_thread(script, "redis.sh", "start", **redis_env)
                outage = time.monotonic() - down_at
                # The policy's version is newer than the last finished re-flag: the outbox
                # holds it (the re-flag marker lives in Redis, so this is read once it is back).
                recorded = await behind(svc)
                alive_after_outage = process.poll() is None
                job = await svc.jobs.enqueue("health_check", job_id=f"bench-health-{time.time()}")
                ran = await wait_for_queue_empty(svc, 120)
                reflagged = await wait_reflagged(svc, sweep_wait)
                await svc.store.drop_all()
        finally:
            process.terminate()
            process.wait(30)
            await asyncio.to_thread(script, "redis.sh", "stop", **redis_env)
    print(f"redis: stopped for {outage:.0f} s under a running worker")
    print(
        f"  worker alive after the outage: {alive_after_outage}; a job queued after it ran: "
        f"{job and ran}"
    )
    swept = (
        "not within the wait" if reflagged is None else f"{reflagged:.0f} s after Redis returned"
    )
    print(
        f"  incentive PUT while Redis was out: {policy.status_code}; its re-flag held in the "
        f"outbox: {recorded}; re-flagged by the sweep: {swept}"
    )
    print(
        f"  import upload while Redis was out: {upload.status_code} "
        f"(Retry-After {upload.headers.get('retry-after')}); files left: {len(left)}"
    )


def policy_body() -> dict[str, Any]:
    today = date.today()
    return {
        "name": "故障注入测试津贴",
        "authority": "自治区人力资源和社会保障厅",
        "valid_from": (today - timedelta(days=1)).isoformat(),
        "valid_until": (today + timedelta(days=365)).isoformat(),
        "benefits": [{"kind": "monthly_allowance", "unit": "yuan_per_month", "amount": 100}],
        "eligibility": {"area": "listed", "county_codes": ["152923"]},
    }


async def wait_for_queue_empty(svc: Services, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await svc.store.queue_depth(svc.settings.queue_name) == 0:
            return True
        await asyncio.sleep(1)
    return False


async def behind(svc: Services) -> bool:
    """A policy version was recorded after the last finished re-flag (the outbox holds it)."""
    docs = await svc.store.incentives.latest_versions()
    stamps = [datetime.fromisoformat(str(d["recorded_at"])) for d in docs if d.get("recorded_at")]
    done = await svc.store.incentives.reflagged_through()
    return bool(stamps) and (done is None or datetime.fromisoformat(done) < max(stamps))


async def wait_reflagged(svc: Services, timeout_s: float) -> float | None:
    """Seconds until the worker's sweep (every ten minutes) re-flagged; None if it did not."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if not await behind(svc):
            return time.monotonic() - started
        await asyncio.sleep(5)
    return None


async def cluster_node_loss(seconds: float) -> None:
    ports = {"MATCHER_ES_CLUSTER_PORT": str(CLUSTER_PORT)}
    await asyncio.to_thread(script, "es-cluster.sh", "start", **ports)
    urls = ",".join(f"http://127.0.0.1:{CLUSTER_PORT + n}" for n in range(3))
    try:
        async with api(environ(MATCHER_ES_URL=urls)) as (client, svc):
            postings = svc.store.indexes.postings.read_alias
            shards: list[dict[str, str]] = list(
                (await svc.store.es.cat.shards(index=postings, format="json")).body  # type: ignore[arg-type]
            )
            victim = next(s["node"] for s in shards if s["prirep"] == "p").rsplit("-", 1)[1]
            stop = asyncio.Event()
            reads: Counter[int] = Counter()

            async def read() -> None:
                while not stop.is_set():
                    found = await client.post(
                        "/v1/search/postings", headers=ADMIN, json={"q": "焊工", "limit": 5}
                    )
                    reads[found.status_code] += 1

            load = asyncio.create_task(put_load(client, stop, "cluster"))
            reader = asyncio.create_task(read())
            await asyncio.sleep(seconds / 3)
            await asyncio.to_thread(script, "es-cluster.sh", "kill", victim, **ports)
            killed_at = time.monotonic()
            await asyncio.sleep(seconds / 3)
            health = (await svc.store.es.cluster.health()).body
            await asyncio.to_thread(script, "es-cluster.sh", "start-node", victim, **ports)
            await svc.store.es.cluster.health(wait_for_nodes="3", timeout="120s")
            rejoined = time.monotonic() - killed_at
            await asyncio.sleep(seconds / 3)
            stop.set()
            acknowledged, answers = await load
            await reader
            green = (
                await svc.store.es.cluster.health(wait_for_status="green", timeout="120s")
            ).body
            healed = time.monotonic() - killed_at
            lost = await read_back(client, acknowledged)
            await svc.store.drop_all()
    finally:
        await asyncio.to_thread(script, "es-cluster.sh", "destroy", **ports)
    print(
        f"cluster: node {victim} (the postings' primary) killed in a {seconds:.0f} s load "
        "(3 writers, 1 reader)"
    )
    print(f"  with the node down: {health['status']}, {health['number_of_nodes']} nodes")
    print(f"  write answers: {dict(sorted(answers.items()))}; read answers: {dict(reads)}")
    print(f"  acknowledged writes: {len(acknowledged)}; lost or changed: {lost}")
    print(
        f"  node rejoined {rejoined:.0f} s after the kill; cluster {green['status']} after "
        f"{healed:.0f} s"
    )


def import_kill(rows: int) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "benchmarks" / "import_recovery.py"), "--rows", str(rows)],
        check=True,
        timeout=3600,
    )


async def main(only: list[str], seconds: float, rows: int, sweep_wait: float) -> None:
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )
    # The service's warnings (one per request refused while a dependency is out) would bury
    # the figures.
    logging.getLogger("matcher").setLevel(logging.ERROR)
    if "es" in only:
        await es_outage(seconds)
    if "redis" in only:
        await redis_outage(seconds, sweep_wait)
    if "cluster" in only:
        await cluster_node_loss(seconds)
    if "import" in only:
        await asyncio.to_thread(import_kill, rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="es,redis,cluster,import")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--sweep-wait", type=float, default=660.0)
    args = parser.parse_args()
    asyncio.run(main(args.only.split(","), args.seconds, args.rows, args.sweep_wait))
