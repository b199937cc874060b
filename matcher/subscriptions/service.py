"""Saved searches and subscriptions, and the alerts they raise.

Three kinds (``SubscriptionKind``): a saved posting search (seekers, offices, admins), new
postings matching a profile (its seeker; an office for a worker of its region, e.g. one it
registered at the window), new candidates for a posting (its enterprise; offices, admins).

How a new record finds its subscribers (``match_new_records``, run by the worker every few
seconds): the job follows the postings' and the profiles' change logs (``matcher.store.
changes``) from where it last got to, so no write is missed and a retried run only rewrites
alerts that already exist. For each open posting written, one query over the saved searches'
structured part finds the candidates (``matcher.store.saved_searches``); each is confirmed
with the search itself, restricted to that posting (one multi-search), or for a profile's
subscription with the hard rules and the relevance tier of the pair. A profile written is
checked the same way against the subscriptions of postings in its trades' minor groups.

Alerts respect relevance: a saved search alerts only on keyword and trade hits (对口 or 相近,
never a meaning-only hit), a pair only when no hard rule fails and the trade is not 不对口. One
alert per subscriber, kind and record (ids are a hash of those), however often the record is
rewritten or the job retried. Webhook deliveries are queued for new alerts
(``deliver_alert``); they never carry contact details.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from indexes.documents import PostingDoc, ProfileDoc, SavedSearchDoc
from matcher.alerts.models import AlertKind, AlertOut
from matcher.alerts.service import Notice, notify_new
from matcher.changes.service import follow
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    ValidationFailed,
)
from matcher.incentives.service import in_force_policies
from matcher.policy.access import in_scope, may_match_posting, may_match_profile
from matcher.policy.ranking import occupation_fit
from matcher.policy.relevance import Tier
from matcher.policy.rules import check
from matcher.privacy.limits import charge_candidate_views
from matcher.search.reading import Asked, read_query
from matcher.search.service import posting_filters
from matcher.services import Services
from matcher.store.changes import Change, ChangeLog
from matcher.store.outages import unreachable
from matcher.store.queries import Query, is_open_posting, recipient_of, region_prefix
from matcher.store.saved_searches import PostingTraits, posting_conditions, unstated
from matcher.subscriptions import webhooks
from matcher.subscriptions.models import (
    MAX_PER_OWNER,
    Delivery,
    SavedPostingSearch,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionKind,
    SubscriptionList,
    SubscriptionOut,
)
from matcher.taxonomy.grades import SkillGrade

READER = "subscriptions"  # this job's position in the change logs
BATCH = 500  # log entries per log and run
JOB_TOKEN = "subscriptions-job"  # noqa: S105 (the token id principals of the job carry)
LOCK_MS = 300_000  # a run holds its log this long at most (the job's timeout is 120 s)
logger = logging.getLogger("matcher.subscriptions")
SEARCH_ROLES = frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN})
PROFILE_ROLES = frozenset({Role.SEEKER, Role.OFFICE, Role.ADMIN})
POSTING_ROLES = frozenset({Role.ENTERPRISE, Role.OFFICE, Role.ADMIN})
ROLES_OF_KIND = {
    SubscriptionKind.POSTINGS: SEARCH_ROLES,
    SubscriptionKind.PROFILE_MATCHES: PROFILE_ROLES,
    SubscriptionKind.POSTING_CANDIDATES: POSTING_ROLES,
}


def _minor_groups(codes: Sequence[str]) -> list[str]:
    return sorted({code[:7] for code in codes if len(code) >= 7})


def _significant(region_code: str) -> str:
    return str(region_prefix(region_code)["prefix"]["region_code"])


async def _structured(svc: Services, search: SavedPostingSearch) -> dict[str, Any]:
    """The part of a saved search a new posting is matched against (see
    ``matcher.store.saved_searches``)."""
    if search.q:
        asked = await read_query(svc, search.q, search.occupation_code)
    else:
        asked = Asked("", [search.occupation_code] if search.occupation_code else [])
    words = sorted(set(asked.words.split()))
    groups = asked.minor_groups
    fields: dict[str, Any] = unstated() | {
        "match_any": not words and not groups,
        "words": words,
        "words_count": len(words),
        "occupation_codes": asked.codes,
        "occupation_groups": groups,
        "incentives_only": search.remote_incentives_only,
        # A radius or an exact code is more than the structured part states.
        "confirm_in_search": bool(search.near or search.occupation_code),
    }
    if search.region_code:
        fields["region_scope"] = [_significant(search.region_code)]
    if search.wage_floor is not None:
        fields["wage_floor"] = search.wage_floor
    if search.grade is not None:
        fields["grade"] = int(search.grade)
    if search.industry:
        fields["industry"] = search.industry
    return fields


async def _target(svc: Services, principal: Principal, body: SubscriptionIn) -> dict[str, Any]:
    """The followed record's part, after checking the principal may follow it (else 404)."""
    regions = svc.taxonomy.regions
    if body.kind is SubscriptionKind.PROFILE_MATCHES and body.profile_id:
        profile = await svc.store.profiles.get(body.profile_id)
        if profile is None or not may_match_profile(principal, profile, regions):
            raise NotFound(f"No profile {body.profile_id}")
        groups = _minor_groups(list(profile.get("occupation_codes") or []))
        fields = unstated() | {
            "target_id": body.profile_id,
            "occupation_groups": groups,
            "match_any": False,
        }
        scopes = profile_scopes(profile)
        return fields | ({"region_scope": scopes} if scopes is not None else {})
    if body.kind is SubscriptionKind.POSTING_CANDIDATES and body.posting_id:
        posting = await svc.store.postings.get(body.posting_id)
        if posting is None or not may_match_posting(principal, posting, regions):
            raise NotFound(f"No posting {body.posting_id}")
        code = posting.get("occupation_code")
        groups = _minor_groups([code] if code else [])
        return unstated() | {
            "target_id": body.posting_id,
            "occupation_groups": groups,
            "match_any": False,
        }
    return {}


