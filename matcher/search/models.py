"""Search requests and responses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StrictBool, StrictInt, StringConstraints, model_validator

from matcher.foundation.records import OccupationCode, RegionCode, Strict
from matcher.policy.incentive_models import PostingIncentive
from matcher.taxonomy.grades import GradeField

MAX_DEPTH = 200  # offset + limit

Query = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Near(Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=2000)


class Paging(Strict):
    # JSON integers only (never "20" or 20.0); offset + limit ≤ MAX_DEPTH besides.
    limit: StrictInt = Field(default=20, ge=1, le=50)
    offset: StrictInt = Field(default=0, ge=0, le=MAX_DEPTH - 1)

    @model_validator(mode="after")
    def _bounded(self) -> Paging:
        if self.offset + self.limit > MAX_DEPTH:
            raise ValueError(f"offset + limit may be at most {MAX_DEPTH}")
        return self


class Relevance(Strict):
    include_unrelated: StrictBool = Field(
        default=False,
        description="When the text names a trade: also hits of other trades (不对口), marked",
    )


class PostingSearch(Paging, Relevance):
    q: Query = Field(default="", description="Free text, Chinese or English")
    occupation_code: OccupationCode | None = None
    grade: GradeField | None = Field(
        default=None, description="The seeker's grade: postings requiring at most this grade"
    )
    region_code: RegionCode | None = Field(default=None, description="Inside this region")
    near: Near | None = Field(default=None, description="Postings with a location in a radius")
    wage_floor: Annotated[StrictInt, Field(ge=0, le=500_000)] | None = Field(
        default=None, description="Postings offering at least this (upper end of the range)"
    )
    industry: Annotated[str, StringConstraints(max_length=50)] | None = None
    remote_incentives_only: StrictBool = Field(
        default=False,
        description="Only postings that carry an incentive policy in force (matcher/incentives)",
    )


class ProfileSearch(Paging, Relevance):
    q: Query = ""
    occupation_code: OccupationCode | None = None
    min_grade: GradeField | None = Field(default=None, description="At least this grade")
    region_code: RegionCode | None = None
    willing_to_relocate: StrictBool | None = None


class FacetValue(BaseModel):
    key: str
    count: int


class HitRelevance(BaseModel):
    tier: str = Field(
        description="对口 (the trade asked for, or every word), 相近 (a neighbouring trade, or "
        "found by meaning), 不对口 (another trade: only with include_unrelated)"
    )
    matched_by: Literal["keyword", "occupation", "meaning", "filter"] = Field(
        description="keyword: holds every word; occupation: of the trade the text names or "
        "its minor group; meaning: close in meaning (above a similarity floor); filter: a "
        "listing without text"
    )


class PostingHit(HitRelevance):
    posting_id: str
    score: float | None
    title: str
    enterprise_name: str
    occupation_code: str | None
    required_level: int | None
    region_code: str
    wage_min: int | None
    wage_max: int | None
    industry: str | None
    key_project: dict[str, Any] | None
    incentives: list[PostingIncentive]


class ProfileHit(HitRelevance):
    """A candidate as search shows it: no contact details, no certificate numbers."""

    profile_id: str
    score: float | None
    title: str
    occupation_codes: list[str]
    skill_level: int | None
    region_code: str
    years_experience: float | None
    willing_to_relocate: bool
    skills: list[str]


class ReadingOut(BaseModel):
    code: str
    name: str
    p: float


class Understood(BaseModel):
    """How the search text was read: the occupations it names (empty: it names none, and
    its words decide) and the inference's readings."""

    occupation_codes: list[str]
    readings: list[ReadingOut]


class Results(BaseModel):
    total: int = Field(description="Every hit: keyword hits (exact count) and meaning hits")
    keyword_total: int = Field(default=0, description="Of which keyword hits")
    facets: dict[str, list[FacetValue]]
    understood: Understood | None = Field(default=None, description="Set when there is text")
    next_steps: list[str] = Field(
        default_factory=list, description="When nothing was found: where to look instead"
    )
    took_ms: float


class PostingResults(Results):
    results: list[PostingHit]


class ProfileResults(Results):
    results: list[ProfileHit]
