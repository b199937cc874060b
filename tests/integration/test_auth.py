"""Bearer tokens: 401 for missing/invalid/revoked/expired, 403 for the wrong role."""

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from matcher.api.app import API_ROUTES
from matcher.auth.service import principal_for_token
from matcher.foundation.clock import Clock
from matcher.foundation.principals import Role
from matcher.foundation.problems import Unauthorized
from matcher.services import Services
from tests.conftest import TokenFactory


def v1_operations() -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in API_ROUTES if r.path.startswith("/v1")]


@pytest.mark.parametrize(("method", "path"), v1_operations())
@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer mt_0000000000000000_" + "A" * 43, "Bearer x"],
)
async def test_every_v1_route_refuses_missing_or_invalid_tokens(
    client: httpx.AsyncClient, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    url = path.replace("{token_id}", "0123456789abcdef")
    resp = await client.request(method, url, headers=headers, json={})
    assert resp.status_code == 401
    assert resp.headers["content-type"] == "application/problem+json"
    assert resp.headers["www-authenticate"] == "Bearer"


async def test_public_probes_need_no_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200


async def test_admin_issues_a_token_that_then_authenticates(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    resp = await client.post(
        "/v1/tokens",
        headers=admin_headers,
        json={"role": "office", "subject": "office-150200", "region_code": "150200"},
    )
    assert resp.status_code == 201
    created = resp.json()
    assert created["token"].startswith(f"mt_{created['token_id']}_")
    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {created['token']}"})
    assert me.json() == {
        "token_id": created["token_id"],
        "role": "office",
        "subject": "office-150200",
        "region_code": "150200",
    }


async def test_tokens_are_stored_hashed_and_never_listed(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    es: AsyncElasticsearch,
    services: Services,
) -> None:
    created = (
        await client.post(
            "/v1/tokens", headers=admin_headers, json={"role": "seeker", "subject": "s-hash"}
        )
    ).json()
    secret = created["token"].rsplit("_", 1)[1]
    stored = await es.get(index=services.store.indexes.tokens.read_alias, id=created["token_id"])
    assert secret not in str(stored["_source"])
    assert len(stored["_source"]["secret_hash"]) == 64
    listed = await client.get("/v1/tokens", headers=admin_headers)
    assert created["token_id"] in listed.text
    assert secret not in listed.text
    assert "secret_hash" not in listed.text


@pytest.mark.parametrize("role", [Role.SEEKER, Role.ENTERPRISE, Role.OFFICE])
async def test_non_admins_get_403_on_token_management(
    client: httpx.AsyncClient, make_token: TokenFactory, role: Role
) -> None:
    headers = await make_token(role, f"{role.value}-1", "150200" if role is Role.OFFICE else None)
    for method, path in [("GET", "/v1/tokens"), ("POST", "/v1/tokens")]:
        resp = await client.request(
            method, path, headers=headers, json={"role": "admin", "subject": "me-too"}
        )
        assert resp.status_code == 403
        assert resp.headers["content-type"] == "application/problem+json"
        assert "admin" in resp.json()["detail"]


async def test_revoked_token_is_refused_at_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = (
        await client.post(
            "/v1/tokens", headers=admin_headers, json={"role": "enterprise", "subject": "e-rev"}
        )
    ).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert (await client.get("/v1/me", headers=headers)).status_code == 200
    revoke = await client.delete(f"/v1/tokens/{created['token_id']}", headers=admin_headers)
    assert revoke.status_code == 204
    refused = await client.get("/v1/me", headers=headers)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    listed = (await client.get("/v1/tokens", headers=admin_headers)).json()["tokens"]
    assert created["token_id"] not in {t["token_id"] for t in listed}
    everything = await client.get("/v1/tokens?include_revoked=true", headers=admin_headers)
    assert created["token_id"] in everything.text


async def test_revoking_an_unknown_token_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    resp = await client.delete("/v1/tokens/ffffffffffffffff", headers=admin_headers)
    assert resp.status_code == 404


async def test_expired_token_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], services: Services
) -> None:
    created = (
        await client.post(
            "/v1/tokens",
            headers=admin_headers,
            json={"role": "seeker", "subject": "s-exp", "expires_in_days": 1},
        )
    ).json()
    later = Clock.fixed(datetime.now(UTC) + timedelta(days=1, minutes=1))
    with pytest.raises(Unauthorized, match="expired"):
        await principal_for_token(
            dataclasses.replace(services, clock=later), token=created["token"]
        )
    principal = await principal_for_token(services, token=created["token"])
    assert principal.subject == "s-exp"


async def test_a_right_id_with_a_wrong_secret_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = (
        await client.post(
            "/v1/tokens", headers=admin_headers, json={"role": "seeker", "subject": "s-guess"}
        )
    ).json()
    forged = f"mt_{created['token_id']}_" + "B" * 43
    resp = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401
