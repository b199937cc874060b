"""Turning request bodies into stored documents, for every write of either kind (the API, an
import, the demo): the occupation normalized from the title where none is given, the kind's
derived fields, timestamps and the embedding. Blocking model calls run in a worker thread."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

import anyio.to_thread
from pydantic import BaseModel

from indexes.documents import RecordDoc
from matcher.embeddings.base import Vectors
from matcher.records.kinds import RecordKind
from matcher.services import Services
from matcher.taxonomy.normalize import Candidate

B = TypeVar("B", bound=BaseModel)
D = TypeVar("D", bound=RecordDoc)

MAX_WRITE_TRIES = 5  # conditional writes that keep meeting a newer version give up

# Below this score the title says too little to name an occupation; the record keeps none.
MIN_NORMALIZED_SCORE = 0.35


def group_prefixes(codes: Iterable[str]) -> list[str]:
    """ "6-18-02-04" → "6", "6-18", "6-18-02": lets matching reward a shared group."""
    out: set[str] = set()
    for code in codes:
        parts = code.split("-")
        out.update("-".join(parts[:n]) for n in (1, 2, 3))
    return sorted(out)


async def embed_passages(svc: Services, texts: Sequence[str]) -> Vectors:
    return await anyio.to_thread.run_sync(svc.embedder.embed_passages, list(texts))


async def normalize_titles(svc: Services, titles: Sequence[str]) -> list[Candidate | None]:
    """Best occupation for each title, or None when nothing is convincing."""
    if not titles:
        return []
    ranked = await anyio.to_thread.run_sync(svc.taxonomy.normalizer.normalize, list(titles), 1)
    return [best[0] if best and best[0].score >= MIN_NORMALIZED_SCORE else None for best in ranked]


async def prepare(
    svc: Services,
    kind: RecordKind[B, D],
    items: Sequence[tuple[str, B, D | None]],
    *,
    extra: Any = None,
) -> list[D]:
    """Stored documents for ``(id, body, stored)`` items: normalized, derived, embedded.
    ``extra`` is handed to the kind's ``derive`` (the policies in force, for postings)."""
    guesses = iter(
        await normalize_titles(
            svc, [getattr(body, "title", "") for _, body, _ in items if kind.needs_guess(body)]
        )
    )
    docs: list[dict[str, Any]] = []
    texts: list[str] = []
    for record_id, body, stored in items:
        guess = next(guesses) if kind.needs_guess(body) else None
        derived = kind.derive(body, guess, stored, svc.taxonomy, extra)
        docs.append({**derived.fields, "id": record_id})
        texts.append(derived.embedding_text)
    return await finish_documents(svc, docs, texts, [stored for _, _, stored in items])


async def finish_documents(
    svc: Services,
    docs: list[dict[str, Any]],
    texts: Sequence[str],
    stored: Sequence[Mapping[str, Any] | None],
) -> list[D]:
    """Timestamps (creation kept from the stored record), the model id and the embeddings."""
    now = svc.clock.timestamp()
    today = svc.clock.today().isoformat()
    for doc, previous in zip(docs, stored, strict=True):
        doc["created_at"] = (previous or {}).get("created_at", now)
        doc["registered_on"] = (
            doc.get("registered_on") or (previous or {}).get("registered_on") or today
        )
        doc["updated_at"] = doc["indexed_at"] = now
        doc["embedding_model"] = svc.embedder.model_id
    for doc, vector in zip(docs, await embed_passages(svc, texts), strict=True):
        doc["embedding"] = vector.tolist()
    return cast(list[D], docs)
