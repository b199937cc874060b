"""The API over HTTP under a mixed load, at concurrency 1, 8 and 32: throughput and latency
per route, and the API process's memory.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/load.py --profiles 10000
        [--postings 300] [--seconds 20] [--concurrency 1,8,32] [--unique-queries] [--ab-cache]
        [--api-workers 1] [--profile FILE] [--ab-against REV] [--ab-workers N]

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
slices per level (on, off, on, off), so both arms see the same machine. Before the levels
each API gets five seconds (``--warmup``) of load at one client, not counted (else the arm
that runs first fills the caches both share, and pays for it; a just-merged million profiles
needs longer).

With one API process the benchmark also prints where the server's time went at each level:
the mean milliseconds per request of each stage (``matcher.foundation.timing``), read from the
API's ``/metrics`` before and after the level. ``--api-workers N`` serves with N processes
(``matcher serve --workers N``; the stage table is then left out, as each scrape reads one
process). ``--profile FILE`` samples the API process with py-spy during the concurrency-8
level and writes the collapsed stacks to FILE, then prints the functions that took the most
samples, by their own time and by time including what they called. Prints figures with date
and machine; asserts nothing.

Each level also prints the CPU time the API process(es), the Elasticsearch node and this
client spent per request (from ``/proc``), and how busy that kept the machine's cores.

``--ab-against REV`` runs a second API from a git worktree of REV (same virtualenv, same
indexes) beside this checkout's and alternates between them as ``--ab-cache`` does: before
and after in one run. REV must expect the same index mappings as this checkout: an older API
refuses indexes of a newer mapping as needing migration (its ``/readyz`` says so, and the run
stops). ``--ab-workers N`` runs an API of N processes beside one of one. ``--ab-env NAME=VALUE``
(repeatable) runs an API of this checkout with those variables set beside one without, e.g. a
different ``MATCHER_MATCHING_FILE``. In an A/B each single-process arm prints its own stages.

``--keep NAME`` keeps the scratch indexes (prefix ``bench-keep-NAME``) when the run ends, and
a later run naming them with the same ``--profiles`` reuses them instead of building a new
set (a million profiles take about 20 minutes to index and merge). Delete them by hand
(``DELETE /bench-keep-NAME-*``) when done.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import httpx
from match_latency import build_or_keep
from prometheus_client.parser import text_string_to_metric_families

from matcher.foundation.settings import Settings
from matcher.foundation.timing import STAGES
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
WARMUP_S = 5.0  # of load on each API before the levels, not counted
READY_WAIT_S = 300  # for an API to answer /readyz (its model and catalogs on a busy machine)


def rss_mb(pid: int) -> float:
    """The resident memory of ``pid`` and its descendants (uvicorn's workers)."""
    total = 0.0
    for member in family(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def family(pid: int) -> list[int]:
    """``pid`` and its descendants."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    if children.exists():
        for child in children.read_text().split():
            found += family(int(child))
    return found


def cpu_s(pids: list[int]) -> float:
    """User and system CPU seconds of ``pids`` so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def es_pids() -> list[int]:
    """The local Elasticsearch node(s) (their JVMs)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"org.elasticsearch.bootstrap.Elasticsearch" in cmdline:
                found.append(int(entry.name))
    return found


@dataclass
class Cpu:
    """CPU seconds spent by the API, the node and this client over one slice."""

    api: float = 0.0
    es: float = 0.0
    client: float = 0.0

    def add(self, other: Cpu) -> None:
        self.api += other.api
        self.es += other.es
        self.client += other.client


def cpu_now(api_pid: int) -> Cpu:
    own = os.times()
    return Cpu(cpu_s(family(api_pid)), cpu_s(es_pids()), own.user + own.system)


def cpu_since(api_pid: int, before: Cpu) -> Cpu:
    after = cpu_now(api_pid)
    return Cpu(after.api - before.api, after.es - before.es, after.client - before.client)


def report_cpu(cpu: Cpu, requests: int, wall: float) -> None:
    if not requests:
        return
    each = [f"{name} {spent / requests * 1000:.1f}" for name, spent in vars(cpu).items()]
    busy = (cpu.api + cpu.es + cpu.client) / (wall * (os.cpu_count() or 1))
    print(f"    CPU ms per request: {', '.join(each)}; the cores {busy:.0%} busy")


ROUTES = {
    "posting_matches": "/v1/postings/{posting_id}/matches",
    "profile_matches": "/v1/profiles/{profile_id}/matches",
    "search": "/v1/search/postings",
}
Totals = dict[tuple[str, str], tuple[float, float]]  # (route, stage) → (seconds, count)


async def stage_totals(port: int) -> Totals:
    """The API's stage histograms' sums and counts, and each route's request total (as stage
    "request")."""
    async with httpx.AsyncClient() as c:
        text = (await c.get(f"http://127.0.0.1:{port}/metrics", headers=HEADERS)).text
    found: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for family in text_string_to_metric_families(text):
        if family.name not in (
            "matcher_stage_duration_seconds",
            "matcher_http_request_duration_seconds",
        ):
            continue
        for sample in family.samples:
            stage_name = sample.labels.get("stage", "request")
            key = (sample.labels.get("route", ""), stage_name)
            if sample.name.endswith("_sum"):
                found[key][0] += sample.value
            elif sample.name.endswith("_count"):
                found[key][1] += sample.value
    return {key: (total, count) for key, (total, count) in found.items()}


def report_stages(before: Totals, after: Totals) -> None:
    """Mean ms per request of each stage over one level (stages that run side by side, BM25
    and kNN, each count their own wall clock)."""
    for name, route in ROUTES.items():
        requests = (
            after.get((route, "request"), (0.0, 0.0))[1]
            - before.get((route, "request"), (0.0, 0.0))[1]
        )
        if not requests:
            continue
        parts = []
        for stage_name in ("request", *STAGES):
            spent = (
                after.get((route, stage_name), (0.0, 0.0))[0]
                - before.get((route, stage_name), (0.0, 0.0))[0]
            )
            if spent:
                parts.append(f"{stage_name} {spent / requests * 1000:.1f}")
        print(f"    stages, mean ms per {name} request: " + ", ".join(parts))


def start_profiler(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 — py-spy of this checkout's environment
        [
            str(ROOT / ".venv" / "bin" / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "200",
            "--nonblocking",  # never pause the API: the figures of the level stay honest
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


IDLE = "Condition.wait (threading.py)"


def report_profile(out: Path, top: int = 25) -> None:
    """The functions with the most samples: own time (the frame on top) and time including
    their callees, from py-spy's collapsed stacks (threads waiting for work left out)."""
    own: dict[str, int] = defaultdict(int)
    inclusive: dict[str, int] = defaultdict(int)
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        if frames[-1] == IDLE:
            continue  # a worker thread waiting for work
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if "(matcher/" in frame and not frame.startswith(("main ", "serve ")):
                inclusive[frame] += count  # the service's own functions
    if not total:
        print("  profile: no samples")
        return
    print(f"  profile of the API process: {total} samples")
    for title, table in (("own time", own), ("including callees (matcher/ only)", inclusive)):
        print(f"  top {top} by {title}:")
        for frame, count in sorted(table.items(), key=lambda kv: -kv[1])[:top]:
            print(f"    {count / total:6.1%}  {frame}")


def start_api(
    env: dict[str, str], port: int, workers: int = 1, source: Path = ROOT
) -> subprocess.Popen[bytes]:
    """``matcher serve`` of the checkout at ``source`` (this one unless an A/B says so)."""
    return subprocess.Popen(  # noqa: S603 — the matcher CLI of a checkout of this repository
        [
            str(ROOT / ".venv" / "bin" / "python"),
            "-c",
            "from matcher.cli import main; main()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**env, "PYTHONPATH": str(source)},
        cwd=source,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def serve(
    env: dict[str, str], port: int = PORT, workers: int = 1, source: Path = ROOT
) -> subprocess.Popen[bytes]:
    process = await asyncio.to_thread(start_api, env, port, workers, source)
    last = "no answer"
    async with httpx.AsyncClient(timeout=10) as probe:
        for _ in range(READY_WAIT_S * 2):
            try:
                answer = await probe.get(f"http://127.0.0.1:{port}/readyz")
                if answer.status_code == 200:
                    return process
                last = answer.text
            except httpx.TransportError as exc:
                last = repr(exc)
            await asyncio.sleep(0.5)
    process.terminate()
    process.wait(30)
    raise RuntimeError(f"the API at {source} was not ready after {READY_WAIT_S} s: {last}")


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
    process = await serve(env, workers=args.api_workers)
    single = args.api_workers == 1
    try:
        await level(1, args.warmup, work, args.seed - 1)  # not counted: the caches' first fill
        for concurrency in args.concurrency:
            before = await stage_totals(PORT) if single else {}
            profiler = None
            if args.profile and concurrency == 8:
                profiler = start_profiler(process.pid, args.seconds, Path(args.profile))
            cpu = cpu_now(process.pid)
            latencies, failures, wall = await level(
                concurrency, args.seconds, work, args.seed + concurrency
            )
            spent = cpu_since(process.pid, cpu)
            report(f"concurrency {concurrency:>2}", latencies, failures, wall, rss_mb(process.pid))
            report_cpu(spent, sum(map(len, latencies.values())), wall)
            if single:
                report_stages(before, await stage_totals(PORT))
            if profiler is not None:
                profiler.wait(60)
                report_profile(Path(args.profile))
    finally:
        process.terminate()
        process.wait(30)


@dataclass(frozen=True)
class Arm:
    """One side of an A/B: its port, its API's environment and the checkout it runs."""

    port: int
    env: dict[str, str]
    source: Path = ROOT
    workers: int | None = None  # None: --api-workers


async def ab(args: Any, work: Workload, arms: dict[str, Arm]) -> None:
    """The same load against two APIs, in alternating slices (A, B, A, B per level), so both
    see the same machine; first a few seconds of load on each, not counted."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for label, arm in arms.items():  # an arm that never gets ready stops the others too
            workers = arm.workers or args.api_workers
            processes[label] = await serve(arm.env, arm.port, workers, arm.source)
        # Not counted: each arm's first requests (its caches, Elasticsearch's, the page cache
        # of the shared index) — else the arm that goes first pays for both.
        for arm in arms.values():
            await level(1, args.warmup, work, args.seed - 1, arm.port)
        for concurrency in args.concurrency:
            await ab_level(args, work, arms, processes, concurrency)
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(30)


async def ab_level(
    args: Any,
    work: Workload,
    arms: dict[str, Arm],
    processes: dict[str, subprocess.Popen[bytes]],
    concurrency: int,
) -> None:
    """One concurrency level of an A/B, two slices per arm, and each arm's report."""
    totals: dict[str, tuple[dict[str, list[float]], dict[str, int], float, Cpu]] = {
        label: (defaultdict(list), defaultdict(int), 0.0, Cpu()) for label in arms
    }
    stages = {
        label: await stage_totals(arm.port)
        for label, arm in arms.items()
        if (arm.workers or args.api_workers) == 1
    }
    for round_ in range(2):
        for label, arm in arms.items():
            cpu = cpu_now(processes[label].pid)
            latencies, failures, wall = await level(
                concurrency, args.seconds / 2, work, args.seed + concurrency * 10 + round_, arm.port
            )
            kept, refused, spent, used = totals[label]
            used.add(cpu_since(processes[label].pid, cpu))
            for route, values in latencies.items():
                kept[route] += values
            for route, count in failures.items():
                refused[route] += count
            totals[label] = (kept, refused, spent + wall, used)
    for label, (kept, refused, spent, used) in totals.items():
        report(
            f"concurrency {concurrency:>2}, {label}",
            kept,
            refused,
            spent,
            rss_mb(processes[label].pid),
        )
        report_cpu(used, sum(map(len, kept.values())), spent)
        if label in stages:
            report_stages(stages[label], await stage_totals(arms[label].port))


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached git worktree of ``rev``, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="load-ab-"))
    git = ["git", "-C", str(ROOT)]
    subprocess.run([*git, "worktree", "add", "--detach", str(path), rev], check=True)  # noqa: S603
    try:
        yield path
    finally:
        subprocess.run([*git, "worktree", "remove", "--force", str(path)], check=False)  # noqa: S603


def machine_line() -> str:
    """The first line of a benchmark's report: when, and on what."""
    return (
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores; Python {sys.version.split()[0]}"
    )


def scratch_env(name: str, keep: str | None = None) -> dict[str, str]:
    """The environment of a benchmark's API: scratch indexes and queue of its own (named
    ``bench-keep-<keep>`` when a run keeps them for the next), the benchmark's admin token, no
    rate limit."""
    prefix = f"bench-keep-{keep}" if keep else f"bench-{name}-{os.getpid()}"
    return {
        **os.environ,
        "MATCHER_INDEX_PREFIX": prefix,
        "MATCHER_QUEUE_NAME": f"{prefix}:queue",
        "MATCHER_ADMIN_TOKEN": TOKEN,
        "MATCHER_RATE_LIMIT_PER_MINUTE": "0",
    }


async def main(args: argparse.Namespace) -> None:
    env = scratch_env("load", args.keep)
    settings = Settings.from_env(env)
    print(machine_line())
    async with open_services(settings, ArqQueue) as svc:
        try:
            await prepare_indexes(svc)
            built, posting_docs = await build_or_keep(svc, args)
            postings = [str(d["id"]) for d in posting_docs]
            profiles = [f"lat-{i:07d}" for i in range(0, args.profiles, 7)]
            print(
                f"{args.profiles:,} profiles ({built}, one segment), "
                f"{len(postings)} postings; {args.seconds:.0f} s per level; search texts "
                f"{'all new' if args.unique_queries else f'from {len(PHRASES)} phrasings'}"
            )
            work = Workload(postings, profiles, args.unique_queries)
            if args.ab_cache:
                cached = {**env, "MATCHER_QUERY_CACHE_SIZE": "4096"}
                uncached = {**env, "MATCHER_QUERY_CACHE_SIZE": "0"}
                await ab(
                    args,
                    work,
                    {"cache on ": Arm(PORT, cached), "cache off": Arm(PORT + 1, uncached)},
                )
            elif args.ab_workers:
                n = args.ab_workers
                arms = {
                    f"{n} API processes": Arm(PORT, env, workers=n),
                    "1 API process": Arm(PORT + 1, env, workers=1),
                }
                await ab(args, work, arms)
            elif args.ab_env:
                changed = dict(item.split("=", 1) for item in args.ab_env)
                label = " ".join(args.ab_env)
                await ab(
                    args,
                    work,
                    {label: Arm(PORT, {**env, **changed}), "as configured": Arm(PORT + 1, env)},
                )
            elif args.ab_against:
                with worktree(args.ab_against) as before:
                    arms = {
                        "this checkout": Arm(PORT, env),
                        args.ab_against: Arm(PORT + 1, env, before),
                    }
                    await ab(args, work, arms)
            else:
                await plain(env, args, work)
        finally:
            if not args.keep:
                await svc.store.drop_all()


def setting(item: str) -> str:
    """An --ab-env item: NAME=VALUE."""
    if "=" not in item or not item.split("=", 1)[0]:
        raise argparse.ArgumentTypeError(f"{item!r} is not NAME=VALUE")
    return item


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--postings", type=int, default=300)
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=WARMUP_S,
        help="seconds of uncounted load on each API first (a large, just merged index is cold)",
    )
    parser.add_argument(
        "--concurrency", type=lambda s: [int(x) for x in s.split(",")], default=[1, 8, 32]
    )
    parser.add_argument("--unique-queries", action="store_true")
    parser.add_argument("--ab-cache", action="store_true")
    parser.add_argument("--api-workers", type=int, default=1)
    parser.add_argument("--ab-against", help="a git revision to run beside this checkout")
    parser.add_argument("--ab-workers", type=int, help="N API processes against one")
    parser.add_argument(
        "--ab-env",
        action="append",
        type=setting,
        metavar="NAME=VALUE",
        help="an API of this checkout with these variables set, beside one without (repeatable)",
    )
    parser.add_argument("--profile", help="py-spy's collapsed stacks of the concurrency-8 level")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument(
        "--keep",
        metavar="NAME",
        help="keep the scratch indexes (prefix bench-keep-NAME) and reuse them when a later run "
        "names them with the same --profiles (delete them by hand when done)",
    )
    arguments: Any = parser.parse_args()
    asyncio.run(main(arguments))
