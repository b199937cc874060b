"""The audit log (admins; a seeker for their own profile) and the retention review list."""

from __future__ import annotations

import re
from typing import get_args

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import ADMIN_ONLY, Role
from matcher.foundation.problems import NotFound, ValidationFailed
from matcher.foundation.records import RECORD_ID_PATTERN
from matcher.privacy import audit, retention
from matcher.profiles import service as profiles

RECORD_ID = re.compile(RECORD_ID_PATTERN)


def _paging(call: Call[None], *, default: int, most: int, depth: int) -> tuple[int, int]:
    params = call.request.query_params
    limit, offset = params.get("limit", str(default)), params.get("offset", "0")
    if not (limit.isdigit() and offset.isdigit() and 1 <= int(limit) <= most):
        raise ValidationFailed("Invalid paging", [{"field": "limit", "message": f"1–{most}"}])
    if int(offset) + int(limit) > depth:
        raise ValidationFailed(
            "Paging too deep", [{"field": "offset", "message": f"offset + limit ≤ {depth}"}]
        )
    return int(limit), int(offset)


async def audit_log(call: Call[None]) -> Response:
    """Audit events (contact releases, consent changes, deletions), newest first, filtered by
    any of ``profile_id``, ``posting_id``, ``enterprise_id``, ``action``. Ids only."""
    limit, offset = _paging(call, default=50, most=100, depth=audit.MAX_AUDIT_DEPTH)
    params = call.request.query_params
    errors = [
        {"field": name, "message": "not a record id"}
        for name in ("profile_id", "posting_id", "enterprise_id")
        if params.get(name) is not None and not RECORD_ID.match(params[name])
    ]
    if params.get("action") is not None and params["action"] not in get_args(audit.Action):
        errors.append({"field": "action", "message": ", ".join(get_args(audit.Action))})
    if errors:
        raise ValidationFailed("Invalid filter", errors)
    page = await audit.query(
        call.services,
        profile_id=params.get("profile_id"),
        posting_id=params.get("posting_id"),
        enterprise_id=params.get("enterprise_id"),
        action=params.get("action"),
        limit=limit,
        offset=offset,
    )
    return json_response(page)


async def profile_audit(call: Call[None]) -> Response:
    """Who received this profile's contact details and every consent change (the seeker's
    own profile, or an admin)."""
    principal = call.require_principal()
    profile_id = call.path["profile_id"]
    if principal.role is not Role.ADMIN:
        stored = await profiles.load(call.services, profile_id)
        if stored is None or stored.get("owner_id") != principal.subject:
            raise NotFound(f"No profile {profile_id}")
    limit, offset = _paging(call, default=50, most=100, depth=audit.MAX_AUDIT_DEPTH)
    page = await audit.query(call.services, profile_id=profile_id, limit=limit, offset=offset)
    return json_response(page)


async def stale_profiles(call: Call[None]) -> Response:
    """Profiles not updated within the retention period (``MATCHER_RETENTION_DAYS``), oldest
    first: an office's review list (its region only), for asking the seeker or deleting."""
    limit, offset = _paging(call, default=100, most=500, depth=10_000)
    found = await retention.stale_profiles(
        call.services, principal=call.require_principal(), limit=limit, offset=offset
    )
    return json_response(found)


PAGING = [
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "Default 50"),
    QueryParam("offset", {"type": "integer", "minimum": 0}, "offset + limit ≤ 10000"),
]
ROUTES = [
    ApiRoute(
        "/v1/audit",
        "GET",
        audit_log,
        "Audit log",
        ADMIN_ONLY,
        "privacy",
        response=audit.AuditPage,
        query=[
            QueryParam("profile_id", {"type": "string"}, "Events about this profile"),
            QueryParam("posting_id", {"type": "string"}, "Events about this posting"),
            QueryParam("enterprise_id", {"type": "string"}, "Events about this enterprise"),
            QueryParam("action", {"type": "string"}, "e.g. contact.released"),
            *PAGING,
        ],
    ),
    ApiRoute(
        "/v1/profiles/{profile_id}/audit",
        "GET",
        profile_audit,
        "A profile's audit trail",
        frozenset({Role.SEEKER, Role.ADMIN}),
        "privacy",
        response=audit.AuditPage,
        id_params=("profile_id",),
        query=PAGING,
    ),
    ApiRoute(
        "/v1/retention/profiles",
        "GET",
        stale_profiles,
        "Profiles past the retention period",
        frozenset({Role.OFFICE, Role.ADMIN}),
        "privacy",
        response=retention.StaleProfiles,
        query=[
            QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 500}, "Default 100"),
            QueryParam("offset", {"type": "integer", "minimum": 0}, "offset + limit ≤ 10000"),
        ],
    ),
]
