"""``/v1/incentives``: policies as versioned data (admins write; every signed-in role reads),
``/v1/profiles/{id}/opportunities`` (the mobility feed) and ``/v1/reports/incentives``."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import QueryBool, QueryModel, RegionParam
from matcher.feed import service as feed
from matcher.foundation.periods import parse_period
from matcher.foundation.principals import ADMIN_ONLY, ALL_ROLES, Role
from matcher.foundation.problems import NotFound, ValidationFailed
from matcher.incentives import report, service
from matcher.incentives.models import PolicyIn, PolicyList, PolicyOut


class PoliciesQuery(QueryModel):
    include_retired: QueryBool = Field(default=False, description="Also retired policies")


class FeedQuery(QueryModel):
    limit: int = Field(default=20, ge=1, le=50, description="Default 20")


class ReportQuery(QueryModel):
    region: RegionParam | None = Field(
        default=None, description="Narrow to a region inside your scope"
    )
    period: str | None = Field(
        default=None,
        max_length=30,
        description="Referrals proposed in this year (2026), quarter (2026-Q3) or month "
        "(2026-11) only",
    )


class PolicyVersions(BaseModel):
    policy_id: str
    versions: list[PolicyOut]


async def list_policies(call: Call[None, PoliciesQuery]) -> Response:
    """Current version of every policy, with whether it is in force today and whom it covers.
    ``include_retired=true`` lists retired ones too."""
    policies = await service.current_policies(
        call.services, include_retired=call.query.include_retired
    )
    today = call.services.clock.today()
    out = [service.to_out(p, today) for p in policies]
    return json_response(PolicyList(policies=out, total=len(out)))


async def put_policy(call: Call[PolicyIn, None]) -> Response:
    """Create a policy (version 1) or record a new version; earlier versions are kept and
    readable. A body equal to the current version writes nothing (200). ``expected_version``
    guards against overwriting a change you have not seen (409)."""
    policy, written = await service.put_policy(
        call.services,
        policy_id=call.path["policy_id"],
        body=call.body,
        recorded_by=call.require_principal().subject,
    )
    if written:
        await service.queue_reflag(call.services, policy)
    status = 201 if written and policy.version == 1 else 200
    return json_response(service.to_out(policy, call.services.clock.today()), status=status)


async def get_policy(call: Call[None, None]) -> Response:
    """The current version of a policy (a retired one says so in ``status``)."""
    policy = await service.latest(call.services, policy_id=call.path["policy_id"])
    if policy is None:
        raise NotFound(f"No incentive policy {call.path['policy_id']}")
    return json_response(service.to_out(policy, call.services.clock.today()))


async def list_versions(call: Call[None, None]) -> Response:
    """Every version of a policy, oldest first: the policy's full history."""
    found = await service.versions(call.services, policy_id=call.path["policy_id"])
    out = PolicyVersions(
        policy_id=call.path["policy_id"],
        versions=[service.to_out(p, call.services.clock.today()) for p in found],
    )
    return json_response(out)


async def get_version(call: Call[None, None]) -> Response:
    """One version of a policy, as it was recorded."""
    raw = call.path["version"]
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ValidationFailed("Invalid version", [{"field": "version", "message": "1, 2, …"}])
    policy = await service.get_version(
        call.services, policy_id=call.path["policy_id"], version=int(raw)
    )
    return json_response(service.to_out(policy, call.services.clock.today()))


async def retire_policy(call: Call[None, None]) -> Response:
    """Retire a policy: recorded as a new version with status ``retired``; nothing is erased
    and postings stop carrying it."""
    policy = await service.retire_policy(
        call.services,
        policy_id=call.path["policy_id"],
        recorded_by=call.require_principal().subject,
    )
    await service.queue_reflag(call.services, policy)
    return json_response(service.to_out(policy, call.services.clock.today()))


async def opportunities(call: Call[None, FeedQuery]) -> Response:
    """Mobility opportunities for a seeker willing to relocate: postings at key projects
    that carry incentives this seeker qualifies for, passing every hard rule (grade,
    employment access, mandatory certificates), ranked by match quality and incentive value,
    each explained. A seeker not willing to relocate gets an empty feed and a hint."""
    found = await feed.opportunities(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        limit=call.query.limit,
    )
    return json_response(found)


async def incentive_report(call: Call[None, ReportQuery]) -> Response:
    """Incentive-eligible open postings (and their open headcount) per league-city, per key
    project and per policy, inside the office's region (enforced in the query), with the
    referrals to such postings, how many of those seekers qualify for the incentive and how
    many were hired (``period``: referrals proposed in a year, quarter or month only)."""
    region, period = call.query.region, call.query.period
    if region and not call.services.taxonomy.regions.is_valid(region):
        raise ValidationFailed("Unknown region", [{"field": "region", "message": region}])
    found = await report.incentive_report(
        call.services,
        principal=call.require_principal(),
        region=region,
        period=parse_period(period) if period else None,
    )
    return json_response(found)


PATH = "/v1/incentives/{policy_id}"
ROUTES = [
    ApiRoute(
        "/v1/incentives",
        "GET",
        list_policies,
        "List incentive policies",
        ALL_ROLES,
        "incentives",
        response=PolicyList,
        query=PoliciesQuery,
    ),
    ApiRoute(
        PATH,
        "PUT",
        put_policy,
        "Create a policy or record a new version",
        ADMIN_ONLY,
        "incentives",
        body=PolicyIn,
        response=PolicyOut,
        id_params=("policy_id",),
        created=True,
    ),
    ApiRoute(
        PATH,
        "GET",
        get_policy,
        "Read a policy (current version)",
        ALL_ROLES,
        "incentives",
        response=PolicyOut,
        id_params=("policy_id",),
    ),
    ApiRoute(
        PATH,
        "DELETE",
        retire_policy,
        "Retire a policy (a new version; history kept)",
        ADMIN_ONLY,
        "incentives",
        response=PolicyOut,
        id_params=("policy_id",),
    ),
    ApiRoute(
        PATH + "/versions",
        "GET",
        list_versions,
        "Every version of a policy",
        ALL_ROLES,
        "incentives",
        response=PolicyVersions,
        id_params=("policy_id",),
    ),
    ApiRoute(
        PATH + "/versions/{version}",
        "GET",
        get_version,
        "One version of a policy",
        ALL_ROLES,
        "incentives",
        response=PolicyOut,
        id_params=("policy_id",),
    ),
    ApiRoute(
        "/v1/profiles/{profile_id}/opportunities",
        "GET",
        opportunities,
        "Mobility opportunities for a seeker",
        frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN}),
        "incentives",
        response=feed.Opportunities,
        id_params=("profile_id",),
        query=FeedQuery,
    ),
    ApiRoute(
        "/v1/reports/incentives",
        "GET",
        incentive_report,
        "Incentive-eligible postings per league-city and project",
        frozenset({Role.OFFICE, Role.ADMIN}),
        "incentives",
        response=report.IncentiveReport,
        query=ReportQuery,
    ),
]
