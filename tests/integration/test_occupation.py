"""A record's occupation: given (certain), read from the whole record (a distribution), or
confirmed by an office or the owner — and a confirmation outlives rewrites, re-embedding and
migrations."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from elasticsearch import AsyncElasticsearch

from indexes import IndexSpec, drop_indexes, ensure_indexes, migrate
from matcher.foundation.principals import Role
from matcher.migrations.backfill import backfill
from matcher.migrations.reembed import reembed
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import PROFILES
from matcher.records.prepare import prepare
from matcher.services import Services
from matcher.store.records import ProfileRepository
from tests.conftest import TokenFactory
from tests.factories import posting_body, profile_body

WELDER = "6-18-02-04"
ELECTRICIAN = "6-31-01-03"
TAG = uuid.uuid4().hex[:8]
READING_FIELDS = {
    "occupation_candidates",
    "occupation_candidate_codes",
    "occupation_confidence",
    "occupation_source",
    "occupation_ambiguous",
    "occupation_confirmed_by",
    "occupation_confirmed_at",
}


def _unknown_posting(**overrides: Any) -> dict[str, Any]:
    body = posting_body(
        **{
            "title": "急招电焊师傅 包吃住 月薪8-12K",
            "description": "负责钢结构件的焊接，会二保焊、氩弧焊，持焊工证。",
        }
        | overrides
    )
    if "occupation_code" not in overrides:
        body.pop("occupation_code")
    return body


async def test_a_posting_without_a_code_is_read_from_its_whole_record(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-occ-{TAG}")
    resp = await client.put(f"/v1/postings/occ-read-{TAG}", headers=ent, json=_unknown_posting())
    assert resp.status_code == 201, resp.text
    posting = resp.json()
    assert posting["occupation_source"] == "inferred"
    readings = posting["occupation_candidates"]
    assert readings[0]["code"] == WELDER
    assert posting["occupation_code"] == WELDER
    assert all(0 < r["p"] <= 1 for r in readings)
    assert sum(r["p"] for r in readings) <= 1.0001
    assert [r["p"] for r in readings] == sorted((r["p"] for r in readings), reverse=True)
    assert posting["occupation_ambiguous"] is (readings[0]["p"] < 0.5)


async def test_a_record_that_names_no_trade_is_marked_for_an_office(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-vague-{TAG}")
    body = _unknown_posting(title="急招 包吃住 月薪8000", description="")
    body["required_certificates"] = []
    resp = await client.put(f"/v1/postings/occ-vague-{TAG}", headers=ent, json=body)
    assert resp.status_code == 201, resp.text
    posting = resp.json()
    assert posting["occupation_code"] is None
    assert posting["occupation_candidates"] == []
    assert posting["occupation_ambiguous"] is True


async def test_a_given_code_wins_and_is_certain(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-given-{TAG}")
    # The text reads as welding; the writer says electrician: the writer wins.
    body = _unknown_posting(occupation_code=ELECTRICIAN, required_certificates=[])
    resp = await client.put(f"/v1/postings/occ-given-{TAG}", headers=ent, json=body)
    posting = resp.json()
    assert posting["occupation_code"] == ELECTRICIAN
    assert posting["occupation_source"] == "given"
    assert posting["occupation_candidates"] == [{"code": ELECTRICIAN, "name": "电工", "p": 1.0}]
    assert posting["occupation_ambiguous"] is False


async def test_a_confirmation_is_kept_until_the_writer_names_another_code(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    ent = await make_token(Role.ENTERPRISE, f"ent-confirm-{TAG}")
    office = await make_token(Role.OFFICE, f"office-confirm-{TAG}", "150200")
    url = f"/v1/postings/occ-confirm-{TAG}"
    body = _unknown_posting(required_certificates=[])
    assert (await client.put(url, headers=ent, json=body)).status_code == 201
    # The office of the posting's league-city corrects it.
    confirmed = await client.put(
        url + "/occupation", headers=office, json={"occupation_code": "6-18-02-05"}
    )
    assert confirmed.status_code == 200, confirmed.text
    shown = confirmed.json()
    assert shown["occupation_code"] == "6-18-02-05"
    assert shown["occupation_source"] == "confirmed"
    assert shown["occupation_candidates"][0]["p"] == 1.0
    assert shown["occupation_confirmed_by"] == f"office:office-confirm-{TAG}"
    # The enterprise rewrites its posting without a code: the correction stays.
    again = await client.put(url, headers=ent, json=body | {"headcount": 5})
    assert again.json()["occupation_code"] == "6-18-02-05"
    assert again.json()["occupation_source"] == "confirmed"
    assert again.json()["headcount"] == 5
    # Naming a code is a new statement by the writer, and it wins.
    named = await client.put(url, headers=ent, json=body | {"occupation_code": WELDER})
    assert named.json()["occupation_source"] == "given"
    assert named.json()["occupation_code"] == WELDER


async def test_who_may_confirm_a_profiles_occupation(
    client: httpx.AsyncClient, make_token: TokenFactory
) -> None:
    seeker = await make_token(Role.SEEKER, f"seeker-occ-{TAG}")
    headers = {
        "office_bt": await make_token(Role.OFFICE, f"office-bt-occ-{TAG}", "150200"),
        "office_hh": await make_token(Role.OFFICE, f"office-hh-occ-{TAG}", "150100"),
        "ent": await make_token(Role.ENTERPRISE, f"ent-occ2-{TAG}"),
        "other_seeker": await make_token(Role.SEEKER, f"seeker-other-{TAG}"),
    }
    body = profile_body(title="干了八年电焊", occupation_codes=[])
    url = f"/v1/profiles/occ-profile-{TAG}"
    created = await client.put(url, headers=seeker, json=body)
    assert created.status_code == 201, created.text
    assert created.json()["occupation_source"] == "inferred"
    change = {"occupation_codes": [WELDER, "6-18-02-05"]}
    for name in ("office_hh", "ent", "other_seeker"):
        refused = await client.put(url + "/occupation", headers=headers[name], json=change)
        # Enterprises never write profiles (403 by role, before any lookup); the others are
        # answered exactly as for a record that does not exist: ids cannot be probed.
        assert refused.status_code == (403 if name == "ent" else 404), (name, refused.text)
        assert "干了八年电焊" not in refused.text
    missing = await client.put(
        f"/v1/profiles/occ-none-{TAG}/occupation", headers=headers["office_bt"], json=change
    )
    assert missing.status_code == 404
    done = await client.put(url + "/occupation", headers=headers["office_bt"], json=change)
    assert done.status_code == 200, done.text
    assert done.json()["occupation_codes"] == [WELDER, "6-18-02-05"]
    assert done.json()["occupation_source"] == "confirmed"
    own = await client.put(url + "/occupation", headers=seeker, json={"occupation_codes": [WELDER]})
    assert own.json()["occupation_codes"] == [WELDER]
    bad = await client.put(
        url + "/occupation", headers=seeker, json={"occupation_codes": ["9-99-99-99"]}
    )
    assert bad.status_code == 422


@pytest.fixture
async def scratch_profiles(es: AsyncElasticsearch, services: Services) -> AsyncIterator[IndexSpec]:
    spec = dataclasses.replace(
        services.store.indexes.profiles, prefix=f"occmig-{uuid.uuid4().hex[:6]}"
    )
    await ensure_indexes(es, [spec])
    yield spec
    await drop_indexes(es, spec.prefix)


async def test_migration_gives_old_records_readings_and_keeps_confirmations(
    es: AsyncElasticsearch, services: Services, scratch_profiles: IndexSpec
) -> None:
    spec = scratch_profiles
    given = ProfileIn.model_validate(profile_body())
    guessed = ProfileIn.model_validate(profile_body(title="电焊工", occupation_codes=[]))
    docs = await prepare(services, PROFILES, [("given", given, None), ("guessed", guessed, None)])
    confirmed = dict(docs[0], id="confirmed", occupation_codes=["6-18-02-05"])
    confirmed |= {
        "occupation_source": "confirmed",
        "occupation_candidates": [{"code": "6-18-02-05", "name": "机械加工材料切割工", "p": 1.0}],
    }
    # Stored before readings existed: no occupation_source, candidates or confidence; the
    # guessed one says so by its occupation_normalized.
    legacy = []
    for doc in docs:
        old = {k: v for k, v in doc.items() if k not in READING_FIELDS}
        old["updated_at"] = old["created_at"] = "2025-01-02T03:04:05Z"
        legacy.append(old)
    assert "occupation_normalized" in legacy[1]
    repo = ProfileRepository(es, spec)
    rows = [("given", legacy[0]), ("guessed", legacy[1]), ("confirmed", confirmed)]
    assert await repo.write_many(cast(Any, rows), refresh="wait_for") == {}

    report = await migrate(
        es, spec, transform=backfill("profiles", reembed(services, "profiles"), services)
    )
    assert report.copied == 3
    after = {d: await repo.get(d) for d in ("given", "guessed", "confirmed")}
    assert after["confirmed"] is not None
    assert after["confirmed"]["occupation_source"] == "confirmed"
    assert after["confirmed"]["occupation_codes"] == ["6-18-02-05"]
    assert after["given"] is not None
    assert after["given"]["occupation_source"] == "given"
    assert after["given"]["occupation_candidates"] == [{"code": WELDER, "name": "焊工", "p": 1.0}]
    assert after["guessed"] is not None
    assert after["guessed"]["occupation_source"] == "inferred"
    assert after["guessed"]["occupation_candidates"][0]["code"] == WELDER
    # Rebuilt, not rewritten: retention and bulletins see it unchanged.
    assert after["guessed"]["updated_at"] == "2025-01-02T03:04:05Z"
