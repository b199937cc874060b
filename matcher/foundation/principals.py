"""Who is calling: the roles of the service and the principal a token stands for.

Every layer may ask who acts (the access rules decide with it), so it lives with the
foundation; tokens themselves are the ``auth`` use case's.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    SEEKER = "seeker"
    ENTERPRISE = "enterprise"
    OFFICE = "office"
    ADMIN = "admin"
    # Read-only: searches postings and reads the taxonomy (MATCHER_PUBLIC_READ_TOKEN).
    PUBLIC = "public"


ALL_ROLES = frozenset(Role)
ADMIN_ONLY = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Principal:
    """Who is calling: ``subject`` is the seeker, enterprise or office id the token acts for."""

    token_id: str
    role: Role
    subject: str
    region_code: str | None = None
