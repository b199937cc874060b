"""Key construction projects (重点建设项目) as the API takes and returns them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from matcher.foundation.records import RegionCode, ShortText, Strict


class KeyProjectIn(Strict):
    name: ShortText
    county_code: RegionCode = Field(description="Where it is built (a county, or its city)")
    authority: ShortText = Field(description="Who approved it, e.g. 自治区发展和改革委员会")
    approval_number: ShortText = Field(description="The approval document (批复文号)")
    valid_from: date
    valid_until: date | None = None
    status: Literal["active", "retired"] = "active"

    @model_validator(mode="after")
    def _dates_in_order(self) -> KeyProjectIn:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class KeyProjectOut(KeyProjectIn):
    id: str
    city_code: str | None
    remote: bool = Field(description="Its county is in the configured remote areas (边远地区)")
    recorded_by: str
    created_at: datetime
    updated_at: datetime


class KeyProjectList(BaseModel):
    projects: list[KeyProjectOut]
    total: int
