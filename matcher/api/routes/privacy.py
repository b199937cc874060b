"""The audit log (admins; a seeker for their own profile) and the retention review list."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging, QueryId
from matcher.foundation.principals import ADMIN_ONLY, Role
from matcher.privacy import audit, retention


class TrailQuery(Paging):
    limit: int = Field(default=50, ge=1, le=100, description="Default 50")
    offset: int = Field(default=0, ge=0, description=f"offset + limit ≤ {audit.MAX_AUDIT_DEPTH}")
    depth = audit.MAX_AUDIT_DEPTH


class AuditQuery(TrailQuery):
    profile_id: QueryId | None = Field(default=None, description="Events about this profile")
    posting_id: QueryId | None = Field(default=None, description="Events about this posting")
    enterprise_id: QueryId | None = Field(default=None, description="Events about this enterprise")
    action: audit.Action | None = Field(default=None, description="e.g. contact.released")

    def selection(self) -> audit.AuditFilter:
        return audit.AuditFilter(
            profile_id=self.profile_id,
            posting_id=self.posting_id,
            enterprise_id=self.enterprise_id,
            action=self.action,
        )


class RetentionQuery(Paging):
    limit: int = Field(default=100, ge=1, le=500, description="Default 100")


async def audit_log(call: Call[None, AuditQuery]) -> Response:
    """Audit events (contact releases, consent changes, deletions), newest first, filtered by
    any of ``profile_id``, ``posting_id``, ``enterprise_id``, ``action``. Ids only."""
    page = await audit.query(call.services, call.query.selection(), page=call.query.page())
    return json_response(page)


async def profile_audit(call: Call[None, TrailQuery]) -> Response:
    """Who received this profile's contact details and every consent change (the seeker's
    own profile, or an admin)."""
    page = await audit.profile_trail(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        page=call.query.page(),
    )
    return json_response(page)


async def stale_profiles(call: Call[None, RetentionQuery]) -> Response:
    """Profiles not updated within the retention period (``MATCHER_RETENTION_DAYS``), oldest
    first: an office's review list (its region only), for asking the seeker or deleting."""
    found = await retention.stale_profiles(
        call.services, principal=call.require_principal(), page=call.query.page()
    )
    return json_response(found)


ROUTES = [
    ApiRoute(
        "/v1/audit",
        "GET",
        audit_log,
        "Audit log",
        ADMIN_ONLY,
        "privacy",
        response=audit.AuditPage,
        query=AuditQuery,
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
        query=TrailQuery,
    ),
    ApiRoute(
        "/v1/retention/profiles",
        "GET",
        stale_profiles,
        "Profiles past the retention period",
        frozenset({Role.OFFICE, Role.ADMIN}),
        "privacy",
        response=retention.StaleProfiles,
        query=RetentionQuery,
    ),
]
