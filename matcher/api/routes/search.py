"""``POST /v1/search/postings`` and ``POST /v1/search/profiles``."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.foundation.principals import Role
from matcher.policy.fairness import field_errors
from matcher.search.models import PostingResults, PostingSearch, ProfileResults, ProfileSearch
from matcher.search.service import search_postings, search_profiles

POSTING_SEARCHERS = frozenset(Role)  # the public read token included, when configured
PROFILE_SEARCHERS = frozenset({Role.OFFICE, Role.ENTERPRISE, Role.ADMIN})


def precheck(raw: Any) -> list[dict[str, str]]:
    # Searches may not filter on protected traits, by field or in the text (docs/domain.md).
    # A search is read like a seeker's own text: a plain 男的, 90后 or 蒙古族 is refused.
    return field_errors(raw, ["q"], self_description=True)


async def postings(call: Call[PostingSearch, None]) -> Response:
    """Search open postings by free text (Chinese or English) and filters — occupation, the
    seeker's grade, region or radius, wage floor, industry, remote-project incentives only —
    with facet counts (occupation, region, grade, industry, incentive) over the hits."""
    return json_response(await search_postings(call.services, body=call.body))


async def profiles(call: Call[ProfileSearch, None]) -> Response:
    """Search active candidates by text and filters. Offices search inside their region;
    results never carry contact details or certificate numbers. Enterprises see the
    league-city only, filter by league-city or province, page at most
    ``MATCHER_ENTERPRISE_MAX_DEPTH`` deep, and every candidate shown counts against their
    daily candidate-view quota."""
    found = await search_profiles(call.services, principal=call.require_principal(), body=call.body)
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
        conflicts=False,
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
        conflicts=False,
    ),
]
