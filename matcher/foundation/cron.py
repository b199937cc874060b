"""The worker's schedules (``MATCHER_BULLETIN_CRON``, ``MATCHER_MERGE_CRON``): ``minute hour day
month``, each ``*``, a number, a comma list or a range ``a-b``. Kept free of service imports so
the settings module can check them at start-up."""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day", 1, 31), ("month", 1, 12))


class ScheduleError(ValueError):
    """A schedule cannot be read; the message names its variable."""


@dataclass(frozen=True)
class Schedule:
    minute: set[int] | None
    hour: set[int] | None
    day: set[int] | None
    month: set[int] | None


def _field(text: str, name: str, low: int, high: int, variable: str) -> set[int] | None:
    if text == "*":
        return None
    values: set[int] = set()
    for part in text.split(","):
        first, _, last = part.partition("-")
        if not first.isdigit() or (last and not last.isdigit()):
            raise ScheduleError(f"{variable}: {name} {part!r} is not a number")
        a, b = int(first), int(last or first)
        if not low <= a <= b <= high:
            raise ScheduleError(f"{variable}: {name} must lie in {low}..{high}")
        values.update(range(a, b + 1))
    return values


def parse_schedule(text: str, variable: str) -> Schedule:
    parts = text.split()
    if len(parts) != len(FIELDS):
        raise ScheduleError(f"{variable} needs four fields: minute hour day month")
    sets = [_field(p, n, lo, hi, variable) for p, (n, lo, hi) in zip(parts, FIELDS, strict=True)]
    return Schedule(*sets)
