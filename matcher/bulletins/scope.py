"""Which records a bulletin covers: a whole province-level region or one league-city.

An office publishes and sees live figures only for its own region or a league-city inside it;
administrators for any. The region breakdown of a bulletin is one level down from its scope:
league-cities for a province, counties (旗、县、区) for a league-city.
"""

from __future__ import annotations

from matcher.foundation.principals import Principal
from matcher.foundation.problems import InvalidScope, ScopeNotAllowed
from matcher.policy.access import home_region, may_see_region
from matcher.store.bulletin_counts import Scope
from matcher.taxonomy.regions import RegionCatalog


def resolve_scope(code: str, regions: RegionCatalog) -> Scope:
    region = regions.get(code)
    if region is None:
        raise InvalidScope(f"unknown region code {code!r}")
    if region.level not in ("province", "city"):
        raise InvalidScope(
            f"{code} ({region.name}) is a county; bulletins cover a province-level region "
            "or one league-city"
        )
    return Scope(region.code, region.name, region.level)


def scope_for(
    principal: Principal, requested: str | None, *, default: str, regions: RegionCatalog
) -> Scope:
    """The scope a principal asks for (an office's own region when it names none), checked
    against what the principal may see."""
    code = requested or home_region(principal)
    scope = resolve_scope(code or default, regions)
    if not may_see_region(principal, scope.code, regions):
        raise ScopeNotAllowed(
            f"region {scope.code} ({scope.name}) is outside your office's region "
            f"{principal.region_code}"
        )
    return scope
