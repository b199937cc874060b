"""What the taxonomy lookups return."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from matcher.foundation.records import Strict

# A title costs 25-60 ms of CPU to normalize, mostly its embedding (benchmarks/normalize_cost.py):
# 10 keep a request near 0.5 s.
MAX_TITLES = 10


class OccupationSummary(BaseModel):
    code: str
    name: str
    level: int
    marks: list[str]
    access_controlled: bool


class OccupationList(BaseModel):
    occupations: list[OccupationSummary]


class AccessRuleOut(BaseModel):
    certificate_type: str
    certificate_name: str
    accepted_names: list[str]
    how_to_obtain: str
    basis: str


class CodeName(BaseModel):
    code: str
    name: str


class OccupationDetail(BaseModel):
    code: str
    name: str
    level: int
    marks: list[str]
    definition: str
    tasks: list[str]
    aliases: list[str]
    parents: list[CodeName]
    children: list[CodeName]
    access_rule: AccessRuleOut | None


class RegionOut(BaseModel):
    code: str
    name: str
    level: str
    parent_code: str | None
    lon: float | None
    lat: float | None
    remote: bool


class RegionList(BaseModel):
    regions: list[RegionOut]


class GradeOut(BaseModel):
    level: int
    name: str
    high_skill: bool


class GradeList(BaseModel):
    grades: list[GradeOut]


class NormalizeIn(Strict):
    titles: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        min_length=1, max_length=MAX_TITLES
    )


class CandidateOut(BaseModel):
    code: str
    name: str
    score: float


class NormalizeResult(BaseModel):
    title: str
    candidates: list[CandidateOut]


class NormalizeOut(BaseModel):
    results: list[NormalizeResult]
