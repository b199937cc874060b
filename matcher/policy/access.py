"""Object-level authorisation: who may read, write or match which record.

The one place that decides, so every endpoint, the desk and the jobs apply the same rules
(docs/domain.md, "Who may see what"):
- admin: everything;
- office: records whose region lies inside the office's region scope (and, on update, both
  the stored and the new region); referrals it made, or whose posting or seeker is in scope;
- seeker: their own profile (``owner_id`` = the token's subject);
- enterprise: its own postings (``enterprise_id`` = the token's subject), and through one of
  them the candidate view of a profile that is a candidate of it (``is_candidate_of``).
Records a principal may not read are reported as not found, so ids cannot be probed.

Where a list is filtered in the query itself, the decision is a ``RegionScope`` (or a
``ReferralScope``) that the store turns into filters; each has its Python twin here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from indexes.documents import PostingDoc, ProfileDoc, ReferralDoc
from matcher.foundation.principals import Principal, Role
from matcher.policy.relevance import Tier, fit, readings_of
from matcher.policy.rules import check
from matcher.store.queries import (
    EVERYWHERE,
    NOWHERE,
    OFFICES,
    InboxScope,
    Query,
    ReferralScope,
    RegionScope,
    is_public_posting,
    match_nothing,
    recipient_of,
    scope_filter,
)
from matcher.taxonomy.occupations import OccupationCatalog
from matcher.taxonomy.regions import RegionCatalog


def in_scope(principal: Principal, region_code: str | None, regions: RegionCatalog) -> bool:
    """An office's region scope covers ``region_code`` (admins: everything)."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.OFFICE or not principal.region_code or not region_code:
        return False
    return regions.within(region_code, principal.region_code)


def listing_scope(principal: Principal) -> RegionScope:
    """Where the records an office or admin lists may lie: an office's own region (one
    without a region sees nothing), everywhere for admins. Twin: ``in_scope``."""
    if principal.role is Role.ADMIN:
        return EVERYWHERE
    if principal.role is Role.OFFICE:
        return RegionScope(principal.region_code) if principal.region_code else NOWHERE
    return NOWHERE


def may_read_profile(principal: Principal, stored: ProfileDoc, regions: RegionCatalog) -> bool:
    if principal.role is Role.SEEKER:
        return stored.get("owner_id") == principal.subject
    return in_scope(principal, stored.get("region_code"), regions)


def may_write_profile(
    principal: Principal,
    *,
    stored: ProfileDoc | None,
    owner_id: str | None,
    region_code: str,
    regions: RegionCatalog,
) -> str | None:
    """None when allowed, else the reason (for a 403)."""
    if principal.role is Role.ENTERPRISE:
        return "enterprises cannot write profiles"
    if principal.role is Role.SEEKER:
        if stored is not None and stored.get("owner_id") != principal.subject:
            return "this profile belongs to another seeker"
        if owner_id not in (None, principal.subject):
            return "a seeker can only write their own profile"
        return None
    if stored is not None and not in_scope(principal, stored.get("region_code"), regions):
        return "this profile is outside your office's region"
    if not in_scope(principal, region_code, regions):
        return f"region {region_code} is outside your office's region"
    return None


def may_read_posting(principal: Principal, stored: PostingDoc, regions: RegionCatalog) -> bool:
    """Active postings are public to every signed-in role; others only to who manages them."""
    if is_public_posting(stored):
        return True
    if principal.role is Role.ENTERPRISE:
        return stored.get("enterprise_id") == principal.subject
    return in_scope(principal, stored.get("region_code"), regions)


def managed_postings(principal: Principal) -> list[Query]:
    """The filters of the postings a principal manages, active or not (their owner list): an
    enterprise's own, those of an office's region, all for admins, none for other roles.
    Twin: ``may_write_posting`` on a stored posting."""
    if principal.role is Role.ENTERPRISE:
        return [{"term": {"enterprise_id": principal.subject}}]
    if principal.role in (Role.OFFICE, Role.ADMIN):
        return scope_filter(listing_scope(principal))
    return [match_nothing()]


