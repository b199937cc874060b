"""A worker killed (``kill -9``) in the middle of an import, twice: the import finishes by
itself from its checkpoint once a worker runs again, every valid row stored once and counted
once. The worker is a real process on the shared Redis with this run's queue."""

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from elasticsearch import AsyncElasticsearch

from matcher.demo.generate import generate_profiles
from matcher.foundation.settings import Settings
from matcher.imports.service import resume_stalled_imports, run_import
from matcher.services import Services
from tests.conftest import RUN_ID, make_environ
from workers.settings import cron_jobs

ROOT = Path(__file__).resolve().parents[2]
# Five batches (matcher.imports.service.BATCH_SIZE, 128): both kills fall inside the file.
ROWS = 640
# The counts move a batch at a time, and a batch is settled while the next one is prepared:
# 30 % and 60 % are first seen at 256 and 384 rows, each shown for a whole batch's work (a
# kill at 70 % would have to catch 512 rows, shown only while the last batch is written).
KILL_AT = (0.3, 0.6)
LEASE_S = 3


def start_worker() -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **make_environ(MATCHER_IMPORT_LEASE_S=str(LEASE_S), MATCHER_MERGE_MAX_MB="0"),
    }
    return subprocess.Popen(  # noqa: S603 — the matcher CLI of this checkout
        [str(ROOT / ".venv" / "bin" / "matcher"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def progress(client: httpx.AsyncClient, headers: dict[str, str], import_id: str) -> Any:
    resp = await client.get(f"/v1/imports/{import_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    return resp.json()


async def wait_for(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    import_id: str,
    done: int,
    timeout_s: float,
) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        status = await progress(client, headers, import_id)
        if status["rows_done"] >= done or status["state"] in ("done", "failed"):
            return status
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.3)


async def drop_orphaned_jobs(arq: ArqRedis, settings: Settings) -> list[str]:
    """Once every worker of the test is gone, the jobs they held stay queued and marked in
    progress for the longest job timeout (hours), and every later test's burst worker (which
    stops only at an empty queue) would wait for them; the killed workers' five-second sweeps
    stay queued too. Drop both and return the ids of the jobs that were left in progress. A
    real deployment has no burst worker; the next tick of a sweep is a new job."""
    sweeps = tuple(f"{job.name}:" for job in cron_jobs(settings))
    orphaned = []
    for raw in await arq.zrange(settings.queue_name, 0, -1):
        job_id = raw.decode()
        in_progress = bool(await arq.exists(f"arq:in-progress:{job_id}"))
        if in_progress:
            orphaned.append(job_id)
        if in_progress or job_id.startswith(sweeps):
            await arq.zrem(settings.queue_name, job_id)
            await arq.delete(f"arq:in-progress:{job_id}", f"arq:job:{job_id}")
    return orphaned


@pytest.mark.timeout(420)
async def test_an_import_survives_its_worker_killed_twice(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    es: AsyncElasticsearch,
    services: Services,
    arq: ArqRedis,
) -> None:
    rows = generate_profiles(ROWS, seed=int(RUN_ID[:6], 16))
    for i, row in enumerate(rows):
        row["id"] = f"recover-{RUN_ID}-{i}"
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows).encode()
    resp = await client.post(
        "/v1/imports?kind=profiles",
        headers={**admin_headers, "content-type": "application/x-ndjson"},
        content=content,
    )
    assert resp.status_code == 202, resp.text
    import_id = resp.json()["id"]
    worker = await asyncio.to_thread(start_worker)
    try:
        for share in KILL_AT:
            status = await wait_for(client, admin_headers, import_id, int(ROWS * share), 240)
            assert status["state"] == "running", status
            worker.send_signal(signal.SIGKILL)
            await asyncio.to_thread(worker.wait, 30)
            worker = await asyncio.to_thread(start_worker)
        status = await wait_for(client, admin_headers, import_id, ROWS + 1, 300)
    finally:
        worker.terminate()
        try:
            await asyncio.to_thread(worker.wait, 30)
        except subprocess.TimeoutExpired:
            worker.kill()
        # The killed runs' jobs are gone from the queue, not left marked in progress for their
        # timeout (a worker in burst mode would wait for them).
        queued = [j.decode() for j in await arq.zrange(services.settings.queue_name, 0, -1)]
        orphaned = await drop_orphaned_jobs(arq, services.settings)
    assert status["state"] == "done", status
    assert (status["rows_total"], status["rows_done"]) == (ROWS, ROWS)
    assert (status["rows_ok"], status["rows_failed"]) == (ROWS, 0), status
    assert status["errors"] == []
    found = await es.mget(
        index=services.store.indexes.profiles.read_alias, ids=[r["id"] for r in rows]
    )
    assert sum(1 for d in found["docs"] if d["found"]) == ROWS
    assert not [j for j in queued if j.startswith(f"import:{import_id}")]
    assert not [j for j in orphaned if j.startswith(f"import:{import_id}")]


STALLED: list[str] = []


@pytest.fixture(autouse=True)
async def forget_stalled(services: Services) -> AsyncIterator[None]:
    """The made-up imports go when the test ends: a later test's worker would resume them."""
    yield
    while STALLED:
        import_id = STALLED.pop()
        await services.store.imports.delete(import_id)
        await services.store.imports.untrack(services.settings.index_prefix, import_id)


async def stalled_import(services: Services, name: str, *, state: str = "running") -> str:
    """An import's state as a run killed long ago left it: no lease, an old heartbeat."""
    import_id = f"stalled-{RUN_ID}-{name}"
    STALLED.append(import_id)
    await services.store.imports.create(
        import_id,
        {
            "id": import_id,
            "state": state,
            "deployment": services.settings.index_prefix,
            "job": f"import:{import_id}",
            "created_at": "2026-01-01T00:00:00Z",
            "heartbeat_at": int(time.time()) - 3600,
        },
    )
    await services.store.imports.track(services.settings.index_prefix, import_id)
    return import_id


async def test_the_sweep_resumes_only_imports_with_no_live_run(
    services: Services, arq: ArqRedis
) -> None:
    states, jobs = services.store.imports, services.jobs
    dead = await stalled_import(services, "dead")
    leased = await stalled_import(services, "leased")
    assert await states.acquire_lease(leased, "a-live-run", 60)
    waiting = await stalled_import(services, "waiting", state="queued")
    assert await jobs.enqueue("no_such_function", job_id=f"import:{waiting}")
    fresh = await stalled_import(services, "fresh")
    await states.update(fresh, {"heartbeat_at": time.time()})  # between two slices
    ended = await stalled_import(services, "ended", state="done")
    try:
        resumed = await resume_stalled_imports(services)
        assert resumed == [dead]
        meta = await states.get(dead)
        assert meta is not None
        assert meta["job"] == f"import:{dead}:run:1"
        assert await jobs.waiting(f"import:{dead}:run:1")
        # Resumed once: the new run's job waits for a worker, so the next sweep leaves it.
        assert await resume_stalled_imports(services) == []
        assert ended not in await states.active(services.settings.index_prefix)
    finally:
        for job_id in (f"import:{dead}:run:1", f"import:{waiting}"):
            await jobs.discard(job_id)
        await states.release_lease(leased, "a-live-run")


async def test_a_run_that_lost_its_lease_cannot_move_the_checkpoint(services: Services) -> None:
    states = services.store.imports
    import_id = await stalled_import(services, "lost")
    assert await states.acquire_lease(import_id, "first-run", 60)
    assert await states.settle(import_id, "first-run", {"rows_done": 128}, ['{"row": 3}'])
    await states.release_lease(import_id, "first-run")  # as if it lapsed
    assert await states.acquire_lease(import_id, "second-run", 60)
    assert not await states.settle(import_id, "first-run", {"rows_done": 256}, ['{"row": 200}'])
    meta = await states.get(import_id)
    assert meta is not None
    assert meta["rows_done"] == "128"
    assert await states.errors(import_id, offset=0, limit=10) == ['{"row": 3}']
    await states.release_lease(import_id, "second-run")


async def test_a_damaged_import_state_fails_once_instead_of_being_resumed_forever(
    services: Services,
) -> None:
    import_id = await stalled_import(services, "damaged")  # no kind, format or principal
    assert await run_import(services, import_id=import_id) == {
        "import_id": import_id,
        "state": "failed",
    }
    meta = await services.store.imports.get(import_id)
    assert meta is not None
    assert (meta["state"], meta["failure"]) == ("failed", "DamagedState")
    assert not await services.store.imports.leased(import_id)
    assert import_id not in await services.store.imports.active(services.settings.index_prefix)
