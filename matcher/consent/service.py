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
from typing import Any, Literal

from elasticsearch import ConflictError

from matcher.auth.models import Principal, Role
from matcher.consent.models import (
    ConsentIn,
    ContactRequestIn,
    ContactRequestList,
    ContactRequestOut,
    Method,
    RequestStatus,
)
from matcher.foundation.problems import Conflict, Forbidden, NotFound
from matcher.policy.access import in_scope, may_read_profile
from matcher.postings import service as postings
from matcher.privacy import audit
from matcher.privacy.limits import CONTACT_REQUESTS, charge
from matcher.profiles import service as profiles
from matcher.records.prepare import utc_now
from matcher.services import Services
from matcher.store import consents as store

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


async def _write(
    svc: Services, doc: dict[str, Any], *, seq: tuple[int, int] | None, create: bool = False
) -> None:
    index = svc.specs["contact_requests"].write_alias
    try:
        if create:
            await svc.es.create(index=index, id=doc["id"], document=doc, refresh="wait_for")
        else:
            await svc.es.index(
                index=index,
                id=doc["id"],
                document=doc,
                refresh="wait_for",
                if_seq_no=seq[0] if seq else None,
                if_primary_term=seq[1] if seq else None,
            )
    except ConflictError:
        raise Conflict("The request changed meanwhile; read it again and retry") from None


async def _audited(
    svc: Services,
    *,
    undo: dict[str, Any] | None,
    rid: str,
    action: audit.Action,
    principal: Principal,
    profile_id: str,
    posting_id: str,
    enterprise_id: str,
) -> None:
    """Audit a state change just written; if the event cannot be written, put the previous
    state back (``undo``; None: the request was new, remove it) and fail. So the log holds
    every change and no change that a lost race or an outage undid."""
    try:
        await audit.record(
            svc,
            action=action,
            principal=principal,
            profile_id=profile_id,
            posting_id=posting_id,
            enterprise_id=enterprise_id,
            request_id=rid,
        )
    except Exception:
        index = svc.specs["contact_requests"].write_alias
        if undo is None:
            await svc.es.delete(index=index, id=rid, refresh="wait_for")
        else:
            await svc.es.index(index=index, id=rid, document=undo, refresh="wait_for")
        raise


async def _own_posting(svc: Services, principal: Principal, posting_id: str) -> dict[str, Any]:
    posting = await postings.load(svc, posting_id)
    if posting is None or posting.get("enterprise_id") != principal.subject:
        raise NotFound(f"No posting {posting_id}")
    return posting


async def create_request(
    svc: Services, *, principal: Principal, posting_id: str, body: ContactRequestIn
) -> tuple[ContactRequestOut, bool]:
    """An enterprise asks to contact a candidate about its posting; (request, created)."""
    posting = await _own_posting(svc, principal, posting_id)
    if posting.get("status") != "active":
        raise Conflict(f"Posting {posting_id} is not active; only open postings may ask")
    profile = await profiles.load(svc, body.profile_id)
    if profile is None or profile.get("status") != "active":
        raise NotFound(f"No profile {body.profile_id}")
    rid = store.request_id(posting_id, body.profile_id)
    existing = await store.load(svc, rid)
    if existing is not None:
        source = existing[0]
        if source["status"] in (RequestStatus.DECLINED, RequestStatus.WITHDRAWN):
            raise Conflict(
                f"The seeker has {source['status']} contact for this posting; "
                "only the seeker can change that"
            )
        return to_out(source, principal), False
    await charge(svc, principal, CONTACT_REQUESTS, allowed=svc.settings.contact_requests_per_day)
    now = utc_now()
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
        await _write(svc, doc, seq=None, create=True)
    except Conflict:
        # Two identical requests raced: the other one created it.
        found = await store.load(svc, rid)
        if found is None:
            raise
        return to_out(found[0], principal), False
    await _audited(
        svc,
        undo=None,
        rid=rid,
        action="contact_request.created",
        principal=principal,
        profile_id=body.profile_id,
        posting_id=posting_id,
        enterprise_id=principal.subject,
    )
    return to_out(doc, principal), True


async def _profile_for(svc: Services, principal: Principal, profile_id: str) -> dict[str, Any]:
    """The profile if the principal acts for its seeker: the seeker, its office, an admin."""
    profile = await profiles.load(svc, profile_id)
    if profile is None or not may_read_profile(principal, profile, svc.taxonomy.regions):
        raise NotFound(f"No profile {profile_id}")
    return profile