def profile_scopes(profile: Mapping[str, Any]) -> list[str] | None:
    """Where postings may lie for a seeker to be told of them: the home league-city, and
    the regions they prefer if they would move; None (anywhere) for a seeker willing to move
    who names no region."""
    home = str(profile.get("region_code") or "")
    preferred = [str(c) for c in profile.get("preferred_region_codes") or []]
    if profile.get("willing_to_relocate") and not preferred:
        return None
    scopes = {home[:4]} if home else set()
    if profile.get("willing_to_relocate"):
        scopes.update(_significant(code) for code in preferred)
    return sorted(scopes)


def in_scopes(region_code: str, scopes: Sequence[str] | None) -> bool:
    return scopes is None or any(region_code.startswith(s) for s in scopes)


def _out(doc: Mapping[str, Any]) -> SubscriptionOut:
    kind = SubscriptionKind(doc["kind"])
    return SubscriptionOut(
        id=doc["id"],
        kind=kind,
        name=doc.get("name") or "",
        search=doc.get("search"),
        profile_id=doc.get("target_id") if kind is SubscriptionKind.PROFILE_MATCHES else None,
        posting_id=doc.get("target_id") if kind is SubscriptionKind.POSTING_CANDIDATES else None,
        understood_codes=list(doc.get("occupation_codes") or [])
        if kind is SubscriptionKind.POSTINGS
        else [],
        webhook_url=doc.get("webhook_url"),
        webhook_state=doc.get("webhook_state") or "none",
        delivery=Delivery(doc.get("delivery") or Delivery.INSTANT.value),
        created_at=doc["created_at"],
    )


async def create_subscription(
    svc: Services, *, principal: Principal, body: SubscriptionIn
) -> SubscriptionCreated:
    if principal.role not in ROLES_OF_KIND[body.kind]:
        raise Forbidden(f"A {principal.role.value} may not subscribe to {body.kind.value}")
    owner = recipient_of(principal.role.value, principal.subject)
    _, held = await svc.store.saved_searches.of_owner(owner, offset=0, limit=1)
    if held >= MAX_PER_OWNER:
        raise Conflict(f"At most {MAX_PER_OWNER} saved searches each; delete one first")
    if body.webhook_url:
        try:
            await webhooks.check_address(
                body.webhook_url, allow_private=svc.settings.webhook_allow_private
            )
        except webhooks.WebhookRefused as exc:
            raise ValidationFailed(
                "Webhook URL refused", [{"field": "webhook_url", "message": str(exc)}]
            ) from None
    fields = await _structured(svc, body.search) if body.search else {}
    fields |= await _target(svc, principal, body)
    stamp = svc.clock.timestamp()
    secret = secrets.token_urlsafe(32) if body.webhook_url else None
    search_id = "ss_" + secrets.token_hex(8)
    doc: SavedSearchDoc = {
        "id": search_id,
        "owner": owner,
        "owner_role": principal.role.value,
        "owner_subject": principal.subject,
        "owner_region": principal.region_code,
        "kind": body.kind.value,
        "name": body.name,
        "delivery": body.delivery.value,
        "webhook_url": body.webhook_url,
        "webhook_secret": secret,
        "webhook_state": "ok" if body.webhook_url else "none",
        "webhook_failures": 0,
        "created_at": stamp,
        "updated_at": stamp,
        "indexed_at": stamp,
        **fields,  # type: ignore[typeddict-item]
    }
    if body.search:
        doc["search"] = body.search.model_dump(mode="json", exclude={"limit", "offset"})
    await svc.store.saved_searches.create(search_id, doc)
    return SubscriptionCreated(**_out(doc).model_dump(), webhook_secret=secret)


