"""The stored documents, typed: one ``TypedDict`` per index, field for field the mapping of
``indexes/specs.py`` (``tests/unit/test_documents.py`` holds the two together).

Every key is optional (``total=False``): a document read back holds what was written, and
older versions lack fields added since. Code reads fields with ``doc.get("…")`` or
``doc["…"]`` as before, but mypy now names a misspelt field. Values are JSON as stored: dates
and timestamps are ISO strings.

The status vocabularies that queries and rules compare against live here too, beside the
field they fill.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypedDict


class ProfileStatus(StrEnum):
    ACTIVE = "active"  # matchable
    PAUSED = "paused"  # kept, not matchable, until the seeker resumes
    WITHDRAWN = "withdrawn"  # the seeker left the market; never matchable


class PostingStatus(StrEnum):
    ACTIVE = "active"  # matchable while valid
    PAUSED = "paused"
    CLOSED = "closed"
    FILLED = "filled"  # set when the last place is taken; back to active when one is freed
    EXPIRED = "expired"  # set by the daily job once valid_until has passed


class GeoPointDoc(TypedDict):
    lat: float
    lon: float


class OccupationGuessDoc(TypedDict):
    """The occupation the title was normalized to, when the caller gave none."""

    code: str
    name: str
    score: float


class OccupationReadingDoc(TypedDict):
    """One reading of a record's occupation: a code and the probability it is the one."""

    code: str
    name: str
    p: float


class CertificateDoc(TypedDict, total=False):
    type: str
    name: str
    key: str  # the requirement key of its name (matcher.taxonomy.certificates)
    covers: list[str]  # every requirement key it meets
    occupation_code: str | None
    level: int | None
    number: str | None  # personal data
    issued_on: str | None
    expires_on: str | None


class PermitDoc(TypedDict, total=False):
    code: str  # an access-controlled occupation the certificate opens
    expires_on: str | None


class ContactDoc(TypedDict, total=False):
    name: str | None
    phone: str | None
    email: str | None


class RecordDoc(TypedDict, total=False):
    """What profiles and postings share (``_record_common`` in the specs)."""

    id: str
    owner_id: str | None
    title: str
    search_text: str
    title_tokens: str
    region_code: str
    city_code: str | None
    location: GeoPointDoc | None
    status: str
    created_at: str
    updated_at: str
    registered_on: str
    indexed_at: str
    embedding: list[float]
    embedding_model: str
    occupation_normalized: OccupationGuessDoc | None
    occupation_groups: list[str]
    occupation_candidates: list[OccupationReadingDoc]
    occupation_candidate_codes: list[str]
    occupation_confidence: float
    occupation_source: str  # given, inferred, confirmed
    occupation_ambiguous: bool
    occupation_confirmed_by: str | None
    occupation_confirmed_at: str | None


class ProfileDoc(RecordDoc, total=False):
    summary: str
    skills: list[str]
    occupation_codes: list[str]
    primary_occupation: str
    skill_level: int | None
    effective_level: int | None
    award_bonus: bool
    certificates: list[CertificateDoc]
    permits: list[PermitDoc]
    years_experience: float | None
    willing_to_relocate: bool
    preferred_region_codes: list[str]
    expected_monthly_wage: int | None
    awards: list[str]
    contact: ContactDoc | None
    identity_keys: list[str]
    name_key: str | None


class RequiredCertificateDoc(TypedDict, total=False):
    type: str
    name: str
    key: str
    mandatory: bool


class KeyProjectDoc(TypedDict, total=False):
    name: str
    remote: bool


class PostingDoc(RecordDoc, total=False):
    enterprise_id: str
    enterprise_name: str
    description: str
    occupation_code: str
    required_level: int | None
    required_certificates: list[RequiredCertificateDoc]
    headcount: int
    filled: int
    open_headcount: int
    hired_referral_ids: list[str]
    access_controlled: bool
    wage_min: int | None
    wage_max: int | None
    wage_monthly: int
    industry: str | None
    key_project: KeyProjectDoc | None
    key_project_id: str | None
    dup_bands: list[str]
    duplicate_of: str | None
    compliance_note: str | None
    contract_months: int | None
    incentive_policy_ids: list[str]
    valid_from: str | None
    valid_until: str | None


class ReferralStepDoc(TypedDict, total=False):
    status: str
    at: str
    by: str
    staff: str
    note: str


