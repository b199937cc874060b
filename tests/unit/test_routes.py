"""How routes are declared: every /v1 operation needs a token."""

from matcher.api.app import API_ROUTES


def test_every_v1_route_declares_roles() -> None:
    assert any(r.path.startswith("/v1") for r in API_ROUTES), "no /v1 routes registered"
    assert all(r.roles for r in API_ROUTES if r.path.startswith("/v1"))
