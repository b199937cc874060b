"""An import whose worker is killed (SIGKILL) at 30 % and again at 70 %, against the same
import uninterrupted, same run.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/import_recovery.py --rows 10000
        [--downtime 5]

Generates N profiles (matcher.demo.generate) into a scratch index prefix and queue, then runs
a real worker process (``matcher worker``) on them twice: once to the end (the baseline), and
once killed at 30 % and 70 % of the rows, each time started again after ``--downtime``
seconds. Prints both times, the target (1.2 × the uninterrupted time plus the downtime) and
whether every row was stored and counted exactly once. Needs the local ES node and Redis
(scripts/services.sh start). Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from matcher.demo.generate import generate_profiles
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.imports.service import Upload, create_import
from matcher.services import Services, open_services
from workers.queue import ArqQueue

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Principal(token_id="bench", role=Role.ADMIN, subject="bench")  # noqa: S106


def worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "matcher"), "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def upload(svc: Services, content: bytes) -> str:
    async def chunks() -> AsyncIterator[bytes]:
        yield content

    status = await create_import(
        svc, principal=ADMIN, upload=Upload("profiles", "jsonl", chunks(), len(content))
    )
    return status.id


async def state(svc: Services, import_id: str) -> dict[str, str]:
    return await svc.store.imports.get(import_id) or {}


def done_at_least(rows: float) -> Callable[[dict[str, str]], bool]:
    return lambda s: int(s.get("rows_done", 0)) >= rows


async def until(svc: Services, import_id: str, reached: Callable[[dict[str, str]], bool]) -> None:
    """Poll the import's state (a poll, not an event: the worker is another process)."""
    for _ in range(100_000):
        if reached(await state(svc, import_id)):
            return
        await asyncio.sleep(0.2)
    raise TimeoutError("the import never got there")


async def run(
    svc: Services,
    env: dict[str, str],
    content: bytes,
    rows: int,
    kills: tuple[float, ...],
    downtime: float,
) -> tuple[float, dict[str, str], list[float]]:
    """The import's wall time, its final state, and per kill the seconds from the kill to the
    first batch the resumed run settled (downtime, worker start, lease, sweep, redone rows)."""
    import_id = await upload(svc, content)
    started = time.monotonic()
    process = worker(env)
    recoveries = []
    try:
        for share in kills:
            await until(svc, import_id, done_at_least(rows * share))
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed_at = time.monotonic()
            checkpoint = int((await state(svc, import_id)).get("rows_done", 0))
            await asyncio.sleep(downtime)
            process = worker(env)
            await until(svc, import_id, done_at_least(checkpoint + 1))
            recoveries.append(time.monotonic() - killed_at)
        await until(svc, import_id, lambda s: s.get("state") in ("done", "failed"))
    finally:
        process.terminate()
        process.wait()
    return time.monotonic() - started, await state(svc, import_id), recoveries


async def main(rows: int, downtime: float, seed: int) -> None:
    prefix = f"bench-recover-{os.getpid()}"
    env = {
        **os.environ,
        "MATCHER_INDEX_PREFIX": prefix,
        "MATCHER_QUEUE_NAME": f"{prefix}:queue",
        "MATCHER_MERGE_MAX_MB": "0",
    }
    records = generate_profiles(rows, seed)
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in records).encode()
    with tempfile.TemporaryDirectory() as tmp:
        env["MATCHER_IMPORT_DIR"] = tmp
        settings = Settings.from_env(env)
        async with open_services(settings, ArqQueue) as svc:
            await svc.store.ensure_indexes()
            try:
                plain, plain_state, _ = await run(svc, env, content, rows, (), downtime)
                killed, killed_state, recoveries = await run(
                    svc, env, content, rows, (0.3, 0.7), downtime
                )
                count = await svc.store.es.count(index=svc.store.indexes.profiles.read_alias)
            finally:
                await svc.store.drop_all()
    lease = settings.import_lease_s
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )
    print(f"rows: {rows}; lease {lease} s; downtime after each kill {downtime:.0f} s")
    print(f"  uninterrupted: {plain:7.1f} s  rows_ok {plain_state.get('rows_ok')}")
    print(
        f"  killed at 30 % and 70 %: {killed:7.1f} s  rows_ok {killed_state.get('rows_ok')}, "
        f"rows_failed {killed_state.get('rows_failed')}, state {killed_state.get('state')}"
    )
    print(
        "  from each kill to the resumed run's first settled batch: "
        + ", ".join(f"{r:.1f} s" for r in recoveries)
    )
    target = 1.2 * plain + 2 * downtime
    print(
        f"  target 1.2 × uninterrupted + downtime: {target:.1f} s — "
        f"{'met' if killed <= target else 'not met'}"
    )
    print(f"  profiles stored (both runs write the same ids): {count['count']}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--downtime", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.downtime, args.seed))
