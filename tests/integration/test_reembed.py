"""A change of embedding model is a migration that re-embeds; until then, not ready."""

import dataclasses
import uuid
from collections.abc import AsyncIterator

import numpy as np
import pytest
from elasticsearch import AsyncElasticsearch

from indexes import IndexSpec, drop_indexes, ensure_indexes, index_status, migrate
from matcher.migrations.reembed import embedding_text, reembed
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import PROFILES
from matcher.profiles.service import embedding_text as embedding_text_of
from matcher.records.prepare import prepare
from matcher.services import Services
from matcher.store.health import check_indexes
from matcher.store.records import ProfileRepository
from tests.factories import profile_body


@pytest.fixture
async def old_model_index(
    es: AsyncElasticsearch, services: Services
) -> AsyncIterator[tuple[IndexSpec, IndexSpec]]:
    """A profiles index whose vectors came from another model (same dimensions)."""
    prefix = f"reembed-{uuid.uuid4().hex[:6]}"
    current = dataclasses.replace(services.store.indexes.profiles, prefix=prefix)
    old = dataclasses.replace(current, embedding_model="old-model")
    await ensure_indexes(es, [old])
    yield old, current
    await drop_indexes(es, prefix)


async def test_model_change_is_not_ready_until_migrated_with_re_embedding(
    es: AsyncElasticsearch, services: Services, old_model_index: tuple[IndexSpec, IndexSpec]
) -> None:
    old, current = old_model_index
    body = ProfileIn.model_validate(profile_body())
    (doc,) = await prepare(services, PROFILES, [("p-old", body, None)])
    doc["embedding"], doc["embedding_model"] = [0.05] * services.embedder.dims, "old-model"
    assert await ProfileRepository(es, old).write_many([("p-old", doc)], refresh="wait_for") == {}

    state = await check_indexes(es, [current])
    assert state.startswith("needs migration")
    assert current.read_alias in state

    report = await migrate(es, current, transform=reembed(services, "profiles"))
    assert report.copied == 1
    assert await check_indexes(es, [current]) == "ok"
    assert not (await index_status(es, current)).needs_migration
    stored = (await es.get(index=current.read_alias, id="p-old", source_exclude_vectors=False))[
        "_source"
    ]
    assert stored["embedding_model"] == services.embedder.model_id
    expected = services.embedder.embed_passages([embedding_text(services, "profiles", stored)])[0]
    assert np.allclose(stored["embedding"], expected, atol=1e-5)
    # The rebuilt text is the one the API embeds on write.
    assert embedding_text(services, "profiles", stored) == embedding_text_of(body, ["焊工"])


async def test_an_index_with_an_older_mapping_needs_migration(
    es: AsyncElasticsearch, services: Services
) -> None:
    spec = services.store.indexes.tokens
    older = dataclasses.replace(spec, prefix=f"stale-{uuid.uuid4().hex[:6]}", mapping_version=0)
    await ensure_indexes(es, [older])
    try:
        newer = dataclasses.replace(older, mapping_version=spec.mapping_version)
        assert (await check_indexes(es, [newer])).startswith("needs migration")
    finally:
        await drop_indexes(es, older.prefix)
