"""Recording referrals and advancing them (keyword-only service functions, shared by the API
and the desk page).

Errors (all problem+json through the one handler)::

    ReferralRefused      409 the hard rules, the posting or the profile forbid this introduction
    InvalidTransition    409 the referral cannot move from its status to the one asked for
    PostingFull          409 hiring would exceed the posting's headcount
    (NotFound 404, Forbidden 403, ValidationFailed 422 from matcher.foundation.problems)

A hire takes a place on the posting: ``filled`` + 1 and ``open_headcount`` - 1, written with
optimistic concurrency (``if_seq_no``/``if_primary_term``; the minimal node has no painless
scripts), and idempotent because the posting lists the referral ids that took its places. So
two desks hiring the last place at once cannot both succeed, and a retried hire counts once.

Writes refresh at once (``refresh=True``) rather than waiting for the next scheduled refresh:
they come at the pace of a person clicking, and ``wait_for`` measured about a second per step
at the desk (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from indexes.documents import PostingDoc, ProfileDoc, ReferralDoc
from matcher.foundation.paging import Page
from matcher.foundation.periods import parse_period
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    PostingFull,
    ReferralRefused,
    ValidationFailed,
)
from matcher.incentives.service import in_force_policies
from matcher.policy.access import (
    in_scope,
    may_read_profile,
    may_read_referral,
    may_see_referral,
    referral_scope,
)
from matcher.policy.incentive_models import Policy
from matcher.policy.incentives import applicable, grants
from matcher.policy.rules import check
from matcher.records.prepare import MAX_WRITE_TRIES
from matcher.referrals.models import (
    TRANSITIONS,
    HireUndo,
    ReferralAdvance,
    ReferralCreate,
    ReferralList,
    ReferralOut,
    ReferralStatus,
)
from matcher.services import Services
from matcher.store.base import Versioned
from matcher.store.queries import (
    Query,
    is_active_profile,
    is_open_posting,
    local_days,
    places_status,
    referral_filter,
)
from matcher.taxonomy.regions import RegionCatalog

Doc = Mapping[str, Any]
MAX_PAGE = 200
# A hire recorded by mistake (the wrong row, the wrong button) may be undone this long after.
UNDO_HIRE_WINDOW = timedelta(minutes=30)


def referral_id(posting_id: str, profile_id: str, attempt: int = 1) -> str:
    """The id of the ``attempt``-th introduction of a seeker to a posting: derived, so two
    desks proposing the same pair at once write the same record."""
    digest = hashlib.sha256(f"{posting_id}\n{profile_id}".encode()).hexdigest()
    return f"ref-{digest[:24]}" + (f"-{attempt}" if attempt > 1 else "")


def may_propose_again(referral: Doc) -> bool:
    """A seeker declined or absent may be introduced to the same posting again, as a new
    referral; one still in progress or hired is the referral."""
    return referral["status"] in (
        ReferralStatus.DECLINED.value,
        ReferralStatus.WITHDREW.value,
        ReferralStatus.NO_SHOW.value,
    )


def to_out(source: Doc, *, for_enterprise: bool = False) -> ReferralOut:
    """The API view. An enterprise reads the outcome of a referral to its posting: the
    steps and their dates, the seeker's trade, grade and league-city — not the office's
    staff or notes, the county or which incentives the seeker would receive."""
    status = ReferralStatus(source["status"])
    fields = {k: v for k, v in source.items() if k in ReferralOut.model_fields}
    if for_enterprise:
        fields |= {"staff": "", "note": "", "profile_region_code": None}
        fields["incentive_grant_ids"] = []
        fields["history"] = [
            {**step, "staff": "", "note": "", "by": ""} for step in fields.get("history", [])
        ]
    fields.setdefault("key_project_remote", False)
    if status is ReferralStatus.HIRED and source.get("hired_at"):
        fields["undo_hire_until"] = _instant(source["hired_at"]) + UNDO_HIRE_WINDOW
    return ReferralOut.model_validate(
        {**fields, "next_statuses": sorted(TRANSITIONS[status], key=list(ReferralStatus).index)}
    )


def _instant(stamp: str | datetime) -> datetime:
    if isinstance(stamp, datetime):
        return stamp
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def incentive_fields(
    policies: Sequence[Policy], posting: Doc, profile: Doc, *, day: date, regions: RegionCatalog
) -> dict[str, list[str]]:
    """What a referral keeps of the incentives at the time of the introduction: the policies
    in force that the posting carried, and those this seeker would receive for it."""
    carried = applicable(policies, posting, day=day, regions=regions)
    granted = grants(carried, posting, profile, day=day, regions=regions)
    return {
        "incentive_policy_ids": sorted(p.policy_id for p in carried),
        "incentive_grant_ids": sorted(g.policy_id for g in granted),
    }


def _moves_to(profile: ProfileDoc, region_code: str, regions: RegionCatalog) -> bool:
    """The seeker is willing to relocate, or names the posting's region among their
    preferred ones."""
    if profile.get("willing_to_relocate"):
        return True
    return any(
        regions.within(region_code, preferred)
        for preferred in profile.get("preferred_region_codes") or []
    )


def _office_of(principal: Principal, body: ReferralCreate) -> tuple[str, str | None]:
    if principal.role is Role.OFFICE:
        if body.office_id not in (None, principal.subject):
            raise Forbidden("An office records referrals only for itself")
        return principal.subject, principal.region_code
    if body.office_id is None:
        raise ValidationFailed(
            "office_id is required",
            [{"field": "office_id", "message": "required when an admin records a referral"}],
        )
    return body.office_id, None


async def create_referral(
    svc: Services, *, principal: Principal, body: ReferralCreate
) -> tuple[ReferralOut, bool]:
    """Record an introduction; returns it and whether it is new. Refused (409) when the hard
    rules fail (no one is introduced to an access-controlled job without the certificate),
    when the posting no longer matches anyone or when the seeker is not looking."""
    office_id, office_region = _office_of(principal, body)
    regions = svc.taxonomy.regions
    posting = await svc.store.postings.get(body.posting_id)
    profile = await svc.store.profiles.get(body.profile_id)
    if posting is None or (
        posting.get("status") != "active"
        and not in_scope(principal, posting["region_code"], regions)
    ):
        raise NotFound(f"No posting {body.posting_id}")
    # An office refers the seekers of its own region to any open posting (moving is the
    # point), and to a posting of its region a seeker from elsewhere who is willing to move
    # there. Any other profile is answered exactly as an id that does not exist — no 403, and
    # for a seeker from elsewhere no refusal that would tell what their profile lacks.
    own = profile is not None and in_scope(principal, profile.get("region_code"), regions)
    mover = (
        profile is not None
        and not own
        and in_scope(principal, posting["region_code"], regions)
        and _moves_to(profile, posting["region_code"], regions)
    )
    if profile is None or not (own or mover):
        raise NotFound(f"No profile {body.profile_id}")
    latest = await svc.store.referrals.latest_for_pair(body.posting_id, body.profile_id)
    if latest is not None and not may_propose_again(latest):
        return to_out(latest), False
    attempt = int(latest.get("attempt") or 1) + 1 if latest is not None else 1
    rid = referral_id(body.posting_id, body.profile_id, attempt)
    today = svc.clock.today()
    if not is_open_posting(posting, today):
        raise ReferralRefused("该岗位已关闭、已过有效期或已招满，不能再推荐")
    rules = check(posting, profile, today, svc.taxonomy.occupations)
    failed = [r for r in rules if not r.passed]
    if mover and (failed or not is_active_profile(profile)):
        raise NotFound(f"No profile {body.profile_id}")
    if not is_active_profile(profile):
        raise ReferralRefused("该求职者目前未在求职（档案已暂停或撤回），不能推荐")
    if failed:
        raise ReferralRefused(
            "不符合岗位的硬性条件，不能介绍：" + "；".join(r.detail for r in failed),
            failed_rules=[
                {"rule": r.rule, "detail": r.detail, "next_step": r.next_step} for r in failed
            ],
        )
    now = svc.clock.timestamp()
    project = posting.get("key_project") or {}
    doc = {
        "id": rid,
        "posting_id": body.posting_id,
        "profile_id": body.profile_id,
        "office_id": office_id,
        "office_region_code": office_region,
        "staff": body.staff,
        "note": body.note,
        "status": ReferralStatus.PROPOSED.value,
        "attempt": attempt,
        "previous_id": latest["id"] if latest is not None else None,
        "occupation_code": posting.get("occupation_code"),
        "occupation_groups": posting.get("occupation_groups", []),
        "required_level": posting.get("required_level"),
        "profile_level": profile.get("skill_level"),
        "posting_region_code": posting["region_code"],
        "posting_city_code": posting.get("city_code"),
        "profile_region_code": profile.get("region_code"),
        "profile_city_code": profile.get("city_code"),
        "enterprise_id": posting.get("enterprise_id"),
        "enterprise_name": posting.get("enterprise_name"),
        "posting_title": posting.get("title"),
        "profile_title": profile.get("title"),
        "key_project_name": project.get("name"),
        "key_project_remote": bool(project.get("remote")),
        **incentive_fields(
            await in_force_policies(svc, today), posting, profile, day=today, regions=regions
        ),
        "proposed_at": now,
        "updated_at": now,
        "indexed_at": now,
        "history": [
            {
                "status": ReferralStatus.PROPOSED.value,
                "at": now,
                "by": principal.subject,
                "staff": body.staff,
                "note": body.note,
            }
        ],
    }
    if not await svc.store.referrals.create(rid, cast(ReferralDoc, doc)):
        # Another desk proposed the same pair a moment ago: theirs is the referral.
        stored = await svc.store.referrals.get(rid)
        if stored is None:
            raise Conflict(f"Referral {rid} is being changed by someone else; try again")
        return to_out(stored), False
    return to_out(doc), True


async def get_referral(svc: Services, *, principal: Principal, referral_id: str) -> ReferralOut:
    found = await svc.store.referrals.get(referral_id)
    if found is None or not may_read_referral(principal, found, svc.taxonomy.regions):
        raise NotFound(f"No referral {referral_id}")
    return to_out(found, for_enterprise=principal.role is Role.ENTERPRISE)


async def _visible(svc: Services, principal: Principal, referral_id: str) -> Versioned[ReferralDoc]:
    """The referral with its version, if the principal may see it (else 404, as if unknown)."""
    versioned = await svc.store.referrals.get_versioned(referral_id)
    if versioned is None or not may_see_referral(principal, versioned.doc, svc.taxonomy.regions):
        raise NotFound(f"No referral {referral_id}")
    return versioned


def _step(status: str, at: str, principal: Principal, staff: str, note: str) -> dict[str, str]:
    """One entry of a referral's history: what, when, by which token and staff member."""
    return {"status": status, "at": at, "by": principal.subject, "staff": staff, "note": note}


