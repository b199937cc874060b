"""The life cycle of postings and hired seekers, run by the worker every 15 minutes.

Each step is idempotent, so a run that is retried, or two workers running at once, change
and tell nothing twice:
- postings past ``valid_until`` become ``expired`` (conditional on the version read; a posting
  rewritten meanwhile is left to the next run) and their enterprise is told;
- enterprises are warned seven days before a posting expires;
- an enterprise is told when a posting was filled (its last place taken by a hire);
- a seeker hired through a referral is asked whether to pause their profile;
- postings whose ``valid_from`` is today are announced on the change feed once (they became
  open without a write);
- postings linked to a key project that was retired or ended lose the link (and with it
  their key-project incentives);
- change-feed entries older than the retention are trimmed.

Alerts name records and say what happened; they carry no contact details.
"""

from __future__ import annotations

from datetime import date, timedelta

from indexes.documents import PostingDoc, PostingStatus
from matcher.alerts.models import AlertKind
from matcher.alerts.service import Notice, notify
from matcher.foundation.principals import Role
from matcher.projects.service import unlink_lapsed
from matcher.services import Services

WARN_DAYS = 7
# How far back the notice steps look for fills and hires (alerts are written once each, so
# a wide window only re-checks; it covers a worker that was down for a day).
LOOKBACK = timedelta(days=2)
MAX_ROUNDS = 3


def _title(doc: PostingDoc) -> str:
    return str(doc.get("title") or "")


async def expire_postings(svc: Services, today: date) -> int:
    """Mark active postings whose ``valid_until`` has passed as expired; how many."""
    expired = 0
    for _ in range(MAX_ROUNDS):
        found = await svc.store.postings.in_status_dated(
            PostingStatus.ACTIVE.value, "valid_until", {"lt": today.isoformat()}
        )
        if not found:
            break
        stamp = svc.clock.timestamp()
        fields = {"status": PostingStatus.EXPIRED.value, "updated_at": stamp, "indexed_at": stamp}
        lost, failed = await svc.store.postings.update_many_if_unchanged(
            [(posting_id, fields, version) for posting_id, _, version in found]
        )
        if failed:
            raise RuntimeError(f"{len(failed)} postings not expired: {failed[0][2]}")
        done = [(posting_id, doc) for posting_id, doc, _ in found if posting_id not in lost]
        expired += len(done)
        await notify(
            svc,
            [
                Notice(
                    Role.ENTERPRISE,
                    str(doc.get("enterprise_id") or ""),
                    AlertKind.POSTING_EXPIRED,
                    "posting",
                    posting_id,
                    f"岗位“{_title(doc)}”已到期",
                    f"该岗位的有效期到 {doc.get('valid_until')} 为止，现已不再参与匹配和搜索；"
                    "您和经办机构仍可查看。如仍在招聘，请延长有效期（valid_until）并把状态改回"
                    "“招聘中”（active）。",
                    tag=str(doc.get("valid_until") or ""),
                )
                for posting_id, doc in done
            ],
        )
        if not lost:
            break
    if expired:
        await svc.store.postings.refresh_now()
    return expired


async def warn_expiring(svc: Services, today: date) -> int:
    """Tell enterprises of postings that expire in ``WARN_DAYS`` days; how many new alerts.
    (Run every 15 minutes, the alert of the day is written by the first run.)"""
    due = (today + timedelta(days=WARN_DAYS)).isoformat()
    found = await svc.store.postings.in_status_dated(
        PostingStatus.ACTIVE.value, "valid_until", {"gte": due, "lte": due}
    )
    return await notify(
        svc,
        [
            Notice(
                Role.ENTERPRISE,
                str(doc.get("enterprise_id") or ""),
                AlertKind.POSTING_EXPIRING,
                "posting",
                posting_id,
                f"岗位“{_title(doc)}”将于 {due} 到期",
                f"还有 {WARN_DAYS} 天。到期后岗位不再参与匹配和搜索；如仍在招聘，请延长有效期"
                "（valid_until）。",
                tag=due,
            )
            for posting_id, doc, _ in found
        ],
    )


