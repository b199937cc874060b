"""Counts for offices: open postings that carry an incentive policy in force, per
league-city, per key project and per policy, inside the office's region.

The office's scope is a filter of the Elasticsearch query itself, never a cut of the results.
Each row also counts the referrals (职业介绍) to postings that carried such a policy when the
seeker was proposed — the referral keeps the ids, so a posting filled or closed since still
counts its referrals — how many of those seekers would receive the incentive (the movers the
policy is for), and how many were hired. Referrals count where their posting lies, optionally
only those proposed in a period.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from matcher.foundation.periods import Period
from matcher.foundation.principals import Principal
from matcher.foundation.problems import Forbidden
from matcher.incentives.service import current_policies, in_force_policies
from matcher.policy.access import report_region
from matcher.services import Services
from matcher.store.queries import local_days, open_posting, region_prefix

MAX_ROWS = 500
NO_PROJECT = "（非重点建设项目）"


class Row(BaseModel):
    postings: int = Field(default=0, description="Open, valid postings carrying a policy in force")
    open_headcount: int = 0
    referrals: int = Field(
        default=0, description="Referrals to postings that carried a policy in force"
    )
    referrals_eligible: int = Field(
        default=0, description="Of those, referrals of seekers who would receive the incentive"
    )
    placements: int = Field(default=0, description="Of the referrals, those hired")


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
    referrals_period: str | None = Field(
        default=None, description="Referrals proposed in this period only (None: all)"
    )


def _scope(principal: Principal, region: str | None, svc: Services) -> str | None:
    """The region to count: the office's own, or a region inside it."""
    scope, refusal = report_region(principal, region, svc.taxonomy.regions)
    if refusal:
        raise Forbidden(refusal)
    return scope


def _headcount(bucket: dict[str, Any]) -> int:
    return int(bucket["open_headcount"]["value"] or 0)


OUTCOMES: dict[str, Any] = {
    "eligible": {"filter": {"exists": {"field": "incentive_grant_ids"}}},
    "hired": {"filter": {"term": {"status": "hired"}}},
}


def _by_key(
    buckets: list[dict[str, Any]], counts: Callable[[dict[str, Any]], dict[str, int]]
) -> dict[str, dict[str, int]]:
    return {str(b["key"]): counts(b) for b in buckets}


def _breakdown(city: str, project: str, counts: dict[str, Any]) -> dict[str, Any]:
    """``counts`` per league-city and per key project (with the project's league-cities)."""
    cities = {"terms": {"field": city, "size": MAX_ROWS, "missing": "none"}}
    return {
        "by_city": {**cities, "aggs": counts},
        "by_project": {
            "terms": {"field": project, "size": MAX_ROWS, "missing": NO_PROJECT},
            "aggs": {**counts, "city": cities},
        },
    }


async def _postings(svc: Services, scope: str | None, ids: list[str], day: date) -> dict[str, Any]:
    filters = [*open_posting(day), {"terms": {"incentive_policy_ids": ids}}]
    if scope:
        filters.append(region_prefix(scope))
    headcount = {"open_headcount": {"sum": {"field": "open_headcount"}}}
    total, aggs = await svc.store.postings.incentive_counts(
        filters=filters,
        policy_ids=ids,
        breakdown=_breakdown("city_code", "key_project.name", headcount),
    )
    aggs["total"] = total
    return aggs


async def _referrals(svc: Services, scope: str | None, period: Period | None) -> dict[str, Any]:
    filters: list[dict[str, Any]] = [{"exists": {"field": "incentive_policy_ids"}}]
    if scope:
        filters.append(region_prefix(scope, "posting_region_code"))
    if period:
        filters.append(local_days("proposed_at", period.start, period.until, svc.settings.timezone))
    total, aggs = await svc.store.referrals.incentive_counts(
        filters=filters,
        breakdown=_breakdown("posting_city_code", "key_project_name", OUTCOMES),
        outcomes=OUTCOMES,
    )
    aggs["total"] = total
    return aggs


def _outcomes(bucket: dict[str, Any]) -> dict[str, int]:
    return {
        "referrals": int(bucket["doc_count"]),
        "referrals_eligible": int(bucket["eligible"]["doc_count"]),
        "placements": int(bucket["hired"]["doc_count"]),
    }


def _posting_counts(bucket: dict[str, Any]) -> dict[str, int]:
    return {"postings": int(bucket["doc_count"]), "open_headcount": _headcount(bucket)}


def _main_city(bucket: dict[str, Any]) -> str:
    """A project's postings are normally in one league-city; the largest share names it."""
    cities = bucket["city"]["buckets"]
    return str(cities[0]["key"]) if cities else "none"


async def incentive_report(
    svc: Services,
    *,
    principal: Principal,
    region: str | None = None,
    period: Period | None = None,
) -> IncentiveReport:
    today = svc.clock.today()
    scope = _scope(principal, region, svc)
    policies = await in_force_policies(svc, today)
    ids = [p.policy_id for p in policies]
    posts, refs = await asyncio.gather(
        _postings(svc, scope, ids, today), _referrals(svc, scope, period)
    )
    regions = svc.taxonomy.regions

    def city_name(code: str) -> str:
        found = regions.get(code)
        return found.name if found else code

    names = {p.policy_id: p.name for p in await current_policies(svc, include_retired=True)}

    city_posts = _by_key(posts["by_city"]["buckets"], _posting_counts)
    city_refs = _by_key(refs["by_city"]["buckets"], _outcomes)
    by_city = [
        CityRow(
            city_code=code,
            city_name=city_name(code),
            **city_posts.get(code, {}),
            **city_refs.get(code, {}),
        )
        for code in sorted(set(city_posts) | set(city_refs))
    ]

    project_posts = {str(b["key"]): b for b in posts["by_project"]["buckets"]}
    project_refs = {str(b["key"]): b for b in refs["by_project"]["buckets"]}
    by_project = []
    for name in sorted(set(project_posts) | set(project_refs)):
        posted, referred = project_posts.get(name), project_refs.get(name)
        code = _main_city(posted or referred or {"city": {"buckets": []}})
        by_project.append(
            ProjectRow(
                project=name,
                city_code=code,
                city_name=city_name(code),
                **(_posting_counts(posted) if posted else {}),
                **(_outcomes(referred) if referred else {}),
            )
        )
    by_project.sort(key=lambda r: (-r.postings, -r.referrals, r.project))

    policy_posts = _by_key(posts["by_policy"]["buckets"], _posting_counts)
    policy_refs = {str(b["key"]): b for b in refs["by_policy"]["buckets"]}
    granted = {str(b["key"]): int(b["doc_count"]) for b in refs["by_grant"]["buckets"]}
    by_policy = []
    for pid in sorted(set(policy_posts) | set(policy_refs)):
        referred = policy_refs.get(pid)
        by_policy.append(
            PolicyRow(
                policy_id=pid,
                name=names.get(pid, pid),
                **policy_posts.get(pid, {}),
                referrals=int(referred["doc_count"]) if referred else 0,
                referrals_eligible=granted.get(pid, 0),
                placements=int(referred["hired"]["doc_count"]) if referred else 0,
            )
        )
    return IncentiveReport(
        as_of=today,
        scope=scope,
        totals=Row(
            postings=posts["total"],
            open_headcount=int(posts["open_headcount"]["value"] or 0),
            **_outcomes({"doc_count": refs["total"], **refs}),
        ),
        by_city=by_city,
        by_project=by_project,
        by_policy=by_policy,
        referrals_period=period.label if period else None,
    )
