"""The service's one source of "now" and "today".

"Today" is the day where the offices are (``MATCHER_TIMEZONE``, Beijing time by default), not
the day of the machine's time zone: registration days, validity dates, bulletin periods and
the expiry of certificates all turn at local midnight. Timestamps are stored in UTC.

Every part that needs the date takes it from ``Services.clock``; tests hand in a clock fixed
at a chosen instant (``Clock.fixed``), so no test depends on the day it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, timezone: str, source: Callable[[], datetime] | None = None) -> None:
        self.timezone = timezone
        self.zone = ZoneInfo(timezone)
        self._source = source or (lambda: datetime.now(UTC))

    @classmethod
    def fixed(cls, instant: datetime, timezone: str = "Asia/Shanghai") -> Clock:
        """A clock that always says ``instant`` (an aware datetime)."""
        if instant.tzinfo is None:
            raise ValueError("a fixed clock needs an aware datetime")
        return cls(timezone, lambda: instant)

    def now(self) -> datetime:
        """Now, in UTC."""
        return self._source().astimezone(UTC)

    def timestamp(self) -> str:
        """Now as stored: an ISO 8601 UTC timestamp."""
        return self.now().isoformat()

    def local_now(self) -> datetime:
        """Now in the service's time zone (for what people read: 北京时间)."""
        return self._source().astimezone(self.zone)

    def today(self) -> date:
        """Today's date in the service's time zone."""
        return self.local_now().date()
