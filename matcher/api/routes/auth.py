"""``/v1/tokens`` (admin) and ``/v1/me`` (anyone with a token)."""

from __future__ import annotations

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth import service
from matcher.auth.models import ADMIN_ONLY, ALL_ROLES, Me, TokenCreate, TokenCreated, TokenList


async def create_token(call: Call[TokenCreate]) -> Response:
    """Issue a token for a seeker, enterprise, office or admin. The secret is shown once."""
    principal = call.require_principal()
    created = await service.create_token(
        call.services.es,
        call.services.specs["tokens"],
        request=call.body,
        created_by=principal.token_id,
    )
    return json_response(created, status=201)


async def list_tokens(call: Call[None]) -> Response:
    """List issued tokens, newest first, without their secrets."""
    include_revoked = call.request.query_params.get("include_revoked") == "true"
    tokens = await service.list_tokens(
        call.services.es, call.services.specs["tokens"], include_revoked=include_revoked
    )
    return json_response(TokenList(tokens=tokens))


async def revoke_token(call: Call[None]) -> Response:
    """Revoke a token at once; later calls with it get 401."""
    await service.revoke_token(
        call.services.es, call.services.specs["tokens"], token_id=call.path["token_id"]
    )
    return Response(status_code=204)


async def me(call: Call[None]) -> Response:
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
        query=[
            QueryParam("include_revoked", {"type": "boolean"}, "Also list revoked tokens"),
        ],
    ),
    ApiRoute(
        "/v1/tokens/{token_id}",
        "DELETE",
        revoke_token,
        "Revoke a token",
        ADMIN_ONLY,
        "auth",
        status=204,
    ),
    ApiRoute("/v1/me", "GET", me, "The caller's principal", ALL_ROLES, "auth", response=Me),
]
