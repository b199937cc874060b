"""The named queries and their Python twins give the same verdicts, on the real node."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any, cast

import pytest
from elasticsearch import AsyncElasticsearch

from indexes import build_indexes, drop_indexes, ensure_indexes
from matcher.store.base import Fetch
from matcher.store.queries import (
    active_profile,
    is_active_profile,
    is_open_posting,
    open_posting,
    region_prefix,
)
from matcher.store.records import PostingRepository, ProfileRepository
from matcher.taxonomy.regions import RegionCatalog

DAY = date(2026, 6, 15)


def day(offset: int) -> str:
    return (DAY + timedelta(days=offset)).isoformat()


POSTINGS: dict[str, dict[str, Any]] = {
    "open": {"status": "active", "headcount": 2, "filled": 0, "open_headcount": 2},
    "open-dated": {
        "status": "active",
        "headcount": 1,
        "open_headcount": 1,
        "valid_from": day(-10),
        "valid_until": day(0),
    },
    "starts-today": {"status": "active", "open_headcount": 1, "valid_from": day(0)},
    "not-yet": {"status": "active", "open_headcount": 1, "valid_from": day(1)},
    "ended": {"status": "active", "open_headcount": 1, "valid_until": day(-1)},
    "full": {"status": "active", "headcount": 2, "filled": 2, "open_headcount": 0},
    "paused": {"status": "paused", "open_headcount": 3},
    "closed": {"status": "closed", "open_headcount": 1},
}
PROFILES: dict[str, dict[str, Any]] = {
    "active": {"status": "active", "region_code": "150203"},
    "paused": {"status": "paused", "region_code": "150203"},
    "withdrawn": {"status": "withdrawn", "region_code": "150402"},
    "elsewhere": {"status": "active", "region_code": "130110"},
}


@pytest.fixture(scope="module")
async def repos(
    es: AsyncElasticsearch,
) -> AsyncIterator[tuple[PostingRepository, ProfileRepository]]:
    prefix = f"queries-{uuid.uuid4().hex[:8]}"
    indexes = build_indexes(prefix, dims=4, embedding_model="test-model")
    await ensure_indexes(es, [indexes.postings, indexes.profiles])
    postings, profiles = (
        PostingRepository(es, indexes.postings),
        ProfileRepository(es, indexes.profiles),
    )
    await postings.write_many(
        [(i, cast(Any, {"id": i, **d})) for i, d in POSTINGS.items()], refresh="wait_for"
    )
    await profiles.write_many(
        [(i, cast(Any, {"id": i, **d})) for i, d in PROFILES.items()], refresh="wait_for"
    )
    yield postings, profiles
    await drop_indexes(es, prefix)


async def found(repo: Any, filters: list[dict[str, Any]]) -> set[str]:
    hits, _ = await repo.search({"bool": {"filter": filters}}, Fetch(size=100))
    return {h.id for h in hits}


async def test_open_posting_and_its_twin_agree(
    repos: tuple[PostingRepository, ProfileRepository],
) -> None:
    postings, _ = repos
    twin = {i for i, d in POSTINGS.items() if is_open_posting(d, DAY)}
    assert twin == {"open", "open-dated", "starts-today"}
    assert await found(postings, open_posting(DAY)) == twin


async def test_active_profile_and_its_twin_agree(
    repos: tuple[PostingRepository, ProfileRepository],
) -> None:
    _, profiles = repos
    twin = {i for i, d in PROFILES.items() if is_active_profile(cast(Any, d))}
    assert await found(profiles, [active_profile()]) == twin == {"active", "elsewhere"}


@pytest.mark.parametrize("region", ["150000", "150200", "150203", "130110", "130100"])
async def test_region_prefix_and_its_twin_agree(
    repos: tuple[PostingRepository, ProfileRepository], region: str
) -> None:
    _, profiles = repos
    regions = RegionCatalog.load()
    twin = {i for i, d in PROFILES.items() if regions.within(d["region_code"], region)}
    assert await found(profiles, [region_prefix(region)]) == twin
