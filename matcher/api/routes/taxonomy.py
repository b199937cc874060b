"""Taxonomy lookups (occupations, regions, grades) and occupation-title normalisation."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from pydantic import BaseModel, Field, StringConstraints
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import ALL_ROLES
from matcher.foundation.problems import NotFound, ValidationFailed
from matcher.foundation.records import Strict
from matcher.store.occupations import typeahead
from matcher.taxonomy.grades import SkillGrade

MAX_TITLES = 100


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


def _int_param(call: Call[None], name: str, default: int, low: int, high: int) -> int:
    raw = call.request.query_params.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed(
            f"Invalid {name}", [{"field": name, "message": f"an integer from {low} to {high}"}]
        )
    return int(raw)


async def list_occupations(call: Call[None]) -> Response:
    """Typeahead over occupation names and aliases (Chinese); without ``q``, the major groups."""
    q = call.request.query_params.get("q", "").strip()
    if len(q) > 50:
        raise ValidationFailed(
            "q is too long", [{"field": "q", "message": "at most 50 characters"}]
        )
    level = _int_param(call, "level", 0, 0, 4) or None
    limit = _int_param(call, "limit", 10, 1, 50)
    catalog = call.services.taxonomy.occupations
    if q:
        hits = await typeahead(
            call.services.es, call.services.specs["occupations"], q=q, level=level, limit=limit
        )
    else:
        wanted = level or 1
        hits = [
            {
                "code": o.code,
                "name": o.name,
                "level": o.level,
                "marks": sorted(o.marks),
                "access_controlled": catalog.access_rule(o.code) is not None,
            }
            for o in catalog.all()
            if o.level == wanted
        ][:limit]
    return json_response(OccupationList(occupations=[OccupationSummary(**h) for h in hits]))


async def get_occupation(call: Call[None]) -> Response:
    """One occupation or group: definition, main tasks, aliases, parents, children and, for
    employment-access occupations, the certificate required and how to obtain it."""
    catalog = call.services.taxonomy.occupations
    code = call.path["code"]
    occupation = catalog.get(code)
    if occupation is None:
        raise NotFound(f"No occupation {code} in CSCO 2022")
    rule = catalog.access_rule(code)
    parents = [catalog.get(c) for c in occupation.parent_codes]
    return json_response(
        OccupationDetail(
            code=occupation.code,
            name=occupation.name,
            level=occupation.level,
            marks=sorted(occupation.marks),
            definition=occupation.definition,
            tasks=list(occupation.tasks),
            aliases=list(occupation.aliases),
            parents=[CodeName(code=p.code, name=p.name) for p in parents if p is not None],
            children=[CodeName(code=c.code, name=c.name) for c in catalog.children(code)],
            access_rule=AccessRuleOut(
                certificate_type=rule.certificate_type,
                certificate_name=rule.certificate_name,
                accepted_names=list(rule.accepted_names),
                how_to_obtain=rule.how_to_obtain,
                basis=rule.basis,
            )
            if rule
            else None,
        )
    )


async def list_regions(call: Call[None]) -> Response:
    """Child regions of ``parent`` (a GB/T 2260 code); without it, the provinces."""
    regions = call.services.taxonomy.regions
    parent = call.request.query_params.get("parent") or None
    if parent is not None and not regions.is_valid(parent):
        raise NotFound(f"No region {parent}")
    return json_response(
        RegionList(
            regions=[
                RegionOut(
                    code=r.code,
                    name=r.name,
                    level=r.level,
                    parent_code=r.parent_code,
                    lon=r.lon,
                    lat=r.lat,
                    remote=regions.is_remote(r.code),
                )
                for r in regions.children(parent)
            ]
        )
    )


async def list_grades(call: Call[None]) -> Response:
    """The five national skill grades, highest first (1 高级技师 … 5 初级)."""
    return json_response(
        GradeList(
            grades=[
                GradeOut(level=int(g), name=g.zh_name, high_skill=g.is_high_skill)
                for g in sorted(SkillGrade)
            ]
        )
    )


async def normalize(call: Call[NormalizeIn]) -> Response:
    """Map free job titles to CSCO 2022 occupations: top 5 candidates per title, best first,
    with scores in [0, 1]."""
    titles = call.body.titles
    ranked = await anyio.to_thread.run_sync(call.services.taxonomy.normalizer.normalize, titles, 5)
    return json_response(
        NormalizeOut(
            results=[
                NormalizeResult(
                    title=title,
                    candidates=[
                        CandidateOut(code=c.code, name=c.name, score=round(c.score, 4))
                        for c in candidates
                    ],
                )
                for title, candidates in zip(titles, ranked, strict=True)
            ]
        )
    )


ROUTES = [
    ApiRoute(
        "/v1/taxonomy/occupations",
        "GET",
        list_occupations,
        "Find occupations",
        ALL_ROLES,
        "taxonomy",
        response=OccupationList,
        query=[
            QueryParam("q", {"type": "string", "maxLength": 50}, "Name or alias, or a part"),
            QueryParam(
                "level",
                {"type": "integer", "minimum": 1, "maximum": 4},
                "1 major group … 4 occupation",
            ),
            QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 50}, "Default 10"),
        ],
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
        query=[QueryParam("parent", {"type": "string"}, "GB/T 2260 code; none = provinces")],
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
        "Normalise job titles",
        ALL_ROLES,
        "taxonomy",
        body=NormalizeIn,
        response=NormalizeOut,
    ),
]
