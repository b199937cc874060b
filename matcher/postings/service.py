"""Posting writes, reads and deletes (keyword-only service functions, shared by API and jobs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from elasticsearch import ConflictError

from indexes import delete_document
from matcher.auth.models import Principal, Role
from matcher.foundation.problems import Conflict, Forbidden, NotFound, ValidationFailed
from matcher.foundation.text import segment
from matcher.incentives.service import current_policies
from matcher.policy.access import may_read_posting, may_write_posting
from matcher.policy.incentive_models import Policy
from matcher.policy.incentives import indexed_policy_ids, posting_flags
from matcher.postings.models import PostingIn, PostingOut, PostingStatus
from matcher.profiles.models import OccupationGuess
from matcher.records import prepare as indexing
from matcher.records.prepare import group_prefixes, normalise_titles
from matcher.services import Services
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.certificates import certificate_key
from matcher.taxonomy.regions import RegionCatalog

FieldErrors = list[dict[str, str]]
# Conditional writes retried on a version conflict before answering 409.


def catalog_errors(body: PostingIn, taxonomy: Taxonomy) -> FieldErrors:
    errors: FieldErrors = []
    message = taxonomy.region_error(body.region_code)
    if message:
        errors.append({"field": "region_code", "message": message})
    if body.occupation_code:
        message = taxonomy.occupation_error(body.occupation_code)
        if message:
            errors.append({"field": "occupation_code", "message": message})
    return errors


def monthly_wage(low: int | None, high: int | None) -> int | None:
    """What a posting offers per month for wage guidance: the midpoint of its range (rounded
    half up to the yuan), or the one end it states; None when it states no pay."""
    if low is not None and high is not None:
        return (low + high + 1) // 2
    return low if low is not None else high


def embedding_text(body: PostingIn, occupation_name: str | None) -> str:
    parts = [body.title, occupation_name or "", body.description]
    return "。".join(p for p in parts if p)


def is_matchable(source: Mapping[str, Any], today: date | None = None) -> bool:
    """Active, inside its validity dates, and with headcount still open."""
    day = (today or date.today()).isoformat()
    return (
        source.get("status") == PostingStatus.ACTIVE.value
        and (source.get("valid_from") or day) <= day
        and (source.get("valid_until") or day) >= day
        and int(source.get("filled") or 0) < int(source.get("headcount") or 1)
    )


async def prepare(
    svc: Services,
    items: Sequence[tuple[str, PostingIn, Mapping[str, Any] | None]],
) -> list[dict[str, Any]]:
    """ES documents for ``(id, body, stored)`` items: normalised, segmented, embedded."""
    taxonomy = svc.taxonomy
    policies = await current_policies(svc)
    guesses = iter(
        await normalise_titles(svc, [b.title for _, b, _ in items if not b.occupation_code])
    )
    docs, texts = [], []
    for record_id, body, stored in items:
        doc = body.model_dump(mode="json", exclude_none=True)
        doc["id"] = record_id
        doc["owner_id"] = body.enterprise_id
        if not body.occupation_code:
            guess = next(guesses)
            if guess is not None:
                doc["occupation_code"] = guess.code
                doc["occupation_normalized"] = OccupationGuess(
                    code=guess.code, name=guess.name, score=round(guess.score, 3)
                ).model_dump()
        code = doc.get("occupation_code")
        name = taxonomy.occupation_name(code) if code else None
        doc["occupation_groups"] = group_prefixes([code] if code else [])
        doc["city_code"] = taxonomy.regions.city_of(body.region_code)
        doc["search_text"] = segment(body.title, body.description, name or "")
        doc["title_tokens"] = segment(body.title)
        keep_headcount(doc, stored)
        wage = monthly_wage(body.wage_min, body.wage_max)
        if wage is not None:
            doc["wage_monthly"] = wage
        doc["access_controlled"] = code is not None and (
            taxonomy.occupations.access_rule(code) is not None
        )
        for cert in doc.get("required_certificates", []):
            cert["key"] = certificate_key(cert["name"])
        doc["incentive_policy_ids"] = indexed_policy_ids(policies, doc, taxonomy.regions)
        docs.append(doc)
        texts.append(embedding_text(body, name))
    return await indexing.finish_documents(svc, docs, texts, [s for _, _, s in items])


def keep_headcount(doc: dict[str, Any], stored: Mapping[str, Any] | None) -> None:
    """Places already filled (by hired referrals) survive a rewrite of the posting."""
    previous = stored or {}
    doc["filled"] = int(previous.get("filled", 0))
    doc["hired_referral_ids"] = list(previous.get("hired_referral_ids", []))
    doc["open_headcount"] = max(int(doc["headcount"]) - doc["filled"], 0)


def api_fields(source: Mapping[str, Any], model: type[PostingIn] = PostingIn) -> dict[str, Any]:
    """The stored document's fields as the API models them (derived fields dropped)."""
    return indexing.api_fields(source, model, "required_certificates")


