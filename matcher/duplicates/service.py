"""Duplicates: a posting that repeats another open posting of the same enterprise, and two
profiles that share a phone or certificate number.

A worker job (``find_duplicates``, every five seconds) follows the change logs of postings
and profiles, so every write is checked — through the API, the desk or a file import, and
after a crash (the job repeats its batch until it has finished it).

Postings. A posting *repeats* another when both belong to the same enterprise, are for the
same occupation in the same county (region code: a vacancy at another site is another
vacancy, however alike the text), and their title and description are near-identical
(three-character shingles overlapping by ``NEAR_IDENTICAL`` or more:
``matcher.foundation.neardup``), and the other is active and was created before it. The
repeat keeps ``duplicate_of`` (the oldest such posting); the enterprise and the offices of
the posting's region are told once (inbox), and bulletins count the two once (the repeat's
demand and wage are left out). The verdict is taken again whenever the posting or the one it
repeats is written or deleted, and only while the posting is active: a repeat that is
closed, filled or expired keeps its flag, so a past period's bulletin does not change,
unless the posting it repeated is deleted. When the original is closed, filled or expires
while the repeat is still active, the repeat is no longer one and counts again.

Profiles. Two profiles whose contact phone or a certificate number is the same (compared as
hashes, ``identity_keys``) are a possible double registration. The offices whose region
covers both (and admins) are told once per pair; nobody else learns of it — not the seekers,
nor an office that may read only one of the two. The profiles are not changed: an office
decides, after checking, which to keep.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from indexes.documents import PostingDoc, PostingStatus, ProfileDoc
from matcher.alerts.models import AlertKind
from matcher.alerts.service import Notice, notify
from matcher.changes.service import follow
from matcher.foundation.neardup import NEAR_IDENTICAL, similarity
from matcher.foundation.principals import Role
from matcher.postings.service import duplicate_text
from matcher.services import Services
from matcher.store.changes import Change

READER = "duplicates"  # this job's position in the change logs
NOWHERE_REGION = "000000"  # two profiles no region holds: only admins are told
BUSY_NUMBER = 3  # a number on this many other profiles tells nothing about one person


def _title(doc: Mapping[str, Any]) -> str:
    return str(doc.get("title") or doc.get("id") or "")


def _key(doc: Mapping[str, Any], doc_id: str) -> tuple[str, str]:
    return str(doc.get("created_at") or ""), doc_id


async def _original_of(svc: Services, posting_id: str, doc: PostingDoc) -> PostingDoc | None:
    """The oldest active posting of the same enterprise, occupation and county, created
    before this one, whose text this one repeats (None when there is none)."""
    text = duplicate_text(doc)
    for hit in await svc.store.postings.sharing_bands(doc, other_than=posting_id):
        if _key(hit.doc, hit.id) < _key(doc, posting_id) and (
            similarity(duplicate_text(hit.doc), text) >= NEAR_IDENTICAL
        ):
            return {**hit.doc, "id": hit.id}
    return None


async def _newer_twins(svc: Services, posting_id: str, doc: PostingDoc) -> list[str]:
    """Active postings created after this active one that share a band with it: the ones
    it may now be the original of (it was reopened, or written while they were)."""
    if doc.get("status") != PostingStatus.ACTIVE.value:
        return []
    return [
        hit.id
        for hit in await svc.store.postings.sharing_bands(doc, other_than=posting_id)
        if _key(hit.doc, hit.id) > _key(doc, posting_id)
    ]


def _enterprise(doc: Mapping[str, Any]) -> str:
    name = doc.get("enterprise_name")
    enterprise = doc.get("enterprise_id")
    return f"单位“{name}”（{enterprise}）" if name else f"单位 {enterprise} "


def _posting_notices(posting_id: str, doc: PostingDoc, original: PostingDoc) -> list[Notice]:
    original_id = str(original.get("id"))
    registered = str(original.get("created_at") or "")[:10]

    def said(whose: str) -> str:
        return (
            f"与{whose} {registered} 发布、仍在招聘的岗位“{_title(original)}”"
            f"（编号 {original_id}）职业、工作地点相同，内容几乎一样，供求统计只计一次。"
        )

    fields: dict[str, Any] = {
        "kind": AlertKind.POSTING_DUPLICATE,
        "record_kind": "posting",
        "record_id": posting_id,
        "title": f"岗位“{_title(doc)}”疑似重复发布",
        "tag": original_id,
    }
    return [
        Notice(
            role=Role.ENTERPRISE,
            subject=str(doc.get("enterprise_id") or ""),
            body=said("本单位")
            + "如为重复发布，请关闭其中一个；如确为不同岗位，请联系当地公共就业服务机构。",
            **fields,
        ),
        Notice.to_offices(
            str(doc.get("region_code") or NOWHERE_REGION),
            body=f"{_enterprise(doc)}的这个岗位" + said("该单位") + "请提醒单位核实。",
            **fields,
        ),
    ]


async def check_postings(svc: Services, ids: Sequence[str]) -> tuple[int, int]:
    """Take the verdict again for the postings written (``ids``), those flagged as repeating
    one of them, and the newer ones an active one among them may now be the original of;
    (flags set, flags cleared). The alerts are written before the flags (each once, by its
    id), so a run that fails between the two tells nobody twice and nobody never."""
    store = svc.store.postings
    stored = await store.get_many_versioned(sorted({*ids, *await store.repeating(ids)}))
    twins = {t for pid, found in stored.items() for t in await _newer_twins(svc, pid, found.doc)}
    stored |= await store.get_many_versioned(sorted(twins - set(stored)))
    updates: list[tuple[str, dict[str, Any], tuple[int, int]]] = []
    notices: list[Notice] = []
    for posting_id, found in sorted(stored.items()):
        doc = found.doc
        was = doc.get("duplicate_of")
        if doc.get("status") == PostingStatus.ACTIVE.value:
            original = await _original_of(svc, posting_id, doc)
            now = str(original["id"]) if original else None
            if original is not None:
                notices += _posting_notices(posting_id, doc, original)
        else:  # frozen, unless the posting it repeated is gone
            now = was if was and await store.get(was) is not None else None
        if now != was:
            updates.append((posting_id, {"duplicate_of": now}, found.version))
    await notify(svc, notices)
    if updates:
        # A lost update means the posting was written meanwhile: its own log entry brings
        # it back here.
        lost, failed = await store.update_many_if_unchanged(updates)
        if failed:
            raise RuntimeError(f"{len(failed)} duplicate flags not written: {failed[0][2]}")
        updates = [u for u in updates if u[0] not in lost]
        await store.refresh_now()  # bulletins and lists see the flags at once
    flagged = sum(1 for _, fields, _ in updates if fields["duplicate_of"])
    return flagged, len(updates) - flagged


def _shared(a: ProfileDoc | Mapping[str, Any], b: Mapping[str, Any], telling: set[str]) -> str:
    kinds = {
        k.split(":", 1)[0]
        for k in set(a.get("identity_keys") or []) & set(b.get("identity_keys") or []) & telling
    }
    return "、".join(
        name for kind, name in (("phone", "手机号"), ("cert", "证书编号")) if kind in kinds
    )


async def check_profiles(svc: Services, ids: Sequence[str]) -> int:
    """Tell the offices about profiles among ``ids`` that share a phone or certificate
    number with another profile; how many new alerts."""
    regions = svc.taxonomy.regions
    docs = await svc.store.profiles.get_many(
        list(ids), fields=["id", "region_code", "identity_keys", "created_at"]
    )
    notices: list[Notice] = []
    for profile_id, doc in docs.items():
        keys = doc.get("identity_keys") or []
        hits = await svc.store.profiles.sharing_identity(keys, other_than=profile_id)
        # A number on many profiles is a family's, an agent's or a placeholder: not one
        # person registered twice. Such numbers are left out.
        holders = Counter(k for hit in hits for k in set(hit.doc.get("identity_keys") or []))
        telling = {k for k in keys if 0 < holders[k] < BUSY_NUMBER}
        for hit in hits:
            if not telling & set(hit.doc.get("identity_keys") or []):
                continue
            older, newer = sorted([(hit.doc, hit.id), (doc, profile_id)], key=lambda p: _key(*p))
            region = regions.common(
                str(doc.get("region_code") or ""), str(hit.doc.get("region_code") or "")
            )
            notices.append(
                Notice.to_offices(
                    region or NOWHERE_REGION,
                    kind=AlertKind.PROFILE_DUPLICATE,
                    record_kind="profile",
                    record_id=newer[1],
                    title=f"档案 {newer[1]} 疑似重复登记",
                    body=f"档案 {newer[1]}（{str(newer[0].get('created_at') or '')[:10]} 登记）"
                    f"与档案 {older[1]}（{str(older[0].get('created_at') or '')[:10]} 登记）"
                    f"的{_shared(doc, hit.doc, telling)}相同，可能是同一人登记了两次"
                    "（也可能是家人共用一个手机号）。请核实；核实前两份照常参与匹配。"
                    "本提醒不告知求职者。",
                    tag=older[1],
                )
            )
    return await notify(svc, notices)


async def check_new_records(svc: Services) -> dict[str, int]:
    """One run of the job: the postings and profiles written since its last run checked;
    what it did."""

    async def postings(entries: Sequence[Change]) -> tuple[int, int]:
        return await check_postings(svc, sorted({e.record_id for e in entries}))

    async def profiles(entries: Sequence[Change]) -> int:
        written = sorted({e.record_id for e in entries if e.kind != "deleted"})
        return await check_profiles(svc, written) if written else 0

    postings_read, marks = await follow(svc, svc.store.posting_changes, READER, postings)
    profiles_read, alerts = await follow(svc, svc.store.profile_changes, READER, profiles)
    flagged, cleared = marks or (0, 0)
    return {
        "postings_read": postings_read,
        "profiles_read": profiles_read,
        "postings_flagged": flagged,
        "postings_cleared": cleared,
        "profile_alerts": alerts or 0,
    }