def _check_interview(body: ReferralAdvance, now: datetime) -> None:
    """An interview is arranged with the step that contacts the worker, within a year."""
    if body.interview_at is None:
        return
    if body.status is not ReferralStatus.CONTACTED:
        raise ValidationFailed(
            "interview_at goes with contacted",
            [{"field": "interview_at", "message": "an interview is arranged when contacted"}],
        )
    if abs(body.interview_at - now) > timedelta(days=366):
        raise ValidationFailed(
            "interview_at", [{"field": "interview_at", "message": "within a year of today"}]
        )


async def advance_referral(
    svc: Services, *, principal: Principal, referral_id: str, body: ReferralAdvance
) -> ReferralOut:
    """Move a referral one step on, timestamped and attributed. ``hired`` takes a place on the
    posting first; if the referral changed meanwhile the place is given back and the step is
    re-checked against the referral's new status."""
    repo = svc.store.referrals
    _check_interview(body, svc.clock.now())
    for _ in range(MAX_WRITE_TRIES):
        versioned = await _visible(svc, principal, referral_id)
        source: Doc = versioned.doc
        current = ReferralStatus(source["status"])
        if body.status not in TRANSITIONS[current]:
            allowed = "、".join(s.zh_name for s in TRANSITIONS[current]) or "无（已结束）"
            raise InvalidTransition(
                f"推荐状态不能从“{current.zh_name}”改为“{body.status.zh_name}”；可改为：{allowed}",
                current=current.value,
                allowed=sorted(s.value for s in TRANSITIONS[current]),
            )
        if body.status is ReferralStatus.HIRED:
            await claim_place(svc, posting_id=source["posting_id"], referral_id=referral_id)
        now = svc.clock.timestamp()
        doc: dict[str, Any] = dict(source)
        doc["status"] = body.status.value
        doc[f"{body.status.value}_at"] = now
        if body.interview_at is not None:
            doc["interview_at"] = body.interview_at.astimezone(UTC).isoformat()
        if body.status.is_closed:
            doc["closed_at"] = now
        doc["updated_at"] = doc["indexed_at"] = now
        doc["history"] = [
            *source.get("history", []),
            _step(body.status.value, now, principal, body.staff, body.note),
        ]
        if await repo.replace(referral_id, cast(ReferralDoc, doc), versioned.version):
            return to_out(doc)
        if body.status is ReferralStatus.HIRED:
            latest = await repo.get_versioned(referral_id)
            if latest is None or latest.doc.get("status") != ReferralStatus.HIRED.value:
                await release_place(svc, posting_id=source["posting_id"], referral_id=referral_id)
    raise Conflict(f"Referral {referral_id} is being changed by someone else; try again")


