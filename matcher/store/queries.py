"""Named query builders, each beside its Python twin where the code needs both.

A rule that decides which records a search may return is written once here as an
Elasticsearch query and, where single records are checked too, once as a Python predicate
over the stored document; ``tests/unit/test_queries.py`` holds each pair to the same verdicts
on the real node's semantics (``tests/integration/test_queries.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from indexes.documents import PostingDoc, PostingStatus, ProfileDoc, ProfileStatus

Query = dict[str, Any]


def match_nothing() -> Query:
    return {"bool": {"must_not": {"match_all": {}}}}


def region_prefix(code: str, field: str = "region_code") -> Query:
    """Records inside a GB/T 2260 region, which is positional: 15 (a province, 150000), 1502
    (a league-city, 150200), 150203 (a county, also one like 130110). The Python twin is
    ``RegionCatalog.within``."""
    significant = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
    return {"prefix": {field: significant}}


@dataclass(frozen=True)
class RegionScope:
    """The regions a principal's lists may cover (decided by ``matcher.policy.access``):
    everywhere (``region`` None), inside one region, or nothing at all."""

    region: str | None = None
    nothing: bool = False


EVERYWHERE = RegionScope()
NOWHERE = RegionScope(nothing=True)


def scope_filter(scope: RegionScope, field: str = "region_code") -> list[Query]:
    """The filters that keep a query inside ``scope``."""
    if scope.nothing:
        return [match_nothing()]
    return [region_prefix(scope.region, field)] if scope.region else []


@dataclass(frozen=True)
class ReferralScope:
    """The referrals a principal may see: all (admins), those an office made or whose
    posting or seeker lies in its region, those to an enterprise's postings, or none."""

    everything: bool = False
    office_id: str | None = None
    region: str | None = None
    enterprise_id: str | None = None  # an enterprise: the referrals to its postings


OFFICES = "office:*"  # the recipient of an alert to every office whose region covers it


def recipient_of(role: str, subject: str) -> str:
    """An alert's recipient: one principal (``role:subject``)."""
    return f"{role}:{subject}"


@dataclass(frozen=True)
class InboxScope:
    """The alerts a principal reads: those to itself, and those to the offices of a region
    inside ``offices`` (None: no office alerts)."""

    recipient: str
    offices: RegionScope | None = None


def inbox_filter(scope: InboxScope) -> Query:
    """Twin: ``matcher.policy.access.may_read_alert``."""
    mine: Query = {"term": {"recipient": scope.recipient}}
    if scope.offices is None:
        return mine
    desk: Query = {
        "bool": {"filter": [{"term": {"recipient": OFFICES}}, *scope_filter(scope.offices)]}
    }
    return {"bool": {"should": [mine, desk], "minimum_should_match": 1}}


def referral_filter(scope: ReferralScope) -> list[Query]:
    """The filters that keep a referral query inside ``scope``."""
    if scope.everything:
        return []
    if scope.enterprise_id:
        return [{"term": {"enterprise_id": scope.enterprise_id}}]
    if not scope.region:
        return [match_nothing()]
    return [
        {
            "bool": {
                "should": [
                    {"term": {"office_id": scope.office_id}},
                    region_prefix(scope.region, "posting_region_code"),
                    region_prefix(scope.region, "profile_region_code"),
                ],
                "minimum_should_match": 1,
            }
        }
    ]


def not_after(field: str, day: date) -> Query:
    """``field`` is not after ``day``, or unset (an open start)."""
    return {"bool": {"must_not": {"range": {field: {"gt": day.isoformat()}}}}}


def not_before(field: str, day: date) -> Query:
    """``field`` is not before ``day``, or unset (an open end)."""
    return {"bool": {"must_not": {"range": {field: {"lt": day.isoformat()}}}}}


def not_expired(field: str, day: date) -> Query:
    """Inside a nested certificate or permit: valid on ``day`` (no expiry counts as valid).
    Twin: ``matcher.taxonomy.certificates.is_valid_on``."""
    return {
        "bool": {
            "should": [
                {"range": {field: {"gte": day.isoformat()}}},
                {"bool": {"must_not": {"exists": {"field": field}}}},
            ],
            "minimum_should_match": 1,
        }
    }


def local_days(field: str, start: date, end: date, timezone: str) -> Query:
    """Timestamps in ``field`` on days ``start`` … ``end`` (end excluded) of ``timezone``."""
    return {
        "range": {field: {"gte": start.isoformat(), "lt": end.isoformat(), "time_zone": timezone}}
    }


def active_profile() -> Query:
    return {"term": {"status": ProfileStatus.ACTIVE.value}}


def is_active_profile(doc: ProfileDoc) -> bool:
    """Twin of ``active_profile``: the seeker is looking (matchable)."""
    return doc.get("status") == ProfileStatus.ACTIVE.value


def open_posting(day: date) -> list[Query]:
    """Postings that take applications on ``day``: active, inside their validity dates, with
    a place still open."""
    return [
        {"term": {"status": PostingStatus.ACTIVE.value}},
        {"range": {"open_headcount": {"gt": 0}}},
        not_after("valid_from", day),
        not_before("valid_until", day),
    ]


def is_open_posting(doc: PostingDoc | Mapping[str, Any], day: date) -> bool:
    """Twin of ``open_posting``."""
    today = day.isoformat()
    headcount = int(doc.get("headcount") or 1)
    open_places = doc.get("open_headcount")
    if open_places is None:
        open_places = headcount - int(doc.get("filled") or 0)
    return (
        doc.get("status") == PostingStatus.ACTIVE.value
        and (doc.get("valid_from") or today) <= today
        and (doc.get("valid_until") or today) >= today
        and int(open_places) > 0
    )


def places_status(status: str | None, open_places: int, *, freed: bool = False) -> str:
    """The status a posting takes from its open places: an active posting with none left is
    filled; a filled one becomes active again when a hire is undone and frees a place
    (``freed``) — not when its owner writes it as filled while places remain."""
    if status == PostingStatus.ACTIVE.value and open_places <= 0:
        return PostingStatus.FILLED.value
    if freed and status == PostingStatus.FILLED.value and open_places > 0:
        return PostingStatus.ACTIVE.value
    return status or PostingStatus.ACTIVE.value


def is_public_posting(doc: PostingDoc) -> bool:
    """Readable by every signed-in role (others read only what they manage)."""
    return doc.get("status") == PostingStatus.ACTIVE.value
