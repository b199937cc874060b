"""Bulletin periods, the publication schedule, the posting wage rule and scope rules (unit)."""

from __future__ import annotations

from datetime import date

import pytest

from matcher.bulletins.scope import scope_for
from matcher.bulletins.supply_demand import ratio
from matcher.foundation.cron import ScheduleError, parse_schedule
from matcher.foundation.periods import last_ended, parse_period
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import InvalidPeriod, InvalidScope, ScopeNotAllowed
from matcher.foundation.settings import Settings, SettingsError
from matcher.postings.service import monthly_wage
from matcher.taxonomy.regions import RegionCatalog
from workers.settings import FUNCTIONS, KEEP_RESULT_S, MAX_TRIES, cron_jobs


@pytest.fixture(scope="module")
def regions() -> RegionCatalog:
    return RegionCatalog.load()


@pytest.mark.parametrize(
    ("label", "start", "end", "previous", "year_ago"),
    [
        ("2026Q1", "2026-01-01", "2026-03-31", "2025Q4", "2025Q1"),
        ("2026q3", "2026-07-01", "2026-09-30", "2026Q2", "2025Q3"),
        ("2024-02", "2024-02-01", "2024-02-29", "2024-01", "2023-02"),
        ("2026", "2026-01-01", "2026-12-31", "2025", "2025"),
        (
            "2024-02-10..2024-02-29",
            "2024-02-10",
            "2024-02-29",
            "2024-01-21..2024-02-09",
            "2023-02-10..2023-02-28",
        ),
    ],
)
def test_periods_know_their_bounds_and_comparisons(
    label: str, start: str, end: str, previous: str, year_ago: str
) -> None:
    period = parse_period(label)
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)
    assert period.previous().label == previous
    assert period.year_ago().label == year_ago
    assert parse_period(period.label) == period


@pytest.mark.parametrize(
    "label",
    [
        "2026Q5",
        "2026-13",
        "2026-02-30..2026-03-01",
        "2026-03-01..2026-02-01",
        "last",
        # Out of the calendar's range: once a 500 (date arithmetic beyond year 1 or 9999).
        "9999",
        "0001",
        "0001Q1",
        "9999-12",
        "0001-01-01..0001-01-02",
    ],
)
def test_bad_periods_say_what_is_wrong(label: str) -> None:
    with pytest.raises(InvalidPeriod) as info:
        parse_period(label)
    assert info.value.extra["errors"][0]["field"] == "period"


def test_long_ranges_are_refused() -> None:
    with pytest.raises(InvalidPeriod, match="at most"):
        parse_period("2020-01-01..2026-01-01")


def test_last_ended_period() -> None:
    assert last_ended("quarter", date(2026, 4, 1)).label == "2026Q1"
    assert last_ended("quarter", date(2026, 3, 31)).label == "2025Q4"
    assert last_ended("month", date(2026, 1, 15)).label == "2025-12"


def test_schedule_fields() -> None:
    when = parse_schedule("30 2 1 1,4,7,10", "MATCHER_BULLETIN_CRON")
    assert (when.minute, when.hour, when.day, when.month) == ({30}, {2}, {1}, {1, 4, 7, 10})
    assert parse_schedule("0 1-3 * *", "MATCHER_BULLETIN_CRON").hour == {1, 2, 3}
    for bad in ("30 2 *", "61 2 * *", "x 2 * *", "0 5-1 * *"):
        with pytest.raises(ScheduleError):
            parse_schedule(bad, "MATCHER_BULLETIN_CRON")


def test_a_postings_monthly_wage_is_its_midpoint_or_its_one_end() -> None:
    assert monthly_wage(8000, 12000) == 10000
    assert monthly_wage(7000, 7001) == 7001  # half up, to the yuan
    assert monthly_wage(7000, None) == 7000
    assert monthly_wage(None, 9000) == 9000
    assert monthly_wage(None, None) is None


def test_ratio_is_undefined_without_supply() -> None:
    assert ratio(8, 10) == 0.8
    assert ratio(5, 0) is None
    assert ratio(0, 0) is None


def test_offices_get_their_own_region_or_a_city_inside_it(regions: RegionCatalog) -> None:
    baotou = Principal("t1", Role.OFFICE, "office-bt", "150200")
    region = Principal("t2", Role.OFFICE, "office-nm", "150000")
    admin = Principal("t3", Role.ADMIN, "admin")
    assert scope_for(baotou, None, default="150000", regions=regions).code == "150200"
    assert scope_for(region, "152900", default="150000", regions=regions).name == "阿拉善盟"
    assert scope_for(admin, None, default="150000", regions=regions).level == "province"
    with pytest.raises(ScopeNotAllowed):
        scope_for(baotou, "150000", default="150000", regions=regions)
    with pytest.raises(ScopeNotAllowed):
        scope_for(baotou, "152900", default="150000", regions=regions)
    with pytest.raises(InvalidScope, match="county"):
        scope_for(admin, "150203", default="150000", regions=regions)
    with pytest.raises(InvalidScope, match="unknown"):
        scope_for(admin, "159999", default="150000", regions=regions)


def test_worker_runs_the_publication_on_the_configured_schedule() -> None:
    settings = Settings.from_env({"MATCHER_BULLETIN_CRON": "15 3 1 1,4,7,10"})
    jobs = {job.name: job for job in cron_jobs(settings)}
    job = jobs["publish_bulletins_scheduled"]
    assert (job.minute, job.hour, job.day, job.month) == ({15}, {3}, {1}, {1, 4, 7, 10})
    assert job.unique
    # Named apart from the functions (arq would otherwise run an enqueued job with the cron
    # entry's settings), with results kept and retries like the functions.
    assert not {j.name for j in cron_jobs(settings)} & {f.name for f in FUNCTIONS}
    assert (job.keep_result_s, job.max_tries) == (KEEP_RESULT_S, MAX_TRIES)
    # The hourly check for places held by unrecorded hires runs beside it.
    places = jobs["reconcile_places_hourly"]
    assert (places.minute, places.hour, places.unique) == ({17}, None, True)
    # The nightly merge of the matching indexes, at its default quiet hour unless configured.
    merge = jobs["merge_segments_nightly"]
    assert (merge.minute, merge.hour, merge.day, merge.unique) == ({40}, {3}, None, True)
    moved = {j.name: j for j in cron_jobs(Settings.from_env({"MATCHER_MERGE_CRON": "5 1 * *"}))}
    assert (moved["merge_segments_nightly"].minute, moved["merge_segments_nightly"].hour) == (
        {5},
        {1},
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("MATCHER_TIMEZONE", "Mars/Olympus"),
        ("MATCHER_BULLETIN_REGION", "15"),
        ("MATCHER_BULLETIN_PERIOD", "week"),
        ("MATCHER_WAGE_MIN_SAMPLE", "0"),
        ("MATCHER_BULLETIN_CRON", "30 25 * *"),
        ("MATCHER_MERGE_CRON", "40 3 *"),
        ("MATCHER_MERGE_MAX_MB", "-1"),
    ],
)
def test_bulletin_settings_are_checked(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_periods() -> None:
    def span(label: str) -> tuple[date, date]:
        period = parse_period(label)
        return period.start, period.until

    assert span("2026") == (date(2026, 1, 1), date(2027, 1, 1))
    assert span("2026-Q4") == (date(2026, 10, 1), date(2027, 1, 1))
    assert span("2026Q2") == (date(2026, 4, 1), date(2026, 7, 1))
    assert span("2026-12") == (date(2026, 12, 1), date(2027, 1, 1))