class ReferralDoc(TypedDict, total=False):
    id: str
    posting_id: str
    profile_id: str
    office_id: str
    office_region_code: str | None
    staff: str
    note: str
    status: str
    attempt: int
    previous_id: str | None
    occupation_code: str | None
    occupation_groups: list[str]
    required_level: int | None
    profile_level: int | None
    posting_region_code: str
    posting_city_code: str | None
    profile_region_code: str | None
    profile_city_code: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    posting_title: str | None
    profile_title: str | None
    key_project_name: str | None
    key_project_remote: bool
    incentive_policy_ids: list[str]
    incentive_grant_ids: list[str]
    proposed_at: str
    contacted_at: str
    interviewed_at: str
    hired_at: str
    declined_at: str
    withdrew_at: str
    interview_at: str
    no_show_at: str
    closed_at: str
    updated_at: str
    indexed_at: str
    history: list[ReferralStepDoc]


class TokenDoc(TypedDict, total=False):
    token_id: str
    secret_hash: str
    role: str
    subject: str
    region_code: str | None
    label: str
    created_by: str
    created_at: str
    expires_at: str
    revoked_at: str | None
    indexed_at: str


class OccupationDoc(TypedDict, total=False):
    code: str
    level: int
    name: str
    marks: list[str]
    aliases: list[str]
    prefixes: list[str]
    grams: str
    definition: str
    tasks: list[str]
    parent_codes: list[str]
    access_controlled: bool
    indexed_at: str


class ContactRequestDoc(TypedDict, total=False):
    id: str
    posting_id: str
    profile_id: str
    enterprise_id: str
    enterprise_name: str
    posting_title: str
    purpose: str
    status: str
    method: str
    requested_by: str
    decided_by: str | None
    recorded_by: str | None
    note: str | None
    created_at: str
    updated_at: str
    decided_at: str | None
    indexed_at: str


class AuditDoc(TypedDict, total=False):
    id: str
    at: str
    action: str
    actor_role: str
    actor_id: str
    token_id: str
    profile_id: str | None
    posting_id: str | None
    enterprise_id: str | None
    request_id: str | None
    rows: int | None
    selection: str | None
    indexed_at: str


class PolicyDoc(TypedDict, total=False):
    """One version of an incentive policy (``matcher.policy.incentive_models.Policy``)."""

    policy_id: str
    version: int
    status: str
    name: str
    authority: str
    description: str
    valid_from: str
    valid_until: str | None
    benefits: list[dict[str, Any]]
    eligibility: dict[str, Any]
    recorded_at: str
    recorded_by: str
    note: str
    indexed_at: str


class BulletinDoc(TypedDict, total=False):
    id: str
    kind: str
    period: str
    period_start: str
    period_end: str
    scope: str
    version: int
    replaces: str | None
    generated_at: str
    trigger: str
    published_by: str
    software_version: str
    content: dict[str, Any]  # the whole bulletin as the API returns it


class AlertDoc(TypedDict, total=False):
    """One inbox alert (``matcher.alerts``)."""

    id: str
    recipient: str
    kind: str
    record_kind: str
    record_id: str
    title: str
    body: str
    subscription_id: str | None
    region_code: str | None
    created_at: str
    read_at: str | None
    delivered_at: str | None
    indexed_at: str


class SavedSearchDoc(TypedDict, total=False):
    """A saved search or subscription (``matcher.subscriptions``)."""

    id: str
    owner: str
    owner_role: str
    owner_subject: str
    owner_region: str | None
    kind: str
    name: str
    target_id: str | None
    search: dict[str, Any]
    match_any: bool
    words: list[str]
    words_count: int
    occupation_codes: list[str]
    occupation_groups: list[str]
    region_scope: list[str]
    confirm_in_search: bool
    card: str
    wage_floor: int | None
    grade: int | None
    industry: str | None
    incentives_only: bool
    delivery: str
    webhook_url: str | None
    webhook_secret: str | None
    webhook_state: str
    webhook_failures: int
    digest_after: str | None
    created_at: str
    updated_at: str
    indexed_at: str


class RegisteredProjectDoc(TypedDict, total=False):
    """A key project of the registry (``matcher.projects``)."""

    id: str
    name: str
    county_code: str
    city_code: str | None
    authority: str
    approval_number: str
    valid_from: str
    valid_until: str | None
    status: str
    remote: bool
    recorded_by: str
    created_at: str
    updated_at: str
    indexed_at: str
