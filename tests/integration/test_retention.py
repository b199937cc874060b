"""Profiles past the retention period are flagged for review, offices seeing their region."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from matcher.foundation.clock import Clock
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.privacy.retention import stale_profiles
from matcher.services import Services
from tests.conftest import TokenFactory
from tests.factories import profile_body


async def test_retention_flags_profiles_not_updated_within_the_period(
    client: httpx.AsyncClient, make_token: TokenFactory, services: Services
) -> None:
    seeker = await make_token(Role.SEEKER, "retention-seeker")
    pid = f"ret-{uuid.uuid4().hex[:8]}"
    body = profile_body(region_code="150402")
    assert (await client.put(f"/v1/profiles/{pid}", headers=seeker, json=body)).status_code == 201
    chifeng = Principal(token_id="t", role=Role.OFFICE, subject="o", region_code="150400")
    baotou = Principal(token_id="t", role=Role.OFFICE, subject="o", region_code="150200")
    admin = Principal(token_id="t", role=Role.ADMIN, subject="a")

    # Today nothing of ours is past 30 days; 31 days from now it is.
    page = Page(limit=500)
    now = await stale_profiles(services, principal=admin, days=30, page=page)
    assert pid not in [p.profile_id for p in now.profiles]
    later = dataclasses.replace(services, clock=Clock.fixed(datetime.now(UTC) + timedelta(days=31)))
    flagged = await stale_profiles(later, principal=chifeng, days=30, page=page)
    assert pid in [p.profile_id for p in flagged.profiles]
    assert all(p.region_code.startswith("1504") for p in flagged.profiles)
    other = await stale_profiles(later, principal=baotou, days=30, page=page)
    assert pid not in [p.profile_id for p in other.profiles]
    # The configured default (730 days) and the endpoint's roles.
    office = await make_token(Role.OFFICE, "retention-office", "150400")
    listed = await client.get("/v1/retention/profiles", headers=office)
    assert listed.status_code == 200
    assert listed.json()["retention_days"] == services.settings.retention_days
    assert (await client.get("/v1/retention/profiles", headers=seeker)).status_code == 403
