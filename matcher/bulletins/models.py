"""What a bulletin holds, as the API returns it and the store keeps it.

A supply-demand row keeps its figures under ``measures`` keyed by name ("demand", "supply"),
so a later measure (e.g. placements from referrals) is one more key, and the CSV and HTML
gain its columns without a change of shape.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# What a published bulletin's id looks like; anything else is not looked up.
BULLETIN_ID = re.compile(r"^(supply-demand|wages)-\d{6}-[0-9Q.-]{4,25}-v\d{1,4}$")


class Kind(StrEnum):
    SUPPLY_DEMAND = "supply-demand"
    WAGES = "wages"

    @property
    def zh_name(self) -> str:
        return "人力资源市场供求信息" if self is Kind.SUPPLY_DEMAND else "工资指导价位"


class Measure(BaseModel):
    """One figure of a row with its share and changes. Percent changes are None when the
    earlier figure is 0 (no base to compare with)."""

    value: int
    share: float | None = Field(description="Of the bulletin's total, 0–1 (4 decimals)")
    previous: int
    change: int
    change_pct: float | None
    year_ago: int
    change_yoy: int
    change_yoy_pct: float | None


class Ratio(BaseModel):
    """求人倍率 = demand ÷ supply, 2 decimals; None (undefined) when supply is 0."""

    value: float | None
    previous: float | None
    year_ago: float | None


class SupplyDemandRow(BaseModel):
    dimension: str = Field(description="total, occupation, grade or region")
    level: str = Field(
        description="major/middle/minor/occupation for occupations, else the dimension"
    )
    key: str = Field(description="Occupation code or group, grade number, region code; '' = none")
    name: str
    measures: dict[str, Measure]
    ratio: Ratio


class ShortageRow(BaseModel):
    rank: int
    previous_rank: int | None = Field(description="Rank last period; None if not ranked then")
    occupation_code: str
    name: str
    demand: int
    supply: int
    gap: int = Field(description="demand − supply")
    ratio: float | None


class WageCell(BaseModel):
    """Wage statistics of one cell (元/月). ``basis`` says where the figures come from:
    ``own`` (the cell's sample), ``rolled_up`` (the group named by ``basis_code``, because the
    cell's sample is below the minimum) or ``suppressed`` (no figures published)."""

    level: str = Field(
        description="occupation, minor, middle, major; all (every occupation, per grade); "
        "total (every occupation and grade)"
    )
    occupation_code: str
    occupation_name: str
    grade: int | None
    grade_name: str
    region_code: str | None = None
    region_name: str | None = None
    sample_size: int
    basis: str
    basis_code: str | None = None
    basis_sample_size: int | None = None
    p10: int | None = None
    p25: int | None = None
    p50: int | None = None
    p75: int | None = None
    p90: int | None = None
    mean: int | None = None


class Bulletin(BaseModel):
    """A bulletin: published (with id and version) or live (id None)."""

    id: str | None
    kind: Kind
    title: str
    period: str
    period_start: date
    period_end: date
    previous_period: str | None = None
    year_ago_period: str | None = None
    scope: str
    scope_name: str
    version: int | None = None
    replaces: str | None = None
    reason: str | None = None
    generated_at: datetime
    published_by: str | None = None
    trigger: str | None = Field(default=None, description="schedule, office or admin")
    software_version: str
    unit: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    totals: SupplyDemandRow | None = None
    rows: list[SupplyDemandRow] = Field(default_factory=list)
    shortage: list[ShortageRow] = Field(default_factory=list)
    wages: list[WageCell] = Field(default_factory=list)
    counts: dict[str, Any] = Field(
        default_factory=dict, description="The aggregated counts the figures were computed from"
    )
    notes: list[str] = Field(default_factory=list)


class BulletinSummary(BaseModel):
    id: str
    kind: Kind
    title: str
    period: str
    period_start: date
    period_end: date
    scope: str
    scope_name: str
    version: int
    replaces: str | None
    superseded_by: str | None
    generated_at: datetime
    trigger: str


class BulletinList(BaseModel):
    total: int
    items: list[BulletinSummary]


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    period: str | None = Field(
        default=None,
        max_length=30,
        description="Default: the last ended period of the configured kind (a quarter)",
    )
    scope: str | None = Field(
        default=None,
        pattern=r"^[1-8]\d{5}$",
        description="Region code; default: the office's region (admins: the configured region)",
    )
    reason: str | None = Field(
        default=None, max_length=500, description="Why a new version replaces the last one"
    )