async def undo_hire(
    svc: Services, *, principal: Principal, referral_id: str, body: HireUndo
) -> ReferralOut:
    """Take back a hire recorded by mistake, within ``UNDO_HIRE_WINDOW``: the referral returns
    to the step before it (the undo is kept in its history, attributed) and the place it took
    is given back to the posting."""
    repo = svc.store.referrals
    for _ in range(MAX_WRITE_TRIES):
        versioned = await _visible(svc, principal, referral_id)
        source: Doc = versioned.doc
        if source["status"] != ReferralStatus.HIRED.value:
            raise InvalidTransition(
                f"只有“已录用”的推荐可以撤销录用；当前状态：{ReferralStatus(source['status']).zh_name}",
                current=source["status"],
                allowed=[],
            )
        now = svc.clock.now()
        if now > _instant(source["hired_at"]) + UNDO_HIRE_WINDOW:
            minutes = int(UNDO_HIRE_WINDOW.total_seconds() // 60)
            raise InvalidTransition(
                f"录用登记已超过{minutes}分钟，不能在窗口撤销；如确属登记错误，请联系管理员更正",
                current=source["status"],
                allowed=[],
            )
        steps = list(source.get("history", []))
        before = [s["status"] for s in steps if s["status"] != ReferralStatus.HIRED.value]
        previous = before[-1] if before else ReferralStatus.INTERVIEWED.value
        stamp = svc.clock.timestamp()
        doc: dict[str, Any] = {
            k: v for k, v in source.items() if k not in ("hired_at", "closed_at")
        }
        doc["status"] = previous
        doc["updated_at"] = doc["indexed_at"] = stamp
        note = f"撤销录用{'：' + body.note if body.note else ''}"
        doc["history"] = [
            *steps,
            _step(previous, stamp, principal, body.staff, note),
        ]
        if await repo.replace(referral_id, cast(ReferralDoc, doc), versioned.version):
            # Given back after the referral changed: if this fails, reconcile_places finds the
            # place held by a referral that is not hired and frees it.
            await release_place(svc, posting_id=source["posting_id"], referral_id=referral_id)
            return to_out(doc)
    raise Conflict(f"Referral {referral_id} is being changed by someone else; try again")


async def _update_places(svc: Services, *, posting_id: str, referral_id: str, take: bool) -> None:
    repo = svc.store.postings
    for _ in range(MAX_WRITE_TRIES):
        versioned = await repo.get_versioned(posting_id)
        if versioned is None:
            if take:
                raise PostingFull(f"岗位 {posting_id} 已删除，不能录用")
            return
        source = versioned.doc
        ids = list(source.get("hired_referral_ids", []))
        if (referral_id in ids) == take:
            return  # already taken (or already given back): idempotent
        headcount = int(source.get("headcount") or 1)
        filled = int(source.get("filled") or 0)
        if take and filled >= headcount:
            raise PostingFull(
                f"岗位“{source.get('title', posting_id)}”的招聘人数（{headcount}人）已招满",
                headcount=headcount,
                filled=filled,
            )
        ids = [*ids, referral_id] if take else [i for i in ids if i != referral_id]
        filled = max(filled + (1 if take else -1), 0)
        open_places = max(headcount - filled, 0)
        status = places_status(source.get("status"), open_places, freed=not take)
        stamp = svc.clock.timestamp()
        doc = cast(
            PostingDoc,
            {
                **source,
                "hired_referral_ids": ids,
                "filled": filled,
                "open_headcount": open_places,
                "status": status,
                "indexed_at": stamp,
                **({"updated_at": stamp} if status != source.get("status") else {}),
            },
        )
        # At the pace of a click: searchable at once (wait_for would add up to a second).
        if await repo.replace(posting_id, doc, versioned.version, refresh=True):
            return
    raise Conflict(f"Posting {posting_id} is being changed by someone else; try again")


async def claim_place(svc: Services, *, posting_id: str, referral_id: str) -> None:
    """Take one place on the posting for this referral (PostingFull when none is open)."""
    await _update_places(svc, posting_id=posting_id, referral_id=referral_id, take=True)


async def release_place(svc: Services, *, posting_id: str, referral_id: str) -> None:
    """Give back the place this referral took (when its hire did not get recorded)."""
    await _update_places(svc, posting_id=posting_id, referral_id=referral_id, take=False)


async def reconcile_places(
    svc: Services, *, grace: timedelta = timedelta(minutes=10)
) -> dict[str, int]:
    """Give back places that hires took but never recorded.

    A hire takes the place first and then writes the referral; a process that dies between
    the two leaves a place held by a referral that is not hired. Every posting listing such a
    referral, unchanged for ``grace`` (so a hire in flight is left alone), gets the place back.
    Idempotent; run by the worker every hour."""
    cutoff = (svc.clock.now() - grace).isoformat()
    held = await svc.store.postings.with_places_held(cutoff)
    checked = released = 0
    for posting_id, referral_ids in held.items():
        statuses = await svc.store.referrals.statuses(referral_ids)
        for rid, status in statuses.items():
            checked += 1
            if status == ReferralStatus.HIRED.value:
                continue
            await release_place(svc, posting_id=posting_id, referral_id=rid)
            released += 1
    return {"postings": len(held), "places_checked": checked, "released": released}


@dataclass(frozen=True)
class ReferralFilter:
    """What a referral list is narrowed to (all optional)."""

    office: str | None = None
    statuses: list[ReferralStatus] = field(default_factory=list)
    period: str | None = None  # by the day proposed: 2026, 2026Q3 / 2026-Q3, 2026-11, a range
    posting_id: str | None = None
    profile_id: str | None = None


@dataclass(frozen=True)
class Hire:
    """Where a seeker was hired, as a card mentions it."""

    posting_id: str
    posting_title: str
    enterprise_name: str
    hired_at: datetime | None


async def hires_of(
    svc: Services, *, principal: Principal, profile_ids: Sequence[str]
) -> dict[str, list[Hire]]:
    """The hires of these seekers that the principal may see (its referral scope): profile id
    → its hires, newest first. Reads only the fields a card shows."""
    if not profile_ids:
        return {}
    filters = [
        *referral_filter(referral_scope(principal)),
        {"terms": {"profile_id": list(profile_ids)}},
    ]
    docs, _, _ = await svc.store.referrals.page(
        filters=filters,
        statuses=[ReferralStatus.HIRED.value],
        status_count=1,
        offset=0,
        limit=MAX_PAGE,
    )
    found: dict[str, list[Hire]] = {}
    for doc in docs:
        found.setdefault(str(doc.get("profile_id")), []).append(
            Hire(
                str(doc.get("posting_id") or ""),
                str(doc.get("posting_title") or doc.get("posting_id") or ""),
                str(doc.get("enterprise_name") or ""),
                _instant(doc["hired_at"]) if doc.get("hired_at") else None,
            )
        )
    return found


@dataclass(frozen=True)
class FollowUp:
    """An open referral nobody has moved on for a while, as the follow-up list shows it."""

    referral_id: str
    status: ReferralStatus
    posting_id: str
    posting_title: str
    enterprise_name: str
    profile_id: str
    profile_title: str
    updated_at: datetime | None


_EPOCH = datetime.min.replace(tzinfo=UTC)
OPEN_STATUSES = (ReferralStatus.PROPOSED, ReferralStatus.CONTACTED, ReferralStatus.INTERVIEWED)


async def _desk_list(
    svc: Services,
    principal: Principal,
    *,
    when: Query,
    statuses: Sequence[ReferralStatus],
    stamp: str,
    office_only: bool,
) -> list[FollowUp]:
    """Referrals in ``statuses`` matching ``when``, as a desk list shows them (``stamp``: the
    time a row gives): the office's own (``office_only``) or every one it may see."""
    filters = [*referral_filter(referral_scope(principal)), when]
    if office_only and principal.role is Role.OFFICE:
        filters.append({"term": {"office_id": principal.subject}})
    docs, _, _ = await svc.store.referrals.page(
        filters=filters,
        statuses=[s.value for s in statuses],
        status_count=len(ReferralStatus),
        offset=0,
        limit=MAX_PAGE,
    )
    return [
        FollowUp(
            str(doc.get("id") or ""),
            ReferralStatus(doc["status"]),
            str(doc.get("posting_id") or ""),
            str(doc.get("posting_title") or doc.get("posting_id") or ""),
            str(doc.get("enterprise_name") or ""),
            str(doc.get("profile_id") or ""),
            str(doc.get("profile_title") or doc.get("profile_id") or ""),
            _instant(doc[stamp]) if doc.get(stamp) else None,  # type: ignore[literal-required]
        )
        for doc in docs
    ]


async def follow_ups(
    svc: Services, *, principal: Principal, quiet_days: int, office_only: bool = True
) -> list[FollowUp]:
    """Open referrals (proposed, contacted, interviewed) without a step for ``quiet_days`` or
    more, oldest first: the office's own (``office_only``) or every one it may see."""
    since = svc.clock.now() - timedelta(days=quiet_days)
    found = await _desk_list(
        svc,
        principal,
        when={"range": {"updated_at": {"lte": since.isoformat()}}},
        statuses=OPEN_STATUSES,
        stamp="updated_at",
        office_only=office_only,
    )
    return sorted(found, key=lambda f: f.updated_at or _EPOCH)


async def interviews_due(
    svc: Services, *, principal: Principal, within_days: int = 3, office_only: bool = True
) -> list[FollowUp]:
    """Referrals whose arranged interview is in the next ``within_days`` days or was in the
    last day without a step since (contacted, ``interview_at`` set), soonest first; the
    office's own (``office_only``) or every one it may see. ``updated_at`` is the interview."""
    now = svc.clock.now()
    found = await _desk_list(
        svc,
        principal,
        when={
            "range": {
                "interview_at": {
                    "gte": (now - timedelta(days=1)).isoformat(),
                    "lte": (now + timedelta(days=within_days)).isoformat(),
                }
            }
        },
        statuses=[ReferralStatus.CONTACTED],
        stamp="interview_at",
        office_only=office_only,
    )
    return sorted(found, key=lambda f: f.updated_at or _EPOCH)


async def hired_still_matching(
    svc: Services, *, principal: Principal, within_days: int = 30, office_only: bool = True
) -> list[FollowUp]:
    """Seekers hired through a referral in the last ``within_days`` whose profile is still
    active (they keep being offered jobs): the office's own hires (``office_only``) or every
    one it may see, of profiles it may read, one row per seeker (the latest hire), newest
    first. ``updated_at`` is the hire."""
    since = svc.clock.now() - timedelta(days=within_days)
    hires = await _desk_list(
        svc,
        principal,
        when={"range": {"hired_at": {"gte": since.isoformat()}}},
        statuses=[ReferralStatus.HIRED],
        stamp="hired_at",
        office_only=office_only,
    )
    profiles = await svc.store.profiles.get_many(
        sorted({h.profile_id for h in hires}), fields=["status", "region_code", "owner_id"]
    )
    found: dict[str, FollowUp] = {}
    for hire in sorted(hires, key=lambda h: h.updated_at or _EPOCH):
        profile = profiles.get(hire.profile_id)
        if (
            profile is not None
            and profile.get("status") == "active"
            and may_read_profile(principal, profile, svc.taxonomy.regions)
        ):
            found[hire.profile_id] = hire  # the later hire replaces the earlier
    return sorted(found.values(), key=lambda f: f.updated_at or _EPOCH, reverse=True)


async def list_referrals(
    svc: Services,
    *,
    principal: Principal,
    selection: ReferralFilter | None = None,
    page: Page | None = None,
) -> ReferralList:
    """Referrals the principal may see (scope enforced in the query), newest first. ``period``
    selects by the date proposed; ``by_status`` counts the same selection before the status
    filter, so a board can show every column's size."""
    selection = selection or ReferralFilter()
    page = page or Page()
    filters = referral_filter(referral_scope(principal))
    for name in ("office", "posting_id", "profile_id"):
        value = getattr(selection, name)
        if value:
            filters.append({"term": {"office_id" if name == "office" else name: value}})
    if selection.period:
        period = parse_period(selection.period)
        filters.append(local_days("proposed_at", period.start, period.until, svc.settings.timezone))
    docs, total, by_status = await svc.store.referrals.page(
        filters=filters,
        statuses=[s.value for s in selection.statuses],
        status_count=len(ReferralStatus),
        offset=page.offset,
        limit=page.limit,
    )
    return ReferralList(
        referrals=[to_out(doc, for_enterprise=principal.role is Role.ENTERPRISE) for doc in docs],
        total=total,
        by_status={s.value: by_status.get(s.value, 0) for s in ReferralStatus},
    )


async def places_left(svc: Services, posting_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """posting id → (places still open, headcount), for the postings that exist."""
    found = await svc.store.postings.get_many(posting_ids, fields=["headcount", "open_headcount"])
    return {
        pid: (int(doc.get("open_headcount", 0)), int(doc.get("headcount") or 0))
        for pid, doc in found.items()
    }
