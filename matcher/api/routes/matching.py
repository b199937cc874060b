"""Match lists in both directions and the explanation of one pair."""

from __future__ import annotations

from pydantic import Field
from starlette.responses import Response

from matcher.api.http import ApiRoute, Call, json_response
from matcher.api.query import Paging, QueryBool, RegionParam
from matcher.foundation.principals import Role
from matcher.matching import service
from matcher.matching.models import PairExplanation, PostingMatches, ProfileMatches
from matcher.matching.service import MAX_DEPTH, CandidateFilter


class MatchesQuery(Paging):
    include_unrelated: QueryBool = Field(
        default=False, description="Also 不对口 matches (other trades), marked as such"
    )
    limit: int = Field(default=20, ge=1, le=50, description="Default 20")
    offset: int = Field(default=0, ge=0, description=f"offset + limit ≤ {MAX_DEPTH}")
    depth = MAX_DEPTH
    region: RegionParam | None = Field(
        default=None, description="Only records inside this GB/T 2260 region"
    )


class CandidatesQuery(MatchesQuery):
    min_level: int | None = Field(default=None, ge=1, le=5, description="At least this grade")


async def posting_matches(call: Call[None, CandidatesQuery]) -> Response:
    """Ranked candidates for a posting: hard rules (grade, employment access, mandatory
    certificates) filter in Elasticsearch; BM25 and embedding candidates are fused and
    re-ranked; each match explains its score."""
    q = call.query
    matches = await service.candidate_page(
        call.services,
        principal=call.require_principal(),
        posting_id=call.path["posting_id"],
        narrow=CandidateFilter(
            region=q.region, min_level=q.min_level, include_unrelated=q.include_unrelated
        ),
        page=q.page(),
    )
    return json_response(matches)


async def profile_matches(call: Call[None, MatchesQuery]) -> Response:
    """Ranked postings for a profile, with the same rules, ranking and explanations."""
    matches = await service.posting_page(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        narrow=CandidateFilter(
            region=call.query.region, include_unrelated=call.query.include_unrelated
        ),
        page=call.query.page(),
    )
    return json_response(matches)


async def pair_explanation(call: Call[None, None]) -> Response:
    """Why a posting is or is not shown to this profile: every hard rule with its verdict and
    the next step that would close a failed one, and the score's parts (PIPL art. 24)."""
    explained = await service.pair_explanation(
        call.services,
        principal=call.require_principal(),
        profile_id=call.path["profile_id"],
        posting_id=call.path["posting_id"],
    )
    return json_response(explained)


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
        query=CandidatesQuery,
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
        query=MatchesQuery,
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
