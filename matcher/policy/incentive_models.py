"""Incentive policies as data, and what the evaluator grants from them.

A policy is data: what it pays (``benefits``) and to whom (``eligibility``, a rule over the
posting and the candidate). Stored policies are versions; a change is a new version.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints, model_validator

from matcher.foundation.records import RecordId, RegionCode, ShortText, Strict
from matcher.taxonomy.grades import GradeField

# A CSCO 2022 occupation (6-18-02-04) or one of its groups (6, 6-18, 6-18-02).
OccupationOrGroup = Annotated[
    str,
    StringConstraints(pattern=r"^[1-8](-\d{2}){0,3}$"),
    Field(description="CSCO 2022 occupation code or group, e.g. 6-18-02-04 or 6-18"),
]
MAX_POLICY_RULE_CODES = 500


class BenefitKind(StrEnum):
    MONTHLY_ALLOWANCE = "monthly_allowance"  # 津贴补贴 (元/月)
    RELOCATION_SUBSIDY = "relocation_subsidy"  # 一次性安家/搬迁补贴 (元)
    HOUSING = "housing"  # 住房保障: 人才公寓 (实物) or 住房补贴 (元/月 or 元)
    APPRAISAL_PRIORITY = "appraisal_priority"  # 技师/高级技师评聘优先
    SOCIAL_INSURANCE_TRANSFER = "social_insurance_transfer"  # 社保关系接续协助


class Unit(StrEnum):
    YUAN_PER_MONTH = "yuan_per_month"
    YUAN_ONCE = "yuan_once"
    IN_KIND = "in_kind"  # a service or priority, no money amount


# Which units each kind may use: money kinds need an amount, services none.
ALLOWED_UNITS: dict[BenefitKind, frozenset[Unit]] = {
    BenefitKind.MONTHLY_ALLOWANCE: frozenset({Unit.YUAN_PER_MONTH}),
    BenefitKind.RELOCATION_SUBSIDY: frozenset({Unit.YUAN_ONCE}),
    BenefitKind.HOUSING: frozenset({Unit.YUAN_PER_MONTH, Unit.YUAN_ONCE, Unit.IN_KIND}),
    BenefitKind.APPRAISAL_PRIORITY: frozenset({Unit.IN_KIND}),
    BenefitKind.SOCIAL_INSURANCE_TRANSFER: frozenset({Unit.IN_KIND}),
}


class Benefit(Strict):
    kind: BenefitKind
    unit: Unit
    amount: int | None = Field(default=None, ge=1, le=1_000_000, description="元, per unit")
    description: Annotated[str, StringConstraints(max_length=200)] = ""

    @model_validator(mode="after")
    def _unit_fits_kind(self) -> Benefit:
        allowed = ALLOWED_UNITS[self.kind]
        if self.unit not in allowed:
            units = ", ".join(sorted(allowed))
            raise ValueError(f"{self.kind} is paid in {units}, not {self.unit}")
        if self.unit is Unit.IN_KIND and self.amount is not None:
            raise ValueError(f"{self.kind} in kind has no amount")
        if self.unit is not Unit.IN_KIND and self.amount is None:
            raise ValueError(f"{self.kind} in {self.unit} needs an amount")
        return self


class Area(StrEnum):
    CONFIGURED_REMOTE = "configured_remote"  # the remote-area set (MATCHER_REMOTE_AREAS_FILE)
    LISTED = "listed"  # the policy's own county_codes
    ANY = "any"


class MovingFrom(StrEnum):
    ANY = "any"
    OTHER_CITY = "other_city"  # the candidate lives in another league-city (or outside)
    OUTSIDE_REGION = "outside_region"  # the candidate lives outside the posting's province


class Eligibility(Strict):
    """Who and what a policy covers. Unset parts do not restrict."""

    key_project: StrictBool = Field(
        default=True,
        description="The posting is linked to a registered key project (GET /v1/key-projects); "
        "a project named by the enterprise but not linked by an office does not count",
    )
    project_ids: list[RecordId] = Field(
        default_factory=list,
        max_length=MAX_POLICY_RULE_CODES,
        description="Only these registered projects (empty: any registered project)",
    )
    area: Area = Field(default=Area.CONFIGURED_REMOTE, description="Where the posting must be")
    county_codes: list[RegionCode] = Field(
        default_factory=list,
        max_length=MAX_POLICY_RULE_CODES,
        description="County-level codes, for area 'listed'",
    )
    occupation_codes: list[OccupationOrGroup] = Field(
        default_factory=list, max_length=MAX_POLICY_RULE_CODES
    )
    min_grade: GradeField | None = Field(
        default=None, description="The candidate's certified grade at least this"
    )
    moving_from: MovingFrom = MovingFrom.ANY
    min_commitment_months: int | None = Field(
        default=None, ge=1, le=120, description="Service period the worker commits to"
    )

    @model_validator(mode="after")
    def _projects_only_for_key_projects(self) -> Eligibility:
        if self.project_ids and not self.key_project:
            raise ValueError("project_ids are only read with key_project true")
        return self

    @model_validator(mode="after")
    def _counties_only_when_listed(self) -> Eligibility:
        if self.area is Area.LISTED and not self.county_codes:
            raise ValueError("area 'listed' needs county_codes")
        if self.area is not Area.LISTED and self.county_codes:
            raise ValueError("county_codes are only read with area 'listed'")
        return self


class PolicyContent(Strict):
    """What a version of a policy says (compared to tell a real change from a replay)."""

    name: ShortText
    authority: ShortText = Field(description="Issuing authority, e.g. 自治区人力资源和社会保障厅")
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    valid_from: date
    valid_until: date | None = None
    benefits: list[Benefit] = Field(min_length=1, max_length=10)
    eligibility: Eligibility

    @model_validator(mode="after")
    def _dates_in_order(self) -> PolicyContent:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


class PolicyStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class Policy(PolicyContent):
    """One stored version. Versions are never rewritten; a retirement is a version too."""

    policy_id: str
    version: int
    status: PolicyStatus
    recorded_at: datetime
    recorded_by: str
    note: str = ""


class CheckOut(BaseModel):
    rule: str
    passed: bool
    detail: str


class Grant(BaseModel):
    """An incentive this candidate would receive for this posting, and the rule that gave it."""

    policy_id: str
    version: int
    name: str
    authority: str
    benefits: list[Benefit]
    monthly_total: int = Field(description="元/月")
    one_off_total: int = Field(description="元, once")
    granted_by: list[CheckOut]
    conditions: list[str]
    valid_until: date | None


class PostingIncentive(BaseModel):
    """A policy that applies to a posting, and the kind of candidate it pays."""

    policy_id: str
    version: int
    name: str
    authority: str
    benefits: list[Benefit]
    monthly_total: int
    one_off_total: int
    posting_rule: list[CheckOut]
    candidates: list[str] = Field(description="Who receives it (Chinese)")
    conditions: list[str]
    valid_until: date | None


class IncentiveTotals(BaseModel):
    monthly: int = Field(description="元/月, all granted incentives")
    one_off: int = Field(description="元, all granted incentives")
