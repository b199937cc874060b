"""Posting writes, reads and deletes (keyword-only service functions, shared by API and jobs)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from indexes.documents import PostingDoc, RegisteredProjectDoc
from matcher.foundation.neardup import band_keys
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Forbidden, NotFound, ValidationFailed
from matcher.foundation.text import segment
from matcher.incentives.service import current_policies
from matcher.policy.access import (
    in_scope,
    managed_postings,
    may_read_posting,
    may_write_posting,
)
from matcher.policy.incentive_models import Policy
from matcher.policy.incentives import indexed_policy_ids, posting_flags
from matcher.postings.models import PostingIn, PostingList, PostingOut
from matcher.records.kinds import CodeRefs, Derived, FieldErrors, RecordKind
from matcher.records.occupation import Occupation
from matcher.records.prepare import WriteContext, group_prefixes
from matcher.records.writes import confirm_occupation, write_record
from matcher.services import Services
from matcher.store import Store
from matcher.store.base import Fetch
from matcher.store.queries import is_open_posting, open_posting, places_status
from matcher.store.records import PostingRepository
from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.certificates import certificate_key
from matcher.taxonomy.inference import RecordText
from matcher.taxonomy.regions import RegionCatalog


def _codes(body: PostingIn) -> CodeRefs:
    refs: CodeRefs = [("region_code", body.region_code, "region")]
    if body.occupation_code:
        refs.append(("occupation_code", body.occupation_code, "occupation"))
    return refs


def monthly_wage(low: int | None, high: int | None) -> int | None:
    """What a posting offers per month for wage guidance: the midpoint of its range (rounded
    half up to the yuan), or the one end it states; None when it states no pay."""
    if low is not None and high is not None:
        return (low + high + 1) // 2
    return low if low is not None else high


def embedding_text(body: PostingIn, occupation_name: str | None) -> str:
    parts = [body.title, occupation_name or "", body.description]
    return "。".join(p for p in parts if p)


def duplicate_text(posting: Mapping[str, Any]) -> str:
    """What two postings must share to be near-identical: their title and description."""
    return f"{posting.get('title') or ''}\n{posting.get('description') or ''}"


def keep_headcount(doc: dict[str, Any], stored: Mapping[str, Any] | None) -> None:
    """Places already filled (by hired referrals) survive a rewrite of the posting; an active
    posting with no place left is ``filled``."""
    previous = stored or {}
    doc["filled"] = int(previous.get("filled", 0))
    doc["hired_referral_ids"] = list(previous.get("hired_referral_ids", []))
    doc["open_headcount"] = max(int(doc["headcount"]) - doc["filled"], 0)
    doc["status"] = places_status(doc.get("status"), doc["open_headcount"])


def _derive(
    body: PostingIn,
    occupation: Occupation,
    stored: PostingDoc | None,
    taxonomy: Taxonomy,
    context: WriteContext,
) -> Derived:
    doc = body.model_dump(mode="json", exclude_none=True)
    doc["owner_id"] = body.enterprise_id
    doc.pop("occupation_code", None)
    if occupation.codes:
        doc["occupation_code"] = occupation.codes[0]
    code = doc.get("occupation_code")
    name = taxonomy.occupation_name(code) if code else None
    doc["occupation_groups"] = group_prefixes([code] if code else [])
    doc["city_code"] = taxonomy.regions.city_of(body.region_code)
    doc["search_text"] = segment(body.title, body.description, name or "")
    doc["title_tokens"] = segment(body.title)
    keep_headcount(doc, stored)
    doc["dup_bands"] = band_keys(duplicate_text(doc))
    if (stored or {}).get("duplicate_of"):  # the duplicates job re-checks it after the write
        doc["duplicate_of"] = (stored or {}).get("duplicate_of")
    wage = monthly_wage(body.wage_min, body.wage_max)
    if wage is not None:
        doc["wage_monthly"] = wage
    doc["access_controlled"] = code is not None and (
        taxonomy.occupations.access_rule(code) is not None
    )
    for cert in doc.get("required_certificates", []):
        cert["key"] = certificate_key(cert["name"])
    link_project(doc, body, stored, context)
    doc["incentive_policy_ids"] = indexed_policy_ids(context.policies, doc, taxonomy.regions)
    return Derived(doc, embedding_text(body, name))


def link_project(
    doc: dict[str, Any], body: PostingIn, stored: PostingDoc | None, context: WriteContext
) -> None:
    """The posting's key project: the registered one it is linked to, shown with the
    registry's name and remoteness; otherwise the writer's claim, with no link.

    The rule is checked here, on the version being written (so it holds on every retry of a
    conditional write): a link the body names that differs from the stored one is made only
    by an office or admin (``context.may_link``) and only to a project the caller checked
    (``context.projects``); anyone else gets 403, and a file import's named link is ignored.
    A rewrite that names no project, or the stored one, keeps the link — unless someone other
    than an office or admin moves the posting to another region, which takes it off."""
    doc.pop("key_project_id", None)
    if context.unlink_project:
        return
    kept = (stored or {}).get("key_project_id")
    named = body.key_project_id
    if named and named != kept:
        if context.may_link is False:
            raise Forbidden(
                "Only an office or admin links a posting to a registered key project; name "
                "the project in key_project and ask the employment office to link it"
            )
        chosen = context.projects.get(named) if context.may_link else None
        if chosen is not None:
            doc["key_project_id"] = named
            doc["key_project"] = {"name": chosen["name"], "remote": bool(chosen.get("remote"))}
            return
    if not kept or stored is None:
        return
    if not context.may_link and stored.get("region_code") != body.region_code:
        return  # moved by the enterprise: an office links it again if it still belongs
    doc["key_project_id"] = kept
    doc["key_project"] = stored.get("key_project")


def _with_owner(body: PostingIn, principal: Principal, stored: PostingDoc | None) -> PostingIn:
    """Enterprises post as themselves; offices and admins must say for whom."""
    if principal.role is Role.ENTERPRISE:
        return body.model_copy(update={"enterprise_id": body.enterprise_id or principal.subject})
    return body


def _owner_errors(body: PostingIn, principal: Principal) -> FieldErrors:
    if body.enterprise_id is None:
        return [{"field": "enterprise_id", "message": "required when an office or admin posts"}]
    return []


def _may_write(
    principal: Principal, stored: PostingDoc | None, body: PostingIn, taxonomy: Taxonomy
) -> str | None:
    return may_write_posting(
        principal,
        stored=stored,
        enterprise_id=body.enterprise_id,
        region_code=body.region_code,
        regions=taxonomy.regions,
    )


def _repository(store: Store) -> PostingRepository:
    return store.postings


POSTINGS: RecordKind[PostingIn, PostingDoc] = RecordKind(
    name="postings",
    label="posting",
    model=PostingIn,
    text_fields=("title", "description"),
    self_description=False,
    certificates_field="required_certificates",
    repository=_repository,
    codes=_codes,
    given_occupations=lambda body: [body.occupation_code] if body.occupation_code else [],
    with_occupations=lambda body, codes: body.model_copy(
        update={"occupation_code": codes[0] if codes else None}
    ),
    record_text=lambda body: RecordText(
        body.title, body.description, (), tuple(c.name for c in body.required_certificates)
    ),
    derive=_derive,
    with_owner=_with_owner,
    may_write=_may_write,
    is_matchable=is_open_posting,
    owner_errors=_owner_errors,
)


def to_out(
    source: PostingDoc, *, policies: Sequence[Policy], regions: RegionCatalog, day: date
) -> PostingOut:
    """The API view, with the incentives in force evaluated now (never stale flags)."""
    fields = POSTINGS.api_fields(source, PostingOut)
    fields.pop("incentives", None)
    flags = posting_flags(policies, source, day=day, regions=regions)
    status = (
        "registered"
        if source.get("key_project_id")
        else "claimed"
        if source.get("key_project")
        else None
    )
    return PostingOut.model_validate(
        {
            **fields,
            "matchable": is_open_posting(source, day),
            "incentives": flags,
            "key_project_status": status,
        }
    )


async def registered_project(svc: Services, project_id: str) -> RegisteredProjectDoc | None:
    """The registered project, if it is active and valid today (else None)."""
    project = await svc.store.projects.get(project_id)
    today = svc.clock.today().isoformat()
    if (
        project is None
        or project.get("status") != "active"
        or str(project.get("valid_from") or today) > today
        or str(project.get("valid_until") or today) < today
    ):
        return None
    return project


async def _project_context(
    svc: Services, principal: Principal, posting_id: str, body: PostingIn
) -> WriteContext:
    """The write's context for the key-project link (``link_project`` applies the rule):
    who writes, and the registered project the body names — unknown, retired, not yet or no
    longer valid ones are refused (422) when newly named; the one already linked is kept
    as it is."""
    policies = await current_policies(svc)
    may_link = principal.role in (Role.OFFICE, Role.ADMIN)
    stored = await svc.store.postings.get(posting_id)
    kept = (stored or {}).get("key_project_id")
    named = body.key_project_id
    projects: dict[str, RegisteredProjectDoc] = {}
    if named and named != kept:
        project = await registered_project(svc, named) if may_link else None
        if may_link and project is None:
            raise ValidationFailed(
                "Unknown key project",
                [
                    {
                        "field": "key_project_id",
                        "message": f"no active registered key project {named} "
                        "(GET /v1/key-projects)",
                    }
                ],
            )
        if project is not None:
            projects[named] = project
    return WriteContext(policies, projects=projects, may_link=may_link)


async def put_posting(
    svc: Services, *, principal: Principal, posting_id: str, body: PostingIn
) -> tuple[PostingOut, bool]:
    """Create or replace a posting; returns it and whether it was created. Durable on return.

    Conditional on the version read (``matcher.records.writes``): a referral hired meanwhile
    changes ``filled``, and the rewrite is then redone on top of it instead of undoing it."""
    context = await _project_context(svc, principal, posting_id, body)
    policies = context.policies
    doc, created = await write_record(
        svc, POSTINGS, principal=principal, record_id=posting_id, body=body, context=context
    )
    return (
        to_out(doc, policies=policies, regions=svc.taxonomy.regions, day=svc.clock.today()),
        created,
    )


async def get_posting(svc: Services, *, principal: Principal, posting_id: str) -> PostingOut:
    stored = await svc.store.postings.get(posting_id)
    if stored is None or not may_read_posting(principal, stored, svc.taxonomy.regions):
        raise NotFound(f"No posting {posting_id}")
    out = to_out(
        stored,
        policies=await current_policies(svc),
        regions=svc.taxonomy.regions,
        day=svc.clock.today(),
    )
    if out.compliance_note and not _manages(principal, stored, svc.taxonomy.regions):
        # What was cut quotes the requirement itself: for its enterprise and the offices,
        # not for seekers or other enterprises.
        out = out.model_copy(update={"compliance_note": None})
    return out


def _manages(principal: Principal, stored: PostingDoc, regions: RegionCatalog) -> bool:
    if principal.role is Role.ENTERPRISE:
        return stored.get("enterprise_id") == principal.subject
    return principal.role in (Role.OFFICE, Role.ADMIN) and in_scope(
        principal, stored.get("region_code"), regions
    )


async def list_postings(
    svc: Services,
    *,
    principal: Principal,
    statuses: Sequence[str],
    enterprise_id: str | None,
    page: Page,
) -> PostingList:
    """The postings the principal manages (an enterprise its own, an office those of its
    region), newest change first, in any status or those of ``statuses``; an office may
    narrow to one ``enterprise_id``."""
    filters = managed_postings(principal)
    if enterprise_id:
        filters = [*filters, {"term": {"enterprise_id": enterprise_id}}]
    by_status = {"by_status": {"terms": {"field": "status", "size": 10}}}
    chosen = [{"terms": {"status": list(statuses)}}] if statuses else []
    hits, total, aggs = await svc.store.postings.listing(
        Fetch(size=page.limit, offset=page.offset, sort=[{"updated_at": "desc"}, {"id": "asc"}]),
        filters=[*filters, *chosen],
        aggs=by_status,
    )
    counts = {}
    if chosen:  # the counts cover every status, not only those chosen
        _, all_aggs = await svc.store.postings.aggregate({"bool": {"filter": filters}}, by_status)
        aggs = all_aggs
    for bucket in aggs.get("by_status", {}).get("buckets", []):
        counts[str(bucket["key"])] = int(bucket["doc_count"])
    policies = await current_policies(svc)
    day = svc.clock.today()
    regions = svc.taxonomy.regions
    return PostingList(
        postings=[to_out(h.doc, policies=policies, regions=regions, day=day) for h in hits],
        total=total,
        by_status=counts,
    )


async def needing_attention(
    svc: Services, *, principal: Principal, within_days: int = 7, limit: int = 50
) -> list[PostingOut]:
    """Active postings the principal manages that end within ``within_days`` days or have one
    place left, the soonest end first: an office calls their enterprises before they lapse
    or fill."""
    today = svc.clock.today()
    soon = {
        "bool": {
            "should": [
                {
                    "range": {
                        "valid_until": {"lte": (today + timedelta(days=within_days)).isoformat()}
                    }
                },
                {"range": {"open_headcount": {"lte": 1}}},
            ],
            "minimum_should_match": 1,
        }
    }
    hits, _, _ = await svc.store.postings.listing(
        Fetch(
            size=limit, sort=[{"valid_until": {"order": "asc", "missing": "_last"}}, {"id": "asc"}]
        ),
        filters=[
            *managed_postings(principal),
            {"term": {"status": "active"}},
            # Open now: started, and not past its end (the nightly job may not have run yet).
            *open_posting(today),
            soon,
        ],
    )
    policies = await current_policies(svc)
    regions = svc.taxonomy.regions
    return [to_out(h.doc, policies=policies, regions=regions, day=today) for h in hits]


async def delete_posting(svc: Services, *, principal: Principal, posting_id: str) -> None:
    stored = await svc.store.postings.get(posting_id)
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
    await svc.store.postings.delete(posting_id)


async def link_key_project(
    svc: Services, *, principal: Principal, posting_id: str, project_id: str | None
) -> PostingOut:
    """An office of the posting's region or an admin links it to a registered key project
    (or, with None, takes the link off); the posting is rewritten and re-flagged at once."""
    if principal.role not in (Role.OFFICE, Role.ADMIN):
        raise Forbidden("Only an office or admin links a posting to a registered key project")
    stored = await svc.store.postings.get(posting_id)
    if stored is None or may_write_posting(
        principal,
        stored=stored,
        enterprise_id=stored.get("enterprise_id"),
        region_code=stored["region_code"],
        regions=svc.taxonomy.regions,
    ):
        raise NotFound(f"No posting {posting_id}")
    body = POSTINGS.body_of(stored).model_copy(update={"key_project_id": project_id})
    if stored.get("occupation_source") != "given":
        # An inferred (or confirmed) occupation stays so: the rewrite names no code.
        body = body.model_copy(update={"occupation_code": None})
    context = await _project_context(svc, principal, posting_id, body)
    if project_id is None:
        context = dataclasses.replace(context, unlink_project=True)
    policies = context.policies
    doc, _ = await write_record(
        svc, POSTINGS, principal=principal, record_id=posting_id, body=body, context=context
    )
    return to_out(doc, policies=policies, regions=svc.taxonomy.regions, day=svc.clock.today())


async def confirm_occupation_of(
    svc: Services, *, principal: Principal, posting_id: str, code: str
) -> PostingOut:
    """The enterprise or an office of the region says which occupation the posting is for."""
    policies = await current_policies(svc)
    doc = await confirm_occupation(
        svc,
        POSTINGS,
        principal=principal,
        record_id=posting_id,
        codes=[code],
        context=WriteContext(policies),
    )
    return to_out(doc, policies=policies, regions=svc.taxonomy.regions, day=svc.clock.today())
