"""An inbox alert as the API returns it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class AlertKind(StrEnum):
    POSTING_EXPIRING = "posting_expiring"  # to the enterprise, seven days before valid_until
    POSTING_EXPIRED = "posting_expired"  # to the enterprise, when the daily job expires it
    POSTING_FILLED = "posting_filled"  # to the enterprise, when the last place is taken
    HIRED_PAUSE_PROFILE = "hired_pause_profile"  # to a hired seeker: pause the profile?
    NEW_POSTING = "new_posting"  # a saved search or a profile's subscription found a posting
    NEW_CANDIDATE = "new_candidate"  # a posting's subscription found a candidate
    # To the enterprise and the region's offices: a posting repeats an open one of its own.
    POSTING_DUPLICATE = "posting_duplicate"
    # To the offices covering both: two profiles share a phone or certificate number.
    PROFILE_DUPLICATE = "profile_duplicate"
    # To the enterprise: an office imported its posting with discriminatory requirements cut.
    POSTING_SANITIZED = "posting_sanitized"


class AlertOut(BaseModel):
    id: str
    kind: AlertKind
    record_kind: str = Field(description="posting or profile")
    record_id: str
    title: str
    body: str
    subscription_id: str | None = None
    created_at: datetime
    read_at: datetime | None = None


class AlertList(BaseModel):
    alerts: list[AlertOut]
    total: int
    unread: int = Field(description="Unread alerts of the caller in all")
