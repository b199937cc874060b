"""``/v1/incentives``: policies as versioned data (admins write; every signed-in role reads),
``/v1/profiles/{id}/opportunities`` (the mobility feed) and ``/v1/reports/incentives``."""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import ADMIN_ONLY, ALL_ROLES, Role
from matcher.feed import service as feed
from matcher.foundation.problems import NotFound, ValidationFailed
from matcher.incentives import report, service
from matcher.incentives.models import PolicyIn, PolicyList, PolicyOut
from matcher.policy.incentive_models import Policy
from matcher.referrals.service import parse_period
from matcher.services import Services


class PolicyVersions(BaseModel):
    policy_id: str
    versions: list[PolicyOut]


async def _after_change(svc: Services, policy: Policy) -> None:
    """Postings carry the ids of the policies whose posting-side rule they meet: a changed
    rule re-flags them in the worker (job id per version, so a replay is a no-op)."""
    await svc.arq.enqueue_job(
        "reflag_incentives",
        _job_id=service.reflag_job_id(svc.settings.index_prefix, policy.policy_id, policy.version),
    )


async def list_policies(call: Call[None]) -> Response:
    """Current version of every policy, with whether it is in force today and whom it covers.
    ``include_retired=true`` lists retired ones too."""
    include = call.request.query_params.get("include_retired", "false") == "true"
    policies = await service.current_policies(call.services, include_retired=include)
    out = [service.to_out(p) for p in policies]
    return json_response(PolicyList(policies=out, total=len(out)))


async def put_policy(call: Call[PolicyIn]) -> Response:
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
        await _after_change(call.services, policy)
    status = 201 if written and policy.version == 1 else 200
    return json_response(service.to_out(policy), status=status)


async def get_policy(call: Call[None]) -> Response:
    """The current version of a policy (a retired one says so in ``status``)."""
    policy = await service.latest(call.services, policy_id=call.path["policy_id"])
    if policy is None:
        raise NotFound(f"No incentive policy {call.path['policy_id']}")
    return json_response(service.to_out(policy))


async def list_versions(call: Call[None]) -> Response:
    """Every version of a policy, oldest first: the policy's full history."""
    found = await service.versions(call.services, policy_id=call.path["policy_id"])
    out = PolicyVersions(
        policy_id=call.path["policy_id"], versions=[service.to_out(p) for p in found]
    )
    return json_response(out)


async def get_version(call: Call[None]) -> Response:
    """One version of a policy, as it was recorded."""
    raw = call.path["version"]
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ValidationFailed("Invalid version", [{"field": "version", "message": "1, 2, …"}])
    policy = await service.get_version(
        call.services, policy_id=call.path["policy_id"], version=int(raw)
    )
    return json_response(service.to_out(policy))


async def retire_policy(call: Call[None]) -> Response:
    """Retire a policy: recorded as a new version with status ``retired``; nothing is erased
    and postings stop carrying it."""
    policy = await service.retire_policy(
        call.services,
        policy_id=call.path["policy_id"],
        recorded_by=call.require_principal().subject,
    )
    await _after_change(call.services, policy)
    return json_response(service.to_out(policy))


async def opportunities(call: Call[None]) -> Response:
    """Mobility opportunities for a seeker willing to relocate: postings at key projects
    that carry incentives this seeker qualifies for, passing every hard rule (grade,
    employment access, mandatory certificates), ranked by match quality and incentive value,
    each explained. A seeker not willing to relocate gets an empty feed and a hint."""
    limit = call.request.query_params.get("limit", "20")
    if not limit.isdigit() or not 1 <= int(limit) <= 50:
        raise ValidationFailed("Invalid limit", [{"field": "limit", "message": "1–50"}])
    found = await feed.opportunities(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        limit=int(limit),
    )
    return json_response(found)


async def incentive_report(call: Call[None]) -> Response:
    """Incentive-eligible open postings (and their open headcount) per league-city, per key
    project and per policy, inside the office's region (enforced in the query), with the
    referrals to such postings, how many of those seekers qualify for the incentive and how
    many were hired (``period``: referrals proposed in a year, quarter or month only)."""
    region = call.request.query_params.get("region")
    if region and not call.services.taxonomy.regions.is_valid(region):
        raise ValidationFailed("Unknown region", [{"field": "region", "message": region}])
    period = call.request.query_params.get("period")
    found = await report.incentive_report(
        call.services,
        principal=call.require_principal(),
        region=region,
        period=parse_period(period) if period else None,
        period_label=period,
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
        query=[QueryParam("include_retired", {"type": "boolean"}, "Also retired policies")],
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
        query=[QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 50}, "20")],
    ),
    ApiRoute(
        "/v1/reports/incentives",
        "GET",
        incentive_report,
        "Incentive-eligible postings per league-city and project",
        frozenset({Role.OFFICE, Role.ADMIN}),
        "incentives",
        response=report.IncentiveReport,
        query=[
            QueryParam("region", {"type": "string"}, "Narrow to a region inside your scope"),
            QueryParam(
                "period",
                {"type": "string"},
                "Referrals proposed in this year (2026), quarter (2026-Q3) or month (2026-11)",
            ),
        ],
    ),
]
