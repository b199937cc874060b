"""Periods: quarters, months, years or any date range — the one period type of the service
(bulletins, the referral list, the incentive report).

Labels are what users type and what ids carry: ``2026Q3`` (also ``2026-Q3``), ``2026-07``,
``2026``, ``2026-07-01..2026-08-15`` (both ends included). Every period knows the one before it (the
previous quarter, month or year; for a range, the same number of days just before) and the
same period a year earlier, which the supply-demand bulletin compares against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from matcher.foundation.problems import InvalidPeriod

Granularity = Literal["quarter", "month", "year", "range"]
MAX_RANGE_DAYS = 3 * 366  # a longer range is not a bulletin period
# Records of a public employment service: nothing before 1990 or after 2100 is a period
# anyone means (and 9999-12 would overflow the day after it).
YEARS = range(1990, 2101)

_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """Days ``start`` … ``end``, both included."""

    granularity: Granularity
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.granularity == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.granularity == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.granularity == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def zh_label(self) -> str:
        """The label as a Chinese page title says it: 2026年第三季度, 2026年7月 …"""
        if self.granularity == "quarter":
            return f"{self.start.year}年第{'一二三四'[(self.start.month - 1) // 3]}季度"
        if self.granularity == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.granularity == "year":
            return f"{self.start.year}年"
        return f"{self.start.isoformat()} 至 {self.end.isoformat()}"

    @property
    def until(self) -> date:
        """The first day after the period (for half-open ranges)."""
        return self.end + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        if self.granularity == "range":
            end = self.start - timedelta(days=1)
            return Period("range", end - timedelta(days=self.days - 1), end)
        return containing(self.granularity, self.start - timedelta(days=1))

    def year_ago(self) -> Period:
        if self.granularity == "range":
            return Period("range", _year_back(self.start), _year_back(self.end))
        return containing(self.granularity, _year_back(self.start))


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def containing(granularity: Granularity, day: date) -> Period:
    """The quarter, month or year that contains ``day``."""
    if granularity == "quarter":
        first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return Period("quarter", first, _month_end(first.year, first.month + 2))
    if granularity == "month":
        return Period("month", day.replace(day=1), _month_end(day.year, day.month))
    if granularity == "year":
        return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError("a range has no containing period")


def last_ended(granularity: Granularity, today: date) -> Period:
    """The latest period of this granularity that ended before ``today``."""
    return containing(granularity, today).previous()


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return following - timedelta(days=1)


def in_words(label: str) -> str:
    """A period label as people read it (``2026Q3`` → 2026年第三季度); an unreadable label
    as it is."""
    try:
        return parse_period(label).zh_label
    except (InvalidPeriod, ValueError):
        return label


def parse_period(label: str) -> Period:
    """A period from its label; ``InvalidPeriod`` (422) says what is wrong."""
    text = label.strip()
    year = text[:4]
    if year.isdigit() and int(year) not in YEARS:
        raise InvalidPeriod(f"{text!r}: years run from {YEARS.start} to {YEARS.stop - 1}")
    try:
        if m := _QUARTER.match(text):
            return containing("quarter", date(int(m[1]), 3 * int(m[2]) - 2, 1))
        if m := _MONTH.match(text):
            return containing("month", date(int(m[1]), int(m[2]), 1))
        if m := _YEAR.match(text):
            return containing("year", date(int(m[1]), 1, 1))
        if m := _RANGE.match(text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise InvalidPeriod("the range ends before it starts")
            period = Period("range", start, end)
            if period.days > MAX_RANGE_DAYS:
                raise InvalidPeriod(f"a range may cover at most {MAX_RANGE_DAYS} days")
            return period
    except ValueError as exc:
        raise InvalidPeriod(f"{text!r} is not a real date ({exc})") from None
    raise InvalidPeriod(
        f"{text!r}: write a quarter (2026Q3), a month (2026-07), a year (2026) "
        "or a range (2026-07-01..2026-08-15)"
    )
