"""Saved searches and subscriptions as the API takes and returns them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from matcher.foundation.records import RecordId, Strict
from matcher.search.models import PostingSearch

MAX_PER_OWNER = 50


class SubscriptionKind(StrEnum):
    POSTINGS = "postings"  # a saved posting search (seekers, offices, admins)
    PROFILE_MATCHES = "profile_matches"  # new postings matching a profile (its seeker, offices)
    POSTING_CANDIDATES = "posting_candidates"  # new candidates for a posting (its enterprise)


class Delivery(StrEnum):
    INSTANT = "instant"  # each alert to the webhook as it is found
    DAILY = "daily"  # one webhook delivery a day with the day's alerts


class SavedPostingSearch(PostingSearch):
    """The body of ``POST /v1/search/postings``; paging is ignored."""


WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class SubscriptionIn(Strict):
    kind: SubscriptionKind
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = ""
    search: SavedPostingSearch | None = Field(
        default=None, description="kind postings: the search to run on every new posting"
    )
    profile_id: RecordId | None = Field(default=None, description="kind profile_matches")
    posting_id: RecordId | None = Field(default=None, description="kind posting_candidates")
    webhook_url: WebhookUrl | None = Field(
        default=None,
        description="An https URL to POST each alert to (signed); public addresses only",
    )
    delivery: Delivery = Delivery.INSTANT

    @model_validator(mode="after")
    def _target(self) -> SubscriptionIn:
        needs = {
            SubscriptionKind.POSTINGS: ("search", self.search),
            SubscriptionKind.PROFILE_MATCHES: ("profile_id", self.profile_id),
            SubscriptionKind.POSTING_CANDIDATES: ("posting_id", self.posting_id),
        }
        field, value = needs[self.kind]
        if value is None:
            raise ValueError(f"kind {self.kind.value} needs {field}")
        others = [f for f, v in needs.values() if f != field and v is not None]
        if others:
            raise ValueError(f"kind {self.kind.value} takes no {', '.join(others)}")
        return self


class SubscriptionOut(BaseModel):
    id: str
    kind: SubscriptionKind
    name: str
    search: dict[str, Any] | None = None
    profile_id: str | None = None
    posting_id: str | None = None
    understood_codes: list[str] = Field(
        default_factory=list, description="The trades the search text was read as naming"
    )
    webhook_url: str | None = None
    webhook_state: str = Field(description="none, ok, or failing (deliveries stopped)")
    delivery: Delivery
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    webhook_secret: str | None = Field(
        default=None,
        description="Signs every delivery (HMAC-SHA256 over timestamp.body); shown only now",
    )


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]
    total: int
