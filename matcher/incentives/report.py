"""Counts for offices: open postings that carry an incentive policy in force, per
league-city, per key project and per policy, inside the office's region.

The office's scope is a filter of the Elasticsearch query itself, never a cut of the results.
Each row has a ``referrals`` slot: referrals (职业介绍) live in their own index, built
separately; until it is wired in, the slot is null and ``referrals_counted`` says so.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from matcher.auth.models import Principal, Role
from matcher.incentives.service import in_force_policies
from matcher.problems import Forbidden
from matcher.search.service import region_prefix
from matcher.services import Services

MAX_ROWS = 500
NO_PROJECT = "（非重点建设项目）"


class Row(BaseModel):
    postings: int
    open_headcount: int
    referrals: int | None = Field(default=None, description="null until referrals are counted")


class CityRow(Row):
    city_code: str
    city_name: str


class ProjectRow(Row):
    project: str
    city_code: str
    city_name: str


class PolicyRow(Row):
    policy_id: str
    name: str


class IncentiveReport(BaseModel):
    as_of: date
    scope: str | None = Field(description="The region counted (None: everywhere, admins)")
    totals: Row
    by_city: list[CityRow]
    by_project: list[ProjectRow]
    by_policy: list[PolicyRow]
    referrals_counted: bool = False


def _scope(principal: Principal, region: str | None, svc: Services) -> str | None:
    """The region to count: the office's own, or a region inside it."""
    if principal.role is Role.ADMIN:
        return region
    own = principal.region_code
    if not own:
        raise Forbidden("This office token has no region scope")
    if region is None:
        return own
    if not svc.taxonomy.regions.within(region, own):
        raise Forbidden(f"Region {region} is outside your office's region {own}")
    return region


def _headcount(bucket: dict[str, Any]) -> int:
    return int(bucket["open_headcount"]["value"] or 0)


async def incentive_report(
    svc: Services, *, principal: Principal, region: str | None = None
) -> IncentiveReport:
    today = date.today()
    scope = _scope(principal, region, svc)
    policies = await in_force_policies(svc, today)
    ids = [p.policy_id for p in policies]
    day = today.isoformat()
    filters: list[dict[str, Any]] = [
        {"term": {"status": "active"}},
        {"range": {"open_headcount": {"gt": 0}}},
        {"bool": {"must_not": {"range": {"valid_from": {"gt": day}}}}},
        {"bool": {"must_not": {"range": {"valid_until": {"lt": day}}}}},
        {"terms": {"incentive_policy_ids": ids}},
    ]
    if scope:
        filters.append(region_prefix(scope))
    headcount = {"open_headcount": {"sum": {"field": "open_headcount"}}}
    resp = await svc.es.search(
        index=svc.specs["postings"].read_alias,
        query={"bool": {"filter": filters}},
        size=0,
        track_total_hits=True,
        aggs={
            **headcount,
            "by_city": {
                "terms": {"field": "city_code", "size": MAX_ROWS, "missing": "none"},
                "aggs": headcount,
            },
            "by_project": {
                "terms": {"field": "key_project.name", "size": MAX_ROWS, "missing": NO_PROJECT},
                "aggs": {
                    **headcount,
                    "city": {"terms": {"field": "city_code", "size": MAX_ROWS, "missing": "none"}},
                },
            },
            "by_policy": {
                "terms": {
                    "field": "incentive_policy_ids",
                    "include": ids or ["<none>"],
                    "size": MAX_ROWS,
                },
                "aggs": headcount,
            },
        },
    )
    aggs = resp["aggregations"]
    regions = svc.taxonomy.regions

    def city_name(code: str) -> str:
        found = regions.get(code)
        return found.name if found else code

    names = {p.policy_id: p.name for p in policies}
    projects = []
    for bucket in aggs["by_project"]["buckets"]:
        # A project's postings are normally in one league-city; the largest share names it.
        cities = bucket["city"]["buckets"]
        code = str(cities[0]["key"]) if cities else "none"
        projects.append(
            ProjectRow(
                project=str(bucket["key"]),
                city_code=code,
                city_name=city_name(code),
                postings=bucket["doc_count"],
                open_headcount=_headcount(bucket),
            )
        )
    return IncentiveReport(
        as_of=today,
        scope=scope,
        totals=Row(
            postings=int(resp["hits"]["total"]["value"]),
            open_headcount=int(aggs["open_headcount"]["value"] or 0),
        ),
        by_city=[
            CityRow(
                city_code=str(b["key"]),
                city_name=city_name(str(b["key"])),
                postings=b["doc_count"],
                open_headcount=_headcount(b),
            )
            for b in aggs["by_city"]["buckets"]
        ],
        by_project=projects,
        by_policy=[
            PolicyRow(
                policy_id=str(b["key"]),
                name=names.get(str(b["key"]), str(b["key"])),
                postings=b["doc_count"],
                open_headcount=_headcount(b),
            )
            for b in aggs["by_policy"]["buckets"]
        ],
    )
