"""Loading profiles through the API: one PUT per record against ``POST /v1/profiles:batch``.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/batch_writes.py [--records 500]
        [--batch 100,500] [--clients 1,8]

A real ``matcher serve`` process (one uvicorn worker) on a scratch index prefix, dropped at
the end; loopback only. The records are generated profiles (``matcher.demo.generate``), each
written once per way, with new ids each time, as an admin (no rate limit). Ways: single PUTs
from 1 and from 8 concurrent clients (each PUT waits for its refresh, as the service does for
every write a person waits for), and batches of each ``--batch`` size sent one after another.
Prints records per second and the time per request, with date and machine; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from load import HEADERS, PORT, scratch_env, serve

from matcher.demo.generate import generate_profiles
from matcher.foundation.settings import Settings
from matcher.migrations.service import prepare_indexes
from matcher.services import open_services
from workers.queue import ArqQueue


def records(count: int, way: str) -> list[dict[str, Any]]:
    found = generate_profiles(count, 7)
    for i, r in enumerate(found):
        r["id"] = f"bw-{way}-{i:05d}"
    return found


async def singles(c: httpx.AsyncClient, batch: list[dict[str, Any]], clients: int) -> list[float]:
    queue = list(batch)
    times: list[float] = []

    async def client() -> None:
        while queue:
            record = dict(queue.pop())
            record_id = record.pop("id")
            started = time.perf_counter()
            resp = await c.put(f"/v1/profiles/{record_id}", json=record)
            times.append(time.perf_counter() - started)
            if resp.status_code not in (200, 201):
                raise RuntimeError(f"PUT answered {resp.status_code}: {resp.text[:200]}")

    await asyncio.gather(*(client() for _ in range(clients)))
    return times


async def batches(c: httpx.AsyncClient, batch: list[dict[str, Any]], size: int) -> list[float]:
    times: list[float] = []
    for start in range(0, len(batch), size):
        started = time.perf_counter()
        resp = await c.post("/v1/profiles:batch", json={"profiles": batch[start : start + size]})
        times.append(time.perf_counter() - started)
        answer = resp.json()
        if resp.status_code != 200 or answer["failed"]:
            raise RuntimeError(f"batch answered {resp.status_code}: {resp.text[:300]}")
    return times


async def main(args: argparse.Namespace) -> None:
    env = scratch_env("writes")
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}; {args.records} generated "
        "profiles per way, one API process"
    )
    async with open_services(Settings.from_env(env), ArqQueue) as svc:
        try:
            await prepare_indexes(svc)
            process = await serve(env)
            try:
                async with httpx.AsyncClient(
                    base_url=f"http://127.0.0.1:{PORT}", headers=HEADERS, timeout=600
                ) as c:
                    await singles(c, records(10, "warm"), 1)  # model and pools warm
                    ways: list[tuple[str, str, Any]] = []
                    for n in args.clients:
                        ways.append((f"single PUTs, {n} client(s)", f"p{n}", ("single", n)))
                    for size in args.batch:
                        ways.append((f"batches of {size}", f"b{size}", ("batch", size)))
                    for label, key, (kind, n) in ways:
                        batch = records(args.records, key)
                        started = time.perf_counter()
                        if kind == "single":
                            times = await singles(c, batch, n)
                        else:
                            times = await batches(c, batch, n)
                        wall = time.perf_counter() - started
                        print(
                            f"  {label:<26} {len(batch) / wall:7.1f} records/s; per request "
                            f"median {statistics.median(times) * 1000:8.1f} ms, "
                            f"max {max(times) * 1000:8.1f} ms ({len(times)} requests)"
                        )
            finally:
                process.terminate()
                process.wait(30)
        finally:
            await svc.store.drop_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=500)
    parser.add_argument(
        "--batch", type=lambda s: [int(x) for x in s.split(",")], default=[100, 500]
    )
    parser.add_argument("--clients", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8])
    asyncio.run(main(parser.parse_args()))