async def notice_filled(svc: Services) -> int:
    """Tell enterprises of postings filled in the last days; how many new alerts."""
    since = (svc.clock.now() - LOOKBACK).isoformat()
    found = await svc.store.postings.in_status_dated(
        PostingStatus.FILLED.value, "updated_at", {"gte": since}
    )
    return await notify(
        svc,
        [
            Notice(
                Role.ENTERPRISE,
                str(doc.get("enterprise_id") or ""),
                AlertKind.POSTING_FILLED,
                "posting",
                posting_id,
                f"岗位“{_title(doc)}”已招满",
                "最后一个名额已由录用占用，岗位不再参与匹配。如需继续招聘，请增加招聘人数"
                "（headcount）。",
            )
            for posting_id, doc, _ in found
        ],
    )


async def ask_hired_seekers(svc: Services) -> int:
    """Ask seekers hired in the last days (those with an account) whether to pause their
    profile; how many new alerts. Profiles an office keeps for a walk-in worker have no
    owner: the office pauses them at the desk."""
    since = (svc.clock.now() - LOOKBACK).isoformat()
    hires = await svc.store.referrals.hired_since(since)
    profiles = await svc.store.profiles.get_many(
        sorted({str(h.get("profile_id")) for h in hires}), fields=["owner_id", "status"]
    )
    notices = []
    for hire in hires:
        profile = profiles.get(str(hire.get("profile_id")))
        if not profile or not profile.get("owner_id") or profile.get("status") != "active":
            continue
        where = hire.get("enterprise_name") or ""
        notices.append(
            Notice(
                Role.SEEKER,
                str(profile["owner_id"]),
                AlertKind.HIRED_PAUSE_PROFILE,
                "profile",
                str(hire.get("profile_id")),
                f"您已被{('“' + where + '”') if where else ''}录用"
                f"（{hire.get('posting_title') or hire.get('posting_id')}）",
                "如已上岗，可以暂停求职资料（把状态改为 paused）：暂停后您的资料不再出现在"
                "岗位匹配中，随时可以恢复。",
                tag=str(hire.get("posting_id") or ""),
            )
        )
    return await notify(svc, notices)


async def announce_opened(svc: Services, today: date) -> int:
    """Put postings that open today (``valid_from``) on the change feed, once a day (marked
    done only after they were recorded, so a failed run is repeated by the next)."""
    log, tag = svc.store.posting_changes, f"opened:{today.isoformat()}"
    if await log.done(tag):
        return 0
    found = await svc.store.postings.in_status_dated(
        PostingStatus.ACTIVE.value,
        "valid_from",
        {"gte": today.isoformat(), "lte": today.isoformat()},
    )
    await log.record([posting_id for posting_id, _, _ in found], "updated")
    await log.mark_done(tag, ttl_s=3 * 86_400)
    return len(found)


async def trim_changes(svc: Services) -> int:
    """Drop change-log entries (the postings feed's and the profiles') older than
    ``MATCHER_FEED_RETENTION_DAYS``; how many."""
    removed = 0
    for log in (svc.store.posting_changes, svc.store.profile_changes):
        cutoff = await log.now_ms() - svc.settings.feed_retention_days * 86_400_000
        removed += await log.trim(cutoff)
    return removed


async def run_lifecycle(svc: Services) -> dict[str, int]:
    """Every step once; the counts of what each did."""
    today = svc.clock.today()
    return {
        "expired": await expire_postings(svc, today),
        "warned": await warn_expiring(svc, today),
        "filled_notices": await notice_filled(svc),
        "hired_notices": await ask_hired_seekers(svc),
        "opened": await announce_opened(svc, today),
        "projects_unlinked": await unlink_lapsed(svc),
        "changes_trimmed": await trim_changes(svc),
    }
