"""``/v1/referrals``: record an introduction, advance it, list an office's referrals."""

from __future__ import annotations

from pydantic import Field, field_validator
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging, QueryId
from matcher.foundation.principals import Role
from matcher.referrals import service
from matcher.referrals.models import (
    HireUndo,
    ReferralAdvance,
    ReferralCreate,
    ReferralList,
    ReferralOut,
    ReferralStatus,
)
from matcher.referrals.service import ReferralFilter


class ReferralsQuery(Paging):
    office: QueryId | None = Field(default=None, description="Only this office's referrals")
    status: str | None = Field(
        default=None,
        max_length=200,
        description="Comma-separated: " + ", ".join(s.value for s in ReferralStatus),
    )
    period: str | None = Field(
        default=None, max_length=30, description="2026, 2026-Q3 or 2026-11 (date proposed)"
    )
    posting_id: QueryId | None = Field(default=None, description="Only referrals to this posting")
    profile_id: QueryId | None = Field(default=None, description="Only referrals of this seeker")
    limit: int = Field(default=50, ge=1, le=service.MAX_PAGE, description="Default 50")
    offset: int = Field(default=0, ge=0, description="offset + limit ≤ 10000")

    @field_validator("status")
    @classmethod
    def _known_statuses(cls, raw: str | None) -> str | None:
        for part in (raw or "").split(","):
            if part.strip() and part.strip() not in {s.value for s in ReferralStatus}:
                allowed = ", ".join(s.value for s in ReferralStatus)
                raise ValueError(f"one or more of {allowed}")
        return raw

    def selection(self) -> ReferralFilter:
        statuses = [ReferralStatus(s.strip()) for s in (self.status or "").split(",") if s.strip()]
        return ReferralFilter(
            office=self.office,
            statuses=statuses,
            period=self.period or None,
            posting_id=self.posting_id,
            profile_id=self.profile_id,
        )


DESK_ROLES = frozenset({Role.OFFICE, Role.ADMIN})
# Enterprises read the outcomes of referrals to their own postings (the enterprise view).
READERS = DESK_ROLES | {Role.ENTERPRISE}


async def create_referral(call: Call[ReferralCreate, None]) -> Response:
    """Record that an office introduced a seeker to a posting (status ``proposed``). The
    posting's hard rules are checked first: nobody is introduced to an access-controlled job
    without the certificate (409 with ``failed_rules``). Proposing the same pair again returns
    its referral (200) while it is in progress or hired; after a decline or no-show it records
    the next attempt (201, ``previous_id`` naming the closed one)."""
    referral, created = await service.create_referral(
        call.services, principal=call.require_principal(), body=call.body
    )
    return json_response(referral, status=201 if created else 200)


async def get_referral(call: Call[None, None]) -> Response:
    """A referral with its full history. An enterprise reads those to its own postings, in
    its view: steps and dates, the seeker's trade, grade and league-city — no office staff,
    notes or county; the seeker's contact details only ever through consent."""
    referral = await service.get_referral(
        call.services, principal=call.require_principal(), referral_id=call.path["referral_id"]
    )
    return json_response(referral)


async def advance_referral(call: Call[ReferralAdvance, None]) -> Response:
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


async def undo_hire(call: Call[HireUndo, None]) -> Response:
    """Take back a hire recorded by mistake, within 30 minutes of recording it: the referral
    returns to its step before (the undo stays in its history) and the posting gets its place
    back. Later, or on a referral that is not hired: 409."""
    referral = await service.undo_hire(
        call.services,
        principal=call.require_principal(),
        referral_id=call.path["referral_id"],
        body=call.body,
    )
    return json_response(referral)


async def list_referrals(call: Call[None, ReferralsQuery]) -> Response:
    """Referrals an office may see: its own, and those whose posting or seeker lies in its
    region (enforced in the query); for an enterprise, those to its postings (its view, as
    for one referral). Filters: ``office``, ``status`` (comma-separated),
    ``period`` (2026, 2026-Q3, 2026-11; by date proposed), ``posting_id``, ``profile_id``."""
    result = await service.list_referrals(
        call.services,
        principal=call.require_principal(),
        selection=call.query.selection(),
        page=call.query.page(),
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
        created=True,
        also={404: "The posting or the profile named is unknown, or not one the caller may read"},
    ),
    ApiRoute(
        "/v1/referrals",
        "GET",
        list_referrals,
        "List referrals",
        READERS,
        "referrals",
        response=ReferralList,
        query=ReferralsQuery,
    ),
    ApiRoute(
        "/v1/referrals/{referral_id}",
        "GET",
        get_referral,
        "Read a referral",
        READERS,
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
    ApiRoute(
        "/v1/referrals/{referral_id}/undo-hire",
        "POST",
        undo_hire,
        "Undo a hire recorded by mistake",
        DESK_ROLES,
        "referrals",
        body=HireUndo,
        response=ReferralOut,
        id_params=("referral_id",),
    ),
]
