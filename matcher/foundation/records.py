"""Field types and checks shared by profiles and postings."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
)

RECORD_ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"

RecordId = Annotated[str, StringConstraints(pattern=RECORD_ID_PATTERN)]
RegionCode = Annotated[
    str, StringConstraints(pattern=r"^[1-8]\d{5}$"), Field(description="GB/T 2260 code")
]
OccupationCode = Annotated[
    str,
    StringConstraints(pattern=r"^[1-8]-\d{2}-\d{2}-\d{2}$"),
    Field(description="CSCO 2022 code, e.g. 6-18-02-04"),
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
MonthlyWage = Annotated[int, Field(ge=0, le=500_000, description="CNY per month")]


def _not_in_future(value: date, info: ValidationInfo) -> date:
    """The service validates bodies with its clock's day (``context={"today": …}``); a body
    validated elsewhere (a script) is held to the machine's. A day of slack: the caller's
    "today" may be ahead of ours across time zones."""
    today = (info.context or {}).get("today") or date.today()
    if value > today + timedelta(days=1):
        raise ValueError("a registration date cannot be in the future")
    return value


RegisteredOn = Annotated[
    date,
    AfterValidator(_not_in_future),
    Field(
        description="登记日期: when the record was registered with an office (bulletins count "
        "by it); defaults to the day it was first stored, and is kept on later updates"
    ),
]


class Strict(BaseModel):
    """Request bodies: unknown fields are errors, so typos and protected traits never pass."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
