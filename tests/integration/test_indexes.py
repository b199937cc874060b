"""Index creation is idempotent; migrations keep every document searchable throughout."""

import asyncio
import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from elasticsearch import AsyncElasticsearch

from indexes import IndexSpec, build_indexes, ensure_indexes, index_status, migrate
from indexes.maintenance import merge_segments
from indexes.manage import MigrationError, delete_document, drop_indexes

ALLOWED_ANALYZERS = {"whitespace"}  # core analyzers only: no analysis-common, no plugins


def walk(mapping: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(mapping, dict):
        found.append(mapping)
        for value in mapping.values():
            found.extend(walk(value))
    return found


@pytest.fixture
async def scratch(es: AsyncElasticsearch) -> Any:
    """A private prefix per test; everything under it is dropped afterwards."""
    prefix = f"scratch-{datetime.now(UTC):%H%M%S%f}"
    specs = build_indexes(prefix, dims=4, embedding_model="test-model")
    yield prefix, specs
    await drop_indexes(es, prefix)


async def test_ensure_indexes_is_idempotent(es: AsyncElasticsearch, scratch: Any) -> None:
    _, specs = scratch
    first = await ensure_indexes(es, specs.all())
    assert len(first) == len(specs.all())
    again = await asyncio.gather(*(ensure_indexes(es, specs.all()) for _ in range(3)))
    assert again == [[], [], []]
    for spec in specs.all():
        status = await index_status(es, spec)
        assert status.present
        assert status.concrete == [status.write_index]
        assert not status.needs_migration


async def test_concurrent_first_creation_makes_one_index_each(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    _, specs = scratch
    await asyncio.gather(*(ensure_indexes(es, specs.all()) for _ in range(3)))
    for spec in specs.all():
        assert len((await index_status(es, spec)).concrete) == 1


def doc(i: int, *, text: str = "焊工 电焊") -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "id": f"p{i}",
        "search_text": text,
        "status": "active",
        "indexed_at": now,
        "embedding": [1.0, 0.0, 0.0, float(i % 7) / 7 + 0.01],
        "embedding_model": "test-model",
    }


async def fill(es: AsyncElasticsearch, spec: IndexSpec, n: int) -> None:
    ops: list[dict[str, Any]] = []
    for i in range(n):
        ops += [{"index": {"_index": spec.write_alias, "_id": f"p{i}"}}, doc(i)]
    resp = await es.bulk(operations=ops, refresh=True)
    assert not resp["errors"]


async def test_migration_keeps_documents_searchable_throughout(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    _, specs = scratch
    spec = specs.profiles
    await ensure_indexes(es, [spec])
    await fill(es, spec, 600)
    before = await index_status(es, spec)

    counts: list[int] = []
    done = asyncio.Event()

    async def reader() -> None:
        while not done.is_set():
            resp = await es.search(
                index=spec.read_alias,
                query={"match": {"search_text": "焊工"}},
                size=0,
                track_total_hits=True,
            )
            counts.append(resp["hits"]["total"]["value"])
            await asyncio.sleep(0)

    async def writer() -> None:
        # Writes and deletes made while the copy runs must survive the swap.
        await asyncio.sleep(0.05)
        await es.index(index=spec.write_alias, id="new-during", document=doc(9999), refresh=True)
        await delete_document(es, spec, "p5")

    reading = asyncio.create_task(reader())
    report, _ = await asyncio.gather(migrate(es, spec, batch_size=50), writer())
    done.set()
    await reading

    after = await index_status(es, spec)
    assert after.concrete == [report.target] != before.concrete
    assert report.copied + report.skipped_newer >= 599
    assert len(counts) > 5
    # Never fewer than the original documents (less the one deleted), never more than all.
    assert min(counts) >= 599
    assert max(counts) <= 601
    ids = {h["_id"] for h in (await es.search(index=spec.read_alias, size=1000))["hits"]["hits"]}
    assert "new-during" in ids
    assert "p5" not in ids, report
    assert len(ids) == 600
    # Vectors survive the copy (they are not in _source unless asked for), as float32.
    copied = await es.get(index=spec.read_alias, id="p3", source_exclude_vectors=False)
    assert copied["_source"]["embedding"] == pytest.approx(doc(3)["embedding"], rel=1e-6)
    # ... and plain reads never carry them.
    assert "embedding" not in (await es.get(index=spec.read_alias, id="p3"))["_source"]
    # Writes go to the new index after the swap.
    await es.index(index=spec.write_alias, id="after", document=doc(1), refresh=True)
    assert (await es.get(index=report.target, id="after"))["found"]


async def test_writes_and_deletes_while_the_copy_runs_win_over_the_copy(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    """Deterministic: the service acts between the copy's batches (via the transform hook)."""
    _, specs = scratch
    spec = specs.postings
    await ensure_indexes(es, [spec])
    await fill(es, spec, 200)
    acted = False

    async def service_acts_mid_copy(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        nonlocal acted
        if not acted:
            acted = True
            # The copy reads a snapshot that still holds every document of the source.
            batch_ids = {hit["_id"] for hit in batch}
            rewrite, delete = [f"p{i}" for i in (198, 199) if f"p{i}" not in batch_ids]
            await es.index(
                index=spec.write_alias, id=rewrite, document=doc(1, text="电工"), refresh=True
            )
            assert await delete_document(es, spec, delete)
        return batch

    report = await migrate(es, spec, transform=service_acts_mid_copy, batch_size=50)
    assert acted
    assert report.skipped_newer == 1
    assert report.removed_deleted == 1
    found = await es.mget(index=spec.read_alias, ids=["p198", "p199"])
    by_id = {d["_id"]: d for d in found["docs"]}
    assert by_id["p198"]["_source"]["search_text"] == "电工"
    assert not by_id["p199"]["found"]
    assert (await es.count(index=spec.read_alias))["count"] == 199


async def test_migration_to_a_new_mapping_version(es: AsyncElasticsearch, scratch: Any) -> None:
    _, specs = scratch
    spec = specs.tokens
    await ensure_indexes(es, [spec])
    newer = dataclasses.replace(spec, mapping_version=2)
    assert (await index_status(es, newer)).needs_migration
    report = await migrate(es, newer, delete_source=True)
    assert report.target.endswith("-v2-002")
    status = await index_status(es, newer)
    assert status.mapping_version == 2
    assert not status.needs_migration
    assert not await es.indices.exists(index=report.source)


async def test_changing_the_embedding_model_needs_re_embedding(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    _, specs = scratch
    spec = specs.profiles
    await ensure_indexes(es, [spec])
    await fill(es, spec, 3)
    other_model = dataclasses.replace(spec, embedding_model="another-model")
    assert (await index_status(es, other_model)).needs_migration
    with pytest.raises(MigrationError, match="re-embedding"):
        await migrate(es, other_model)

    async def reembed(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for hit in batch:
            hit["_source"]["embedding"] = [0.0, 1.0, 0.0, 0.0]
            hit["_source"]["embedding_model"] = "another-model"
        return batch

    report = await migrate(es, other_model, transform=reembed)
    assert report.copied == 3
    hit = await es.get(index=spec.read_alias, id="p1")
    assert hit["_source"]["embedding_model"] == "another-model"
    assert not (await index_status(es, other_model)).needs_migration


async def segment_stats(es: AsyncElasticsearch, spec: IndexSpec) -> tuple[int, int, int]:
    """(segments, live documents, deleted documents) of the primaries behind the read alias."""
    stats = await es.indices.stats(index=spec.read_alias, metric=["segments", "docs"])
    p = stats["_all"]["primaries"]
    return p["segments"]["count"], p["docs"]["count"], p["docs"]["deleted"]


async def test_the_nightly_merge_leaves_one_segment_and_the_same_documents(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    _, specs = scratch
    profiles, postings = specs.profiles, specs.postings
    await ensure_indexes(es, [profiles, postings])
    for i in range(4):  # a refresh after each write: one segment each
        await es.index(index=profiles.write_alias, id=f"p{i}", document=doc(i), refresh=True)
    await delete_document(es, profiles, "p0")
    await es.indices.refresh(index=profiles.read_alias)
    segments, live, deleted = await segment_stats(es, profiles)
    assert segments >= 3
    assert live == 3
    assert deleted >= 1

    results = await merge_segments(es, [profiles, postings], max_bytes=2**30)

    # Deleted documents go with the merge once Elasticsearch no longer keeps them for recovery
    # (its retention leases hold recent deletes for a while); seconds after the delete they stay.
    assert (await segment_stats(es, profiles))[:2] == (1, 3)
    by_index = {r.index: r for r in results}
    merged = by_index[str((await index_status(es, profiles)).write_index)]
    assert (merged.segments_before, merged.segments_after, merged.deleted_before) == (
        segments,
        1,
        deleted,
    )
    assert merged.skipped is None
    empty = by_index[str((await index_status(es, postings)).write_index)]
    assert empty.skipped is not None
    assert empty.segments_after == empty.segments_before
    # Matching finds the same records as before the merge.
    resp = await es.search(index=profiles.read_alias, query={"match": {"search_text": "焊工"}})
    assert sorted(h["_id"] for h in resp["hits"]["hits"]) == ["p1", "p2", "p3"]
    # One segment without deleted documents has nothing to merge.
    await es.index(index=postings.write_alias, id="j1", document=doc(1), refresh=True)
    (single,) = await merge_segments(es, [postings], max_bytes=2**30)
    assert single.skipped is not None
    assert "one segment" in single.skipped


async def test_the_nightly_merge_leaves_an_index_above_the_bound_alone(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    _, specs = scratch
    spec = specs.profiles
    await ensure_indexes(es, [spec])
    for i in range(3):
        await es.index(index=spec.write_alias, id=f"p{i}", document=doc(i), refresh=True)
    segments, _, _ = await segment_stats(es, spec)

    (result,) = await merge_segments(es, [spec], max_bytes=1024)

    assert result.skipped is not None
    assert "above the bound" in result.skipped
    assert result.segments_after == segments
    assert (await segment_stats(es, spec))[0] == segments


async def test_a_merge_past_its_wait_is_reported_pending_and_the_next_call_finishes_it(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    _, specs = scratch
    profiles, postings = specs.profiles, specs.postings
    await ensure_indexes(es, [profiles, postings])
    for spec in (profiles, postings):
        for i in range(3):
            await es.index(index=spec.write_alias, id=f"p{i}", document=doc(i), refresh=True)

    # No time to wait: nothing is started, both indexes are left to the continuation.
    first = await merge_segments(es, [profiles, postings], max_bytes=2**30, wait_s=0)
    assert [r.pending for r in first] == [True, True]
    assert all(r.skipped and "not started" in r.skipped for r in first)
    assert (await segment_stats(es, profiles))[0] >= 3

    second = await merge_segments(es, [profiles, postings], max_bytes=2**30)
    assert [(r.pending, r.skipped, r.segments_after) for r in second] == [(False, None, 1)] * 2


async def test_int8_vectors_move_to_binary_quantisation_by_a_migration(
    es: AsyncElasticsearch, scratch: Any
) -> None:
    """Profiles v8 held int8_hnsw vectors; v9 holds bbq_hnsw. ``matcher migrate profiles``
    copies the vectors into the new graph, and kNN finds the same nearest records."""
    prefix, _ = scratch
    new = build_indexes(prefix, dims=384, embedding_model="test-model").profiles
    mappings = copy.deepcopy(new.mappings)
    mappings["properties"]["embedding"] = {
        "type": "dense_vector",
        "dims": 384,
        "index": True,
        "similarity": "cosine",
        "index_options": {"type": "int8_hnsw"},
    }
    old = dataclasses.replace(new, mapping_version=8, mappings=mappings)
    await ensure_indexes(es, [old])
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(40, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    for i, vector in enumerate(vectors):
        await es.index(
            index=old.write_alias,
            id=f"v{i}",
            document={"id": f"v{i}", "embedding": vector.tolist()},
        )
    await es.indices.refresh(index=old.write_alias)
    assert (await index_status(es, new)).needs_migration

    await migrate(es, new, delete_source=True)
    found = await es.indices.get_mapping(index=new.read_alias)
    (mapping,) = found.body.values()
    options = mapping["mappings"]["properties"]["embedding"]["index_options"]
    assert options["type"] == "bbq_hnsw"
    assert new.knn_oversample == 3.0
    for i in (0, 17, 39):
        resp = await es.search(
            index=new.read_alias,
            knn={
                "field": "embedding",
                "query_vector": vectors[i].tolist(),
                "k": 3,
                "num_candidates": 40,
                "rescore_vector": {"oversample": new.knn_oversample},
            },
            size=3,
        )
        assert resp["hits"]["hits"][0]["_id"] == f"v{i}"
