"""Profile writes, reads and deletes (keyword-only service functions, shared by API and jobs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from indexes.documents import ProfileDoc
from matcher.foundation.neardup import identity_keys, name_key
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Conflict, NotFound, ValidationFailed
from matcher.foundation.text import segment
from matcher.policy.access import is_candidate_of, may_read_profile, may_write_profile
from matcher.policy.projection import View, redact_profile, redacted_fields
from matcher.privacy import audit
from matcher.privacy.limits import charge_candidate_views
from matcher.profiles.models import ProfileIn, ProfileOut, ProfileStatus
from matcher.records.kinds import CodeRefs, Derived, RecordKind
from matcher.records.occupation import Occupation
from matcher.records.prepare import group_prefixes
from matcher.records.writes import Outcome, confirm_occupation, write_record, write_records
from matcher.services import Services
from matcher.store import Store
from matcher.store.queries import is_active_profile
from matcher.store.records import ProfileRepository
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.certificates import certificate_key, covered_keys, permits
from matcher.taxonomy.grades import SkillGrade, award_bonus_applies, one_grade_up
from matcher.taxonomy.inference import RecordText


def _codes(body: ProfileIn) -> CodeRefs:
    refs: CodeRefs = [("region_code", body.region_code, "region")]
    refs += [
        (f"preferred_region_codes.{i}", c, "region")
        for i, c in enumerate(body.preferred_region_codes)
    ]
    refs += [
        (f"occupation_codes.{i}", c, "occupation") for i, c in enumerate(body.occupation_codes)
    ]
    refs += [
        (f"certificates.{i}.occupation_code", c.occupation_code, "occupation")
        for i, c in enumerate(body.certificates)
        if c.occupation_code
    ]
    return refs


def embedding_text(body: ProfileIn, occupation_names: list[str]) -> str:
    parts = [body.title, "、".join(occupation_names), "、".join(body.skills), body.summary]
    return "。".join(p for p in parts if p)


def _derive(
    body: ProfileIn,
    occupation: Occupation,
    stored: ProfileDoc | None,
    taxonomy: Taxonomy,
    context: Any,
) -> Derived:
    doc = body.model_dump(mode="json")
    doc["occupation_codes"] = occupation.codes
    names = [taxonomy.occupation_name(c) for c in doc["occupation_codes"]]
    doc["occupation_groups"] = group_prefixes(doc["occupation_codes"])
    if doc["occupation_codes"]:
        doc["primary_occupation"] = doc["occupation_codes"][0]
    doc["city_code"] = taxonomy.regions.city_of(body.region_code)
    doc["search_text"] = segment(
        body.title,
        body.summary,
        " ".join(body.skills),
        " ".join(names),
        " ".join(c.name for c in body.certificates),
    )
    doc["title_tokens"] = segment(body.title)
    for cert in doc["certificates"]:
        cert["key"] = certificate_key(cert["name"])
        cert["covers"] = covered_keys(cert["name"])
    doc["permits"] = permits(doc["certificates"], taxonomy.occupations.access_rules())
    doc["identity_keys"] = profile_identity_keys(doc)
    doc["name_key"] = profile_name_key(doc)
    doc["award_bonus"] = award_bonus_applies(body.awards)
    if body.skill_level is not None:
        level = SkillGrade(body.skill_level)
        doc["effective_level"] = int(one_grade_up(level) if doc["award_bonus"] else level)
    return Derived(doc, embedding_text(body, names))


def profile_identity_keys(doc: Mapping[str, Any]) -> list[str]:
    """The hashed phone and certificate numbers a double registration would share."""
    contact = doc.get("contact") or {}
    numbers = [c.get("number") for c in doc.get("certificates") or []]
    return identity_keys(contact.get("phone"), numbers)


def profile_name_key(doc: Mapping[str, Any]) -> str | None:
    """The hashed name an office finds a returning worker by (never searched as text)."""
    return name_key((doc.get("contact") or {}).get("name"))


def _with_owner(body: ProfileIn, principal: Principal, stored: ProfileDoc | None) -> ProfileIn:
    if principal.role is Role.SEEKER:
        return body.model_copy(update={"owner_id": body.owner_id or principal.subject})
    if body.owner_id is None and stored is not None:
        # An office updating at the desk keeps the seeker's ownership.
        return body.model_copy(update={"owner_id": stored.get("owner_id")})
    return body


def _may_write(
    principal: Principal, stored: ProfileDoc | None, body: ProfileIn, taxonomy: Taxonomy
) -> str | None:
    return may_write_profile(
        principal,
        stored=stored,
        owner_id=body.owner_id,
        region_code=body.region_code,
        regions=taxonomy.regions,
    )


def _repository(store: Store) -> ProfileRepository:
    return store.profiles


PROFILES: RecordKind[ProfileIn, ProfileDoc] = RecordKind(
    name="profiles",
    label="profile",
    model=ProfileIn,
    text_fields=("title", "summary", "skills"),
    self_description=True,
    certificates_field="certificates",
    repository=_repository,
    codes=_codes,
    given_occupations=lambda body: list(body.occupation_codes),
    with_occupations=lambda body, codes: body.model_copy(update={"occupation_codes": codes}),
    record_text=lambda body: RecordText(
        body.title, body.summary, tuple(body.skills), tuple(c.name for c in body.certificates)
    ),
    derive=_derive,
    with_owner=_with_owner,
    may_write=_may_write,
    is_matchable=lambda doc, day: is_active_profile(doc),
)


def to_out(source: ProfileDoc, view: View = View.FULL) -> ProfileOut:
    """The API's profile as ``view`` may see it (``matcher.policy.projection``)."""
    fields = PROFILES.api_fields(redact_profile(source, view), ProfileOut)
    return ProfileOut.model_validate(
        {
            **fields,
            "matchable": is_active_profile(source),
            "view": view.value,
            "redacted": redacted_fields(view),
        }
    )


