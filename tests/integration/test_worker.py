"""The arq worker runs jobs end to end through the real Redis, with JSON serialisation."""

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.jobs import Job, JobResult, JobStatus
from redis.asyncio import Redis

from matcher.embeddings import Embedder
from matcher.foundation.settings import Settings
from matcher.services import Services
from tests.conftest import RUN_ID, make_environ, shared_embedder
from workers import jobs
from workers.queue import job_deserializer, job_serializer
from workers.settings import create_worker

ROOT = Path(__file__).resolve().parents[2]


async def run_burst(settings: Settings, embedder: Embedder, *, timeout_s: float = 45) -> None:
    """Run the queue's jobs in this process until the queue is empty. A burst worker stops
    only at an empty queue, so a job another test left marked in progress (a killed worker's)
    would hold it for that job's lock: fail then, naming what is queued, rather than time out
    without a word."""
    worker = create_worker(
        settings, burst=True, embedder_factory=shared_embedder(embedder), handle_signals=False
    )
    try:
        await asyncio.wait_for(worker.async_run(), timeout_s)
    except TimeoutError:
        pytest.fail(f"the burst worker did not empty the queue: {await queued(settings)}")
    finally:
        await worker.close()


async def queued(settings: Settings) -> list[str]:
    """The queue's jobs: id, seconds until due, and whether a worker holds it."""
    pool = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        now_ms = time.time() * 1000
        jobs = []
        for raw, score in await pool.zrange(settings.queue_name, 0, -1, withscores=True):
            job_id = raw.decode()
            held = await pool.exists(f"arq:in-progress:{job_id}")
            jobs.append(f"{job_id} due {(score - now_ms) / 1000:+.0f}s{' held' if held else ''}")
        return jobs
    finally:
        await pool.aclose()


async def test_health_job_runs_end_to_end(
    services: Services, settings: Settings, embedder: Embedder, redis: Redis, arq: ArqRedis
) -> None:
    job = await arq.enqueue_job("health_check", _job_id=f"health-e2e-{RUN_ID}")
    assert job is not None
    # Jobs are stored as JSON, never pickle.
    raw = await redis.get(f"arq:job:{job.job_id}")
    assert raw is not None
    assert json.loads(raw)["f"] == "health_check"

    await run_burst(settings, embedder)

    result = await job.result(timeout=10)
    assert result["status"] == "ok"
    assert result["checks"] == {"elasticsearch": "ok", "redis": "ok", "indexes": "ok"}
    assert result["embedder"] == embedder.model_id
    assert await job.status() == JobStatus.complete