def to_out(
    source: Mapping[str, Any], *, policies: Sequence[Policy], regions: RegionCatalog
) -> PostingOut:
    """The API view, with the incentives in force evaluated now (never stale flags)."""
    fields = api_fields(source, PostingOut)
    fields.pop("incentives", None)
    flags = posting_flags(policies, source, day=date.today(), regions=regions)
    return PostingOut.model_validate(
        {**fields, "matchable": is_matchable(source), "incentives": flags}
    )


async def load(
    svc: Services, record_id: str, *, with_vector: bool = False
) -> dict[str, Any] | None:
    return await indexing.load_source(svc, "postings", record_id, with_vector=with_vector)


def with_owner(body: PostingIn, principal: Principal) -> PostingIn:
    """Enterprises post as themselves; offices and admins must say for whom."""
    if principal.role is Role.ENTERPRISE:
        return body.model_copy(update={"enterprise_id": body.enterprise_id or principal.subject})
    if body.enterprise_id is None:
        raise ValidationFailed(
            "enterprise_id is required",
            [{"field": "enterprise_id", "message": "required when an office or admin posts"}],
        )
    return body


async def put_posting(
    svc: Services, *, principal: Principal, posting_id: str, body: PostingIn
) -> tuple[PostingOut, bool]:
    """Create or replace a posting; returns it and whether it was created. Durable on return.

    The write is conditional on the version read (``if_seq_no``): a referral hired meanwhile
    changes ``filled``, and the rewrite is then redone on top of it instead of undoing it."""
    versioned = await indexing.load_versioned(svc, "postings", posting_id)
    stored = versioned[0] if versioned else await load(svc, posting_id)
    reason = may_write_posting(
        principal,
        stored=stored,
        enterprise_id=body.enterprise_id,
        region_code=body.region_code,
        regions=svc.taxonomy.regions,
    )
    if reason:
        raise Forbidden(f"You may not write posting {posting_id}: {reason}")
    body = with_owner(body, principal)
    errors = catalog_errors(body, svc.taxonomy)
    if errors:
        raise ValidationFailed("Unknown codes in the posting", errors)
    (doc,) = await prepare(svc, [(posting_id, body, stored)])
    index = svc.specs["postings"].write_alias
    for _ in range(indexing.MAX_WRITE_TRIES):
        try:
            if versioned is None:
                # Absent from the write index (new, or not yet copied by a migration): create,
                # so a concurrent writer's document is never silently replaced.
                await svc.es.create(index=index, id=posting_id, document=doc, refresh="wait_for")
            else:
                _, seq_no, term = versioned
                await svc.es.index(
                    index=index,
                    id=posting_id,
                    document=doc,
                    if_seq_no=seq_no,
                    if_primary_term=term,
                    refresh="wait_for",
                )
            policies = await current_policies(svc)
            return to_out(doc, policies=policies, regions=svc.taxonomy.regions), stored is None
        except ConflictError:
            versioned = await indexing.load_versioned(svc, "postings", posting_id)
            if versioned is not None:
                keep_headcount(doc, versioned[0])
                doc["created_at"] = versioned[0].get("created_at", doc["created_at"])
    raise Conflict(f"Posting {posting_id} is being changed by someone else; try again")


async def get_posting(svc: Services, *, principal: Principal, posting_id: str) -> PostingOut:
    stored = await load(svc, posting_id)
    if stored is None or not may_read_posting(principal, stored, svc.taxonomy.regions):
        raise NotFound(f"No posting {posting_id}")
    return to_out(stored, policies=await current_policies(svc), regions=svc.taxonomy.regions)


async def delete_posting(svc: Services, *, principal: Principal, posting_id: str) -> None:
    stored = await load(svc, posting_id)
    if stored is None or not may_read_posting(principal, stored, svc.taxonomy.regions):
        raise NotFound(f"No posting {posting_id}")
    reason = may_write_posting(
        principal,
        stored=stored,
        enterprise_id=stored.get("enterprise_id"),
        region_code=stored["region_code"],
        regions=svc.taxonomy.regions,
    )
    if reason:
        raise Forbidden(f"You may not delete posting {posting_id}: {reason}")
    await delete_document(svc.es, svc.specs["postings"], posting_id)
