"""Token issue, revocation, listing and authentication (keyword-only service functions)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import AsyncElasticsearch, NotFoundError
from starlette.requests import Request

from indexes import IndexSpec
from matcher.auth.models import Principal, Role, TokenCreate, TokenCreated, TokenInfo
from matcher.foundation.problems import NotFound, ServiceUnavailable, Unauthorized
from matcher.services import Services

BOOTSTRAP_TOKEN_ID = "bootstrap-admin"  # noqa: S105  (a public id, not a secret)
_TOKEN = re.compile(r"^mt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(source: dict[str, Any]) -> TokenInfo:
    return TokenInfo.model_validate(
        {k: v for k, v in source.items() if k in TokenInfo.model_fields}
    )


async def create_token(
    es: AsyncElasticsearch, spec: IndexSpec, *, request: TokenCreate, created_by: str
) -> TokenCreated:
    """Issue a token; the plaintext is returned here and nowhere else."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    doc = {
        "token_id": token_id,
        "secret_hash": _hash(secret),
        "role": request.role.value,
        "subject": request.subject,
        "region_code": request.region_code,
        "label": request.label,
        "created_by": created_by,
        "created_at": now.isoformat(),
        "expires_at": (now + timedelta(days=request.expires_in_days)).isoformat(),
        "revoked_at": None,
        "indexed_at": now.isoformat(),
    }
    await es.create(index=spec.write_alias, id=token_id, document=doc, refresh="wait_for")
    return TokenCreated(**_info(doc).model_dump(), token=f"mt_{token_id}_{secret}")


async def revoke_token(es: AsyncElasticsearch, spec: IndexSpec, *, token_id: str) -> TokenInfo:
    """Mark a token revoked (kept for the audit trail); revoking twice is harmless."""
    try:
        current = await es.get(index=spec.read_alias, id=token_id)
    except NotFoundError:
        raise NotFound(f"No token {token_id}") from None
    source = dict(current["_source"])
    if source.get("revoked_at") is None:
        now = datetime.now(UTC).isoformat()
        source.update(revoked_at=now, indexed_at=now)
        await es.index(index=current["_index"], id=token_id, document=source, refresh="wait_for")
    return _info(source)


async def list_tokens(
    es: AsyncElasticsearch, spec: IndexSpec, *, include_revoked: bool = False, limit: int = 100
) -> list[TokenInfo]:
    query: dict[str, Any] = (
        {"match_all": {}}
        if include_revoked
        else {"bool": {"must_not": {"exists": {"field": "revoked_at"}}}}
    )
    resp = await es.search(
        index=spec.read_alias, query=query, size=limit, sort=[{"created_at": "desc"}]
    )
    return [_info(hit["_source"]) for hit in resp["hits"]["hits"]]


async def principal_for_token(
    es: AsyncElasticsearch,
    spec: IndexSpec,
    *,
    token: str,
    bootstrap_token: str | None,
    public_token: str | None = None,
    now: datetime | None = None,
) -> Principal:
    """The principal a bearer token stands for; ``Unauthorized`` if none, expired or revoked."""
    if bootstrap_token and hmac.compare_digest(_hash(token), _hash(bootstrap_token)):
        return Principal(token_id=BOOTSTRAP_TOKEN_ID, role=Role.ADMIN, subject="bootstrap")
    if public_token and hmac.compare_digest(_hash(token), _hash(public_token)):
        return Principal(token_id="public", role=Role.PUBLIC, subject="public")  # noqa: S106
    match = _TOKEN.match(token)
    if match is None:
        raise Unauthorized("The bearer token is not valid")
    token_id, secret = match.groups()
    try:
        doc = (await es.get(index=spec.read_alias, id=token_id))["_source"]
    except NotFoundError:
        raise Unauthorized("The bearer token is not valid") from None
    if not hmac.compare_digest(doc["secret_hash"], _hash(secret)):
        raise Unauthorized("The bearer token is not valid")
    if doc.get("revoked_at"):
        raise Unauthorized("The bearer token has been revoked")
    if datetime.fromisoformat(doc["expires_at"]) <= (now or datetime.now(UTC)):
        raise Unauthorized("The bearer token has expired")
    return Principal(
        token_id=token_id,
        role=Role(doc["role"]),
        subject=doc["subject"],
        region_code=doc.get("region_code"),
    )


async def authenticate(request: Request, svc: Services) -> Principal:
    """Read ``Authorization: Bearer …`` and resolve it to a principal."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Send a token as 'Authorization: Bearer <token>'")
    bootstrap = str(svc.settings.admin_token) if svc.settings.admin_token else None
    public = str(svc.settings.public_token) if svc.settings.public_token else None
    try:
        return await principal_for_token(
            svc.es,
            svc.specs["tokens"],
            token=token.strip(),
            bootstrap_token=bootstrap,
            public_token=public,
        )
    except (Unauthorized, NotFound):
        raise
    except Exception as exc:
        # An unreachable token store is an outage (503), not a bad token (401).
        if type(exc).__module__.startswith(("elasticsearch", "elastic_transport")):
            raise ServiceUnavailable("The token store (Elasticsearch) is unreachable") from None
        raise
