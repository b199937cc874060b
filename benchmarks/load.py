"""The API over HTTP under a mixed load, at concurrency 1, 8 and 32: throughput and latency
per route, and the API process's memory.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/load.py --profiles 10000
        [--postings 300] [--seconds 20] [--concurrency 1,8,32] [--unique-queries] [--ab-cache]

The mix (issue 19): 40 % posting → candidates (``GET /v1/postings/{id}/matches?limit=50``),
20 % profile → postings (``GET /v1/profiles/{id}/matches?limit=50``), 40 % text searches
(``POST /v1/search/postings``, ``limit=20``) drawn from 60 everyday trade phrasings, so texts
repeat as they do at a desk; ``--unique-queries`` makes every search text new (a number
appended), which no cache can help. The profiles are synthesised as in
``benchmarks/match_latency.py`` (a prepared sample of generated profiles, copied with perturbed
vectors, bulk-indexed and merged to one segment); the postings are generated and prepared as
the API would. The API is a real ``matcher serve`` process (one uvicorn worker) on a scratch
index prefix, dropped at the end. Loopback only; every level runs ``--seconds``; the client
runs in this process. ``--ab-cache`` runs two API processes, one with the query-vector cache
(``MATCHER_QUERY_CACHE_SIZE``, 4096) and one without (0), and alternates between them in four
slices per level (on, off, on, off), so both arms see the same machine. Prints figures with
date and machine; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from match_latency import Corpus, fill, make_postings, make_sample

from matcher.foundation.settings import Settings
from matcher.migrations.service import prepare_indexes
from matcher.services import open_services
from workers.queue import ArqQueue

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765
TOKEN = secrets.token_hex(16)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
PHRASES = [
    "电焊工",
    "焊工",
    "氩弧焊",
    "二保焊",
    "压力容器焊接",
    "管道焊工",
    "电工",
    "维修电工",
    "高压电工",
    "低压电工",
    "配电运维",
    "叉车司机",
    "叉车",
    "吊车司机",
    "起重机司机",
    "塔吊司机",
    "挖掘机司机",
    "装载机司机",
    "矿用卡车司机",
    "货车司机",
    "钳工",
    "机修钳工",
    "车工",
    "数控车床",
    "数控铣工",
    "铣工",
    "磨工",
    "模具工",
    "钢筋工",
    "木工",
    "瓦工",
    "砌筑工",
    "架子工",
    "油漆工",
    "管道工",
    "水暖工",
    "空调维修",
    "制冷工",
    "锅炉工",
    "化工操作工",
    "仪表工",
    "风电运维",
    "光伏运维",
    "变电站值班",
    "电气设备安装",
    "汽车维修",
    "汽修",
    "钣金工",
    "喷漆工",
    "厨师",
    "面点师",
    "保育员",
    "育婴员",
    "养老护理员",
    "护工",
    "保安",
    "电梯维修",
    "消防设施操作员",
    "无人机驾驶员",
    "农机驾驶",
]
MIX = (("posting_matches", 0.4), ("profile_matches", 0.2), ("search", 0.4))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_api(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 — the matcher CLI of this checkout
        [
            str(ROOT / ".venv" / "bin" / "matcher"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def serve(env: dict[str, str], port: int = PORT) -> subprocess.Popen[bytes]:
    process = await asyncio.to_thread(start_api, env, port)
    async with httpx.AsyncClient() as probe:
        for _ in range(240):
            try:
                if (await probe.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return process
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    process.terminate()
    raise RuntimeError("the API did not become ready")


@dataclass(frozen=True)
class Workload:
    postings: list[str]
    profiles: list[str]
    unique: bool  # every search text new


async def level(
    concurrency: int, seconds: float, work: Workload, seed: int, port: int = PORT
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """Run the mix with ``concurrency`` clients for ``seconds``: latencies (ms) per route,
    answers that were not 200 per route, and the wall time."""
    rng = random.Random(seed)
    latencies: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    names = [name for name, _ in MIX]
    weights = [share for _, share in MIX]
    deadline = time.monotonic() + seconds
    serial = 0

    async def client(c: httpx.AsyncClient) -> None:
        nonlocal serial
        while time.monotonic() < deadline:
            route = rng.choices(names, weights)[0]
            if route == "posting_matches":
                call = c.get(f"/v1/postings/{rng.choice(work.postings)}/matches?limit=50")
            elif route == "profile_matches":
                call = c.get(f"/v1/profiles/{rng.choice(work.profiles)}/matches?limit=50")
            else:
                serial += 1
                q = rng.choice(PHRASES) + (f" {serial}" if work.unique else "")
                call = c.post("/v1/search/postings", json={"q": q, "limit": 20})
            started = time.perf_counter()
            resp = await call
            latencies[route].append((time.perf_counter() - started) * 1000)
            if resp.status_code != 200:
                failures[route] += 1

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    started = time.monotonic()
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=HEADERS, limits=limits, timeout=60
    ) as c:
        await asyncio.gather(*(client(c) for _ in range(concurrency)))
    return latencies, failures, time.monotonic() - started


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def report(
    label: str,
    latencies: dict[str, list[float]],
    failures: dict[str, int],
    wall: float,
    rss: float,
) -> None:
    total = sum(len(v) for v in latencies.values())
    print(f"{label}: {total / wall:6.1f} requests/s, API RSS {rss:,.0f} MB")
    for route, _ in MIX:
        ms = latencies.get(route) or [0.0]
        print(
            f"  {route:<16} n={len(latencies.get(route, [])):>5}  "
            f"p50 {pct(ms, 50):6.1f}  p95 {pct(ms, 95):6.1f}  "
            f"p99 {pct(ms, 99):6.1f} ms  not 200: {failures.get(route, 0)}"
        )


async def plain(env: dict[str, str], args: Any, work: Workload) -> None:
    process = await serve(env)
    try:
        for concurrency in args.concurrency:
            latencies, failures, wall = await level(
                concurrency, args.seconds, work, args.seed + concurrency
            )
            report(f"concurrency {concurrency:>2}", latencies, failures, wall, rss_mb(process.pid))
    finally:
        process.terminate()
        process.wait(30)


async def ab_cache(env: dict[str, str], args: Any, work: Workload) -> None:
    """The same load against an API with the query-vector cache and one without, in
    alternating slices."""
    arms = {"cache on ": (PORT, "4096"), "cache off": (PORT + 1, "0")}
    processes = {
        label: await serve({**env, "MATCHER_QUERY_CACHE_SIZE": size}, port)
        for label, (port, size) in arms.items()
    }
    try:
        for concurrency in args.concurrency:
            totals: dict[str, tuple[dict[str, list[float]], dict[str, int], float]] = {
                label: (defaultdict(list), defaultdict(int), 0.0) for label in arms
            }
            for round_ in range(2):
                for label, (port, _) in arms.items():
                    latencies, failures, wall = await level(
                        concurrency,
                        args.seconds / 2,
                        work,
                        args.seed + concurrency * 10 + round_,
                        port,
                    )
                    kept, refused, spent = totals[label]
                    for route, values in latencies.items():
                        kept[route] += values
                    for route, count in failures.items():
                        refused[route] += count
                    totals[label] = (kept, refused, spent + wall)
            for label, (kept, refused, spent) in totals.items():
                report(
                    f"concurrency {concurrency:>2}, {label}",
                    kept,
                    refused,
                    spent,
                    rss_mb(processes[label].pid),
                )
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(30)


async def main(args: argparse.Namespace) -> None:
    prefix = f"bench-load-{os.getpid()}"
    env = {
        **os.environ,
        "MATCHER_INDEX_PREFIX": prefix,
        "MATCHER_QUEUE_NAME": f"{prefix}:queue",
        "MATCHER_ADMIN_TOKEN": TOKEN,
        "MATCHER_RATE_LIMIT_PER_MINUTE": "0",
    }
    settings = Settings.from_env(env)
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )
    async with open_services(settings, ArqQueue) as svc:
        try:
            await prepare_indexes(svc)
            sample = await make_sample(svc, args.sample, args.seed)
            corpus = Corpus(sample, 0.02, args.seed, args.profiles)
            rate = await fill(svc, corpus, args.profiles)
            posting_docs = await make_postings(svc, args.postings, args.seed)
            await svc.store.es.indices.forcemerge(
                index=svc.store.indexes.profiles.read_alias, max_num_segments=1
            )
            postings = [str(d["id"]) for d in posting_docs]
            profiles = [f"lat-{i:07d}" for i in range(0, args.profiles, 7)]
            print(
                f"{args.profiles:,} profiles (bulk-indexed at {rate:,.0f}/s, one segment), "
                f"{len(postings)} postings; {args.seconds:.0f} s per level; search texts "
                f"{'all new' if args.unique_queries else f'from {len(PHRASES)} phrasings'}"
            )
            work = Workload(postings, profiles, args.unique_queries)
            if args.ab_cache:
                await ab_cache(env, args, work)
            else:
                await plain(env, args, work)
        finally:
            await svc.store.drop_all()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=300)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32]
    )
    parser.add_argument("--unique-queries", action="store_true")
    parser.add_argument("--ab-cache", action="store_true")
    parser.add_argument("--seed", type=int, default=2027)
    arguments: Any = parser.parse_args()
    asyncio.run(main(arguments))
