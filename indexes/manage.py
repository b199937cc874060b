"""Create indexes behind aliases, report their state, and migrate them without read downtime.

Concrete names are ``<prefix>-<name>-v<mapping_version>-<seq>``; ``seq`` grows by one per
migration, so the first index of a fresh install has a fixed name and two processes running
``init-indexes`` at once cannot create two.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from elasticsearch.helpers import async_bulk, async_scan

from indexes.specs import IndexSpec

logger = logging.getLogger("matcher.indexes")

Transform = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]


class MigrationError(RuntimeError):
    """The index is not in a state a migration can start from."""


@dataclass(frozen=True)
class IndexStatus:
    name: str
    read_alias: str
    concrete: list[str]
    write_index: str | None
    mapping_version: int | None
    embedding_model: str | None
    docs: int | None
    needs_migration: bool

    @property
    def present(self) -> bool:
        return bool(self.concrete) and self.write_index is not None


@dataclass(frozen=True)
class MigrationReport:
    name: str
    source: str
    target: str
    copied: int
    skipped_newer: int
    removed_deleted: int
    source_deleted: bool


def _concrete_name(spec: IndexSpec, seq: int) -> str:
    return f"{spec.prefix}-{spec.name}-v{spec.mapping_version}-{seq:03d}"


def _seq_of(spec: IndexSpec, index: str) -> int:
    match = re.fullmatch(re.escape(f"{spec.prefix}-{spec.name}-v") + r"\d+-(\d+)", index)
    return int(match.group(1)) if match else 0


async def _alias_targets(es: AsyncElasticsearch, alias: str) -> dict[str, bool]:
    """Concrete indexes behind ``alias`` → whether each is the write index."""
    try:
        resp = await es.indices.get_alias(name=alias)
    except NotFoundError:
        return {}
    return {
        index: bool(body["aliases"][alias].get("is_write_index", False))
        for index, body in resp.body.items()
    }


async def ensure_indexes(es: AsyncElasticsearch, specs: Iterable[IndexSpec]) -> list[str]:
    """Create each logical index that has no alias yet; return the concrete names created.

    Idempotent: existing indexes are left alone, even when their mapping is older (that is a
    migration, which rewrites data and is never done implicitly).
    """
    created = []
    for spec in specs:
        if await es.indices.exists_alias(name=spec.read_alias):
            continue
        name = _concrete_name(spec, 1)
        body = spec.body()
        body["aliases"] = {spec.read_alias: {}, spec.write_alias: {"is_write_index": True}}
        try:
            await es.indices.create(index=name, **body)
            created.append(name)
            logger.info("index created", extra={"index": name})
        except Exception as exc:
            # Another process won the race: the same fixed name already exists.
            if getattr(exc, "error", "") != "resource_already_exists_exception":
                raise
    return created


async def apply_replicas(es: AsyncElasticsearch, specs: Iterable[IndexSpec]) -> list[str]:
    """Give the concrete indexes behind each spec's read alias the replicas of its layout
    (a dynamic setting: no copy, ES adds or drops replicas in the background); the names
    changed. Shard counts are fixed at creation and left alone here."""
    changed = []
    for spec in specs:
        wanted = spec.layout.settings()
        wanted_replicas = {k: v for k, v in wanted.items() if k != "number_of_shards"}
        for index in sorted(await _alias_targets(es, spec.read_alias)):
            current = (await es.indices.get_settings(index=index)).body[index]["settings"]
            current = current.get("index", {})
            now = {
                "auto_expand_replicas": str(current.get("auto_expand_replicas", "false")),
                "number_of_replicas": str(current.get("number_of_replicas", "")),
            }
            if "number_of_replicas" in wanted_replicas:
                same = now["auto_expand_replicas"] == "false" and now["number_of_replicas"] == str(
                    wanted_replicas["number_of_replicas"]
                )
            else:
                same = now["auto_expand_replicas"] == wanted_replicas["auto_expand_replicas"]
            if not same:
                await es.indices.put_settings(index=index, settings={"index": wanted_replicas})
                changed.append(index)
                logger.info("index replicas changed", extra={"index": index})
    return changed


async def index_status(es: AsyncElasticsearch, spec: IndexSpec) -> IndexStatus:
    targets = await _alias_targets(es, spec.read_alias)
    writes = await _alias_targets(es, spec.write_alias)
    write_index = next((i for i, is_write in writes.items() if is_write or len(writes) == 1), None)
    version = model = docs = None
    if len(targets) == 1:
        index = next(iter(targets))
        mapping = await es.indices.get_mapping(index=index)
        meta = mapping.body[index]["mappings"].get("_meta", {})
        version, model = meta.get("mapping_version"), meta.get("embedding_model")
        docs = int((await es.count(index=index)).body["count"])
    needs = bool(targets) and (
        version != spec.mapping_version or (model or None) != (spec.embedding_model or None)
    )
    return IndexStatus(
        name=spec.name,
        read_alias=spec.read_alias,
        concrete=sorted(targets),
        write_index=write_index,
        mapping_version=version,
        embedding_model=model,
        docs=docs,
        needs_migration=needs,
    )


async def delete_document(es: AsyncElasticsearch, spec: IndexSpec, doc_id: str) -> bool:
    """Delete ``doc_id`` from every concrete index behind the aliases; True if any held it.

    During a migration the aliases point at two indexes and may move while this runs, so it
    deletes until a fresh look at the aliases shows no index it has not deleted from yet.
    Together with the migration's final check, a deleted record cannot come back.
    """
    done: set[str] = set()
    found = False
    while True:
        current = set(await _alias_targets(es, spec.read_alias))
        current |= set(await _alias_targets(es, spec.write_alias))
        pending = current - done
        if not pending:
            return found
        for index in sorted(pending):
            try:
                await es.delete(index=index, id=doc_id, refresh="wait_for")
                found = True
            except NotFoundError:
                pass
        done |= pending


async def migrate(
    es: AsyncElasticsearch,
    spec: IndexSpec,
    *,
    transform: Transform | None = None,
    batch_size: int = 500,
    delete_source: bool = False,
) -> MigrationReport:
    """Build a new concrete index from ``spec``, copy every document, then swap the aliases.

    Reads keep hitting the complete old index until one atomic alias swap moves them to the
    complete new one. Writes move to the new index first, so nothing written during the copy
    is lost: the copy uses ``create`` and never overwrites a document the service rewrote.
    Documents deleted during the copy are removed again after it. The copied ids are held in
    memory (about 150 bytes each: fine for millions, not for billions).
    ``transform`` may rewrite each batch, e.g. to re-embed text for a new model.
    """
    sources = await _alias_targets(es, spec.read_alias)
    if len(sources) != 1:
        raise MigrationError(
            f"{spec.read_alias} must point at exactly one index to migrate, not {sorted(sources)}"
        )
    source = next(iter(sources))
    existing = await es.indices.get(index=spec.concrete_pattern, expand_wildcards="all")
    seq = max((_seq_of(spec, name) for name in existing.body), default=0) + 1
    target = _concrete_name(spec, seq)
    source_meta = (
        (await es.indices.get_mapping(index=source)).body[source]["mappings"].get("_meta", {})
    )
    if transform is None and source_meta.get("embedding_model") != spec.embedding_model:
        raise MigrationError(
            f"{spec.name}: vectors were made by {source_meta.get('embedding_model')!r}, the "
            f"service now uses {spec.embedding_model!r}; migrate with re-embedding"
        )
    await es.indices.create(index=target, **spec.body())
    await es.indices.update_aliases(
        actions=[
            {"remove": {"index": source, "alias": spec.write_alias}},
            {"add": {"index": target, "alias": spec.write_alias, "is_write_index": True}},
        ]
    )
    logger.info("migration started", extra={"source": source, "target": target})

    skipped = 0
    # id → indexed_at of each document the copy wrote: tells copies from the service's writes.
    copied: dict[str, Any] = {}
    batch: list[dict[str, Any]] = []

    async def flush() -> None:
        nonlocal skipped, batch
        docs = await transform(batch) if transform else batch
        actions = [
            {"_op_type": "create", "_index": target, "_id": d["_id"], "_source": d["_source"]}
            for d in docs
        ]
        _, failed = await async_bulk(
            es, actions, raise_on_error=False, stats_only=False, max_chunk_bytes=900_000
        )
        errors = failed if isinstance(failed, list) else []
        conflicts = {_item(e)["_id"] for e in errors if _item(e).get("status") == 409}
        if len(conflicts) != len(errors):
            raise MigrationError(f"copy into {target} failed: {errors[:3]}")
        skipped += len(conflicts)
        copied.update(
            (d["_id"], d["_source"].get("indexed_at")) for d in docs if d["_id"] not in conflicts
        )
        batch = []

    # Vectors are not in _source by default: ask for them, or the copy would lose them.
    query = {"sort": ["_doc"], "_source": {"exclude_vectors": False}}
    async for hit in async_scan(es, index=source, size=batch_size, query=query):
        batch.append(hit)
        if len(batch) >= batch_size:
            await flush()
    if batch:
        await flush()
    await es.indices.refresh(index=target)
    await es.indices.update_aliases(
        actions=[
            {"remove": {"index": source, "alias": spec.read_alias}},
            {"add": {"index": target, "alias": spec.read_alias}},
        ]
    )
    removed = await _remove_deleted_during_copy(es, source, target, copied)
    if delete_source:
        await es.indices.delete(index=source)
    logger.info("migration finished", extra={"target": target, "copied": len(copied)})
    return MigrationReport(spec.name, source, target, len(copied), skipped, removed, delete_source)


def _item(error: Any) -> dict[str, Any]:
    item: dict[str, Any] = next(iter(error.values())) if isinstance(error, dict) else {}
    return item


async def _remove_deleted_during_copy(
    es: AsyncElasticsearch, source: str, target: str, copied: dict[str, Any]
) -> int:
    """Delete copies of documents that the service deleted while the copy ran.

    The copy reads a snapshot (scroll), so it can write a document after the service deleted
    it from both indexes. Such a copy is gone from the source and still holds the copied
    ``indexed_at`` in the target; a document the service wrote again has a newer one.
    """
    await es.indices.refresh(index=source)
    remaining = {hit["_id"] async for hit in async_scan(es, index=source, _source=False)}
    candidates = [doc_id for doc_id in copied if doc_id not in remaining]
    stale: list[str] = []
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        resp = await es.mget(index=target, ids=chunk, source_includes=["indexed_at"])
        stale += [
            d["_id"]
            for d in resp["docs"]
            if d.get("found") and d["_source"].get("indexed_at") == copied[d["_id"]]
        ]
    for doc_id in stale:
        with contextlib.suppress(NotFoundError):
            await es.delete(index=target, id=doc_id)
    if stale:
        await es.indices.refresh(index=target)
    return len(stale)


async def drop_indexes(es: AsyncElasticsearch, prefix: str) -> list[str]:
    """Delete every concrete index of ``prefix`` (tests and ``matcher reset``), by exact name."""
    resp = await es.indices.get(index=f"{prefix}-*", expand_wildcards="all")
    names = sorted(resp.body)
    if names:
        await es.indices.delete(index=",".join(names))
    return names
