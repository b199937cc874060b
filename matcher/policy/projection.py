"""Property-level authorisation: which fields of a profile each principal may see.

Object-level rules (may this principal see this record at all?) live in ``matcher.policy.access``;
this module decides *what* of a visible profile is shown, in one place, for every endpoint
that returns profile data (reads, matches, search, and later ones)::

    view = view_for(principal, released=...)
    shown = redact_profile(stored_source, view)     # a copy; pick fields from it

Views:
- ``full``: the seeker themself, offices of the profile's region, admins.
- ``candidate``: an enterprise without the seeker's consent. Grade, occupation, title,
  skills, certificates without their numbers, experience, league-city (``region_code`` is
  coarsened to it), wage expectation, mobility. Not the name, phone, e-mail, certificate
  numbers, the exact (county) region, the free-text summary or named awards (either can
  identify a person in a small labour market), nor the seeker's account id.
- ``consented``: an enterprise the seeker consented to, for that posting: everything but the
  seeker's account id. Every such release is written to the audit log by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from matcher.foundation.principals import Principal, Role
from matcher.taxonomy.regions import RegionCatalog


class View(StrEnum):
    FULL = "full"
    CANDIDATE = "candidate"
    CONSENTED = "consented"


# Never leave the service through any view but ``full``.
ACCOUNT_FIELDS = ("owner_id", "occupation_confirmed_by")
# Released to an enterprise only with consent. ``certificates.number`` and the exact
# ``region_code`` are handled field by field below.
PERSONAL_FIELDS = ("contact", "summary", "awards")
# Derived from the personal text (the summary is segmented into it) or simply large.
INTERNAL_FIELDS = ("search_text", "title_tokens", "embedding", "permits")


def view_for(principal: Principal, *, released: bool = False) -> View:
    """The view of a profile the principal may already read (``matcher.policy.access`` said so).
    ``released``: the seeker granted this enterprise contact for the posting in question."""
    if principal.role is Role.ENTERPRISE:
        return View.CONSENTED if released else View.CANDIDATE
    if principal.role in (Role.SEEKER, Role.OFFICE, Role.ADMIN):
        return View.FULL
    # Any other role (public) sees only what an enterprise without consent would.
    return View.CANDIDATE


def redacted_fields(view: View) -> list[str]:
    """What a view leaves out, as the API reports it in ``redacted``."""
    if view is View.FULL:
        return []
    if view is View.CONSENTED:
        return list(ACCOUNT_FIELDS)
    return [
        *ACCOUNT_FIELDS,
        *PERSONAL_FIELDS,
        "certificates.number",
        "region_code (league-city only)",
    ]


def redact_profile(source: Mapping[str, Any], view: View) -> dict[str, Any]:
    """A copy of a stored profile (or of any mapping with its fields) as ``view`` may see it."""
    out = {k: v for k, v in source.items() if k not in INTERNAL_FIELDS}
    if view is View.FULL:
        return out
    for name in ACCOUNT_FIELDS:
        out.pop(name, None)
    if view is View.CONSENTED:
        return out
    for name in PERSONAL_FIELDS:
        out.pop(name, None)
    if "certificates" in out:
        out["certificates"] = [
            {k: v for k, v in cert.items() if k != "number"}
            for cert in out.get("certificates") or []
        ]
    if "region_code" in out:
        out["region_code"] = source.get("city_code") or _city(str(source["region_code"]))
    return out


def feature_detail(name: str, detail: str, view: View) -> str:
    """A match explanation's wording as ``view`` may read it: the location feature names the
    county or a distance between county centres, which would undo the coarsened region."""
    if view is not View.CANDIDATE or name != "location":
        return detail
    if detail == "同一旗县区":
        return "同一盟市"
    return "异地" if detail.startswith("相距约") else detail


def region_filter_error(
    principal: Principal, code: str | None, regions: RegionCatalog
) -> str | None:
    """Why ``code`` may not filter candidates for this principal, or None. An enterprise sees
    only a candidate's league-city, so it may not narrow a candidate list to a county either
    (that would reveal what ``candidate`` hides)."""
    if not code or principal.role is not Role.ENTERPRISE:
        return None
    region = regions.get(code)
    if region is not None and region.level == "county":
        return f"{code} is a county; enterprises filter candidates by league-city or province"
    return None


def _city(code: str) -> str:
    # GB/T 2260: the first four digits are the league-city.
    return code[:4] + "00"


def sees_candidate_view(principal: Principal) -> bool:
    """The principal sees candidates in the candidate view: located at their league-city
    only (scored so too), every candidate shown counted against a daily quota, and a list
    no deeper than ``MATCHER_ENTERPRISE_MAX_DEPTH``."""
    return view_for(principal) is not View.FULL
