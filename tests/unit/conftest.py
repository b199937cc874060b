"""Unit tests run without Elasticsearch or Redis: the fixtures that reach them refuse here,
so a unit test that needs a backing service fails at once instead of passing by luck."""

from __future__ import annotations

import dataclasses

import pytest

from indexes import Indexes, build_indexes
from matcher.embeddings import Embedder
from matcher.foundation.settings import Settings
from matcher.services import Services, build_services
from tests.conftest import make_environ
from tests.unit.fakes import MemoryQueue, memory_store


def _refused(name: str) -> None:
    pytest.fail(f"unit tests may not use the {name} fixture: move the test to tests/integration/")


@pytest.fixture
def es() -> None:
    _refused("es")


@pytest.fixture
def redis() -> None:
    _refused("redis")


@pytest.fixture
def app() -> None:
    _refused("app")


@pytest.fixture
def services() -> None:
    _refused("services")


@pytest.fixture
def client() -> None:
    _refused("client")


@pytest.fixture(scope="session")
def unit_services(embedder: Embedder) -> Services:
    """Services over an in-memory store, the real catalogs and the shared embedder."""
    settings = Settings.from_env(make_environ())
    return build_services(
        settings, embedder, MemoryQueue(), store=memory_store(_indexes(settings, embedder))
    )


@pytest.fixture
def memory(unit_services: Services) -> Services:
    """The unit services with an empty in-memory store and queue of their own."""
    return dataclasses.replace(
        unit_services,
        store=memory_store(unit_services.store.indexes),
        jobs=MemoryQueue(),
    )


def _indexes(settings: Settings, embedder: Embedder) -> Indexes:
    return build_indexes(
        settings.index_prefix, dims=embedder.dims, embedding_model=embedder.model_id
    )
