"""``/v1/profiles/{profile_id}``: PUT (idempotent upsert), GET, DELETE; ``/v1/profiles:batch``:
many profiles written at once."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import RECORD_ID, ApiRoute, Call, json_response, validate_body
from matcher.api.query import QueryId, QueryModel
from matcher.foundation.principals import ALL_ROLES, Role
from matcher.foundation.problems import ValidationFailed
from matcher.policy.fairness import field_errors
from matcher.profiles import service
from matcher.profiles.models import (
    BatchOut,
    BatchResult,
    ConfirmOccupations,
    FieldError,
    ProfileBatch,
    ProfileIn,
    ProfileOut,
)
from matcher.store.queries import is_active_profile

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


async def put_profiles(call: Call[ProfileBatch, None]) -> Response:
    """Create or replace up to 500 profiles in one request (offices and admins loading
    records from their own systems). Each record is validated, authorised and written as
    `PUT /v1/profiles/{profile_id}` would; the batch is embedded together and waits for one
    refresh, so it is searchable on return. The answer is 200 with one result per record, in
    the order sent: a record refused (422, 403) or not written (409, 503) does not stop the
    others. The batch itself is refused (422) when an id appears twice. Each record past the
    first counts as one more request against the caller's per-minute allowance (429 with
    `Retry-After` when the batch would pass it; nothing is written then)."""
    svc = call.services
    raw_records = call.body.profiles
    await call.charge_requests(len(raw_records) - 1)
    ids = [raw.get("id") for raw in raw_records]
    repeated = sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1})
    if repeated:
        raise ValidationFailed(
            "An id appears more than once in the batch",
            [{"field": "profiles", "message": "repeated ids: " + ", ".join(repeated[:10])}],
        )
    results: dict[int, BatchResult] = {}
    valid: dict[str, tuple[int, ProfileIn]] = {}
    for index, raw in enumerate(raw_records):
        record_id = raw.get("id")
        given = record_id if isinstance(record_id, str) else None
        if given is None or not RECORD_ID.match(given):
            results[index] = BatchResult(
                index=index,
                id=given,
                status=422,
                detail="Invalid id",
                errors=[FieldError(field="id", message="1-64 characters of A-Z a-z 0-9 . _ : -")],
            )
            continue
        fields = {k: v for k, v in raw.items() if k != "id"}
        try:
            valid[given] = (index, validate_body(ProfileIn, fields, precheck, svc))
        except ValidationFailed as exc:
            errors = [FieldError.model_validate(e) for e in exc.extra.get("errors", [])]
            results[index] = BatchResult(
                index=index, id=given, status=422, detail=exc.detail, errors=errors
            )
    outcomes = await service.put_profiles(
        svc,
        principal=call.require_principal(),
        items=[(record_id, body) for record_id, (_, body) in valid.items()],
    )
    for record_id, outcome in outcomes.items():
        index = valid[record_id][0]
        results[index] = BatchResult(
            index=index,
            id=record_id,
            status=outcome.status,
            detail=outcome.detail or None,
            errors=[FieldError.model_validate(e) for e in outcome.errors],
            matchable=is_active_profile(outcome.doc) if outcome.doc is not None else None,
        )
    ordered = [results[i] for i in sorted(results)]
    return json_response(
        BatchOut(
            created=sum(r.status == 201 for r in ordered),
            replaced=sum(r.status == 200 for r in ordered),
            failed=sum(r.status >= 400 for r in ordered),
            results=ordered,
        )
    )


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
        "/v1/profiles:batch",
        "POST",
        put_profiles,
        "Create or replace many profiles at once",
        frozenset({Role.OFFICE, Role.ADMIN}),
        "profiles",
        body=ProfileBatch,
        response=BatchOut,
        batch=True,
        conflicts=False,
    ),
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
