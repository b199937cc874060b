"""Contact requests and consents as the API accepts and returns them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from matcher.foundation.records import RecordId, Strict


class RequestStatus(StrEnum):
    PENDING = "pending"  # asked, the seeker has not answered
    GRANTED = "granted"  # contact details released to this enterprise for this posting
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # granted once, taken back: hidden again


class Method(StrEnum):
    ONLINE = "online"  # the seeker answered through the API
    IN_PERSON = "in_person"  # given at an office's desk and recorded there


class ContactRequestIn(Strict):
    profile_id: RecordId
    purpose: Annotated[str, StringConstraints(min_length=1, max_length=500)] = Field(
        description="Why the enterprise wants to contact the seeker (shown to the seeker)"
    )


class ConsentIn(Strict):
    """Consent given in person at an office's desk, recorded by that office."""

    posting_id: RecordId
    method: Literal["in_person"] = "in_person"
    note: Annotated[str, StringConstraints(max_length=500)] = Field(
        default="", description="The desk's note; never shown to the enterprise or audited"
    )


class ContactRequestOut(BaseModel):
    id: str
    posting_id: str
    profile_id: str
    enterprise_id: str
    enterprise_name: str
    posting_title: str
    purpose: str
    status: RequestStatus
    method: Method
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    decided_by: str | None = Field(
        default=None, description="Who answered: the seeker or the recording office"
    )
    recorded_by: str | None = Field(
        default=None, description="The office that recorded consent given in person"
    )
    note: str | None = None


class ContactRequestList(BaseModel):
    requests: list[ContactRequestOut]
    total: int
