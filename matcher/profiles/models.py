"""A seeker's profile as the API accepts and returns it."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

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
from matcher.taxonomy.grades import GradeField


class ProfileStatus(StrEnum):
    ACTIVE = "active"  # matchable
    PAUSED = "paused"  # kept, not matchable, until the seeker resumes
    WITHDRAWN = "withdrawn"  # the seeker left the market; never matchable


class CertificateType(StrEnum):
    SKILL_LEVEL = "skill_level"  # 职业资格 / 职业技能等级证书
    SPECIAL_OPERATION = "special_operation"  # 特种作业操作证
    SPECIAL_EQUIPMENT = "special_equipment"  # 特种设备作业人员证
    PROFESSIONAL = "professional"  # 专业技术资格
    OTHER = "other"


class Certificate(Strict):
    type: CertificateType
    name: ShortText
    occupation_code: OccupationCode | None = None
    level: GradeField | None = None
    number: Annotated[str, StringConstraints(max_length=50)] | None = Field(
        default=None, description="Personal data: shown only to the seeker, offices and admins"
    )
    issued_on: date | None = None
    expires_on: date | None = None

    @field_validator("expires_on")
    @classmethod
    def _dates_in_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        issued = info.data.get("issued_on")
        if value is not None and issued is not None and value < issued:
            raise ValueError("expires_on is before issued_on")
        return value


class Contact(Strict):
    """Personal data: never shown to an enterprise without the seeker's consent."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=50)] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{5,19}$")] | None = None
    email: (
        Annotated[str, StringConstraints(pattern=r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")]
        | None
    ) = None


class ProfileIn(Strict):
    owner_id: RecordId | None = Field(
        default=None,
        description="The seeker's id; set from the token for seekers, optional for offices",
    )
    title: ShortText
    summary: Annotated[str, StringConstraints(max_length=2000)] = ""
    skills: list[Word] = Field(default_factory=list, max_length=50)
    occupation_codes: list[OccupationCode] = Field(
        default_factory=list,
        max_length=5,
        description="Normalized from the title when empty",
    )
    skill_level: GradeField | None = None
    certificates: list[Certificate] = Field(default_factory=list, max_length=20)
    years_experience: float | None = Field(default=None, ge=0, le=60)
    region_code: RegionCode
    willing_to_relocate: StrictBool = False
    preferred_region_codes: list[RegionCode] = Field(default_factory=list, max_length=20)
    expected_monthly_wage: MonthlyWage | None = None
    awards: list[Word] = Field(default_factory=list, max_length=20)
    contact: Contact | None = None
    status: ProfileStatus = ProfileStatus.ACTIVE
    registered_on: RegisteredOn | None = None


class OccupationGuess(BaseModel):
    code: str
    name: str
    score: float


class OccupationReading(BaseModel):
    code: str
    name: str
    p: float = Field(description="Probability that this is the record's occupation")


class OccupationSource(StrEnum):
    GIVEN = "given"
    INFERRED = "inferred"
    CONFIRMED = "confirmed"


class OccupationView(BaseModel):
    """How the record's occupation was decided, and its readings."""

    occupation_candidates: list[OccupationReading] = Field(
        default_factory=list,
        description="The most likely occupations with their probabilities (one, p = 1, "
        "when given or confirmed)",
    )
    occupation_source: OccupationSource | None = Field(
        default=None, description="given by the writer, inferred from the record, or confirmed"
    )
    occupation_ambiguous: bool = Field(
        default=False, description="Inferred and less likely than not: an office should confirm"
    )
    occupation_confirmed_by: str | None = None


class ConfirmOccupations(Strict):
    """An office or the owner says which occupations a profile is about."""

    occupation_codes: list[OccupationCode] = Field(min_length=1, max_length=5)


class ConfirmOccupation(Strict):
    """An office or the owner says which occupation a posting is about."""

    occupation_code: OccupationCode


class ProfileOut(ProfileIn, OccupationView):
    id: str
    occupation_normalized: OccupationGuess | None = Field(
        default=None, description="Set when occupation_codes came from the title"
    )
    created_at: datetime
    updated_at: datetime
    matchable: bool = Field(description="Active and visible to matching now")
    view: str = Field(
        default="full",
        description="full (seeker, office, admin), candidate (an enterprise without consent) "
        "or consented (an enterprise the seeker consented to, for the posting asked about)",
    )
    redacted: list[str] = Field(
        default_factory=list, description="Fields this view leaves out or coarsens"
    )


MAX_BATCH = 500


class ProfileBatch(Strict):
    profiles: list[dict[str, object]] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=(
            "Up to 500 profiles, each as `PUT /v1/profiles/{profile_id}` takes it with its "
            "`id` added; the ids must be distinct. Each is validated on its own: an invalid "
            "one is reported in its result and the others are written."
        ),
    )


class FieldError(BaseModel):
    field: str
    message: str


class BatchResult(BaseModel):
    index: int = Field(description="The record's position in the batch (from 0)")
    id: str | None = Field(description="Its id, as sent")
    status: int = Field(
        description=(
            "201 created, 200 replaced, 403 not yours to write, 409 changed by someone else "
            "meanwhile (send it again), 422 invalid (see `errors`), 503 not stored (send it "
            "again)"
        )
    )
    detail: str | None = None
    errors: list[FieldError] = Field(default_factory=list)
    matchable: bool | None = Field(
        default=None, description="Written: whether matching will consider it"
    )


class BatchOut(BaseModel):
    created: int
    replaced: int
    failed: int
    results: list[BatchResult]
