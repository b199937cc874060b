"""``/v1/referrals``: record an introduction, advance it, list an office's referrals."""

from __future__ import annotations

import re

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import Role
from matcher.foundation.problems import ValidationFailed
from matcher.foundation.records import RECORD_ID_PATTERN
from matcher.referrals import service
from matcher.referrals.models import (
    ReferralAdvance,
    ReferralCreate,
    ReferralList,
    ReferralOut,
    ReferralStatus,
)

DESK_ROLES = frozenset({Role.OFFICE, Role.ADMIN})


async def create_referral(call: Call[ReferralCreate]) -> Response:
    """Record that an office introduced a seeker to a posting (status ``proposed``). The
    posting's hard rules are checked first: nobody is introduced to an access-controlled job
    without the certificate (409 with ``failed_rules``). Proposing the same pair again returns
    its referral (200) while it is in progress or hired; after a decline or no-show it records
    the next attempt (201, ``previous_id`` naming the closed one)."""
    referral, created = await service.create_referral(
        call.services, principal=call.require_principal(), body=call.body
    )
    return json_response(referral, status=201 if created else 200)


async def get_referral(call: Call[None]) -> Response:
    """A referral with its full history."""
    referral = await service.get_referral(
        call.services, principal=call.require_principal(), referral_id=call.path["referral_id"]
    )
    return json_response(referral)


async def advance_referral(call: Call[ReferralAdvance]) -> Response:
    """Move a referral on: proposed → contacted → interviewed → hired, or declined / no_show.
    Each step is timestamped and attributed; any other change is 409. ``hired`` takes a place
    on the posting (409 when it has none left); a posting with every place taken stops
    matching."""
    referral = await service.advance_referral(
        call.services,
        principal=call.require_principal(),
        referral_id=call.path["referral_id"],
        body=call.body,
    )
    return json_response(referral)


def _statuses(raw: str | None) -> list[ReferralStatus] | None:
    if not raw:
        return None
    try:
        return [ReferralStatus(s.strip()) for s in raw.split(",") if s.strip()]
    except ValueError:
        allowed = ", ".join(s.value for s in ReferralStatus)
        raise ValidationFailed(
            "Unknown status", [{"field": "status", "message": f"one or more of {allowed}"}]
        ) from None


def _id_param(call: Call[None], name: str) -> str | None:
    value = call.request.query_params.get(name)
    if value and not re.match(RECORD_ID_PATTERN, value):
        raise ValidationFailed(
            f"Invalid {name}",
            [{"field": name, "message": "1-64 characters of A-Z a-z 0-9 . _ : -"}],
        )
    return value or None


async def list_referrals(call: Call[None]) -> Response:
    """Referrals an office may see: its own, and those whose posting or seeker lies in its
    region (enforced in the query). Filters: ``office``, ``status`` (comma-separated),
    ``period`` (2026, 2026-Q3, 2026-11; by date proposed), ``posting_id``, ``profile_id``."""
    params = call.request.query_params
    limit, offset = params.get("limit", "50"), params.get("offset", "0")
    if not (limit.isdigit() and offset.isdigit() and 1 <= int(limit) <= service.MAX_PAGE):
        raise ValidationFailed(
            "Invalid paging", [{"field": "limit", "message": f"1–{service.MAX_PAGE}"}]
        )
    if int(offset) + int(limit) > 10_000:
        raise ValidationFailed(
            "Paging too deep", [{"field": "offset", "message": "offset + limit ≤ 10000"}]
        )
    result = await service.list_referrals(
        call.services,
        principal=call.require_principal(),
        office=_id_param(call, "office"),
        statuses=_statuses(params.get("status")),
        period=params.get("period") or None,
        posting_id=_id_param(call, "posting_id"),
        profile_id=_id_param(call, "profile_id"),
        limit=int(limit),
        offset=int(offset),
    )
    return json_response(result)


ROUTES = [
    ApiRoute(
        "/v1/referrals",
        "POST",
        create_referral,
        "Record a referral (职业介绍)",
        DESK_ROLES,
        "referrals",
        body=ReferralCreate,
        response=ReferralOut,
        status=201,
    ),
    ApiRoute(
        "/v1/referrals",
        "GET",
        list_referrals,
        "List referrals",
        DESK_ROLES,
        "referrals",
        response=ReferralList,
        query=[
            QueryParam("office", {"type": "string"}, "Only this office's referrals"),
            QueryParam(
                "status",
                {"type": "string"},
                "Comma-separated: " + ", ".join(s.value for s in ReferralStatus),
            ),
            QueryParam("period", {"type": "string"}, "2026, 2026-Q3 or 2026-11 (date proposed)"),
            QueryParam("posting_id", {"type": "string"}, "Only referrals to this posting"),
            QueryParam("profile_id", {"type": "string"}, "Only referrals of this seeker"),
            QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "Default 50"),
            QueryParam("offset", {"type": "integer", "minimum": 0}, "offset + limit ≤ 10000"),
        ],
    ),
    ApiRoute(
        "/v1/referrals/{referral_id}",
        "GET",
        get_referral,
        "Read a referral",
        DESK_ROLES,
        "referrals",
        response=ReferralOut,
        id_params=("referral_id",),
    ),
    ApiRoute(
        "/v1/referrals/{referral_id}/status",
        "POST",
        advance_referral,
        "Advance a referral's status",
        DESK_ROLES,
        "referrals",
        body=ReferralAdvance,
        response=ReferralOut,
        id_params=("referral_id",),
    ),
]
