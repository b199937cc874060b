"""Contact requests and consent decisions (keyword-only service functions).

One request per (posting, profile): its id is derived from the pair, so asking twice returns
the same request and an enterprise cannot pester a seeker who declined by asking again.
A grant releases the seeker's contact details to the posting's enterprise, for that posting
only (``is_released``); a withdrawal hides them again at once. State changes use ES optimistic
concurrency, so two answers racing never both apply. Every change is audited right after it is
written, and undone if its event cannot be written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from indexes.documents import ContactRequestDoc, PostingDoc, ProfileDoc
from matcher.consent.models import (
    ConsentIn,
    ContactRequestIn,
    ContactRequestList,
    ContactRequestOut,
    Method,
    RequestStatus,
)
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Conflict, Forbidden, NotFound
from matcher.policy.access import (
    may_list_posting_requests,
    may_read_profile,
    may_record_consent,
)
from matcher.privacy import audit
from matcher.privacy.limits import CONTACT_REQUESTS, charge
from matcher.services import Services
from matcher.store.base import Version
from matcher.store.consents import request_id
from matcher.store.queries import Query, is_active_profile, is_public_posting

Decision = Literal["grant", "decline", "withdraw"]
# decision → (states it may start from, state it leads to, audit action)
_TRANSITIONS: dict[Decision, tuple[set[RequestStatus], RequestStatus, audit.Action]] = {
    "grant": (
        {RequestStatus.PENDING, RequestStatus.DECLINED, RequestStatus.WITHDRAWN},
        RequestStatus.GRANTED,
        "consent.granted",
    ),
    "decline": ({RequestStatus.PENDING}, RequestStatus.DECLINED, "consent.declined"),
    "withdraw": ({RequestStatus.GRANTED}, RequestStatus.WITHDRAWN, "consent.withdrawn"),
}
MAX_LIST = 100


def _actor(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.subject}"


def to_out(source: Mapping[str, Any], principal: Principal) -> ContactRequestOut:
    out = ContactRequestOut.model_validate(
        {k: v for k, v in source.items() if k in ContactRequestOut.model_fields}
    )
    if principal.role is Role.ENTERPRISE:
        # Who answered and the desk's note concern the seeker, not the enterprise.
        out = out.model_copy(update={"decided_by": None, "recorded_by": None, "note": None})
    return out


async def _write(svc: Services, doc: Mapping[str, Any], *, version: Version | None) -> None:
    """Write the request over ``version`` (None: only if it is new); 409 if it changed."""
    if not await svc.store.consents.replace(doc["id"], cast(ContactRequestDoc, doc), version):
        raise Conflict("The request changed meanwhile; read it again and retry")


@dataclass(frozen=True)
class Change:
    """A state change just written: the state to put back if it cannot be audited (None:
    the request was new, remove it), and the event that records it."""

    undo: Mapping[str, Any] | None
    event: audit.Event


async def _audited(svc: Services, change: Change, *, principal: Principal) -> None:
    """Audit a state change just written; if the event cannot be written, put the previous
    state back and fail. So the log holds every change and no change that a lost race or an
    outage undid."""
    try:
        await audit.record(svc, change.event, principal=principal)
    except Exception:
        repo, rid = svc.store.consents, str(change.event.request_id)
        if change.undo is None:
            await repo.delete(rid)
        else:
            await repo.put(rid, cast(ContactRequestDoc, change.undo))
        raise


def _event(action: audit.Action, source: Mapping[str, Any]) -> audit.Event:
    return audit.Event(
        action,
        profile_id=source["profile_id"],
        posting_id=source["posting_id"],
        enterprise_id=source["enterprise_id"],
        request_id=source["id"],
    )


async def _own_posting(svc: Services, principal: Principal, posting_id: str) -> PostingDoc:
    posting = await svc.store.postings.get(posting_id)
    if posting is None or posting.get("enterprise_id") != principal.subject:
        raise NotFound(f"No posting {posting_id}")
    return posting


async def create_request(
    svc: Services, *, principal: Principal, posting_id: str, body: ContactRequestIn
) -> tuple[ContactRequestOut, bool]:
    """An enterprise asks to contact a candidate about its posting; (request, created)."""
    posting = await _own_posting(svc, principal, posting_id)
    if not is_public_posting(posting):
        raise Conflict(f"Posting {posting_id} is not active; only open postings may ask")
    profile = await svc.store.profiles.get(body.profile_id)
    if profile is None or not is_active_profile(profile):
        raise NotFound(f"No profile {body.profile_id}")
    rid = request_id(posting_id, body.profile_id)
    existing = await svc.store.consents.get(rid)
    if existing is not None:
        if existing["status"] in (RequestStatus.DECLINED, RequestStatus.WITHDRAWN):
            raise Conflict(
                f"The seeker has {existing['status']} contact for this posting; "
                "only the seeker can change that"
            )
        return to_out(existing, principal), False
    await charge(svc, principal, CONTACT_REQUESTS, allowed=svc.settings.contact_requests_per_day)
    now = svc.clock.timestamp()
    doc = {
        "id": rid,
        "posting_id": posting_id,
        "profile_id": body.profile_id,
        "enterprise_id": principal.subject,
        "enterprise_name": posting.get("enterprise_name", ""),
        "posting_title": posting.get("title", ""),
        "purpose": body.purpose,
        "status": RequestStatus.PENDING.value,
        "method": Method.ONLINE.value,
        "requested_by": _actor(principal),
        "decided_by": None,
        "recorded_by": None,
        "note": None,
        "created_at": now,
        "updated_at": now,
        "decided_at": None,
        "indexed_at": now,
    }
    try:
        await _write(svc, doc, version=None)
    except Conflict:
        # Two identical requests raced: the other one created it.
        found = await svc.store.consents.get(rid)
        if found is None:
            raise
        return to_out(found, principal), False
    await _audited(svc, Change(None, _event("contact_request.created", doc)), principal=principal)
    return to_out(doc, principal), True


async def _profile_for(svc: Services, principal: Principal, profile_id: str) -> ProfileDoc:
    """The profile if the principal acts for its seeker: the seeker, its office, an admin."""
    profile = await svc.store.profiles.get(profile_id)
    if profile is None or not may_read_profile(principal, profile, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    return profile


async def decide(
    svc: Services, *, principal: Principal, rid: str, decision: Decision
) -> ContactRequestOut:
    """The seeker (or an office of the seeker's region, recording it) grants, declines or
    withdraws. Repeating the current state is a no-op."""
    found = await svc.store.consents.get_versioned(rid)
    if found is None:
        raise NotFound(f"No contact request {rid}")
    source: dict[str, Any] = dict(found.doc)
    await _profile_for(svc, principal, source["profile_id"])
    starts, target, action = _TRANSITIONS[decision]
    current = RequestStatus(source["status"])
    if current is target:
        return to_out(source, principal)
    if current not in starts:
        raise Conflict(f"A {current.value} request cannot be {target.value}")
    now = svc.clock.timestamp()
    previous = dict(source)
    source.update(
        status=target.value,
        decided_at=now,
        decided_by=_actor(principal),
        updated_at=now,
        indexed_at=now,
        method=Method.ONLINE.value if principal.role is Role.SEEKER else source["method"],
    )
    await _write(svc, source, version=found.version)
    await _audited(svc, Change(previous, _event(action, source)), principal=principal)
    return to_out(source, principal)


async def record_in_person(
    svc: Services, *, principal: Principal, profile_id: str, body: ConsentIn
) -> tuple[ContactRequestOut, bool]:
    """An office records consent the seeker gave at its desk (who recorded it, when)."""
    if not may_record_consent(principal):
        raise Forbidden("Only an office records consent given in person")
    await _profile_for(svc, principal, profile_id)
    posting = await svc.store.postings.get(body.posting_id)
    if posting is None or not posting.get("enterprise_id"):
        raise NotFound(f"No posting {body.posting_id}")
    rid = request_id(body.posting_id, profile_id)
    found = await svc.store.consents.get_versioned(rid)
    now = svc.clock.timestamp()
    source: dict[str, Any]
    if found is None:
        source = {
            "id": rid,
            "posting_id": body.posting_id,
            "profile_id": profile_id,
            "enterprise_id": posting["enterprise_id"],
            "enterprise_name": posting.get("enterprise_name", ""),
            "posting_title": posting.get("title", ""),
            "purpose": "",
            "requested_by": _actor(principal),
            "created_at": now,
        }
    else:
        source = dict(found.doc)
    previous = dict(source) if found is not None else None
    source.update(
        status=RequestStatus.GRANTED.value,
        method=Method.IN_PERSON.value,
        decided_by=_actor(principal),
        recorded_by=_actor(principal),
        note=body.note,
        decided_at=now,
        updated_at=now,
        indexed_at=now,
    )
    await _write(svc, source, version=found.version if found else None)
    await _audited(svc, Change(previous, _event("consent.recorded", source)), principal=principal)
    return to_out(source, principal), found is None


async def _list(
    svc: Services,
    principal: Principal,
    filters: list[Query],
    *,
    status: RequestStatus | None,
    page: Page,
) -> ContactRequestList:
    if status is not None:
        filters = [*filters, {"term": {"status": status.value}}]
    docs, total = await svc.store.consents.page(
        filters=filters, offset=page.offset, limit=page.limit
    )
    return ContactRequestList(requests=[to_out(d, principal) for d in docs], total=total)


async def list_for_profile(
    svc: Services,
    *,
    principal: Principal,
    profile_id: str,
    status: RequestStatus | None = None,
    page: Page | None = None,
) -> ContactRequestList:
    """The requests a seeker received: enterprise, posting, purpose and state."""
    await _profile_for(svc, principal, profile_id)
    return await _list(
        svc,
        principal,
        [{"term": {"profile_id": profile_id}}],
        status=status,
        page=page or Page(),
    )


async def list_for_posting(
    svc: Services,
    *,
    principal: Principal,
    posting_id: str,
    status: RequestStatus | None = None,
    page: Page | None = None,
) -> ContactRequestList:
    """The requests an enterprise made for its posting (offices of the posting's region and
    admins see them too)."""
    posting = await svc.store.postings.get(posting_id)
    if posting is None or not may_list_posting_requests(principal, posting, svc.taxonomy.regions):
        raise NotFound(f"No posting {posting_id}")
    return await _list(
        svc,
        principal,
        [
            {"term": {"posting_id": posting_id}},
            {"term": {"enterprise_id": posting.get("enterprise_id", "")}},
        ],
        status=status,
        page=page or Page(),
    )


async def statuses(
    svc: Services, *, posting_id: str, enterprise_id: str, profile_ids: list[str]
) -> dict[str, str]:
    """profile id → the state of the enterprise's contact request for this posting."""
    return await svc.store.consents.statuses(
        posting_id=posting_id, enterprise_id=enterprise_id, profile_ids=profile_ids
    )
