"""``POST /v1/search/postings`` and ``POST /v1/search/profiles``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.auth.models import Role
from matcher.foundation.problems import ValidationFailed
from matcher.policy.fairness import field_errors
from matcher.policy.projection import region_filter_error
from matcher.privacy.limits import CANDIDATE_VIEWS, charge
from matcher.search.models import PostingResults, PostingSearch, ProfileResults, ProfileSearch
from matcher.search.service import search_postings, search_profiles

POSTING_SEARCHERS = frozenset(Role)  # the public read token included, when configured
PROFILE_SEARCHERS = frozenset({Role.OFFICE, Role.ENTERPRISE, Role.ADMIN})


def precheck(raw: Any) -> list[dict[str, str]]:
    # Searches may not filter on protected traits, by field or in the text (DOMAIN.md).
    return field_errors(raw, ["q"])


async def postings(call: Call[PostingSearch]) -> Response:
    """Search open postings by free text (Chinese or English) and filters — occupation, the
    seeker's grade, region or radius, wage floor, industry, remote-project incentives only —
    with facet counts (occupation, region, grade, industry, incentive) over the hits."""
    return json_response(await search_postings(call.services, body=call.body))


async def profiles(call: Call[ProfileSearch]) -> Response:
    """Search active candidates by text and filters. Offices search inside their region;
    results never carry contact details or certificate numbers. Enterprises see the
    league-city only, filter by league-city or province, page at most
    ``MATCHER_ENTERPRISE_MAX_DEPTH`` deep, and every candidate shown counts against their
    daily candidate-view quota."""
    principal = call.require_principal()
    settings = call.services.settings
    if principal.role is Role.ENTERPRISE:
        depth = settings.enterprise_max_depth
        if depth and call.body.offset + call.body.limit > depth:
            raise ValidationFailed(
                "Paging too deep",
                [{"field": "offset", "message": f"offset + limit may be at most {depth}"}],
            )
        refused = region_filter_error(
            principal, call.body.region_code, call.services.taxonomy.regions
        )
        if refused:
            raise ValidationFailed(
                "Region too narrow", [{"field": "region_code", "message": refused}]
            )
    found = await search_profiles(call.services, principal=principal, body=call.body)
    if principal.role is Role.ENTERPRISE:
        await charge(
            call.services,
            principal,
            CANDIDATE_VIEWS,
            allowed=settings.candidate_views_per_day,
            amount=len(found.results),
        )
    return json_response(found)


ROUTES = [
    ApiRoute(
        "/v1/search/postings",
        "POST",
        postings,
        "Search postings",
        POSTING_SEARCHERS,
        "search",
        body=PostingSearch,
        response=PostingResults,
        precheck=precheck,
    ),
    ApiRoute(
        "/v1/search/profiles",
        "POST",
        profiles,
        "Search candidates",
        PROFILE_SEARCHERS,
        "search",
        body=ProfileSearch,
        response=ProfileResults,
        precheck=precheck,
    ),
]
