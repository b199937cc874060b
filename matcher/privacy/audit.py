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
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from matcher.auth.models import Principal, Role
from matcher.records.prepare import utc_now
from matcher.services import Services

Action = Literal[
    "contact_request.created",
    "consent.granted",
    "consent.declined",
    "consent.withdrawn",
    "consent.recorded",
    "contact.released",
    "profile.deleted",
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


class AuditPage(BaseModel):
    events: list[AuditEvent]
    total: int


async def record(
    svc: Services,
    *,
    action: Action,
    principal: Principal,
    profile_id: str | None = None,
    posting_id: str | None = None,
    enterprise_id: str | None = None,
    request_id: str | None = None,
) -> AuditEvent:
    """Write one event; returns once it is durable."""
    now = utc_now()
    event = AuditEvent(
        id=uuid.uuid4().hex,
        at=datetime.fromisoformat(now),
        action=action,
        actor_role=principal.role,
        actor_id=principal.subject,
        token_id=principal.token_id,
        profile_id=profile_id,
        posting_id=posting_id,
        enterprise_id=enterprise_id,
        request_id=request_id,
    )
    doc = event.model_dump(mode="json") | {"indexed_at": now}
    await svc.es.index(index=svc.specs["audit"].write_alias, id=event.id, document=doc)
    return event


async def query(
    svc: Services,
    *,
    profile_id: str | None = None,
    posting_id: str | None = None,
    enterprise_id: str | None = None,
    action: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AuditPage:
    """Events matching every given id, newest first."""
    filters: list[dict[str, Any]] = [
        {"term": {name: value}}
        for name, value in (
            ("profile_id", profile_id),
            ("posting_id", posting_id),
            ("enterprise_id", enterprise_id),
            ("action", action),
        )
        if value
    ]
    # Audit reads are rare; a refresh makes every acknowledged event visible to them.
    await svc.es.indices.refresh(index=svc.specs["audit"].read_alias)
    resp = await svc.es.search(
        index=svc.specs["audit"].read_alias,
        query={"bool": {"filter": filters}},
        sort=[{"at": "desc"}, {"id": "asc"}],
        from_=offset,
        size=limit,
        track_total_hits=True,
    )
    events = [
        AuditEvent.model_validate({k: v for k, v in h["_source"].items() if k != "indexed_at"})
        for h in resp["hits"]["hits"]
    ]
    return AuditPage(events=events, total=int(resp["hits"]["total"]["value"]))
