"""The postings change feed and snapshot as the API returns them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

ChangeName = Literal[
    "created", "updated", "closed", "paused", "filled", "expired", "not_open", "deleted"
]


class PublicPosting(BaseModel):
    """The fields of a posting any system may republish: no ids of people, no internal state."""

    id: str
    enterprise_name: str
    title: str
    description: str = ""
    occupation_code: str | None = None
    occupation_name: str | None = None
    required_level: int | None = Field(
        default=None, description="Skill grade required (1 = 高级技师 … 5 = 初级)"
    )
    required_certificates: list[dict[str, Any]] = Field(default_factory=list)
    headcount: int = 1
    open_headcount: int = 0
    wage_min: int | None = None
    wage_max: int | None = None
    region_code: str
    location: dict[str, float] | None = None
    industry: str | None = None
    key_project: dict[str, Any] | None = None
    contract_months: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    status: str
    created_at: datetime
    updated_at: datetime


class FeedItem(BaseModel):
    cursor: str = Field(description="Resume after this item with ?cursor=")
    posting_id: str
    change: ChangeName = Field(
        description="created / updated (open now), or why it is not open: closed, paused, "
        "filled, expired, not_open (outside its dates), deleted"
    )
    open: bool = Field(description="true: add or replace it; false: remove it")
    posting: PublicPosting | None = Field(
        default=None, description="As it stands now, when open; null otherwise"
    )


class FeedPage(BaseModel):
    items: list[FeedItem]
    next_cursor: str = Field(description="Pass as ?cursor= for what follows (same when empty)")
    more: bool = Field(description="More items are ready now; poll again at once")
    settle_s: float = Field(description="Writes younger than this are served on a later poll")
