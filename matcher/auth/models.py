"""The token API's request and response bodies."""

from __future__ import annotations

import re
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.foundation.principals import Role

# GB/T 2260: two digits province, two city, two county; 000000 is not a region.
REGION_CODE = re.compile(r"^[1-8]\d(\d\d){2}$")
SUBJECT_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    subject: str = Field(
        pattern=SUBJECT_PATTERN,
        description="Id of the seeker, enterprise or office this token acts for",
    )
    region_code: str | None = Field(
        default=None,
        pattern=REGION_CODE.pattern,
        description="GB/T 2260 code bounding an office's scope (required for offices)",
    )
    label: str = Field(default="", max_length=100, description="A note for administrators")
    expires_in_days: int = Field(default=365, ge=1, le=3650)

    @model_validator(mode="after")
    def _office_needs_region(self) -> TokenCreate:
        if self.role is Role.OFFICE and self.region_code is None:
            raise ValueError("region_code is required for an office token")
        return self


class TokenInfo(BaseModel):
    """A token as administrators see it: never the secret."""

    token_id: str
    role: Role
    subject: str
    region_code: str | None
    label: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenInfo):
    token: str = Field(description="The bearer token; shown once, store it now")


class TokenList(BaseModel):
    tokens: list[TokenInfo]


class Me(BaseModel):
    token_id: str
    role: Role
    subject: str
    region_code: str | None
