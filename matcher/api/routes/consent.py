"""Contact requests (enterprise → seeker), the seeker's answers, and consent recorded at a desk."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging
from matcher.consent import service
from matcher.consent.models import (
    ConsentIn,
    ContactRequestIn,
    ContactRequestList,
    ContactRequestOut,
    RequestStatus,
)
from matcher.foundation.principals import Role
from matcher.policy.fairness import field_errors


class RequestsQuery(Paging):
    status: RequestStatus | None = Field(default=None, description="Only this state")
    limit: int = Field(default=50, ge=1, le=100, description="Default 50")
    offset: int = Field(default=0, ge=0, description="offset + limit ≤ 1000")
    depth = 1000


SEEKER_SIDE = frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN})


def _purpose_precheck(raw: Any) -> list[dict[str, str]]:
    # A purpose is the enterprise's text: no requirement on protected traits (docs/domain.md).
    return field_errors(raw, ["purpose"])


async def create_request(call: Call[ContactRequestIn, None]) -> Response:
    """Ask a candidate for consent to contact them about this posting (the posting's
    enterprise). The seeker sees the enterprise's name, the posting and the purpose; contact
    details are released only after a grant. Asking again returns the same request; a
    declined or withdrawn one cannot be re-opened by the enterprise (409). Counts against
    the enterprise's daily contact-request quota."""
    out, created = await service.create_request(
        call.services,
        principal=call.require_principal(),
        posting_id=call.path["posting_id"],
        body=call.body,
    )
    return json_response(out, status=201 if created else 200)


async def posting_requests(call: Call[None, RequestsQuery]) -> Response:
    """The contact requests of a posting and their states."""
    found = await service.list_for_posting(
        call.services,
        principal=call.require_principal(),
        posting_id=call.path["posting_id"],
        status=call.query.status,
        page=call.query.page(),
    )
    return json_response(found)


async def profile_requests(call: Call[None, RequestsQuery]) -> Response:
    """The contact requests a seeker received: enterprise, posting, purpose and state."""
    found = await service.list_for_profile(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        status=call.query.status,
        page=call.query.page(),
    )
    return json_response(found)


def _decision(decision: service.Decision, doc: str) -> Any:
    async def handler(call: Call[None, None]) -> Response:
        out = await service.decide(
            call.services,
            principal=call.require_principal(),
            rid=call.path["request_id"],
            decision=decision,
        )
        return json_response(out)

    handler.__name__ = f"{decision}_contact_request"
    handler.__doc__ = doc
    return handler


async def record_consent(call: Call[ConsentIn, None]) -> Response:
    """Record consent the seeker gave in person at the desk, for one posting: contact details
    are released to that posting's enterprise. Records who recorded it and when."""
    out, created = await service.record_in_person(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        body=call.body,
    )
    return json_response(out, status=201 if created else 200)


_DECISIONS: list[tuple[service.Decision, str, str]] = [
    ("grant", "Grant contact", "Release contact details to this enterprise, for this posting."),
    ("decline", "Decline contact", "Decline a pending request; the enterprise cannot re-ask."),
    (
        "withdraw",
        "Withdraw consent",
        "Take a grant back: the enterprise no longer sees the contact details.",
    ),
]
ROUTES = [
    ApiRoute(
        "/v1/postings/{posting_id}/contact-requests",
        "POST",
        create_request,
        "Ask a candidate for contact",
        frozenset({Role.ENTERPRISE}),
        "consent",
        body=ContactRequestIn,
        response=ContactRequestOut,
        status=201,
        precheck=_purpose_precheck,
        id_params=("posting_id",),
        created=True,
        also={404: "The profile named is unknown or not a candidate the caller may ask"},
    ),
    ApiRoute(
        "/v1/postings/{posting_id}/contact-requests",
        "GET",
        posting_requests,
        "A posting's contact requests",
        frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN}),
        "consent",
        response=ContactRequestList,
        id_params=("posting_id",),
        query=RequestsQuery,
    ),
    ApiRoute(
        "/v1/profiles/{profile_id}/contact-requests",
        "GET",
        profile_requests,
        "Contact requests a seeker received",
        SEEKER_SIDE,
        "consent",
        response=ContactRequestList,
        id_params=("profile_id",),
        query=RequestsQuery,
    ),
    *(
        ApiRoute(
            f"/v1/contact-requests/{{request_id}}/{decision}",
            "POST",
            _decision(decision, doc),
            summary,
            SEEKER_SIDE,
            "consent",
            response=ContactRequestOut,
            id_params=("request_id",),
        )
        for decision, summary, doc in _DECISIONS
    ),
    ApiRoute(
        "/v1/profiles/{profile_id}/consents",
        "POST",
        record_consent,
        "Record consent given at the desk",
        frozenset({Role.OFFICE, Role.ADMIN}),
        "consent",
        body=ConsentIn,
        response=ContactRequestOut,
        status=201,
        id_params=("profile_id",),
        created=True,
    ),
]
