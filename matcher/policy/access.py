"""Object-level authorisation: who may read or write which profile or posting.

One place decides, so every endpoint (and the import job) applies the same rules:
- admin: everything;
- office: records whose region lies inside the office's region scope (and, on update, both
  the stored and the new region);
- seeker: their own profile (``owner_id`` = the token's subject);
- enterprise: its own postings (``enterprise_id`` = the token's subject).
Records a principal may not read are reported as not found, so ids cannot be probed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matcher.auth.models import Principal, Role
from matcher.taxonomy.regions import RegionCatalog


def region_prefix(code: str, field: str = "region_code") -> dict[str, Any]:
    """The query for records inside a GB/T 2260 region, which is positional: 15 (a province,
    150000), 1502 (a league-city, 150200), 150203 (a county, also one like 130110)."""
    significant = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
    return {"prefix": {field: significant}}


def in_scope(principal: Principal, region_code: str | None, regions: RegionCatalog) -> bool:
    """An office's region scope covers ``region_code``."""
    if principal.role is Role.ADMIN:
        return True
    if principal.role is not Role.OFFICE or not principal.region_code or not region_code:
        return False
    return regions.within(region_code, principal.region_code)


def may_read_profile(
    principal: Principal, stored: Mapping[str, Any], regions: RegionCatalog
) -> bool:
    if principal.role is Role.SEEKER:
        return stored.get("owner_id") == principal.subject
    return in_scope(principal, stored.get("region_code"), regions)


def may_write_profile(
    principal: Principal,
    *,
    stored: Mapping[str, Any] | None,
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


def may_read_posting(
    principal: Principal, stored: Mapping[str, Any], regions: RegionCatalog
) -> bool:
    """Active postings are public to every signed-in role; others only to who manages them."""
    if stored.get("status") == "active":
        return True
    if principal.role is Role.ENTERPRISE:
        return stored.get("enterprise_id") == principal.subject
    return in_scope(principal, stored.get("region_code"), regions)


def may_write_posting(
    principal: Principal,
    *,
    stored: Mapping[str, Any] | None,
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