async def put_profile(
    svc: Services, *, principal: Principal, profile_id: str, body: ProfileIn
) -> tuple[ProfileOut, bool]:
    """Create or replace a profile; returns it and whether it was created. Durable on return."""
    doc, created = await write_record(
        svc, PROFILES, principal=principal, record_id=profile_id, body=body
    )
    return to_out(doc), created


async def put_profiles(
    svc: Services, *, principal: Principal, items: Sequence[tuple[str, ProfileIn]]
) -> dict[str, Outcome[ProfileDoc]]:
    """Create or replace many profiles (distinct ids) at once: each authorised and written as
    ``put_profile`` would, the batch prepared, embedded and bulk-written together with one
    refresh wait. Durable and searchable on return; id → outcome."""
    return await write_records(svc, PROFILES, principal=principal, items=items)


async def get_profile(
    svc: Services, *, principal: Principal, profile_id: str, posting_id: str | None = None
) -> ProfileOut:
    """The seeker, offices of the region and admins read the whole profile; an enterprise
    reads a candidate through one of its postings (``posting_id``)."""
    if principal.role is Role.ENTERPRISE:
        return await _candidate(svc, principal, profile_id, posting_id)
    stored = await svc.store.profiles.get(profile_id)
    if stored is None or not may_read_profile(principal, stored, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    return to_out(stored)


async def _candidate(
    svc: Services, principal: Principal, profile_id: str, posting_id: str | None
) -> ProfileOut:
    """An enterprise's view of an active candidate: redacted unless the seeker consented to
    contact for this posting; each read counts against the daily candidate-view quota, and
    every release of contact details is audited before it is answered."""
    if posting_id is None:
        raise ValidationFailed(
            "Enterprises read candidates through one of their postings",
            [{"field": "posting_id", "message": "required: the id of your posting"}],
        )
    posting = await svc.store.postings.get(posting_id)
    if posting is None or posting.get("enterprise_id") != principal.subject:
        raise NotFound(f"No posting {posting_id}")
    stored = await svc.store.profiles.get(profile_id)
    if stored is None:
        raise NotFound(f"No profile {profile_id}")
    released = await svc.store.consents.is_released(
        enterprise_id=principal.subject, posting_id=posting_id, profile_id=profile_id
    )
    if not released and (
        not is_active_profile(stored)
        or (
            not is_candidate_of(
                posting, stored, day=svc.clock.today(), catalog=svc.taxonomy.occupations
            )
            # Referred by an office, though no longer a candidate (a rule failed since).
            and await svc.store.referrals.latest_for_pair(posting_id, profile_id) is None
        )
    ):
        raise NotFound(f"No profile {profile_id}")
    await charge_candidate_views(svc, principal)
    if released:
        await audit.record(
            svc,
            audit.Event(
                "contact.released",
                profile_id=profile_id,
                posting_id=posting_id,
                enterprise_id=principal.subject,
            ),
            principal=principal,
        )
    return to_out(stored, View.CONSENTED if released else View.CANDIDATE)


async def names(svc: Services, *, principal: Principal, profile_ids: list[str]) -> dict[str, str]:
    """The seekers' names, for staff who may read those profiles whole (an office of their
    region, an admin): id → name; profiles the principal may not read are left out."""
    if principal.role is Role.ENTERPRISE:
        return {}
    found = await svc.store.profiles.get_many(
        profile_ids, fields=["contact.name", "region_code", "owner_id"]
    )
    return {
        pid: str((doc.get("contact") or {}).get("name") or "")
        for pid, doc in found.items()
        if may_read_profile(principal, doc, svc.taxonomy.regions)
    }


async def delete_profile(svc: Services, *, principal: Principal, profile_id: str) -> None:
    """Remove the profile from every index at once; it can never match again."""
    stored = await svc.store.profiles.get(profile_id)
    if stored is None or not may_read_profile(principal, stored, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    await svc.store.profiles.delete(profile_id)
    # Consent records go with it; the audit keeps only the ids (PIPL art. 47).
    await svc.store.consents.forget_profile(profile_id)
    await audit.record(
        svc, audit.Event("profile.deleted", profile_id=profile_id), principal=principal
    )


async def set_status(
    svc: Services,
    *,
    principal: Principal,
    profile_id: str,
    status: ProfileStatus,
    only_from: ProfileStatus | None = None,
) -> ProfileOut:
    """Pause, resume or withdraw a profile (an office at the desk for a seeker it hired, a
    seeker for their own); the rest of the profile is written back as it is. ``only_from``:
    the status it must have now (else 409: a stale page must not pause a withdrawn profile).
    The body is made from the version it is written over: a change made meanwhile is a 409,
    never undone."""
    found = await svc.store.profiles.get_versioned(profile_id)
    if found is None or not may_read_profile(principal, found.doc, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    stored = found.doc
    if only_from is not None and stored.get("status") != only_from.value:
        raise Conflict(f"Profile {profile_id} is {stored.get('status')}, not {only_from.value}")
    body = PROFILES.body_of(stored).model_copy(update={"status": status})
    if stored.get("occupation_source") != "given":
        # An inferred (or confirmed) reading stays so: the rewrite names no code.
        body = body.model_copy(update={"occupation_codes": []})
    doc, _ = await write_record(
        svc, PROFILES, principal=principal, record_id=profile_id, body=body, expected=found.version
    )
    return to_out(doc)


async def confirm_occupations(
    svc: Services, *, principal: Principal, profile_id: str, codes: list[str]
) -> ProfileOut:
    """The seeker or an office of the region says which occupations the profile is about."""
    doc = await confirm_occupation(
        svc, PROFILES, principal=principal, record_id=profile_id, codes=codes
    )
    return to_out(doc)
