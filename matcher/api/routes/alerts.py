"""``/v1/alerts``: the caller's inbox (``matcher.alerts``)."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response

from matcher.alerts import service
from matcher.alerts.models import AlertList, AlertOut
from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging
from matcher.foundation.principals import Role

INBOX_ROLES = frozenset({Role.SEEKER, Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})


class AlertsQuery(Paging):
    unread: bool = Field(default=False, description="Only alerts not yet marked read")


async def list_alerts(call: Call[None, AlertsQuery]) -> Response:
    """The caller's alerts, newest first, with the count of unread ones: postings about to
    expire or expired, filled, a hire and the question whether to pause the profile."""
    result = await service.list_alerts(
        call.services,
        principal=call.require_principal(),
        unread_only=call.query.unread,
        page=call.query.page(),
    )
    return json_response(result)


async def mark_read(call: Call[None, None]) -> Response:
    """Mark one of the caller's alerts read (again: unchanged). Another's alert is 404."""
    alert = await service.mark_read(
        call.services, principal=call.require_principal(), alert_id=call.path["alert_id"]
    )
    return json_response(alert)


ROUTES = [
    ApiRoute(
        "/v1/alerts",
        "GET",
        list_alerts,
        "The caller's inbox",
        INBOX_ROLES,
        "alerts",
        response=AlertList,
        query=AlertsQuery,
    ),
    ApiRoute(
        "/v1/alerts/{alert_id}/read",
        "POST",
        mark_read,
        "Mark an alert read",
        INBOX_ROLES,
        "alerts",
        response=AlertOut,
        id_params=("alert_id",),
    ),
]
