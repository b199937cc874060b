"""``/v1/profiles/{profile_id}``: PUT (idempotent upsert), GET, DELETE."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import QueryId, QueryModel
from matcher.foundation.principals import ALL_ROLES, Role
from matcher.policy.fairness import field_errors
from matcher.profiles import service
from matcher.profiles.models import ConfirmOccupations, ProfileIn, ProfileOut

WRITERS = frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN})


class ProfileQuery(QueryModel):
    posting_id: QueryId | None = Field(
        default=None, description="Enterprises: the posting you read it for"
    )


def precheck(raw: Any) -> list[dict[str, str]]:
    return field_errors(raw, ["title", "summary", "skills"], self_description=True)


async def put_profile(call: Call[ProfileIn, None]) -> Response:
    """Create or replace the profile with this id (the caller's id). Returns once it is durably
    stored and searchable; ``matchable`` says whether matching will consider it. Without
    ``occupation_codes`` the occupation is normalized from the title."""
    profile, created = await service.put_profile(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        body=call.body,
    )
    return json_response(profile, status=201 if created else 200)


async def get_profile(call: Call[None, ProfileQuery]) -> Response:
    """A profile: whole for its seeker, offices of its region and admins. An enterprise reads
    an active candidate through one of its postings (``?posting_id=``), without name, phone,
    e-mail, certificate numbers, exact region, summary or awards until the seeker consents to
    contact for that posting (``view``, ``redacted``); each read counts against its daily
    candidate-view quota and every release of contact details is audited."""
    profile = await service.get_profile(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        posting_id=call.query.posting_id,
    )
    return json_response(profile)


async def delete_profile(call: Call[None, None]) -> Response:
    """Delete a profile: it disappears from every index at once and never matches again."""
    await service.delete_profile(
        call.services, principal=call.require_principal(), profile_id=call.path["profile_id"]
    )
    return Response(status_code=204)


async def confirm_occupations(call: Call[ConfirmOccupations, None]) -> Response:
    """Say which occupations the profile is about (the seeker, or an office of its region):
    stored as certain and confirmed, and kept when later writes name none."""
    profile = await service.confirm_occupations(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        codes=list(call.body.occupation_codes),
    )
    return json_response(profile)


PATH = "/v1/profiles/{profile_id}"
ROUTES = [
    ApiRoute(
        PATH,
        "PUT",
        put_profile,
        "Create or replace a profile",
        WRITERS,
        "profiles",
        body=ProfileIn,
        response=ProfileOut,
        precheck=precheck,
        id_params=("profile_id",),
        created=True,
    ),
    ApiRoute(
        PATH,
        "GET",
        get_profile,
        "Read a profile",
        ALL_ROLES,
        "profiles",
        response=ProfileOut,
        id_params=("profile_id",),
        query=ProfileQuery,
    ),
    ApiRoute(
        PATH,
        "DELETE",
        delete_profile,
        "Delete a profile",
        WRITERS,
        "profiles",
        status=204,
        id_params=("profile_id",),
    ),
    ApiRoute(
        PATH + "/occupation",
        "PUT",
        confirm_occupations,
        "Confirm or correct a profile's occupations",
        WRITERS,
        "profiles",
        body=ConfirmOccupations,
        response=ProfileOut,
        id_params=("profile_id",),
    ),
]