def scraped(text: str, series: str, **labels: str) -> float:
    """A counter's value in a /metrics page (0 when absent)."""
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{series}{{{inner}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_the_workers_figures_reach_the_apis_metrics(
    services: Services,
    settings: Settings,
    embedder: Embedder,
    arq: ArqRedis,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
) -> None:
    before = (await client.get("/metrics", headers=admin_headers)).text
    health = {"function": "health_check", "outcome": "complete"}
    done = scraped(before, "matcher_worker_jobs_total", **health)
    job = await arq.enqueue_job("health_check", _job_id=f"health-metrics-{RUN_ID}")
    assert job is not None
    await run_burst(settings, embedder)
    page = await client.get("/metrics", headers=admin_headers)
    assert page.status_code == 200
    after = scraped(
        page.text, "matcher_worker_jobs_total", function="health_check", outcome="complete"
    )
    assert after == done + 1
    # Every series is declared even before anything counted in it.
    for series in ("matcher_import_rows_total", "matcher_alert_deliveries_total"):
        assert f"# TYPE {series} counter" in page.text


async def test_a_job_id_deduplicates_enqueues(
    services: Services, settings: Settings, embedder: Embedder, arq: ArqRedis
) -> None:
    first = await arq.enqueue_job("health_check", _job_id=f"health-dedup-{RUN_ID}")
    second = await arq.enqueue_job("health_check", _job_id=f"health-dedup-{RUN_ID}")
    assert first is not None
    assert second is None
    await run_burst(settings, embedder)
    # Kept results also block a replay of the same id.
    assert await arq.enqueue_job("health_check", _job_id=f"health-dedup-{RUN_ID}") is None
    info = await Job(
        f"health-dedup-{RUN_ID}",
        arq,
        _queue_name=settings.queue_name,
        _deserializer=job_deserializer,
    ).info()
    assert isinstance(info, JobResult)
    assert info.success


async def test_the_reflag_job_runs_in_the_worker(
    services: Services, settings: Settings, embedder: Embedder, arq: ArqRedis
) -> None:
    job = await arq.enqueue_job("reflag_incentives", _job_id=f"reflag-{RUN_ID}")
    assert job is not None
    await run_burst(settings, embedder)
    result = await job.result(timeout=10)
    assert set(result) == {"scanned", "changed", "skipped"}
    # It read every posting of this deployment's index.
    count = await services.store.es.count(index=services.store.indexes.postings.read_alias)
    assert result["scanned"] == count["count"]


async def test_the_merge_job_runs_in_the_worker(
    services: Services, settings: Settings, embedder: Embedder, arq: ArqRedis
) -> None:
    job = await arq.enqueue_job("merge_segments", _job_id=f"merge-{RUN_ID}")
    assert job is not None
    await run_burst(settings, embedder)
    result = await job.result(timeout=60)
    assert result["off"] is False
    # Every concrete index behind the matching read aliases was looked at, and each merged one
    # is down to one segment.
    expected = set()
    for name in ("profiles", "postings"):
        expected |= set(
            await services.store.es.indices.get_alias(
                name=getattr(services.store.indexes, name).read_alias
            )
        )
    assert {r["index"] for r in result["merged"]} == expected
    assert all(r["segments_after"] <= 1 for r in result["merged"] if r["skipped"] is None)

    off = settings.model_copy(update={"merge_max_mb": 0})
    job = await arq.enqueue_job("merge_segments", _job_id=f"merge-off-{RUN_ID}")
    assert job is not None
    await run_burst(off, embedder)
    assert await job.result(timeout=10) == {"merged": [], "off": True}


async def test_a_merge_longer_than_its_wait_queues_its_continuation(
    services: Services, arq: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Profiles in several segments (one per refreshed write), and no time to wait for them.
    profiles = services.store.indexes.profiles
    for i in range(2):
        await services.store.es.index(
            index=profiles.write_alias,
            id=f"merge-wait-{RUN_ID}-{i}",
            document={"title": "焊工", "region_code": "659999"},
            refresh=True,
        )
    monkeypatch.setattr(jobs, "MERGE_WAIT_S", 0)
    result: dict[str, Any] = {}
    try:
        result = await jobs.merge_segments({"services": services})
        assert result["continued"], result
        assert any(r["pending"] for r in result["merged"])
        # The continuation is queued a minute from now, not run at once in a loop.
        score = await arq.zscore(services.settings.queue_name, result["continued"])
        assert score is not None
        # (arq rounds its enqueue time to the millisecond: up to half of one later than now)
        assert 30 < score / 1000 - time.time() <= jobs.MERGE_CONTINUE_AFTER_S + 0.01
    finally:
        if result.get("continued"):
            await services.jobs.discard(result["continued"])
        for i in range(2):
            await services.store.es.delete(
                index=profiles.write_alias, id=f"merge-wait-{RUN_ID}-{i}", refresh=True
            )


def _redis_script(action: str, port: int, run_dir: Path) -> None:
    env = {**os.environ, "MATCHER_REDIS_PORT": str(port), "MATCHER_RUN_DIR": str(run_dir)}
    subprocess.run(  # noqa: S603
        ["/bin/bash", str(ROOT / "scripts" / "redis.sh"), action], env=env, check=True, timeout=60
    )


async def _finished(pool: ArqRedis, job_id: str, queue: str, timeout_s: float) -> bool:
    job = Job(job_id, pool, _queue_name=queue, _deserializer=job_deserializer)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await job.status() == JobStatus.complete:
            return True
        await asyncio.sleep(0.5)
    return False


@pytest.mark.timeout(240)
async def test_the_worker_survives_redis_going_away_and_coming_back(tmp_path: Path) -> None:
    # A Redis of its own (the shared one serves the rest of the suite), stopped under the
    # running worker process and started again.
    port = 6390 + int(RUN_ID[:4], 16) % 200
    await asyncio.to_thread(_redis_script, "start", port, tmp_path)
    env = {
        **os.environ,
        **make_environ(MATCHER_REDIS_URL=f"redis://127.0.0.1:{port}/0"),
        "MATCHER_MERGE_MAX_MB": "0",
    }
    queue = env["MATCHER_QUEUE_NAME"]
    worker = await asyncio.to_thread(
        subprocess.Popen,  # the matcher CLI of this checkout
        [str(ROOT / ".venv" / "bin" / "matcher"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pool: ArqRedis | None = None
    try:
        settings = RedisSettings(port=port)
        pool = await create_pool(settings, default_queue_name=queue, job_serializer=job_serializer)
        await pool.enqueue_job("health_check", _job_id=f"before-{RUN_ID}")
        assert await _finished(pool, f"before-{RUN_ID}", queue, 120), "the worker never ran"
        await pool.aclose()
        await asyncio.to_thread(_redis_script, "stop", port, tmp_path)
        await asyncio.sleep(5)
        assert worker.poll() is None, "the worker exited when Redis went away"
        await asyncio.to_thread(_redis_script, "start", port, tmp_path)
        pool = await create_pool(settings, default_queue_name=queue, job_serializer=job_serializer)
        await pool.enqueue_job("health_check", _job_id=f"after-{RUN_ID}")
        assert await _finished(pool, f"after-{RUN_ID}", queue, 90), (
            "no job ran after Redis returned"
        )
        assert worker.poll() is None
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        if pool is not None:
            await pool.aclose()
        await asyncio.to_thread(_redis_script, "stop", port, tmp_path)
