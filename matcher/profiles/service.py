"""Profile writes, reads and deletes (keyword-only service functions, shared by API and jobs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from indexes import delete_document
from matcher.auth.models import Principal, Role
from matcher.foundation.problems import Forbidden, NotFound, ValidationFailed
from matcher.foundation.text import segment
from matcher.policy.access import may_read_profile, may_write_profile
from matcher.policy.projection import View, redact_profile, redacted_fields
from matcher.privacy import audit
from matcher.privacy.limits import CANDIDATE_VIEWS, charge
from matcher.profiles.models import OccupationGuess, ProfileIn, ProfileOut, ProfileStatus
from matcher.records import prepare as indexing
from matcher.records.prepare import group_prefixes, normalise_titles
from matcher.services import Services
from matcher.store import consents
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.certificates import certificate_key, covered_keys, permits
from matcher.taxonomy.grades import SkillGrade, award_bonus_applies, one_grade_up

FieldErrors = list[dict[str, str]]


def catalog_errors(body: ProfileIn, taxonomy: Taxonomy) -> FieldErrors:
    """Codes that parse but name no region or occupation."""
    errors: FieldErrors = []
    checks = [("region_code", body.region_code, taxonomy.region_error)]
    checks += [
        (f"preferred_region_codes.{i}", c, taxonomy.region_error)
        for i, c in enumerate(body.preferred_region_codes)
    ]
    checks += [
        (f"occupation_codes.{i}", c, taxonomy.occupation_error)
        for i, c in enumerate(body.occupation_codes)
    ]
    checks += [
        (f"certificates.{i}.occupation_code", c.occupation_code, taxonomy.occupation_error)
        for i, c in enumerate(body.certificates)
        if c.occupation_code
    ]
    for field, code, check in checks:
        message = check(code)
        if message:
            errors.append({"field": field, "message": message})
    return errors


def embedding_text(body: ProfileIn, occupation_names: Sequence[str]) -> str:
    parts = [body.title, "、".join(occupation_names), "、".join(body.skills), body.summary]
    return "。".join(p for p in parts if p)


def is_matchable(source: Mapping[str, Any]) -> bool:
    return source.get("status") == ProfileStatus.ACTIVE.value


async def prepare(
    svc: Services,
    items: Sequence[tuple[str, ProfileIn, Mapping[str, Any] | None]],
) -> list[dict[str, Any]]:
    """ES documents for ``(id, body, stored)`` items: normalised, segmented, embedded."""
    taxonomy = svc.taxonomy
    guesses = await normalise_titles(
        svc, [body.title for _, body, _ in items if not body.occupation_codes]
    )
    guess_iter = iter(guesses)
    docs, texts = [], []
    for record_id, body, _ in items:
        doc = body.model_dump(mode="json")
        doc["id"] = record_id
        if not body.occupation_codes:
            guess = next(guess_iter)
            if guess is not None:
                doc["occupation_codes"] = [guess.code]
                doc["occupation_normalized"] = OccupationGuess(
                    code=guess.code, name=guess.name, score=round(guess.score, 3)
                ).model_dump()
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
        doc["award_bonus"] = award_bonus_applies(body.awards)
        if body.skill_level is not None:
            level = SkillGrade(body.skill_level)
            doc["effective_level"] = int(one_grade_up(level) if doc["award_bonus"] else level)
        docs.append(doc)
        texts.append(embedding_text(body, names))
    return await indexing.finish_documents(svc, docs, texts, [s for _, _, s in items])


def api_fields(source: Mapping[str, Any], model: type[ProfileIn] = ProfileIn) -> dict[str, Any]:
    """The stored document's fields as the API models them (derived fields dropped)."""
    return indexing.api_fields(source, model, "certificates")


def to_out(source: Mapping[str, Any], view: View = View.FULL) -> ProfileOut:
    """The API's profile as ``view`` may see it (``matcher.policy.projection``)."""
    fields = api_fields(redact_profile(source, view), ProfileOut)
    return ProfileOut.model_validate(
        {
            **fields,
            "matchable": is_matchable(source),
            "view": view.value,
            "redacted": redacted_fields(view),
        }
    )


async def load(
    svc: Services, record_id: str, *, with_vector: bool = False
) -> dict[str, Any] | None:
    return await indexing.load_source(svc, "profiles", record_id, with_vector=with_vector)


async def put_profile(
    svc: Services, *, principal: Principal, profile_id: str, body: ProfileIn
) -> tuple[ProfileOut, bool]:
    """Create or replace a profile; returns it and whether it was created. Durable on return."""
    stored = await load(svc, profile_id)
    if principal.role is Role.SEEKER:
        body = body.model_copy(update={"owner_id": body.owner_id or principal.subject})
    elif body.owner_id is None and stored is not None:
        # An office updating at the desk keeps the seeker's ownership.
        body = body.model_copy(update={"owner_id": stored.get("owner_id")})
    reason = may_write_profile(
        principal,
        stored=stored,
        owner_id=body.owner_id,
        region_code=body.region_code,
        regions=svc.taxonomy.regions,
    )
    if reason:
        raise Forbidden(f"You may not write profile {profile_id}: {reason}")
    errors = catalog_errors(body, svc.taxonomy)
    if errors:
        raise ValidationFailed("Unknown codes in the profile", errors)
    (doc,) = await prepare(svc, [(profile_id, body, stored)])
    # wait_for: when this returns the profile is searchable, so "matchable" is the truth.
    await svc.es.index(
        index=svc.specs["profiles"].write_alias, id=profile_id, document=doc, refresh="wait_for"
    )
    return to_out(doc), stored is None


async def get_profile(
    svc: Services, *, principal: Principal, profile_id: str, posting_id: str | None = None
) -> ProfileOut:
    """The seeker, offices of the region and admins read the whole profile; an enterprise
    reads a candidate through one of its postings (``posting_id``)."""
    if principal.role is Role.ENTERPRISE:
        return await _candidate(svc, principal, profile_id, posting_id)
    stored = await load(svc, profile_id)
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
    posting = await indexing.load_source(svc, "postings", posting_id)
    if posting is None or posting.get("enterprise_id") != principal.subject:
        raise NotFound(f"No posting {posting_id}")
    stored = await load(svc, profile_id)
    released = stored is not None and await consents.is_released(
        svc, enterprise_id=principal.subject, posting_id=posting_id, profile_id=profile_id
    )
    if stored is None or not (released or is_matchable(stored)):
        raise NotFound(f"No profile {profile_id}")
    await charge(svc, principal, CANDIDATE_VIEWS, allowed=svc.settings.candidate_views_per_day)
    if released:
        await audit.record(
            svc,
            action="contact.released",
            principal=principal,
            profile_id=profile_id,
            posting_id=posting_id,
            enterprise_id=principal.subject,
        )
    return to_out(stored, View.CONSENTED if released else View.CANDIDATE)


async def delete_profile(svc: Services, *, principal: Principal, profile_id: str) -> None:
    """Remove the profile from every index at once; it can never match again."""
    stored = await load(svc, profile_id)
    if stored is None or not may_read_profile(principal, stored, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    await delete_document(svc.es, svc.specs["profiles"], profile_id)
    # Consent records go with it; the audit keeps only the ids (PIPL art. 47).
    await consents.forget_profile(svc, profile_id=profile_id)
    await audit.record(svc, action="profile.deleted", principal=principal, profile_id=profile_id)
