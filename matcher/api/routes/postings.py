"""``/v1/postings/{posting_id}``: PUT (idempotent upsert), GET, DELETE."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.foundation.principals import ALL_ROLES, Role
from matcher.policy.fairness import field_errors
from matcher.postings import service
from matcher.postings.models import PostingIn, PostingOut
from matcher.profiles.models import ConfirmOccupation

WRITERS = frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})


def precheck(raw: Any) -> list[dict[str, str]]:
    return field_errors(raw, ["title", "description"])


async def put_posting(call: Call[PostingIn, None]) -> Response:
    """Create or replace the posting with this id (the caller's id). Returns once it is durably
    stored and searchable; ``matchable`` says whether it is active, valid today and has open
    headcount. Without ``occupation_code`` the occupation is normalized from the title."""
    posting, created = await service.put_posting(
        call.services,
        principal=call.require_principal(),
        posting_id=call.path["posting_id"],
        body=call.body,
    )
    return json_response(posting, status=201 if created else 200)


async def get_posting(call: Call[None, None]) -> Response:
    """A posting: active ones for every signed-in role, others for who manages them."""
    posting = await service.get_posting(
        call.services, principal=call.require_principal(), posting_id=call.path["posting_id"]
    )
    return json_response(posting)


async def delete_posting(call: Call[None, None]) -> Response:
    """Delete a posting from every index."""
    await service.delete_posting(
        call.services, principal=call.require_principal(), posting_id=call.path["posting_id"]
    )
    return Response(status_code=204)


async def confirm_occupation(call: Call[ConfirmOccupation, None]) -> Response:
    """Say which occupation the posting is for (its enterprise, or an office of its region):
    stored as certain and confirmed, and kept when later writes name none."""
    posting = await service.confirm_occupation_of(
        call.services,
        principal=call.require_principal(),
        posting_id=call.path["posting_id"],
        code=call.body.occupation_code,
    )
    return json_response(posting)


PATH = "/v1/postings/{posting_id}"
ROUTES = [
    ApiRoute(
        PATH,
        "PUT",
        put_posting,
        "Create or replace a posting",
        WRITERS,
        "postings",
        body=PostingIn,
        response=PostingOut,
        precheck=precheck,
        id_params=("posting_id",),
    ),
    ApiRoute(
        PATH,
        "GET",
        get_posting,
        "Read a posting",
        ALL_ROLES,
        "postings",
        response=PostingOut,
        id_params=("posting_id",),
    ),
    ApiRoute(
        PATH,
        "DELETE",
        delete_posting,
        "Delete a posting",
        WRITERS,
        "postings",
        status=204,
        id_params=("posting_id",),
    ),
    ApiRoute(
        PATH + "/occupation",
        "PUT",
        confirm_occupation,
        "Confirm or correct a posting's occupation",
        WRITERS,
        "postings",
        body=ConfirmOccupation,
        response=PostingOut,
        id_params=("posting_id",),
    ),
]
