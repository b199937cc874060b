"""The audit log: every release of contact details and every consent change.

Stored durably in its own index (``<prefix>-audit``), one document per event, written *before*
the action it records takes effect for the caller (a release is not answered when its record
could not be written). An acknowledged write is durable (ES syncs its translog per request);
it is not refreshed then — that would add up to a second to every release — but a query
refreshes the index first, so it always sees every event written before it. An event holds
ids and the action only — never contact details, names or free text — so it may outlive the
profile it names (PIPL art. 47: the deleted profile's data is gone, the record that something
happened stays).

Actions: ``contact_request.created``, ``consent.granted``, ``consent.declined``,
``consent.withdrawn``, ``consent.recorded`` (given in person at an office), ``contact.released``
(an enterprise read contact details), ``profile.deleted``.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal, cast

from pydantic import BaseModel

from indexes.documents import AuditDoc
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import NotFound
from matcher.policy.access import may_read_audit_trail
from matcher.services import Services

Action = Literal[
    "contact_request.created",
    "consent.granted",
    "consent.declined",
    "consent.withdrawn",
    "consent.recorded",
    "contact.released",
    "profile.deleted",
    "referrals.exported",  # the referral board downloaded as a workbook (names in it)
    "candidates.exported",  # a posting's candidate list downloaded as a workbook
    "profile.looked_up",  # a desk found a returning worker's profile by name, phone or number
    "profile.resumed",  # a desk put a paused profile back into matching, the worker agreeing
]
MAX_AUDIT_DEPTH = 10_000


class AuditEvent(BaseModel):
    id: str
    at: datetime
    action: str
    actor_role: Role
    actor_id: str
    token_id: str
    profile_id: str | None
    posting_id: str | None
    enterprise_id: str | None
    request_id: str | None
    # Exports: how many rows left the service in the file, and the selection that chose them
    # (filter names and values such as ``status=hired;scope=office``, never names or text).
    rows: int | None = None
    selection: str | None = None


class AuditPage(BaseModel):
    events: list[AuditEvent]
    total: int


@dataclass(frozen=True)
class Event:
    """What happened, and to which records (ids only)."""

    action: Action
    profile_id: str | None = None
    posting_id: str | None = None
    enterprise_id: str | None = None
    request_id: str | None = None
    rows: int | None = None
    selection: str | None = None


@dataclass(frozen=True)
class AuditFilter:
    """Events matching every id given (None: any)."""

    profile_id: str | None = None
    posting_id: str | None = None
    enterprise_id: str | None = None
    action: str | None = None


async def record(svc: Services, event: Event, *, principal: Principal) -> AuditEvent:
    """Write one event; returns once it is durable."""
    now = svc.clock.now()
    stored = AuditEvent(
        id=uuid.uuid4().hex,
        at=now,
        action=event.action,
        actor_role=principal.role,
        actor_id=principal.subject,
        token_id=principal.token_id,
        profile_id=event.profile_id,
        posting_id=event.posting_id,
        enterprise_id=event.enterprise_id,
        request_id=event.request_id,
        rows=event.rows,
        selection=event.selection,
    )
    doc = stored.model_dump(mode="json") | {"indexed_at": now.isoformat()}
    await svc.store.audit.add(cast(AuditDoc, doc))
    return stored


async def query(svc: Services, selection: AuditFilter, *, page: Page | None = None) -> AuditPage:
    """Events matching every given id, newest first."""
    page = page or Page()
    terms = {k: v for k, v in asdict(selection).items() if v}
    docs, total = await svc.store.audit.page(terms=terms, offset=page.offset, limit=page.limit)
    events = [
        AuditEvent.model_validate({k: v for k, v in doc.items() if k != "indexed_at"})
        for doc in docs
    ]
    return AuditPage(events=events, total=total)


async def profile_trail(
    svc: Services, *, principal: Principal, profile_id: str, page: Page
) -> AuditPage:
    """A profile's own audit trail: for its seeker and admins only (anyone else: not
    found)."""
    stored = None if principal.role is Role.ADMIN else await svc.store.profiles.get(profile_id)
    if not may_read_audit_trail(principal, stored):
        raise NotFound(f"No profile {profile_id}")
    return await query(svc, AuditFilter(profile_id=profile_id), page=page)
