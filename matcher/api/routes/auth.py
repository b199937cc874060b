"""``/v1/tokens`` (admin) and ``/v1/me`` (anyone with a token)."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import QueryBool, QueryModel
from matcher.auth import service
from matcher.auth.models import Me, TokenCreate, TokenCreated, TokenList
from matcher.foundation.principals import ADMIN_ONLY, ALL_ROLES


class TokenQuery(QueryModel):
    include_revoked: QueryBool = Field(default=False, description="Also list revoked tokens")


async def create_token(call: Call[TokenCreate, None]) -> Response:
    """Issue a token for a seeker, enterprise, office or admin. The secret is shown once."""
    principal = call.require_principal()
    created = await service.create_token(
        call.services, request=call.body, created_by=principal.token_id
    )
    return json_response(created, status=201)


async def list_tokens(call: Call[None, TokenQuery]) -> Response:
    """List issued tokens, newest first, without their secrets."""
    tokens = await service.list_tokens(call.services, include_revoked=call.query.include_revoked)
    return json_response(TokenList(tokens=tokens))


async def revoke_token(call: Call[None, None]) -> Response:
    """Revoke a token at once; later calls with it get 401."""
    await service.revoke_token(call.services, token_id=call.path["token_id"])
    return Response(status_code=204)


async def me(call: Call[None, None]) -> Response:
    """Who the presented token stands for."""
    p = call.require_principal()
    return json_response(
        Me(token_id=p.token_id, role=p.role, subject=p.subject, region_code=p.region_code)
    )


ROUTES = [
    ApiRoute(
        "/v1/tokens",
        "POST",
        create_token,
        "Issue a token",
        ADMIN_ONLY,
        "auth",
        body=TokenCreate,
        response=TokenCreated,
        status=201,
    ),
    ApiRoute(
        "/v1/tokens",
        "GET",
        list_tokens,
        "List tokens",
        ADMIN_ONLY,
        "auth",
        response=TokenList,
        query=TokenQuery,
    ),
    ApiRoute(
        "/v1/tokens/{token_id}",
        "DELETE",
        revoke_token,
        "Revoke a token",
        ADMIN_ONLY,
        "auth",
        status=204,
        id_params=("token_id",),
    ),
    ApiRoute("/v1/me", "GET", me, "The caller's principal", ALL_ROLES, "auth", response=Me),
]