async def decide(
    svc: Services, *, principal: Principal, rid: str, decision: Decision
) -> ContactRequestOut:
    """The seeker (or an office of the seeker's region, recording it) grants, declines or
    withdraws. Repeating the current state is a no-op."""
    found = await store.load(svc, rid)
    if found is None:
        raise NotFound(f"No contact request {rid}")
    source, seq_no, term = found
    await _profile_for(svc, principal, source["profile_id"])
    starts, target, action = _TRANSITIONS[decision]
    current = RequestStatus(source["status"])
    if current is target:
        return to_out(source, principal)
    if current not in starts:
        raise Conflict(f"A {current.value} request cannot be {target.value}")
    now = utc_now()
    previous = dict(source)
    source.update(
        status=target.value,
        decided_at=now,
        decided_by=_actor(principal),
        updated_at=now,
        indexed_at=now,
        method=Method.ONLINE.value if principal.role is Role.SEEKER else source["method"],
    )
    await _write(svc, source, seq=(seq_no, term))
    await _audited(
        svc,
        undo=previous,
        rid=rid,
        action=action,
        principal=principal,
        profile_id=source["profile_id"],
        posting_id=source["posting_id"],
        enterprise_id=source["enterprise_id"],
    )
    return to_out(source, principal)


async def record_in_person(
    svc: Services, *, principal: Principal, profile_id: str, body: ConsentIn
) -> tuple[ContactRequestOut, bool]:
    """An office records consent the seeker gave at its desk (who recorded it, when)."""
    if principal.role not in (Role.OFFICE, Role.ADMIN):
        raise Forbidden("Only an office records consent given in person")
    await _profile_for(svc, principal, profile_id)
    posting = await postings.load(svc, body.posting_id)
    if posting is None or not posting.get("enterprise_id"):
        raise NotFound(f"No posting {body.posting_id}")
    rid = store.request_id(body.posting_id, profile_id)
    found = await store.load(svc, rid)
    now = utc_now()
    if found is None:
        source: dict[str, Any] = {
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
        seq = None
    else:
        source, seq = found[0], (found[1], found[2])
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
    await _write(svc, source, seq=seq, create=seq is None)
    await _audited(
        svc,
        undo=previous,
        rid=rid,
        action="consent.recorded",
        principal=principal,
        profile_id=profile_id,
        posting_id=body.posting_id,
        enterprise_id=source["enterprise_id"],
    )
    return to_out(source, principal), found is None


async def _list(
    svc: Services,
    principal: Principal,
    filters: list[dict[str, Any]],
    *,
    status: RequestStatus | None,
    limit: int,
    offset: int,
) -> ContactRequestList:
    if status is not None:
        filters = [*filters, {"term": {"status": status.value}}]
    resp = await svc.es.search(
        index=svc.specs["contact_requests"].read_alias,
        query={"bool": {"filter": filters}},
        sort=[{"updated_at": "desc"}, {"id": "asc"}],
        from_=offset,
        size=limit,
        track_total_hits=True,
    )
    return ContactRequestList(
        requests=[to_out(h["_source"], principal) for h in resp["hits"]["hits"]],
        total=int(resp["hits"]["total"]["value"]),
    )


async def list_for_profile(
    svc: Services,
    *,
    principal: Principal,
    profile_id: str,
    status: RequestStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ContactRequestList:
    """The requests a seeker received: enterprise, posting, purpose and state."""
    await _profile_for(svc, principal, profile_id)
    return await _list(
        svc,
        principal,
        [{"term": {"profile_id": profile_id}}],
        status=status,
        limit=limit,
        offset=offset,
    )


async def list_for_posting(
    svc: Services,
    *,
    principal: Principal,
    posting_id: str,
    status: RequestStatus | None = None,
    limit: int = 50,
    offset: int = 0,
) -> ContactRequestList:
    """The requests an enterprise made for its posting (offices of the posting's region and
    admins see them too)."""
    posting = await postings.load(svc, posting_id)
    allowed = posting is not None and (
        posting.get("enterprise_id") == principal.subject
        if principal.role is Role.ENTERPRISE
        else in_scope(principal, posting.get("region_code"), svc.taxonomy.regions)
    )
    if posting is None or not allowed:
        raise NotFound(f"No posting {posting_id}")
    return await _list(
        svc,
        principal,
        [
            {"term": {"posting_id": posting_id}},
            {"term": {"enterprise_id": posting.get("enterprise_id", "")}},
        ],
        status=status,
        limit=limit,
        offset=offset,
    )
