"""A shortage posting as the API accepts and returns it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from indexes.documents import PostingStatus
from matcher.foundation.records import (
    MonthlyWage,
    OccupationCode,
    RecordId,
    RegionCode,
    RegisteredOn,
    ShortText,
    Strict,
    Word,
)
from matcher.policy.incentive_models import PostingIncentive
from matcher.profiles.models import CertificateType, OccupationGuess, OccupationView
from matcher.taxonomy.grades import GradeField


class RequiredCertificate(Strict):
    type: CertificateType
    name: ShortText
    mandatory: StrictBool = Field(
        default=False,
        description="A hard rule for matching; special-operation permits always are",
    )


class GeoPoint(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class KeyProject(Strict):
    name: ShortText
    remote: StrictBool = Field(default=False, description="In a configured remote area (边远地区)")


class PostingIn(Strict):
    enterprise_id: RecordId | None = Field(
        default=None, description="Set from the token for enterprises; required for offices"
    )
    enterprise_name: ShortText
    title: ShortText
    description: Annotated[str, StringConstraints(max_length=5000)] = ""
    occupation_code: OccupationCode | None = Field(
        default=None, description="Normalized from the title when absent"
    )
    required_level: GradeField | None = None
    required_certificates: list[RequiredCertificate] = Field(default_factory=list, max_length=10)
    headcount: int = Field(default=1, ge=1, le=10_000)
    wage_min: MonthlyWage | None = None
    wage_max: MonthlyWage | None = None
    region_code: RegionCode
    location: GeoPoint | None = None
    industry: Word | None = None
    key_project: KeyProject | None = Field(
        default=None,
        description="The project the posting belongs to, as the writer names it: a claim, "
        "earning no key-project incentive until linked to a registered project",
    )
    key_project_id: RecordId | None = Field(
        default=None,
        description="A registered key project (GET /v1/key-projects). Offices and admins link "
        "it (here or PUT /v1/postings/{id}/key-project); a rewrite that names none keeps it",
    )
    contract_months: int | None = Field(
        default=None, ge=1, le=120, description="Service period offered (合同/服务期), months"
    )
    valid_from: date | None = None
    valid_until: date | None = None
    status: PostingStatus = PostingStatus.ACTIVE
    registered_on: RegisteredOn | None = None

    # Field validators (not a model validator) so the error names the offending field.
    @field_validator("wage_max")
    @classmethod
    def _wage_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        low = info.data.get("wage_min")
        if value is not None and low is not None and low > value:
            raise ValueError(f"wage_max ({value}) is below wage_min ({low})")
        return value

    @field_validator("valid_until")
    @classmethod
    def _validity(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise ValueError("valid_until is before valid_from")
        return value


class PostingOut(PostingIn, OccupationView):
    id: str
    occupation_normalized: OccupationGuess | None = None
    filled: int = Field(default=0, description="Places taken by hired referrals")
    open_headcount: int = Field(default=0, description="headcount - filled; 0 stops matching")
    created_at: datetime
    updated_at: datetime
    matchable: bool = Field(description="Active, valid today, open headcount")
    duplicate_of: str | None = Field(
        default=None,
        description="An open posting of the same enterprise this one repeats (near-identical "
        "text, same occupation); bulletins count the two once",
    )
    compliance_note: str | None = Field(
        default=None,
        description="Set when an office imported the posting with mode=sanitize and "
        "discriminatory requirements were cut out of its text: what was cut (Chinese). "
        "The next write of the posting clears it.",
    )
    key_project_status: Literal["registered", "claimed"] | None = Field(
        default=None,
        description="registered: linked to the registry; claimed: named by the writer only",
    )
    incentives: list[PostingIncentive] = Field(
        default_factory=list,
        description="Incentive policies in force that apply to this posting, and for whom",
    )


class LinkProject(Strict):
    project_id: RecordId | None = Field(
        description="A registered, active key project; null takes the link off"
    )


class PostingList(BaseModel):
    postings: list[PostingOut]
    total: int
    by_status: dict[str, int] = Field(description="Counts of the same list by status")
