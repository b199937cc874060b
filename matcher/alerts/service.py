"""The inbox: alerts written by jobs and use cases for one principal each, read by that
principal only (``GET /v1/alerts``), marked read one by one — or for the offices of a region
(``Notice.to_offices``: a possible double registration), read by every office whose region
covers it and by admins.

An alert's id is a hash of its recipient, kind, record and ``tag`` (e.g. the date it is
about), so a job retried after a crash, or run twice, writes each alert once. Alerts never
carry contact details: they name a record and say what happened to it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indexes.documents import AlertDoc
from matcher.alerts.models import AlertKind, AlertList, AlertOut
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import NotFound
from matcher.policy.access import inbox_scope, may_read_alert
from matcher.services import Services
from matcher.store.queries import OFFICES, recipient_of


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
    region_code: str | None = None  # for a notice to the offices of a region (``to_offices``)

    @classmethod
    def to_offices(cls, region_code: str, **fields: Any) -> Notice:
        """A notice to every office whose region covers ``region_code`` (and to admins):
        the work of a region's desk, read and marked read by any of them."""
        return cls(role=Role.OFFICE, subject="*", region_code=region_code, **fields)

    @property
    def recipient(self) -> str:
        return OFFICES if self.region_code else recipient_of(self.role.value, self.subject)

    @property
    def alert_id(self) -> str:
        key = "|".join((self.recipient, self.kind, self.record_id, self.tag))
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
            "recipient": n.recipient,
            "kind": n.kind.value,
            "record_kind": n.record_kind,
            "record_id": n.record_id,
            "title": n.title,
            "body": n.body,
            "subscription_id": n.subscription_id,
            "region_code": n.region_code,
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
        inbox_scope(principal),
        unread_only=unread_only,
        offset=page.offset,
        limit=page.limit,
    )
    return AlertList(alerts=[_out(d) for d in docs], total=total, unread=unread)


async def mark_read(svc: Services, *, principal: Principal, alert_id: str) -> AlertOut:
    """Mark one of the caller's alerts read (again: no change). Another's is not found.
    An alert to a region's offices is read for all of them once one has read it."""
    stored = await svc.store.alerts.get_versioned(alert_id)
    if stored is None or not may_read_alert(principal, stored.doc, svc.taxonomy.regions):
        raise NotFound(f"No alert {alert_id}")
    doc = stored.doc
    if not doc.get("read_at"):
        doc = {**doc, "read_at": svc.clock.timestamp()}
        # A lost race means another request marked it read: the same outcome.
        await svc.store.alerts.replace(alert_id, doc, stored.version)
    return _out(doc)
