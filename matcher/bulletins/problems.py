"""Errors of the bulletins package, each a ``Problem`` (problem+json)::

InvalidPeriod       422  a period label or range that cannot be read, or is too long
InvalidScope        422  a scope that is not a province- or city-level region
ScopeNotAllowed     403  an office asking for a scope outside its own region
PeriodNotEnded      409  publishing a period that has not ended (live figures cover it)
BulletinNotFound    404  no published bulletin with that id
PublishConflict     409  another publication of the same bulletin won the race
"""

from __future__ import annotations

from matcher.foundation.problems import Conflict, Forbidden, NotFound, ValidationFailed


class InvalidPeriod(ValidationFailed):
    def __init__(self, message: str) -> None:
        super().__init__(f"Invalid period: {message}", [{"field": "period", "message": message}])


class InvalidScope(ValidationFailed):
    def __init__(self, message: str) -> None:
        super().__init__(f"Invalid scope: {message}", [{"field": "scope", "message": message}])


class ScopeNotAllowed(Forbidden):
    pass


class PeriodNotEnded(Conflict):
    pass


class BulletinNotFound(NotFound):
    pass


class PublishConflict(Conflict):
    pass