async def _own(svc: Services, principal: Principal, search_id: str) -> SavedSearchDoc:
    doc = await svc.store.saved_searches.get(search_id)
    if doc is None or doc.get("owner") != recipient_of(principal.role.value, principal.subject):
        raise NotFound(f"No saved search {search_id}")
    return doc


async def list_subscriptions(
    svc: Services, *, principal: Principal, page: Page
) -> SubscriptionList:
    docs, total = await svc.store.saved_searches.of_owner(
        recipient_of(principal.role.value, principal.subject), offset=page.offset, limit=page.limit
    )
    return SubscriptionList(subscriptions=[_out(d) for d in docs], total=total)


async def get_subscription(
    svc: Services, *, principal: Principal, search_id: str
) -> SubscriptionOut:
    return _out(await _own(svc, principal, search_id))


async def delete_subscription(svc: Services, *, principal: Principal, search_id: str) -> None:
    await _own(svc, principal, search_id)
    await svc.store.saved_searches.delete(search_id)


# The job: new records against the saved searches


def _found_clause(doc: Mapping[str, Any]) -> Query:
    """The query form of "a keyword or trade hit of this saved search" (``match_all`` for a
    search without text: a listing, whose every record is 对口)."""
    words = " ".join(doc.get("words") or [])
    groups = list(doc.get("occupation_groups") or [])
    if doc.get("match_any") or not (words or groups):
        return {"match_all": {}}
    should: list[Query] = []
    if words:
        should.append(
            {"match": {"search_text": {"query": words, "operator": "and", "_name": "words"}}}
        )
    if groups:
        should.append({"terms": {"occupation_groups": groups, "_name": "trade"}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _tier_of(doc: SavedSearchDoc, posting: PostingDoc, words: set[str]) -> Tier:
    """How a posting that met a saved search relates to it: a search without words or trade
    lists 对口 records; else a keyword hit (every word in the posting) or a trade hit."""
    saved = list(doc.get("words") or [])
    codes = list(doc.get("occupation_codes") or [])
    if doc.get("match_any") or not (saved or codes):
        return Tier.FIT
    code = posting.get("occupation_code")
    how = "keyword" if saved and set(saved) <= words else "occupation"
    return Asked(" ".join(saved), codes).tier([code] if code else [], matched_by=how)


async def _confirm_searches(
    svc: Services,
    posting_id: str,
    posting: PostingDoc,
    candidates: Sequence[SavedSearchDoc],
    live: Sequence[str],
) -> list[tuple[SavedSearchDoc, Tier]]:
    """The saved searches the posting is a keyword or trade hit of, with its tier.

    The structured part states every condition of most searches exactly (the query and its
    Python twin ``meets_conditions`` in ``matcher.store.saved_searches``), so their
    candidates stand; those with a radius or an exact code
    (``confirm_in_search``) are confirmed by their own search restricted to the posting, in
    one multi-search."""
    words = set(str(posting.get("search_text") or "").split())
    exact = [d for d in candidates if not d.get("confirm_in_search")]
    other = [d for d in candidates if d.get("confirm_in_search")]
    if other:
        bodies = await svc.store.saved_searches.get_many(
            [d["id"] for d in other], fields=["search"]
        )
        queries = [
            search_query(bodies.get(d["id"], {}).get("search") or {}, d, svc, live) for d in other
        ]
        met = await svc.store.postings.meets_each(posting_id, queries)
        exact += [d for d, m in zip(other, met, strict=True) if m is not None]
    tiered = [(d, _tier_of(d, posting, words)) for d in exact]
    return [(d, t) for d, t in tiered if t is not Tier.UNRELATED]


def search_query(
    search: Mapping[str, Any], doc: Mapping[str, Any], svc: Services, live: Sequence[str]
) -> Query:
    """A saved search as the query the search runs: its filters and its keyword or trade
    clause (``match_all`` for a search without text)."""
    body = SavedPostingSearch.model_validate(search)
    filters = posting_filters(body, svc.clock.today(), live)
    return {"bool": {"filter": filters, "must": [_found_clause(doc)]}}


def _pair_tier(svc: Services, posting: PostingDoc, profile: ProfileDoc) -> Tier | None:
    """The pair's tier when it may be alerted on: no hard rule fails and the trade is not
    不对口; else None."""
    if profile.get("status") != "active":
        return None
    if not in_scopes(str(posting.get("region_code") or ""), profile_scopes(profile)):
        return None
    rules = check(posting, profile, svc.clock.today(), svc.taxonomy.occupations)
    if any(not r.passed and not r.pending for r in rules):
        return None
    tier = occupation_fit(posting, profile).tier
    return None if tier is Tier.UNRELATED else tier


def _posting_line(posting: PostingDoc, svc: Services) -> str:
    region = svc.taxonomy.regions.get(str(posting.get("region_code") or ""))
    wage = ""
    if posting.get("wage_min") or posting.get("wage_max"):
        low, high = posting.get("wage_min"), posting.get("wage_max")
        wage = f"，月薪 {low or ''}{'–' if low and high else ''}{high or ''} 元"
    return f"{posting.get('enterprise_name') or ''}，{region.name if region else ''}{wage}"


def _for(doc: SavedSearchDoc) -> dict[str, Any]:
    """Whom a subscription's alerts go to, and which subscription raised them."""
    return {
        "role": Role(doc["owner_role"]),
        "subject": doc["owner_subject"],
        "subscription_id": doc["id"],
    }


def posting_traits(posting: Mapping[str, Any], live: Sequence[str]) -> PostingTraits:
    """What a stored posting offers, as saved searches read it (``live``: the incentive
    policies in force)."""
    code = posting.get("occupation_code")
    region = str(posting.get("region_code") or "")
    wages = [w for w in (posting.get("wage_min"), posting.get("wage_max")) if w is not None]
    level = posting.get("required_level")
    return PostingTraits(
        words=str(posting.get("search_text") or "").split(),
        groups=_minor_groups([code] if code else []),
        region_prefixes=sorted({region[:2], region[:4], region}),
        wage=max(wages) if wages else None,
        grade=int(level) if level else None,
        industry=posting.get("industry"),
        carries_incentive=bool(set(posting.get("incentive_policy_ids") or []) & set(live)),
    )


def _ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


def _new_since(svc: Services, record: Mapping[str, Any]) -> int:
    """Since when a record is new, in ms: when it was first stored, or for a posting that
    opens later, the start of its first day (a rewrite, a re-flag or a hire never makes an
    old record new)."""
    since = _ms(str(record.get("created_at") or "1970-01-01T00:00:00+00:00"))
    opens = record.get("valid_from")
    if opens:
        start = datetime.combine(date.fromisoformat(str(opens)), time.min)
        since = max(
            since, int(start.replace(tzinfo=ZoneInfo(svc.settings.timezone)).timestamp() * 1000)
        )
    return since


def _is_new_for(svc: Services, record: Mapping[str, Any], doc: SavedSearchDoc) -> bool:
    """The record came after the subscription was made."""
    return _new_since(svc, record) >= _ms(str(doc["created_at"]))


def _owner(doc: SavedSearchDoc) -> Principal:
    """The subscription's owner, as the rules of access see them (their scope when saved)."""
    return Principal(
        token_id=JOB_TOKEN,
        role=Role(doc["owner_role"]),
        subject=doc["owner_subject"],
        region_code=doc.get("owner_region"),
    )


async def notices_for_postings(svc: Services, ids: Sequence[str]) -> list[Notice]:
    """What the postings written tell the subscriptions made before them."""
    docs = await svc.store.postings.get_many(list(ids))
    today = svc.clock.today()
    live = [p.policy_id for p in await in_force_policies(svc, today)]
    notices: list[Notice] = []
    for posting_id, posting in docs.items():
        if not is_open_posting(posting, today):
            continue
        async with _isolated("posting", posting_id):
            notices += await _for_posting(svc, posting_id, posting, live)
    return notices


async def _for_posting(
    svc: Services, posting_id: str, posting: PostingDoc, live: Sequence[str]
) -> list[Notice]:
    notices: list[Notice] = []
    candidates = [
        c
        for c in await svc.store.saved_searches.candidates(
            [SubscriptionKind.POSTINGS.value, SubscriptionKind.PROFILE_MATCHES.value],
            posting_conditions(posting_traits(posting, live)),
        )
        if _is_new_for(svc, posting, c)
    ]
    searches = [c for c in candidates if c["kind"] == SubscriptionKind.POSTINGS.value]
    title = f"新岗位：{posting.get('title') or posting_id}"
    line = _posting_line(posting, svc)
    confirmed = await _confirm_searches(svc, posting_id, posting, searches, live)
    names = await svc.store.saved_searches.get_many(
        [doc["id"] for doc, _ in confirmed], fields=["name"]
    )
    for doc, tier in confirmed:
        given = names.get(doc["id"], {}).get("name")
        name = f"“{given}”" if given else ""
        notices.append(
            Notice(
                **_for(doc),
                kind=AlertKind.NEW_POSTING,
                record_kind="posting",
                record_id=posting_id,
                title=title,
                body=f"{line}。符合您保存的搜索{name}（{tier.value}）。",
            )
        )
    follows = [c for c in candidates if c["kind"] == SubscriptionKind.PROFILE_MATCHES.value]
    profiles = await svc.store.profiles.get_many(sorted({str(c.get("target_id")) for c in follows}))
    regions = svc.taxonomy.regions
    for doc in follows:
        profile = profiles.get(str(doc.get("target_id")))
        # Still theirs to follow: the seeker's own, or in the office's region.
        if profile is None or not may_match_profile(_owner(doc), profile, regions):
            continue
        pair = _pair_tier(svc, posting, profile)
        if pair is None:
            continue
        notices.append(
            Notice(
                **_for(doc),
                kind=AlertKind.NEW_POSTING,
                record_kind="posting",
                record_id=posting_id,
                title=title,
                body=f"{line}。与求职资料 {doc.get('target_id')} 匹配（{pair.value}），"
                "硬性条件无不符。",
                tag=str(doc.get("target_id")),
            )
        )
    return notices


async def notices_for_profiles(svc: Services, ids: Sequence[str]) -> list[Notice]:
    """What the profiles written tell the posting subscriptions made before them."""
    profiles = await svc.store.profiles.get_many(list(ids))
    notices: list[Notice] = []
    for profile_id, profile in profiles.items():
        if profile.get("status") != "active":
            continue
        async with _isolated("profile", profile_id):
            notices += await _for_profile(svc, profile_id, profile)
    return notices


async def _for_profile(svc: Services, profile_id: str, profile: ProfileDoc) -> list[Notice]:
    groups = _minor_groups(list(profile.get("occupation_codes") or []))
    if not groups:
        return []
    follows = [
        f
        for f in await svc.store.saved_searches.candidates(
            [SubscriptionKind.POSTING_CANDIDATES.value],
            [{"terms": {"occupation_groups": groups}}],
        )
        if _is_new_for(svc, profile, f)
    ]
    postings = await svc.store.postings.get_many(sorted({str(f.get("target_id")) for f in follows}))
    regions = svc.taxonomy.regions
    notices: list[Notice] = []
    for doc in follows:
        posting = postings.get(str(doc.get("target_id")))
        if posting is None or not is_open_posting(posting, svc.clock.today()):
            continue
        owner = _owner(doc)
        # As matching shows candidates: the posting still the owner's to match, and an
        # office's candidates inside its region.
        if not may_match_posting(owner, posting, regions):
            continue
        if owner.role is Role.OFFICE and not in_scope(owner, profile.get("region_code"), regions):
            continue
        pair = _pair_tier(svc, posting, profile)
        if pair is None:
            continue
        # The candidate view: trade, grade and league-city, never contact details.
        level = profile.get("skill_level")
        grade = SkillGrade(int(level)).zh_name if level else "未填等级"
        city = regions.get(str(profile.get("city_code") or ""))
        notices.append(
            Notice(
                **_for(doc),
                kind=AlertKind.NEW_CANDIDATE,
                record_kind="profile",
                record_id=profile_id,
                title=f"新候选人：{profile.get('title') or profile_id}",
                body=f"{grade}，{city.name if city else '地区未填'}。符合岗位“"
                f"{posting.get('title') or doc.get('target_id')}”（{pair.value}），硬性条件"
                "无不符。联系方式须经本人同意后才能获取。",
                tag=str(doc.get("target_id")),
            )
        )
    return notices


@contextlib.asynccontextmanager
async def _isolated(kind: str, record_id: str) -> AsyncIterator[None]:
    """One record's failure (a bug, a record the code cannot read) is logged and skipped, so
    it does not stop the job at that place in the log for ever; an outage of a backing
    service stops the run, which then starts again from the same place."""
    try:
        yield
    except Exception as exc:
        if unreachable(exc):
            raise
        logger.warning("subscriptions: %s %s skipped (%s)", kind, record_id, type(exc).__name__)


async def _within_quota(svc: Services, notices: Sequence[Notice]) -> list[Notice]:
    """Candidates shown to an enterprise count against its daily candidate views, as in
    matching and search; those over the quota are not written (only new alerts count)."""
    existing = await svc.store.alerts.get_many([n.alert_id for n in notices], fields=["id"])
    fresh = [n for n in notices if n.alert_id not in existing]
    shown: dict[str, list[Notice]] = {}
    for n in fresh:
        if n.role is Role.ENTERPRISE and n.kind is AlertKind.NEW_CANDIDATE:
            shown.setdefault(n.subject, []).append(n)
    dropped: set[str] = set()
    for subject, batch in shown.items():
        owner = Principal(token_id=JOB_TOKEN, role=Role.ENTERPRISE, subject=subject)
        try:
            await charge_candidate_views(svc, owner, len(batch))
        except TooManyRequests:
            dropped.update(n.alert_id for n in batch)
    return [n for n in notices if n.alert_id not in dropped]


async def _follow(
    svc: Services,
    log: ChangeLog,
    on_records: Callable[[Services, Sequence[str]], Awaitable[list[Notice]]],
) -> tuple[int, list[Notice]]:
    """One batch of one change log (``matcher.changes.service.follow``): the notices of the
    records written, alerts written and their deliveries queued. A repeated batch writes
    each alert once, and queues deliveries again only where not yet made."""

    async def handle(entries: Sequence[Change]) -> list[Notice]:
        ids = sorted({e.record_id for e in entries if e.kind != "deleted"})
        notices = await _within_quota(svc, await on_records(svc, ids)) if ids else []
        new = await notify_new(svc, notices)
        await _queue_deliveries(svc, notices)
        return new

    read, new = await follow(svc, log, READER, handle, batch=BATCH, lock_ms=LOCK_MS)
    return read, new or []


async def match_new_records(svc: Services) -> dict[str, int]:
    """One run of the job: the postings and profiles written since the last run against the
    subscriptions; alerts written, webhook deliveries queued. Counts of what it did."""
    postings_read, for_postings = await _follow(
        svc, svc.store.posting_changes, notices_for_postings
    )
    profiles_read, for_profiles = await _follow(
        svc, svc.store.profile_changes, notices_for_profiles
    )
    return {
        "postings_read": postings_read,
        "profiles_read": profiles_read,
        "alerts": len(for_postings) + len(for_profiles),
    }


async def _queue_deliveries(svc: Services, notices: Sequence[Notice]) -> int:
    """Queue a webhook delivery for each alert of ``notices`` not yet delivered whose
    subscription posts instantly to a webhook that is not failing."""
    alerts = await svc.store.alerts.get_many(
        sorted({n.alert_id for n in notices}), fields=["subscription_id", "delivered_at"]
    )
    pending = {a: doc for a, doc in alerts.items() if not doc.get("delivered_at")}
    subs = await svc.store.saved_searches.get_many(
        sorted({str(doc.get("subscription_id")) for doc in pending.values()}),
        fields=["webhook_url", "webhook_state", "delivery"],
    )
    queued = 0
    for alert_id, doc in pending.items():
        sub = subs.get(str(doc.get("subscription_id")))
        if (
            sub is None
            or not sub.get("webhook_url")
            or sub.get("webhook_state") == "failing"
            or sub.get("delivery") != Delivery.INSTANT.value
        ):
            continue
        await svc.jobs.enqueue("deliver_alert", alert_id, job_id=f"alert:{alert_id}")
        queued += 1
    return queued


# Deliveries

DIGEST_SIZE = 500  # alerts in one daily digest; the rest go in the next


def _alert_out(alert: Mapping[str, Any]) -> dict[str, Any]:
    fields = {k: v for k, v in alert.items() if k in AlertOut.model_fields}
    return AlertOut.model_validate(fields).model_dump(mode="json")


async def _post(
    svc: Services,
    sub: SavedSearchDoc,
    payload: dict[str, Any],
    *,
    delivery_id: str,
    last_try: bool,
) -> str:
    """One try: ``delivered``, ``retry`` (failed, tries remain) or ``failing`` (failed on the
    last try: the subscription is marked failing and its deliveries stop)."""
    problem = await webhooks.post(
        str(sub["webhook_url"]),
        str(sub["webhook_secret"]),
        payload,
        delivery_id=delivery_id,
        allow_private=svc.settings.webhook_allow_private,
    )
    if problem is not None:
        logger.warning("webhook delivery %s failed: %s", delivery_id, problem)
    if problem is None:
        if sub.get("webhook_failures"):
            await svc.store.saved_searches.set_fields(
                sub["id"], {"webhook_failures": 0, "webhook_state": "ok"}
            )
        return "delivered"
    if not last_try:
        return "retry"
    await svc.store.saved_searches.set_fields(
        sub["id"],
        {
            "webhook_failures": int(sub.get("webhook_failures") or 0) + 1,
            "webhook_state": "failing",
            "updated_at": svc.clock.timestamp(),
        },
    )
    return "failing"


async def _webhook_of(svc: Services, search_id: str) -> SavedSearchDoc | None:
    """The subscription, if it has a webhook that is not failing."""
    sub = await svc.store.saved_searches.get(search_id) if search_id else None
    if sub is None or not sub.get("webhook_url") or not sub.get("webhook_secret"):
        return None
    return None if sub.get("webhook_state") == "failing" else sub


async def deliver_alert(svc: Services, *, alert_id: str, last_try: bool) -> str:
    """Post one alert to its subscription's webhook: ``delivered``, ``skipped`` (no webhook,
    or it is failing), ``retry`` or ``failing`` (see ``_post``)."""
    alert = await svc.store.alerts.get(alert_id)
    if alert is None or alert.get("delivered_at"):
        return "skipped"
    sub = await _webhook_of(svc, str(alert.get("subscription_id") or ""))
    if sub is None:
        return "skipped"
    payload = {"subscription_id": sub["id"], "alert": _alert_out(alert)}
    outcome = await _post(svc, sub, payload, delivery_id=alert_id, last_try=last_try)
    if outcome == "delivered":
        await svc.store.alerts.set_fields(alert_id, {"delivered_at": svc.clock.timestamp()})
    return outcome


async def queue_digests(svc: Services) -> int:
    """Queue today's digest of every daily subscription with a webhook; how many."""
    day = svc.clock.today().isoformat()
    queued = 0
    for search_id in await svc.store.saved_searches.digests_due():
        job_id = f"digest:{search_id}:{day}"
        queued += bool(await svc.jobs.enqueue("deliver_digest", search_id, job_id=job_id))
    return queued


async def deliver_digest(svc: Services, *, search_id: str, last_try: bool) -> str:
    """Post the alerts a daily subscription raised since its last digest, in one delivery;
    ``empty`` when there were none, else as ``deliver_alert``."""
    sub = await _webhook_of(svc, search_id)
    if sub is None:
        return "skipped"
    alerts = await svc.store.alerts.of_subscription(
        search_id, after=sub.get("digest_after"), limit=DIGEST_SIZE + 1
    )
    if not alerts:
        return "empty"
    shown = alerts[:DIGEST_SIZE]
    payload = {
        "subscription_id": search_id,
        "digest": svc.clock.today().isoformat(),
        "alerts": [_alert_out(a) for a in shown],
        "more": len(alerts) > DIGEST_SIZE,
    }
    delivery_id = f"digest:{search_id}:{shown[-1]['id']}"
    outcome = await _post(svc, sub, payload, delivery_id=delivery_id, last_try=last_try)
    if outcome == "delivered":
        last = shown[-1]
        # Where the next digest starts: after this alert, in (created_at, id) order (alerts
        # written together share a time).
        after = f"{_ms(last['created_at'])}|{last['id']}"
        await svc.store.saved_searches.set_fields(search_id, {"digest_after": after})
    return outcome
