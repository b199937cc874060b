"""Turning request bodies into stored documents, for every write of either kind (the API, an
import, the demo): the occupation read from the whole record where none is given
(``matcher.records.occupation``), the kind's derived fields, timestamps and the embedding.
Blocking model calls run in a worker thread."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import anyio.to_thread
from pydantic import BaseModel

from indexes.documents import RecordDoc, RegisteredProjectDoc
from matcher.embeddings.base import Vectors
from matcher.policy.incentive_models import Policy
from matcher.records.kinds import RecordKind
from matcher.records.occupation import Confirmation, OccupationInput, confirmed_codes, decide
from matcher.services import Services
from matcher.taxonomy.inference import Reading, RecordText

B = TypeVar("B", bound=BaseModel)
D = TypeVar("D", bound=RecordDoc)

MAX_WRITE_TRIES = 5  # conditional writes that keep meeting a newer version give up


def group_prefixes(codes: Iterable[str]) -> list[str]:
    """ "6-18-02-04" → "6", "6-18", "6-18-02": lets matching reward a shared group."""
    out: set[str] = set()
    for code in codes:
        parts = code.split("-")
        out.update("-".join(parts[:n]) for n in (1, 2, 3))
    return sorted(out)


async def embed_passages(svc: Services, texts: Sequence[str]) -> Vectors:
    return await anyio.to_thread.run_sync(svc.embedder.embed_passages, list(texts))


async def infer_occupations(svc: Services, records: Sequence[RecordText]) -> list[list[Reading]]:
    """The inference's readings of each record (in a worker thread: it embeds)."""
    if not records:
        return []
    return await anyio.to_thread.run_sync(svc.taxonomy.inference.infer, list(records))


@dataclass(frozen=True)
class WriteContext:
    """What a batch of writes shares: the incentive policies postings are flagged with, a
    confirmation of the occupation (``PUT …/occupation``), the registered key projects a
    posting may be linked to (checked by the caller) and whether its link is taken off."""

    policies: Sequence[Policy] = ()
    confirmation: Confirmation | None = None
    projects: Mapping[str, RegisteredProjectDoc] = field(default_factory=dict)
    unlink_project: bool = False
    # Who writes, for a link the body names: True an office or admin (may link), False
    # anyone else (refused), None a file import (the named link is ignored, the stored kept).
    may_link: bool | None = None


async def prepare(
    svc: Services,
    kind: RecordKind[B, D],
    items: Sequence[tuple[str, B, D | None]],
    *,
    context: WriteContext | None = None,
) -> list[D]:
    """Stored documents for ``(id, body, stored)`` items: occupation read, fields derived,
    embedded. The inference reads only records whose body names no occupation and whose
    stored record holds no confirmed one."""
    context = context or WriteContext()
    inputs = [
        OccupationInput(kind.given_occupations(body), stored, confirmation=context.confirmation)
        for _, body, stored in items
    ]
    unread = [
        i
        for i, item in enumerate(inputs)
        if not item.given and confirmed_codes(item.stored) is None
    ]
    readings = await infer_occupations(svc, [kind.record_text(items[i][1]) for i in unread])
    for i, found in zip(unread, readings, strict=True):
        inputs[i] = dataclasses.replace(inputs[i], readings=found)
    docs: list[dict[str, Any]] = []
    texts: list[str] = []
    for (record_id, body, stored), item in zip(items, inputs, strict=True):
        occupation = decide(item, svc.taxonomy)
        derived = kind.derive(body, occupation, stored, svc.taxonomy, context)
        docs.append({**derived.fields, **occupation.fields(), "id": record_id})
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
