"""Taxonomy lookups (occupations, regions, grades) and occupation-title normalization."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import QueryModel
from matcher.foundation.principals import ALL_ROLES
from matcher.lookups import service
from matcher.lookups.models import (
    GradeList,
    GradeOut,
    NormalizeIn,
    NormalizeOut,
    OccupationDetail,
    OccupationList,
    RegionList,
)
from matcher.taxonomy.grades import SkillGrade


class OccupationsQuery(QueryModel):
    q: str = Field(default="", max_length=50, description="Name or alias, or a part")
    level: int | None = Field(default=None, ge=0, le=4, description="1 major group … 4 occupation")
    limit: int = Field(default=10, ge=1, le=50, description="Default 10")


class RegionsQuery(QueryModel):
    parent: str | None = Field(
        default=None, max_length=12, description="GB/T 2260 code; none = provinces"
    )


async def list_occupations(call: Call[None, OccupationsQuery]) -> Response:
    """Typeahead over occupation names and aliases (Chinese); without ``q``, the major groups."""
    q = call.query
    found = await service.find_occupations(
        call.services, q=q.q.strip(), level=q.level or None, limit=q.limit
    )
    return json_response(OccupationList(occupations=found))


async def get_occupation(call: Call[None, None]) -> Response:
    """One occupation or group: definition, main tasks, aliases, parents, children and, for
    employment-access occupations, the certificate required and how to obtain it."""
    return json_response(service.occupation_detail(call.services, call.path["code"]))


async def list_regions(call: Call[None, RegionsQuery]) -> Response:
    """Child regions of ``parent`` (a GB/T 2260 code); without it, the provinces."""
    return json_response(service.child_regions(call.services, call.query.parent or None))


async def list_grades(call: Call[None, None]) -> Response:
    """The five national skill grades, highest first (1 高级技师 … 5 初级)."""
    return json_response(
        GradeList(
            grades=[
                GradeOut(level=int(g), name=g.zh_name, high_skill=g.is_high_skill)
                for g in sorted(SkillGrade)
            ]
        )
    )


async def normalize(call: Call[NormalizeIn, None]) -> Response:
    """Map free job titles to CSCO 2022 occupations: top 5 candidates per title, best first,
    with scores in [0, 1]. Each title past the first counts as one more request against the
    caller's per-minute allowance (a title costs about what a small request does)."""
    await call.charge_requests(len(call.body.titles) - 1)
    return json_response(await service.normalize_titles(call.services, call.body.titles))


ROUTES = [
    ApiRoute(
        "/v1/taxonomy/occupations",
        "GET",
        list_occupations,
        "Find occupations",
        ALL_ROLES,
        "taxonomy",
        response=OccupationList,
        query=OccupationsQuery,
    ),
    ApiRoute(
        "/v1/taxonomy/occupations/{code}",
        "GET",
        get_occupation,
        "One occupation",
        ALL_ROLES,
        "taxonomy",
        response=OccupationDetail,
    ),
    ApiRoute(
        "/v1/taxonomy/regions",
        "GET",
        list_regions,
        "Regions under a parent",
        ALL_ROLES,
        "taxonomy",
        response=RegionList,
        query=RegionsQuery,
        also={404: "The parent region asked for is unknown"},
    ),
    ApiRoute(
        "/v1/taxonomy/grades",
        "GET",
        list_grades,
        "Skill grades",
        ALL_ROLES,
        "taxonomy",
        response=GradeList,
    ),
    ApiRoute(
        "/v1/occupations/normalize",
        "POST",
        normalize,
        "Normalize job titles",
        ALL_ROLES,
        "taxonomy",
        body=NormalizeIn,
        response=NormalizeOut,
        conflicts=False,
    ),
]
