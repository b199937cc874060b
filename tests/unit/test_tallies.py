"""The workers' tallies (matcher.store.tallies): fixed series, label values that can hold
no id or text, and a Redis outage that never fails the job being counted."""

import pytest
from redis.asyncio import Redis

from matcher.store.tallies import Tallies, field_of, parse_field


def test_a_field_holds_a_declared_series_and_plain_label_values() -> None:
    field = field_of("worker_jobs", {"function": "run_import", "outcome": "complete"})
    assert field == "worker_jobs|function=run_import|outcome=complete"
    assert parse_field(field) == ("worker_jobs", {"function": "run_import", "outcome": "complete"})
    with pytest.raises(ValueError, match="unknown series"):
        field_of("profiles_seen", {"outcome": "x"})
    for labels in (
        {"outcome": "stored", "extra": "x"},
        {"outcome": "张三"},
        {"outcome": "13800138000|outcome=x"},
        {"outcome": ""},
    ):
        with pytest.raises(ValueError, match="do not fit"):
            field_of("import_rows", labels)
    # A field a newer or older version wrote is skipped, not misread.
    assert parse_field("import_rows|kind=profiles") is None
    assert parse_field("gone_series|outcome=x") is None


async def test_a_tally_that_cannot_be_written_is_dropped_not_raised() -> None:
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    try:
        await Tallies(redis, "unit").add("import_rows", {"outcome": "stored"}, 5)
    finally:
        await redis.aclose()
