"""Schemathesis over the whole API, as an admin and as a seeker: examples, coverage, fuzzing
and stateful phases, every check, zero failures (tests/schemathesis.toml says what the
schema cannot express). Against a uvicorn process of its own, on an index prefix of its own,
so the records it invents never crowd other tests' rankings."""

import asyncio
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from elasticsearch import AsyncElasticsearch
from redis.asyncio import Redis

from indexes.manage import drop_indexes
from tests.conftest import ADMIN_TOKEN, RUN_ID, make_environ
from tests.integration.test_desk_e2e import uvicorn_server

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tests" / "schemathesis.toml"
ST = Path(sys.executable).parent / "st"
PREFIX = f"test-{RUN_ID}-st"
SERVER_ENV = {
    "MATCHER_INDEX_PREFIX": PREFIX,
    "MATCHER_QUEUE_NAME": f"test:{RUN_ID}:st:queue",
    # Thousands of requests a minute: the rate limit is tested elsewhere.
    "MATCHER_RATE_LIMIT_PER_MINUTE": "1000000",
}
EXAMPLES = os.environ.get("MATCHER_SCHEMATHESIS_EXAMPLES", "10")


@pytest.fixture(scope="module")
async def st_server(
    es: AsyncElasticsearch, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    env = {**os.environ, **make_environ(**SERVER_ENV)}
    made = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "matcher.cli", "init-indexes"],
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stderr.decode()[-2000:]
    log = tmp_path_factory.mktemp("st-server") / "uvicorn.log"
    try:
        async with uvicorn_server(log, **SERVER_ENV) as base:
            yield base
    finally:
        await drop_indexes(es, PREFIX)
        await drop_queue(SERVER_ENV["MATCHER_QUEUE_NAME"])


async def drop_queue(name: str) -> None:
    """The server's jobs (re-flags of the postings it wrote) run nowhere: drop them with it."""
    redis = Redis.from_url(make_environ()["MATCHER_REDIS_URL"])
    try:
        for raw in await redis.zrange(name, 0, -1):
            await redis.delete(f"arq:job:{raw.decode()}")
        await redis.delete(name)
    finally:
        await redis.aclose()


async def run_schemathesis(base: str, token: str) -> tuple[int, str]:
    done = await asyncio.to_thread(
        subprocess.run,
        [
            str(ST),
            "--config-file",
            str(CONFIG),
            "run",
            f"{base}/openapi.json",
            "-H",
            f"Authorization: Bearer {token}",
            "--max-examples",
            EXAMPLES,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--workers",
            "1",
            "--seed",
            "20261207",
            "--no-color",
        ],
        cwd=tempfile.gettempdir(),  # its cache folder stays out of the repository
        capture_output=True,
        timeout=max(420, int(EXAMPLES) * 60),
        check=False,
    )
    return done.returncode, (done.stdout + done.stderr).decode(errors="replace")


@pytest.mark.timeout(max(900, int(EXAMPLES) * 130))
async def test_the_api_keeps_its_contract_under_schemathesis(st_server: str) -> None:
    async with httpx.AsyncClient(base_url=st_server) as client:
        made = await client.post(
            "/v1/tokens",
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
            json={"role": "seeker", "subject": "st-seeker"},
        )
        assert made.status_code == 201, made.text
        seeker = made.json()["token"]
    for who, token in (("admin", ADMIN_TOKEN), ("seeker", seeker)):
        code, output = await run_schemathesis(st_server, token)
        assert code == 0, f"schemathesis as {who}:\n{output[-6000:]}"
        counts = re.search(r"(\d+) generated, (\d+) passed", output)
        assert counts is not None, output[-3000:]
        assert int(counts[2]) == int(counts[1]) >= 500, counts[0]
