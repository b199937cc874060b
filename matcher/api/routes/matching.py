"""Match lists in both directions and the explanation of one pair."""

from __future__ import annotations

from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, QueryParam, json_response
from matcher.auth.models import Role
from matcher.foundation.problems import ValidationFailed
from matcher.matching.models import (
    PairExplanation,
    PostingMatch,
    PostingMatches,
    PostingSummary,
    ProfileMatch,
    ProfileMatches,
    ProfileSummary,
    explanation,
    incentive_totals,
)
from matcher.matching.service import (
    explain_pair,
    matches_for_posting,
    matches_for_profile,
)
from matcher.policy.projection import (
    redact_profile,
    region_filter_error,
    view_for,
)
from matcher.privacy.limits import CANDIDATE_VIEWS, charge
from matcher.store import consents

MAX_DEPTH = 100  # offset + limit (= rerank_depth): nobody pages through the candidate base


def _page(call: Call[None]) -> tuple[int, int]:
    params = call.request.query_params
    limit, offset = params.get("limit", "20"), params.get("offset", "0")
    if not (limit.isdigit() and offset.isdigit() and 1 <= int(limit) <= 50):
        raise ValidationFailed("Invalid paging", [{"field": "limit", "message": "1–50"}])
    depth = MAX_DEPTH
    if (
        call.require_principal().role is Role.ENTERPRISE
        and call.services.settings.enterprise_max_depth
    ):
        depth = min(depth, call.services.settings.enterprise_max_depth)
    if int(offset) + int(limit) > depth:
        raise ValidationFailed(
            "Paging too deep",
            [{"field": "offset", "message": f"offset + limit may be at most {depth}"}],
        )
    return int(limit), int(offset)


def _region(call: Call[None]) -> str | None:
    region = call.request.query_params.get("region")
    regions = call.services.taxonomy.regions
    if region and not regions.is_valid(region):
        raise ValidationFailed("Unknown region", [{"field": "region", "message": region}])
    refused = region_filter_error(call.require_principal(), region, regions)
    if refused:
        raise ValidationFailed("Region too narrow", [{"field": "region", "message": refused}])
    return region


def _min_level(call: Call[None]) -> int | None:
    raw = call.request.query_params.get("min_level")
    if raw is None:
        return None
    if raw not in {"1", "2", "3", "4", "5"}:
        raise ValidationFailed("Invalid min_level", [{"field": "min_level", "message": "1–5"}])
    return int(raw)


async def posting_matches(call: Call[None]) -> Response:
    """Ranked candidates for a posting: hard rules (grade, employment access, mandatory
    certificates) filter in Elasticsearch; BM25 and embedding candidates are fused and
    re-ranked; each match explains its score."""
    principal = call.require_principal()
    limit, offset = _page(call)
    posting_id = call.path["posting_id"]
    ranked, took = await matches_for_posting(
        call.services,
        principal=principal,
        posting_id=posting_id,
        region=_region(call),
        min_level=_min_level(call),
    )
    weights = call.services.matching.weights
    shown = ranked[offset : offset + limit]
    view = view_for(principal)
    requests: dict[str, str] = {}
    if principal.role is Role.ENTERPRISE:
        # Every candidate shown counts against the enterprise's daily quota.
        await charge(
            call.services,
            principal,
            CANDIDATE_VIEWS,
            allowed=call.services.settings.candidate_views_per_day,
            amount=len(shown),
        )
        requests = await consents.statuses(
            call.services,
            posting_id=posting_id,
            enterprise_id=principal.subject,
            profile_ids=[s.record_id for s in shown],
        )
    page = []
    for s in shown:
        source = redact_profile(s.source, view)
        page.append(
            ProfileMatch(
                profile_id=s.record_id,
                score=s.score,
                profile=ProfileSummary.model_validate(
                    {k: source.get(k) for k in ProfileSummary.model_fields}
                    | {
                        "occupation_codes": source.get("occupation_codes") or [],
                        "skills": source.get("skills") or [],
                        "willing_to_relocate": bool(source.get("willing_to_relocate")),
                    }
                ),
                explanation=explanation(s, weights, view),
                incentives=s.grants,
                incentive_totals=incentive_totals(s.grants),
                contact_request=requests.get(s.record_id),
            )
        )
    return json_response(ProfileMatches(matches=page, total=len(ranked), took_ms=round(took, 1)))


async def profile_matches(call: Call[None]) -> Response:
    """Ranked postings for a profile, with the same rules, ranking and explanations."""
    limit, offset = _page(call)
    ranked, took = await matches_for_profile(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        region=_region(call),
    )
    weights = call.services.matching.weights
    page = [
        PostingMatch(
            posting_id=s.record_id,
            score=s.score,
            posting=PostingSummary.model_validate(
                {k: s.source.get(k) for k in PostingSummary.model_fields}
            ),
            explanation=explanation(s, weights),
            incentives=s.grants,
            incentive_totals=incentive_totals(s.grants),
        )
        for s in ranked[offset : offset + limit]
    ]
    return json_response(PostingMatches(matches=page, total=len(ranked), took_ms=round(took, 1)))


async def pair_explanation(call: Call[None]) -> Response:
    """Why a posting is or is not shown to this profile: every hard rule with its verdict and
    the next step that would close a failed one, and the score's parts (PIPL art. 24)."""
    scored = await explain_pair(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        posting_id=call.path["posting_id"],
    )
    base = explanation(scored, call.services.matching.weights)
    return json_response(
        PairExplanation(
            **dict(base),
            incentives=scored.grants,
            incentive_totals=incentive_totals(scored.grants),
        )
    )


PAGING = [
    QueryParam("limit", {"type": "integer", "minimum": 1, "maximum": 50}, "Default 20"),
    QueryParam("offset", {"type": "integer", "minimum": 0}, f"offset + limit ≤ {MAX_DEPTH}"),
    QueryParam("region", {"type": "string"}, "Only records inside this GB/T 2260 region"),
]
ROUTES = [
    ApiRoute(
        "/v1/postings/{posting_id}/matches",
        "GET",
        posting_matches,
        "Candidates for a posting",
        frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN}),
        "matching",
        response=ProfileMatches,
        id_params=("posting_id",),
        query=[*PAGING, QueryParam("min_level", {"type": "integer"}, "At least this grade (1–5)")],
    ),
    ApiRoute(
        "/v1/profiles/{profile_id}/matches",
        "GET",
        profile_matches,
        "Postings for a profile",
        frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN}),
        "matching",
        response=PostingMatches,
        id_params=("profile_id",),
        query=PAGING,
    ),
    ApiRoute(
        "/v1/profiles/{profile_id}/matches/{posting_id}/explanation",
        "GET",
        pair_explanation,
        "Why a posting is or is not a match",
        frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN}),
        "matching",
        response=PairExplanation,
        id_params=("profile_id", "posting_id"),
    ),
]