def may_write_posting(
    principal: Principal,
    *,
    stored: PostingDoc | None,
    enterprise_id: str | None,
    region_code: str,
    regions: RegionCatalog,
) -> str | None:
    """None when allowed, else the reason (for a 403)."""
    if principal.role is Role.SEEKER:
        return "seekers cannot write postings"
    if principal.role is Role.ENTERPRISE:
        if stored is not None and stored.get("enterprise_id") != principal.subject:
            return "this posting belongs to another enterprise"
        if enterprise_id not in (None, principal.subject):
            return "an enterprise can only write its own postings"
        return None
    if stored is not None and not in_scope(principal, stored.get("region_code"), regions):
        return "this posting is outside your office's region"
    if not in_scope(principal, region_code, regions):
        return f"region {region_code} is outside your office's region"
    return None


def may_match_posting(principal: Principal, posting: PostingDoc, regions: RegionCatalog) -> bool:
    """Who may see a posting's candidates: its enterprise, offices of its region, admins."""
    if principal.role is Role.ENTERPRISE:
        return posting.get("enterprise_id") == principal.subject
    if principal.role is Role.SEEKER:
        return False
    return in_scope(principal, posting.get("region_code"), regions)


def may_match_profile(principal: Principal, profile: ProfileDoc, regions: RegionCatalog) -> bool:
    """Who may see a profile's matching postings: its seeker, offices of its region, admins."""
    if principal.role is Role.SEEKER:
        return profile.get("owner_id") == principal.subject
    if principal.role is Role.ENTERPRISE:
        return False
    return in_scope(principal, profile.get("region_code"), regions)


def candidate_scope(principal: Principal) -> RegionScope:
    """Where a posting's candidates may live for this principal: an office sees candidates of
    its own region only (in the query itself, like search); enterprises and admins see all."""
    if principal.role is Role.OFFICE:
        return RegionScope(principal.region_code or "000000")
    return EVERYWHERE


def inbox_scope(principal: Principal) -> InboxScope:
    """Whose alerts a principal reads: its own; an office also the alerts to the offices of
    any region inside its own (a district's to the district's, the city's and the
    province's offices); an admin every office alert too. Twin: ``may_read_alert``."""
    own = recipient_of(principal.role.value, principal.subject)
    if principal.role is Role.ADMIN:
        return InboxScope(own, EVERYWHERE)
    if principal.role is Role.OFFICE:
        return InboxScope(own, listing_scope(principal))
    return InboxScope(own)


def may_read_alert(principal: Principal, alert: Mapping[str, Any], regions: RegionCatalog) -> bool:
    """Twin of ``inbox_scope``."""
    if alert.get("recipient") == recipient_of(principal.role.value, principal.subject):
        return True
    if alert.get("recipient") != OFFICES:
        return False
    return principal.role is Role.ADMIN or (
        principal.role is Role.OFFICE and in_scope(principal, alert.get("region_code"), regions)
    )


def referral_scope(principal: Principal) -> ReferralScope:
    if principal.role is Role.ADMIN:
        return ReferralScope(everything=True)
    if principal.role is Role.ENTERPRISE:
        return ReferralScope(enterprise_id=principal.subject)
    if principal.role is not Role.OFFICE or not principal.region_code:
        return ReferralScope()
    return ReferralScope(office_id=principal.subject, region=principal.region_code)


