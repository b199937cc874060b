"""``/v1/postings/{posting_id}``: PUT (idempotent upsert), GET, DELETE; ``/v1/postings``: the
postings a caller manages."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator
from starlette.responses import Response

from indexes.documents import PostingStatus
from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging, QueryId
from matcher.foundation.principals import ALL_ROLES, Role
from matcher.policy.fairness import field_errors
from matcher.postings import service
from matcher.postings.models import PostingIn, PostingList, PostingOut
from matcher.profiles.models import ConfirmOccupation

WRITERS = frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})
STATUSES = ", ".join(s.value for s in PostingStatus)


class PostingsQuery(Paging):
    owner: QueryId = Field(
        default="me",
        description="me (default): every posting the caller manages; an office or admin may "
        "name one enterprise id",
    )
    status: str | None = Field(
        default=None, max_length=100, description=f"Comma-separated: {STATUSES}"
    )

    @field_validator("status")
    @classmethod
    def _known_statuses(cls, raw: str | None) -> str | None:
        for part in (raw or "").split(","):
            if part.strip() and part.strip() not in {s.value for s in PostingStatus}:
                raise ValueError(f"one or more of {STATUSES}")
        return raw

    def statuses(self) -> list[str]:
        return [s.strip() for s in (self.status or "").split(",") if s.strip()]


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


async def list_postings(call: Call[None, PostingsQuery]) -> Response:
    """The postings the caller manages, in any status (an enterprise its own; an office those
    of its region, ``owner`` narrowing to one enterprise), the latest changed first, with
    counts by status: expired and filled ones included, which matching and search leave out."""
    principal = call.require_principal()
    owner = call.query.owner
    result = await service.list_postings(
        call.services,
        principal=principal,
        statuses=call.query.statuses(),
        enterprise_id=None if owner == "me" else owner,
        page=call.query.page(),
    )
    return json_response(result)


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
        "/v1/postings",
        "GET",
        list_postings,
        "List the postings the caller manages",
        WRITERS,
        "postings",
        response=PostingList,
        query=PostingsQuery,
    ),
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
        created=True,
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
