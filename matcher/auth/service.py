"""Token issue, revocation, listing and authentication (keyword-only service functions)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from indexes.documents import TokenDoc
from matcher.auth.models import TokenCreate, TokenCreated, TokenInfo
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import NotFound, ServiceUnavailable, Unauthorized
from matcher.services import Services
from matcher.store.outages import unreachable

BOOTSTRAP_TOKEN_ID = "bootstrap-admin"  # noqa: S105  (a public id, not a secret)
_TOKEN = re.compile(r"^mt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _info(source: Mapping[str, Any]) -> TokenInfo:
    return TokenInfo.model_validate(
        {k: v for k, v in source.items() if k in TokenInfo.model_fields}
    )


async def create_token(svc: Services, *, request: TokenCreate, created_by: str) -> TokenCreated:
    """Issue a token; the plaintext is returned here and nowhere else."""
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    now = svc.clock.now()
    doc: TokenDoc = {
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
    await svc.store.tokens.create(token_id, doc)
    return TokenCreated(**_info(doc).model_dump(), token=f"mt_{token_id}_{secret}")


async def revoke_token(svc: Services, *, token_id: str) -> TokenInfo:
    """Mark a token revoked (kept for the audit trail); revoking twice is harmless."""
    current = await svc.store.tokens.get(token_id)
    if current is None:
        raise NotFound(f"No token {token_id}")
    if current.get("revoked_at") is None:
        now = svc.clock.timestamp()
        current = {**current, "revoked_at": now, "indexed_at": now}
        await svc.store.tokens.put(token_id, current)
    return _info(current)


async def list_tokens(
    svc: Services, *, include_revoked: bool = False, limit: int = 100
) -> list[TokenInfo]:
    docs = await svc.store.tokens.page(include_revoked=include_revoked, limit=limit)
    return [_info(doc) for doc in docs]


async def principal_for_token(svc: Services, *, token: str, allow_public: bool = True) -> Principal:
    """The principal a bearer token stands for; ``Unauthorized`` if none, expired or revoked.
    The bootstrap admin token and the public read token are settings, the rest stored.
    An unreachable token store is an outage (503), never a bad token (401)."""
    bootstrap = svc.settings.secret("admin_token")
    public = svc.settings.secret("public_token") if allow_public else None
    if bootstrap and hmac.compare_digest(_hash(token), _hash(bootstrap)):
        return Principal(token_id=BOOTSTRAP_TOKEN_ID, role=Role.ADMIN, subject="bootstrap")
    if public and hmac.compare_digest(_hash(token), _hash(public)):
        return Principal(token_id="public", role=Role.PUBLIC, subject="public")  # noqa: S106
    match = _TOKEN.match(token)
    if match is None:
        raise Unauthorized("The bearer token is not valid")
    token_id, secret = match.groups()
    try:
        doc = await svc.store.tokens.get(token_id)
    except Exception as exc:
        if unreachable(exc):
            raise ServiceUnavailable("The token store (Elasticsearch) is unreachable") from None
        raise
    if doc is None or not hmac.compare_digest(doc["secret_hash"], _hash(secret)):
        raise Unauthorized("The bearer token is not valid")
    if doc.get("revoked_at"):
        raise Unauthorized("The bearer token has been revoked")
    if datetime.fromisoformat(doc["expires_at"]) <= svc.clock.now():
        raise Unauthorized("The bearer token has expired")
    return Principal(
        token_id=token_id,
        role=Role(doc["role"]),
        subject=doc["subject"],
        region_code=doc.get("region_code"),
    )