def may_see_referral(
    principal: Principal, referral: ReferralDoc | Mapping[str, Any], regions: RegionCatalog
) -> bool:
    """Twin of ``referral_scope`` for single reads and writes."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.OFFICE:
        return False
    return (
        referral.get("office_id") == principal.subject
        or in_scope(principal, referral.get("posting_region_code"), regions)
        or in_scope(principal, referral.get("profile_region_code"), regions)
    )


def may_read_referral(
    principal: Principal, referral: ReferralDoc | Mapping[str, Any], regions: RegionCatalog
) -> bool:
    """Who may read a referral: those who may act on it (``may_see_referral``) and the
    enterprise whose posting it is (its outcome, in the enterprise's view). Twin of
    ``referral_scope``."""
    if principal.role is Role.ENTERPRISE:
        return bool(principal.subject) and referral.get("enterprise_id") == principal.subject
    return may_see_referral(principal, referral, regions)


def import_refusal(principal: Principal, kind: str) -> str | None:
    """Why the principal may not import records of ``kind`` (None: it may). Offices and
    admins import both kinds, enterprises their postings; a row is still checked as a
    write of its own."""
    if principal.role is Role.SEEKER:
        return "Seekers cannot import; use PUT /v1/profiles/{id}"
    if principal.role is Role.ENTERPRISE and kind != "postings":
        return "Enterprises can import postings only"
    if principal.role is Role.PUBLIC:
        return "The public token cannot import"
    return None


def may_read_import(principal: Principal, owner: Principal) -> bool:
    """An import's progress and row errors: for who started it, and admins."""
    return principal.role is Role.ADMIN or (principal.role, principal.subject) == (
        owner.role,
        owner.subject,
    )


def may_record_consent(principal: Principal) -> bool:
    """Consent given in person is recorded by an office (or an admin), never by the
    enterprise that asked."""
    return principal.role in (Role.OFFICE, Role.ADMIN)


def may_list_posting_requests(
    principal: Principal, posting: PostingDoc, regions: RegionCatalog
) -> bool:
    """A posting's contact requests: its enterprise, offices of its region, admins."""
    if principal.role is Role.ENTERPRISE:
        return posting.get("enterprise_id") == principal.subject
    return in_scope(principal, posting.get("region_code"), regions)


def may_read_audit_trail(principal: Principal, profile: ProfileDoc | None) -> bool:
    """A profile's audit trail: its own seeker, and admins."""
    if principal.role is Role.ADMIN:
        return True
    return profile is not None and profile.get("owner_id") == principal.subject


def may_explain(principal: Principal, posting: PostingDoc) -> bool:
    """Why a posting is or is not a match: a seeker asks about postings they can read."""
    return principal.role is not Role.SEEKER or is_public_posting(posting)


def report_region(
    principal: Principal, region: str | None, regions: RegionCatalog
) -> tuple[str | None, str | None]:
    """(the region an office's report counts, why it may not) — its own region or one
    inside it; an admin counts ``region`` (None: everywhere)."""
    if principal.role is Role.ADMIN:
        return region, None
    own = principal.region_code
    if not own:
        return None, "This office token has no region scope"
    if region is None:
        return own, None
    if not regions.within(region, own):
        return None, f"Region {region} is outside your office's region {own}"
    return region, None


def home_region(principal: Principal) -> str | None:
    """The region an office works in by default (None for other roles)."""
    return principal.region_code if principal.role is Role.OFFICE else None


def may_see_region(principal: Principal, code: str, regions: RegionCatalog) -> bool:
    """Aggregate figures of a region (bulletins): an office inside its own region, every
    other role that may ask at all (the route's roles decide that)."""
    return principal.role is not Role.OFFICE or in_scope(principal, code, regions)


def is_candidate_of(
    posting: PostingDoc, profile: ProfileDoc, *, day: date, catalog: OccupationCatalog
) -> bool:
    """The profile is a candidate of the posting: active, meeting every hard rule, and of
    the same or a related trade (not 不对口). An enterprise sees a profile through its posting
    only so, or when the seeker consented or was referred to it; anything else is answered
    as not found, so a guessed id through any posting tells nothing."""
    if not all(rule.passed for rule in check(posting, profile, day, catalog)):
        return False
    trade = fit(readings_of(posting, side="posting"), readings_of(profile, side="profile"))
    return trade.tier is not Tier.UNRELATED
