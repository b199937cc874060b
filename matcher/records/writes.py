"""Writing one record of either kind: authorised, conditional, never a silent overwrite.

The write is conditional on the version read (``if_seq_no``), and a record that is not there
yet is *created* (``op_type=create``), so two writers racing for the same id, or a writer
racing a hire that takes a place on the posting, never silently undo each other. When the
record changed meanwhile the write is prepared again on the new version — with the
authorisation checked again, since the new version may belong to someone else — and the
caller gets 403 or, after several lost races, 409.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from indexes.documents import RecordDoc
from matcher.foundation.principals import Principal
from matcher.foundation.problems import Conflict, Forbidden, NotFound, ValidationFailed
from matcher.records.kinds import RecordKind
from matcher.records.occupation import Confirmation
from matcher.records.prepare import MAX_WRITE_TRIES, WriteContext, prepare
from matcher.services import Services
from matcher.store.base import Version

B = TypeVar("B", bound=BaseModel)
D = TypeVar("D", bound=RecordDoc)


async def write_record(  # noqa: PLR0913  (all but two keyword-only)
    svc: Services,
    kind: RecordKind[B, D],
    *,
    principal: Principal,
    record_id: str,
    body: B,
    context: WriteContext | None = None,
    expected: tuple[int, int] | None = None,
) -> tuple[D, bool]:
    """Create or replace ``record_id``; the stored document and whether it was created.
    Durable and searchable on return. ``expected``: the version ``body`` was made from (a
    change of one field of the stored record); any other stored version is a 409, never
    overwritten."""
    repo = kind.repository(svc.store)
    for _ in range(MAX_WRITE_TRIES if expected is None else 1):
        versioned = await repo.get_versioned(record_id)
        if expected is not None and (versioned is None or versioned.version != expected):
            break
        # Absent from the write index: new, or not yet copied by a running migration (then
        # the read alias still holds it, and its owner decides). Either way it is created.
        stored = versioned.doc if versioned else await repo.get(record_id)
        owned = _refusal(svc, kind, principal, record_id, body, stored)
        if isinstance(owned, Outcome):
            if owned.status == 403:
                raise Forbidden(owned.detail)
            raise ValidationFailed(owned.detail, [dict(e) for e in owned.errors])
        (doc,) = await prepare(svc, kind, [(record_id, owned, stored)], context=context)
        if await repo.replace(record_id, doc, versioned.version if versioned else None):
            return doc, stored is None
    raise Conflict(_changing(kind, record_id))


def _changing(kind: RecordKind[B, D], record_id: str) -> str:
    return f"{kind.label.capitalize()} {record_id} is being changed by someone else; try again"


async def confirm_occupation(
    svc: Services,
    kind: RecordKind[B, D],
    *,
    principal: Principal,
    record_id: str,
    codes: list[str],
    context: WriteContext | None = None,
) -> D:
    """An office or the owner says which occupation(s) the record is about: the record is
    rewritten with them, certain and marked confirmed (by whom, when). Later rewrites that
    name no occupation keep it (``matcher.records.occupation``)."""
    stored = await kind.repository(svc.store).get(record_id)
    if stored is None or kind.may_write(principal, stored, kind.body_of(stored), svc.taxonomy):
        # Unreadable and unwritable records alike are not found: ids cannot be probed.
        raise NotFound(f"No {kind.label} {record_id}")
    body = kind.with_occupations(kind.body_of(stored), codes)
    confirmation = Confirmation(
        f"{principal.role.value}:{principal.subject}", svc.clock.timestamp()
    )
    doc, _ = await write_record(
        svc,
        kind,
        principal=principal,
        record_id=record_id,
        body=body,
        context=dataclasses.replace(context or WriteContext(), confirmation=confirmation),
    )
    return doc


@dataclass(frozen=True)
class Outcome(Generic[D]):
    """What became of one record of a batch: 201 created, 200 replaced, 403 not the
    caller's to write, 409 changed by someone else throughout, 422 invalid, 503 not stored
    (Elasticsearch refused it; send it again)."""

    record_id: str
    status: int
    detail: str = ""
    errors: Sequence[Mapping[str, str]] = ()
    doc: D | None = None


async def write_records(
    svc: Services,
    kind: RecordKind[B, D],
    *,
    principal: Principal,
    items: Sequence[tuple[str, B]],
) -> dict[str, Outcome[D]]:
    """Create or replace many records at once, each as ``write_record`` would (authorised,
    conditional on the version read, prepared again when it changed meanwhile): one read of
    what is stored, one inference and one embedding call for the batch, one bulk request and
    one refresh wait per round. Durable and searchable on return; record id → outcome. The
    ids must be distinct."""
    repo = kind.repository(svc.store)
    outcomes: dict[str, Outcome[D]] = {}
    pending = dict(items)
    for _ in range(MAX_WRITE_TRIES):
        found = await repo.get_many_versioned(list(pending))
        ready: list[tuple[str, B, D | None, Version | None]] = []
        for record_id, body in pending.items():
            versioned = found.get(record_id)
            stored = versioned.doc if versioned else None
            refused = _refusal(svc, kind, principal, record_id, body, stored)
            if isinstance(refused, Outcome):
                outcomes[record_id] = refused
            else:
                ready.append((record_id, refused, stored, versioned.version if versioned else None))
        if not ready:
            return outcomes
        docs = await prepare(svc, kind, [(i, body, stored) for i, body, stored, _ in ready])
        conflicts, failed = await repo.write_many_if_unchanged(
            [(i, doc, version) for (i, _, _, version), doc in zip(ready, docs, strict=True)],
            refresh="wait_for",
        )
        for (record_id, _, stored, _), doc in zip(ready, docs, strict=True):
            if record_id in failed:
                detail = f"Not stored: {failed[record_id]}; send it again"
                outcomes[record_id] = Outcome(record_id, 503, detail)
            elif record_id not in conflicts:
                outcomes[record_id] = Outcome(record_id, 201 if stored is None else 200, doc=doc)
        pending = {i: body for i, body in pending.items() if i in conflicts}
        if not pending:
            break
    for record_id in pending:
        outcomes[record_id] = Outcome(record_id, 409, _changing(kind, record_id))
    return outcomes


def _refusal(
    svc: Services,
    kind: RecordKind[B, D],
    principal: Principal,
    record_id: str,
    body: B,
    stored: D | None,
) -> Outcome[D] | B:
    """Why ``body`` may not be written over ``stored`` (an outcome), or the body with its
    owner set."""
    owned = kind.with_owner(body, principal, stored)
    reason = kind.may_write(principal, stored, owned, svc.taxonomy)
    if reason:
        return Outcome(record_id, 403, f"You may not write {kind.label} {record_id}: {reason}")
    missing = kind.owner_errors(owned, principal)
    if missing:
        return Outcome(record_id, 422, f"{missing[0]['field']} is required", missing)
    errors = kind.catalog_errors(owned, svc.taxonomy)
    if errors:
        return Outcome(record_id, 422, f"Unknown codes in the {kind.label}", errors)
    return owned
