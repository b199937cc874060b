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
from typing import TypeVar

from pydantic import BaseModel

from indexes.documents import RecordDoc
from matcher.foundation.principals import Principal
from matcher.foundation.problems import Conflict, Forbidden, NotFound, ValidationFailed
from matcher.records.kinds import RecordKind
from matcher.records.occupation import Confirmation
from matcher.records.prepare import MAX_WRITE_TRIES, WriteContext, prepare
from matcher.services import Services

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
        owned = kind.with_owner(body, principal, stored)
        reason = kind.may_write(principal, stored, owned, svc.taxonomy)
        if reason:
            raise Forbidden(f"You may not write {kind.label} {record_id}: {reason}")
        missing = kind.owner_errors(owned, principal)
        if missing:
            raise ValidationFailed(f"{missing[0]['field']} is required", missing)
        errors = kind.catalog_errors(owned, svc.taxonomy)
        if errors:
            raise ValidationFailed(f"Unknown codes in the {kind.label}", errors)
        (doc,) = await prepare(svc, kind, [(record_id, owned, stored)], context=context)
        if await repo.replace(record_id, doc, versioned.version if versioned else None):
            return doc, stored is None
    raise Conflict(
        f"{kind.label.capitalize()} {record_id} is being changed by someone else; try again"
    )


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
