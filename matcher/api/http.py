"""How endpoints are declared: one ``ApiRoute`` gives routing, auth, parsing and OpenAPI.

An endpoint is ``async def handler(call: Call[Body, Query]) -> Response``. ``ApiRoute``
authenticates (every route with ``roles`` set requires a bearer token), checks the role and
the rate limit, validates path ids, validates the query string with the route's query model
and reads the body within the size bound and validates it with the route's body model — all
before the handler runs, so handlers only ever see an authorised principal and valid input.
"""

from __future__ import annotations

import json
import re
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from matcher.auth.service import principal_for_token
from matcher.foundation import jsontext
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import (
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    ValidationFailed,
)
from matcher.foundation.records import RECORD_ID_PATTERN
from matcher.foundation.timing import stage, timed
from matcher.privacy.limits import REQUESTS, charge
from matcher.services import Services

Body = TypeVar("Body", bound=BaseModel | None)
Query = TypeVar("Query", bound=BaseModel | None)
RECORD_ID = re.compile(RECORD_ID_PATTERN)


def services(request: Request) -> Services:
    """The process's ``Services``, as set by the app's lifespan."""
    found: Services = request.app.state.services
    return found


async def authenticate(request: Request, svc: Services) -> Principal:
    """Read ``Authorization: Bearer …`` and resolve it to a principal."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send a token as 'Authorization: Bearer <token>'")
    return await principal_for_token(svc, token=token.strip())


@dataclass(frozen=True)
class Call(Generic[Body, Query]):
    """What a handler receives: the request, the authenticated principal, the parsed body
    and query."""

    request: Request
    principal: Principal | None
    body: Body
    query: Query
    services: Services

    @property
    def path(self) -> dict[str, Any]:
        return self.request.path_params

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise RuntimeError("this route was declared without roles")
        return self.principal

    async def charge_requests(self, amount: int) -> None:
        """Count ``amount`` more requests against the caller's per-minute allowance: an
        operation that does the work of many (a batch of records, many titles) pays for
        each. Admins are not counted."""
        await charge_requests(self.services, self.require_principal(), self.request, amount)


async def charge_requests(
    svc: Services, principal: Principal, request: Request, amount: int = 1
) -> None:
    """``amount`` requests against ``MATCHER_RATE_LIMIT_PER_MINUTE`` (429 past it); not for
    admins."""
    if principal.role is Role.ADMIN or amount <= 0:
        return
    await charge(
        svc,
        principal,
        REQUESTS,
        allowed=svc.settings.rate_limit_per_minute,
        amount=amount,
        client_host=request.client.host if request.client else None,
    )


Handler = Callable[[Call[Any, Any]], Awaitable[Response]]


@dataclass(frozen=True)
class ApiRoute:
    """Declaration of one operation. ``roles=None`` means public (no token needed)."""

    path: str
    method: str
    handler: Handler
    summary: str
    roles: frozenset[Role] | None
    tag: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    # The query string's model (``matcher.api.query``): validated like a body.
    query: type[BaseModel] | None = None
    media_type: str = "application/json"
    # Runs on the raw JSON before the model: returns field errors the model cannot express
    # as clearly (e.g. protected traits, which the model would only call "extra inputs").
    precheck: Callable[[Any], list[dict[str, str]]] | None = None
    # Media types of a raw upload the handler streams itself (documented, not parsed here).
    upload_media: Sequence[str] = field(default_factory=tuple)
    # Path parameters that are record ids, checked against the id pattern.
    id_params: Sequence[str] = field(default_factory=tuple)
    # Whether the operation can answer 409 (a write: the record changed meanwhile, a limit
    # reached, a state that does not allow it); None: every method but GET can.
    conflicts: bool | None = None
    # Answers 201 when it created the record and 200 when it replaced or found it.
    created: bool = False
    # Further problem answers the operation can give (status → when), beyond those every
    # route of its kind can (``matcher.api.openapi``).
    also: Mapping[int, str] = field(default_factory=dict)
    # Other media types the success answer may come in (a ``format`` query chooses).
    alt_media: Sequence[str] = field(default_factory=tuple)
    # A batch of records: the body may be up to MATCHER_MAX_BATCH_BYTES.
    batch: bool = False

    @property
    def may_conflict(self) -> bool:
        return self.method != "GET" if self.conflicts is None else self.conflicts

    def route(self) -> Route:
        return Route(self.path, self._endpoint, methods=[self.method], name=self.handler.__name__)

    async def _endpoint(self, request: Request) -> Response:
        svc = services(request)
        principal = None
        if self.roles is not None:
            principal = await timed("auth", authenticate(request, svc))
            if principal.role not in self.roles:
                allowed = ", ".join(sorted(r.value for r in self.roles))
                raise Forbidden(f"This operation needs one of the roles: {allowed}")
            await timed("rate_limit", charge_requests(svc, principal, request))
        for name in self.id_params:
            if not RECORD_ID.match(request.path_params[name]):
                raise ValidationFailed(
                    f"Invalid {name}",
                    [{"field": name, "message": "1-64 characters of A-Z a-z 0-9 . _ : -"}],
                )
        query = parse_query(request, self.query) if self.query is not None else None
        body = None
        if self.body is not None:
            limit = svc.settings.max_batch_bytes if self.batch else svc.settings.max_body_bytes
            raw = await read_json(request, limit)
            body = validate_body(self.body, raw, self.precheck, svc)
        return await self.handler(Call(request, principal, body, query, svc))


M = TypeVar("M", bound=BaseModel)


def validate_body(
    model: type[M],
    raw: Any,
    precheck: Callable[[Any], list[dict[str, str]]] | None,
    svc: Services,
) -> M:
    """``raw`` (parsed JSON) as ``model``, or ``ValidationFailed`` saying what is wrong.
    Batch routes call it for each record of the batch."""
    if precheck is not None and isinstance(raw, dict):
        errors = precheck(raw)
        if errors:
            fields = ", ".join(e["field"] for e in errors)
            raise ValidationFailed(f"Not accepted: {fields}", errors)
    try:
        # Strictly, as JSON: a boolean is true or false, an integer is not "3" or 3.0, a date
        # is an ISO string (never 0, read as 1970-01-01). What the models read loosely on
        # purpose (grades by name, codes) they convert themselves first.
        return model.model_validate_json(
            json.dumps(raw, ensure_ascii=False), strict=True, context={"today": svc.clock.today()}
        )
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is list:
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
    """The query string validated by ``model``: a parameter given twice is an error unless
    the field is a list; unknown parameters are errors (a typo never passes silently)."""
    params = request.query_params
    raw: dict[str, Any] = {}
    errors = []
    for name in params:
        values = params.getlist(name)
        field_info = model.model_fields.get(name)
        if field_info is not None and _is_list(field_info.annotation):
            raw[name] = values
        elif len(values) > 1:
            errors.append({"field": name, "message": "given more than once"})
        else:
            raw[name] = values[0]
    if errors:
        raise ValidationFailed("Invalid query", errors)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None


async def read_json(request: Request, max_bytes: int) -> Any:
    """The JSON body, refusing wrong media types and bodies above ``max_bytes`` early."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/json", ""):
        raise UnsupportedMediaType(f"Send the body as application/json, not {media}")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The body may be at most {max_bytes} bytes", max_bytes=max_bytes)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The body may be at most {max_bytes} bytes", max_bytes=max_bytes)
        chunks.append(chunk)
    if not size:
        raise BadRequest("The request needs a JSON body")
    try:
        return jsontext.loads(b"".join(chunks))
    except jsontext.JsonRefused as exc:
        raise BadRequest(f"The body is {exc}") from None


def json_response(model: BaseModel | list[Any] | dict[str, Any], status: int = 200) -> Response:
    """The answer as JSON (UTF-8, non-ASCII as is). A model is written by pydantic's own
    serialiser and anything else by orjson: both several times faster than the standard
    library on a page of 50 explained matches (benchmarks/load.py's stage table)."""
    with stage("serialise"):
        if isinstance(model, BaseModel):
            body = model.model_dump_json().encode()
        else:
            body = orjson.dumps(model)
        return Response(body, status_code=status, media_type="application/json")
