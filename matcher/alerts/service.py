"""The inbox: alerts written by jobs and use cases for one principal each, read by that
principal only (``GET /v1/alerts``), marked read one by one.

An alert's id is a hash of its recipient, kind, record and ``tag`` (e.g. the date it is
about), so a job retried after a crash, or run twice, writes each alert once. Alerts never
carry contact details: they name a record and say what happened to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from indexes.documents import AlertDoc
from matcher.alerts.models import AlertKind, AlertList, AlertOut
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import NotFound
from matcher.services import Services


def recipient_of(role: Role, subject: str) -> str:
    return f"{role.value}:{subject}"


@dataclass(frozen=True)
class Notice:
    """Something to tell one principal about one record."""

    role: Role
    subject: str
    kind: AlertKind
    record_kind: str
    record_id: str
    title: str
    body: str
    tag: str = ""  # what makes a repeat a new alert (a date); empty: once per record
    subscription_id: str | None = None  # the saved search that raised it

    @property
    def alert_id(self) -> str:
        key = "|".join((recipient_of(self.role, self.subject), self.kind, self.record_id, self.tag))
        return hashlib.sha256(key.encode()).hexdigest()[:32]


async def notify(svc: Services, notices: Sequence[Notice]) -> int:
    """Write the alerts not written before; how many were new."""
    return len(await notify_new(svc, notices))


async def notify_new(svc: Services, notices: Sequence[Notice]) -> list[Notice]:
    """Write the alerts not written before; the notices that were new."""
    stamp = svc.clock.timestamp()
    unique = {n.alert_id: n for n in notices if n.subject}
    docs: list[AlertDoc] = [
        {
            "id": n.alert_id,
            "recipient": recipient_of(n.role, n.subject),
            "kind": n.kind.value,
            "record_kind": n.record_kind,
            "record_id": n.record_id,
            "title": n.title,
            "body": n.body,
            "subscription_id": n.subscription_id,
            "created_at": stamp,
            "indexed_at": stamp,
        }
        for n in unique.values()
    ]
    created = set(await svc.store.alerts.add_new(docs))
    return [n for key, n in unique.items() if key in created]


def _out(doc: AlertDoc) -> AlertOut:
    return AlertOut.model_validate({k: v for k, v in doc.items() if k in AlertOut.model_fields})


async def list_alerts(
    svc: Services, *, principal: Principal, unread_only: bool, page: Page
) -> AlertList:
    docs, total, unread = await svc.store.alerts.page(
        recipient_of(principal.role, principal.subject),
        unread_only=unread_only,
        offset=page.offset,
        limit=page.limit,
    )
    return AlertList(alerts=[_out(d) for d in docs], total=total, unread=unread)


async def mark_read(svc: Services, *, principal: Principal, alert_id: str) -> AlertOut:
    """Mark one of the caller's alerts read (again: no change). Another's is not found."""
    stored = await svc.store.alerts.get_versioned(alert_id)
    if stored is None or stored.doc.get("recipient") != recipient_of(
        principal.role, principal.subject
    ):
        raise NotFound(f"No alert {alert_id}")
    doc = stored.doc
    if not doc.get("read_at"):
        doc = {**doc, "read_at": svc.clock.timestamp()}
        # A lost race means another request marked it read: the same outcome.
        await svc.store.alerts.replace(alert_id, doc, stored.version)
    return _out(doc)
