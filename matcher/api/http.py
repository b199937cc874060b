"""How endpoints are declared: one ``ApiRoute`` gives routing, auth, body parsing and OpenAPI.

An endpoint is ``async def handler(call: Call[Body]) -> Response``. ``ApiRoute`` authenticates
(every route with ``roles`` set requires a bearer token), checks the role, reads the body
within the size bound and validates it with the route's pydantic model before the handler
runs, so handlers only ever see an authorised principal and a valid body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from matcher.auth.models import Principal, Role
from matcher.foundation.problems import (
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    Problem,
    ValidationFailed,
)
from matcher.foundation.records import RECORD_ID_PATTERN
from matcher.privacy.limits import REQUESTS, charge
from matcher.services import Services, services

Body = TypeVar("Body", bound=BaseModel | None)
_RECORD_ID = re.compile(RECORD_ID_PATTERN)


class UnsupportedMediaType(Problem):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


@dataclass(frozen=True)
class Call(Generic[Body]):
    """What a handler receives: the request, the authenticated principal and the parsed body."""

    request: Request
    principal: Principal | None
    body: Body
    services: Services

    @property
    def path(self) -> dict[str, Any]:
        return self.request.path_params

    def require_principal(self) -> Principal:
        if self.principal is None:
            raise RuntimeError("this route was declared without roles")
        return self.principal


Handler = Callable[[Call[Any]], Awaitable[Response]]


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    description: str
    required: bool = False


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
    query: Sequence[QueryParam] = field(default_factory=tuple)
    media_type: str = "application/json"
    # Runs on the raw JSON before the model: returns field errors the model cannot express
    # as clearly (e.g. protected traits, which the model would only call "extra inputs").
    precheck: Callable[[Any], list[dict[str, str]]] | None = None
    # Media types of a raw upload the handler streams itself (documented, not parsed here).
    upload_media: Sequence[str] = field(default_factory=tuple)
    # Path parameters that are record ids, checked against the id pattern.
    id_params: Sequence[str] = field(default_factory=tuple)

    def route(self) -> Route:
        return Route(self.path, self._endpoint, methods=[self.method], name=self.handler.__name__)

    async def _endpoint(self, request: Request) -> Response:
        svc = services(request)
        principal = None
        if self.roles is not None:
            from matcher.auth.service import authenticate

            principal = await authenticate(request, svc)
            if principal.role not in self.roles:
                allowed = ", ".join(sorted(r.value for r in self.roles))
                raise Forbidden(f"This operation needs one of the roles: {allowed}")
            if principal.role is not Role.ADMIN:
                await charge(
                    svc,
                    principal,
                    REQUESTS,
                    allowed=svc.settings.rate_limit_per_minute,
                    client_host=request.client.host if request.client else None,
                )
        for name in self.id_params:
            if not _RECORD_ID.match(request.path_params[name]):
                raise ValidationFailed(
                    f"Invalid {name}",
                    [{"field": name, "message": "1-64 characters of A-Z a-z 0-9 . _ : -"}],
                )
        body = None
        if self.body is not None:
            raw = await read_json(request, svc.settings.max_body_bytes)
            if self.precheck is not None and isinstance(raw, dict):
                errors = self.precheck(raw)
                if errors:
                    fields = ", ".join(e["field"] for e in errors)
                    raise ValidationFailed(f"Not accepted: {fields}", errors)
            try:
                body = self.body.model_validate(raw)
            except ValidationError as exc:
                raise ValidationFailed.from_pydantic(exc) from None
        return await self.handler(Call(request, principal, body, svc))


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
        return json.loads(b"".join(chunks))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"The body is not valid JSON: {exc}") from None


def json_response(model: BaseModel | list[Any] | dict[str, Any], status: int = 200) -> Response:
    content = model.model_dump(mode="json") if isinstance(model, BaseModel) else model
    return JSONResponse(content, status_code=status)
