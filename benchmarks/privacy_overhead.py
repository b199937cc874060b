"""What the privacy layer costs per request: the Redis rate-limit charge, and an enterprise's
read of a candidate (consent lookup, quota charge, audit write) against an office's plain read.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/privacy_overhead.py --requests 300

Runs the real app in-process (httpx ASGI transport) against the local ES node and Redis, with
its own index prefix and Redis keys (``bench-privacy-<pid>``), dropped at the end. Baselines in
the same run: a Redis PING for the charge; ``GET /v1/me`` with the rate limit switched off for
the per-request limiter; the office's full read of the same profile for the enterprise reads.
Prints p50 / p95 / mean in ms; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import httpx

from matcher.api.app import create_app
from matcher.auth.models import TokenCreate
from matcher.auth.service import create_token
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.privacy.limits import Limit, charge
from matcher.services import Services

PREFIX = f"bench-privacy-{os.getpid()}"
PROFILE = {
    "title": "高级焊工",
    "summary": "从事压力容器焊接八年。",
    "skills": ["氩弧焊"],
    "occupation_codes": ["6-18-02-04"],
    "skill_level": 3,
    "region_code": "150203",
    "contact": {"name": "测试", "phone": "13800000000"},
}
POSTING = {
    "enterprise_name": "测试企业",
    "title": "焊工",
    "occupation_code": "6-18-02-04",
    "headcount": 3,
    "region_code": "150203",
}


def summary(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    print(
        f"{name:58} p50 {statistics.median(ordered):7.2f}  p95 {p95:7.2f}  "
        f"mean {statistics.fmean(ordered):7.2f}  (n={len(ordered)})"
    )


async def timed(n: int, call: Callable[[], Awaitable[object]]) -> list[float]:
    for _ in range(min(20, n)):  # warm-up
        await call()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        await call()
        out.append((time.perf_counter() - started) * 1000)
    return out


async def main(requests: int) -> None:
    env = dict(os.environ)
    env.update(
        MATCHER_INDEX_PREFIX=PREFIX,
        MATCHER_QUEUE_NAME=f"{PREFIX}:queue",
        MATCHER_CANDIDATE_VIEWS_PER_DAY="10000000",
        MATCHER_RATE_LIMIT_PER_MINUTE="10000000",
    )
    print(f"{datetime.now(UTC):%Y-%m-%d} {platform.machine()} {os.cpu_count()} CPUs")
    limited = create_app(Settings.from_env(env), configure_logs=False)
    unlimited = create_app(
        Settings.from_env(env | {"MATCHER_RATE_LIMIT_PER_MINUTE": "0"}), configure_logs=False
    )
    async with (
        limited.router.lifespan_context(limited),
        unlimited.router.lifespan_context(unlimited),
    ):
        svc: Services = limited.state.services
        try:
            await svc.store.ensure_indexes()
            await run(limited, unlimited, svc, requests)
        finally:
            await svc.store.drop_all()
            redis = svc.store.redis
            keys = [k async for k in redis.scan_iter(match=f"{PREFIX}*")]
            if keys:
                await redis.delete(*keys)


async def token(
    svc: Services, role: Role, subject: str, region: str | None = None
) -> dict[str, str]:
    created = await create_token(
        svc,
        request=TokenCreate(role=role, subject=subject, region_code=region),
        created_by="bench",
    )
    return {"Authorization": f"Bearer {created.token}"}


async def run(limited: object, unlimited: object, svc: Services, n: int) -> None:
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://bench")  # type: ignore[arg-type]
        for a in (limited, unlimited)
    ]
    client, plain = clients
    seeker = await token(svc, Role.SEEKER, "bench-seeker")
    # Interleaved, so both see the same load from other processes on the machine.
    on: list[float] = []
    off: list[float] = []
    for _ in range(n):
        for target, out in ((client, on), (plain, off)):
            started = time.perf_counter()
            await target.get("/v1/me", headers=seeker)
            out.append((time.perf_counter() - started) * 1000)
    summary("GET /v1/me, rate limit off (baseline)", off[20:])
    summary("GET /v1/me, rate limit on", on[20:])
    who = Principal(token_id="b", role=Role.ENTERPRISE, subject="bench")  # noqa: S106
    fixed, sliding = Limit("bench", 60), Limit("bench-sliding", 60, sliding=True)
    # The client the rate-limit counters use (svc.store.counters).
    summary("Redis PING (baseline)", await timed(n, lambda: svc.store.redis.ping()))
    summary(
        "limits.charge, fixed window (daily quotas)",
        await timed(n, lambda: charge(svc, who, fixed, allowed=10**9)),
    )
    # As the request rate runs: a sorted set holding up to the limit's charges of the last 60 s.
    summary(
        "limits.charge, sliding window (request rate)",
        await timed(n, lambda: charge(svc, who, sliding, allowed=10**9)),
    )
    ent = await token(svc, Role.ENTERPRISE, "bench-ent")
    office = await token(svc, Role.OFFICE, "bench-office", "150200")
    await client.put("/v1/profiles/bp1", headers=seeker, json=PROFILE)
    await client.put("/v1/profiles/bp2", headers=seeker, json=PROFILE)
    await client.put("/v1/postings/bj1", headers=ent, json=POSTING)
    asked = await client.post(
        "/v1/postings/bj1/contact-requests",
        headers=ent,
        json={"profile_id": "bp1", "purpose": "面试"},
    )
    await client.post(f"/v1/contact-requests/{asked.json()['id']}/grant", headers=seeker)
    summary(
        "office reads a profile in full (baseline)",
        await timed(n, lambda: client.get("/v1/profiles/bp1", headers=office)),
    )
    summary(
        "enterprise reads a candidate, no consent (redacted)",
        await timed(n, lambda: client.get("/v1/profiles/bp2?posting_id=bj1", headers=ent)),
    )
    summary(
        "enterprise reads a consented candidate (+ audit write)",
        await timed(n, lambda: client.get("/v1/profiles/bp1?posting_id=bj1", headers=ent)),
    )
    for c in clients:
        await c.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    asyncio.run(main(parser.parse_args().requests))
