"""Steps shared by every record write (API, import, demo): occupation normalisation, text
segmentation, embeddings, and bulk writes. Blocking model calls run in a worker thread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from elasticsearch import AsyncElasticsearch, NotFoundError
from elasticsearch.helpers import async_bulk
from pydantic import BaseModel

from matcher.embeddings.base import Vectors
from matcher.services import Services
from matcher.taxonomy.normalize import Candidate

# aiohttp writes bodies over 1 MiB in one blocking call (and warns); smaller bulk requests
# keep the event loop responsive while vectors are indexed.
MAX_BULK_BYTES = 900_000
MAX_WRITE_TRIES = 5  # conditional writes that keep meeting a newer version give up

# Below this score the title says too little to name an occupation; the record keeps none.
MIN_NORMALISED_SCORE = 0.35


def utc_now() -> str:
    return datetime.now(UTC).isoformat()


def local_today(timezone: str) -> str:
    """Today's date where the offices are (registration days and bulletin periods use it)."""
    return datetime.now(ZoneInfo(timezone)).date().isoformat()


def group_prefixes(codes: Iterable[str]) -> list[str]:
    """ "6-18-02-04" → "6", "6-18", "6-18-02": lets matching reward a shared group."""
    out: set[str] = set()
    for code in codes:
        parts = code.split("-")
        out.update("-".join(parts[:n]) for n in (1, 2, 3))
    return sorted(out)


async def embed_passages(svc: Services, texts: Sequence[str]) -> Vectors:
    return await anyio.to_thread.run_sync(svc.embedder.embed_passages, list(texts))


async def normalise_titles(svc: Services, titles: Sequence[str]) -> list[Candidate | None]:
    """Best occupation for each title, or None when nothing is convincing."""
    if not titles:
        return []
    ranked = await anyio.to_thread.run_sync(svc.taxonomy.normalizer.normalize, list(titles), 1)
    return [best[0] if best and best[0].score >= MIN_NORMALISED_SCORE else None for best in ranked]


async def _bulk(
    es: AsyncElasticsearch, actions: list[dict[str, Any]], refresh: bool | str = False
) -> list[tuple[str, int, str]]:
    """Run bulk ``actions``; returns (id, status, reason) of each that failed."""
    _, failed = await async_bulk(
        es,
        actions,
        raise_on_error=False,
        stats_only=False,
        refresh=refresh,
        max_chunk_bytes=MAX_BULK_BYTES,
    )
    out = []
    for item in failed if isinstance(failed, list) else []:
        info = next(iter(item.values()))
        reason = str(info.get("error", {}).get("reason", "index failed"))
        out.append((str(info.get("_id")), int(info.get("status", 0)), reason))
    return out


async def bulk_write(
    es: AsyncElasticsearch,
    index: str,
    docs: Sequence[tuple[str, dict[str, Any]]],
    *,
    refresh: bool | str = False,
) -> dict[str, str]:
    """Index ``(id, source)`` pairs; returns id → error message for the ones that failed."""
    actions = [{"_index": index, "_id": doc_id, "_source": source} for doc_id, source in docs]
    return {doc_id: reason for doc_id, _, reason in await _bulk(es, actions, refresh)}


async def conditional_bulk_write(
    es: AsyncElasticsearch,
    index: str,
    docs: Sequence[tuple[str, dict[str, Any], tuple[int, int] | None]],
    errors: dict[str, str],
) -> set[str]:
    """Index ``(id, source, version)`` triples, each only over that version
    (``(seq_no, primary_term)``) or, without one, only if the id is still new. Returns the ids
    that conflicted (changed or created meanwhile); other failures go into ``errors``."""
    actions: list[dict[str, Any]] = []
    for doc_id, source, version in docs:
        action: dict[str, Any] = {"_index": index, "_id": doc_id, "_source": source}
        if version is None:
            action["_op_type"] = "create"
        else:
            action["if_seq_no"], action["if_primary_term"] = version
        actions.append(action)
    conflicts: set[str] = set()
    for doc_id, status, reason in await _bulk(es, actions):
        if status == 409:
            conflicts.add(doc_id)
        else:
            errors[doc_id] = reason
    return conflicts


def local_days(field: str, start: date, end: date, timezone: str) -> dict[str, Any]:
    """A range query: timestamps in ``field`` on days ``start`` … ``end`` (end excluded) as
    days of ``timezone``."""
    return {
        "range": {field: {"gte": start.isoformat(), "lt": end.isoformat(), "time_zone": timezone}}
    }


async def load_source(
    svc: Services, kind: str, record_id: str, *, with_vector: bool = False
) -> dict[str, Any] | None:
    """The stored document of a profile or posting, or None. Its embedding only on request:
    vectors are kept out of ``_source`` (ES 9's default), which keeps every search's fetch
    phase from reading and parsing kilobytes of floats per hit."""
    try:
        found = await svc.es.get(
            index=svc.specs[kind].read_alias, id=record_id, source_exclude_vectors=not with_vector
        )
    except NotFoundError:
        return None
    source: dict[str, Any] = found["_source"]
    return source


async def load_versioned(
    svc: Services, kind: str, record_id: str
) -> tuple[dict[str, Any], int, int] | None:
    """The stored document with its ``_seq_no`` and ``_primary_term``, read through the write
    alias so a conditional write (``if_seq_no``) goes to the same concrete index. With its
    embedding: a conditional write rewrites the whole document, which must keep the vector."""
    try:
        found = await svc.es.get(
            index=svc.specs[kind].write_alias, id=record_id, source_exclude_vectors=False
        )
    except NotFoundError:
        return None
    return found["_source"], int(found["_seq_no"]), int(found["_primary_term"])


def api_fields(source: Mapping[str, Any], model: type[BaseModel], nested: str) -> dict[str, Any]:
    """A stored document's fields as ``model`` has them: derived fields dropped, including the
    certificate ``key`` added inside the ``nested`` certificate list."""
    fields = {k: v for k, v in source.items() if k in model.model_fields}
    if nested in fields:
        fields[nested] = [
            {k: v for k, v in c.items() if k not in ("key", "covers")} for c in fields[nested]
        ]
    return fields


async def finish_documents(
    svc: Services,
    docs: list[dict[str, Any]],
    texts: Sequence[str],
    stored: Sequence[Mapping[str, Any] | None],
) -> list[dict[str, Any]]:
    """Timestamps (creation kept from the stored record), the model id and the embeddings."""
    now = utc_now()
    today = local_today(svc.settings.timezone)
    for doc, previous in zip(docs, stored, strict=True):
        doc["created_at"] = (previous or {}).get("created_at", now)
        doc["registered_on"] = (
            doc.get("registered_on") or (previous or {}).get("registered_on") or today
        )
        doc["updated_at"] = doc["indexed_at"] = now
        doc["embedding_model"] = svc.embedder.model_id
    for doc, vector in zip(docs, await embed_passages(svc, texts), strict=True):
        doc["embedding"] = vector.tolist()
    return docs
