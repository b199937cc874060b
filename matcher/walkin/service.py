"""Postings for a walk-in worker described in their own words (no stored profile).

The same search as ``POST /v1/search/postings`` finds the postings; each is then checked
against a transient profile built from what the staff entered (grade, held certificates,
league-city) with the matching code's hard rules and gaps, so a posting whose certificate the
worker lacks shows the certificate and where to obtain it instead of silently disappearing.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from indexes.documents import ProfileDoc
from matcher.foundation.neardup import identity_keys, name_key
from matcher.foundation.principals import Principal
from matcher.foundation.problems import ValidationFailed
from matcher.foundation.text import segment
from matcher.incentives.service import in_force_policies
from matcher.matching.service import pair_context
from matcher.policy.access import listing_scope, may_read_profile
from matcher.policy.fairness import field_errors
from matcher.policy.incentives import grants as incentive_grants
from matcher.policy.ranking import Scored, occupation_fit, score_pair
from matcher.policy.relevance import summary
from matcher.policy.rules import RuleResult, check
from matcher.privacy import audit
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import put_profile
from matcher.records.occupation import CODE_AT
from matcher.records.prepare import infer_occupations
from matcher.search.models import PostingSearch
from matcher.search.service import search_postings
from matcher.services import Services
from matcher.taxonomy.certificates import certificate_key, official_name, permits
from matcher.taxonomy.grades import SkillGrade
from matcher.taxonomy.inference import Reading, RecordText

MAX_CERTIFICATES = 10
_SPLIT = re.compile(r"[,，、;；\n]+")
# Words that say the worker holds some certificate without naming it.
_MENTIONS_CERTIFICATE = re.compile(r"证|资格|持有")


_NUMERALS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_YEARS = re.compile(
    r"(?:干了|做了|干过|做过|当过|开过|从业|工作了?|干|做|开了|跑了|有)\s*"
    r"([0-9]{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:多)?\s*年"
    r"|([0-9]{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:多)?\s*年(?:的)?(?:工作)?(?:经验|工龄)"
)
_MOVING = re.compile(
    r"(想|愿意|可以|能|肯)(去|到)?(外地|外省|外出|异地|出差)|去哪(都|儿都)行|外地也行|不怕远"
)
_STAYING = re.compile(r"(不想|不愿意?|不能|不去)(去)?(外地|外省|异地|出远门)|只(在|想在)本地")


def _number(raw: str) -> int | None:
    if raw.isdigit():
        return int(raw)
    if raw == "十":
        return 10
    if "十" in raw:
        tens, _, ones = raw.partition("十")
        return (_NUMERALS.get(tens, 1) if tens else 1) * 10 + (
            _NUMERALS.get(ones, 0) if ones else 0
        )
    return _NUMERALS.get(raw)


@dataclass(frozen=True)
class Said:
    """What the worker's own words say beside the trade: years in it, and whether they would
    move (None: the words do not say)."""

    years: int | None
    moving: bool | None


def read_words(text: str) -> Said:
    """Years of experience (干了十年, 5年经验) and willingness to move (想去外地, 只在本地)
    read from the worker's words, for the clerk to confirm."""
    years = None
    found = _YEARS.search(text)
    if found:
        value = _number(found.group(1) or found.group(2))
        years = value if value is not None and 0 < value <= 60 else None
    moving = False if _STAYING.search(text) else True if _MOVING.search(text) else None
    return Said(years, moving)


@dataclass(frozen=True)
class WalkIn:
    text: str
    grade: SkillGrade | None = None
    city: str | None = None
    certificates: list[str] = field(default_factory=list)
    willing_to_relocate: bool = False
    years: int | None = None  # read from the words (read_words)
    # The grade is None either because staff did not enter it (to be verified: the grade rule
    # is pending, not failed) or because the worker holds none (``no_grade``: it fails).
    no_grade: bool = False


def _to_verify(rule: RuleResult) -> RuleResult:
    return replace(
        rule,
        detail=f"{rule.detail}（求职者等级未填写，推荐前请核验其职业技能等级证书）",
        next_step=None,
        pending=True,
    )


def parse_certificates(raw: str) -> list[str]:
    """The certificates staff entered, everyday names read as the official items they mean
    (电焊证 → 熔化焊接与热切割作业)."""
    names = [n.strip() for n in _SPLIT.split(raw) if n.strip()]
    return [official_name(n[:100]) for n in names[:MAX_CERTIFICATES]]


def certificate_hint(walkin: WalkIn) -> bool:
    """The worker mentions a certificate in their words but staff named none: the hard rules
    cannot be checked until the certificate's name is entered."""
    return not walkin.certificates and bool(_MENTIONS_CERTIFICATE.search(walkin.text))


def certificate_entries(svc: Services, names: list[str]) -> list[dict[str, str]]:
    """The certificates named at the desk, each with its type (by the access rule it meets)
    and its comparable key."""
    rules = svc.taxonomy.occupations.access_rules()
    certs = []
    for name in names:
        key = certificate_key(name)
        kind = "special_operation" if "作业" in name else "other"
        for rule in rules:
            needed = certificate_key(rule.certificate_name)
            if key and (key in needed or needed in key):
                kind = rule.certificate_type
                break
        certs.append({"type": kind, "name": name, "key": key})
    return certs


@dataclass(frozen=True)
class Registration:
    """What a clerk adds to a walk-in's search to register the worker: name and phone, and
    the region the worker lives in when the search named no league-city."""

    name: str
    phone: str | None
    region_code: str
    # The registration form's own id: a form sent twice (a double click, a resend after a
    # timeout) writes the same profile again instead of registering the worker twice.
    form_id: str = ""


async def register_walkin(
    svc: Services, *, principal: Principal, walkin: WalkIn, person: Registration
) -> str:
    """Register a walk-in worker as a profile of the office, from the words and facts the
    desk already has (the trade read from their words, the grade, certificates, willingness
    to move); returns the new profile's id. The worker's agreement is the caller's to check.
    The worker's words become the profile's summary, so they pass the same check as the API's
    (no age, gender, ethnicity … stated)."""
    problems = field_errors({"summary": walkin.text}, ["summary"], self_description=True)
    if problems:
        raise ValidationFailed(
            "Protected traits in the worker's words",
            [{"field": "words", "message": p["message"]} for p in problems],
        )
    read = await infer_occupations(
        svc, [RecordText(walkin.text[:200], certificates=walkin.certificates)]
    )
    best = read[0][0] if read and read[0] else None
    title = best.name if best is not None and best.p >= CODE_AT else walkin.text[:50]
    body = ProfileIn.model_validate(
        {
            "title": title,
            "summary": walkin.text,
            "occupation_codes": [best.code] if best is not None and best.p >= CODE_AT else [],
            "skill_level": int(walkin.grade) if walkin.grade is not None else None,
            "certificates": [
                {"type": c["type"], "name": c["name"]}
                for c in certificate_entries(svc, walkin.certificates)
            ],
            "region_code": person.region_code,
            "willing_to_relocate": walkin.willing_to_relocate,
            "years_experience": walkin.years,
            "contact": {"name": person.name, "phone": person.phone},
            "registered_on": svc.clock.today().isoformat(),
        },
        context={"today": svc.clock.today()},
    )
    form_id = person.form_id if re.fullmatch(r"[0-9a-f]{12}", person.form_id) else ""
    profile_id = f"walkin-{form_id or uuid.uuid4().hex[:12]}"
    await put_profile(svc, principal=principal, profile_id=profile_id, body=body)
    return profile_id


def transient_profile(svc: Services, walkin: WalkIn, occupation_codes: list[str]) -> ProfileDoc:
    """A profile document as matching reads one, from the desk form (never stored)."""
    certs = certificate_entries(svc, walkin.certificates)
    level = int(walkin.grade) if walkin.grade is not None else None
    doc: dict[str, Any] = {
        "status": "active",
        "title": walkin.text[:100],
        "occupation_codes": occupation_codes,
        "skill_level": level,
        "effective_level": level,
        "certificates": certs,
        "permits": permits(certs, svc.taxonomy.occupations.access_rules()),
        "skills": [],
        "region_code": walkin.city,
        "city_code": walkin.city,
        "willing_to_relocate": walkin.willing_to_relocate,
        "years_experience": walkin.years,
        "search_text": segment(walkin.text),
    }
    return cast(ProfileDoc, doc)


async def postings_for_walkin(
    svc: Services, *, walkin: WalkIn, limit: int = 20
) -> tuple[list[Scored], int, list[Reading]]:
    """Matching postings (search order) each with its hard-rule checks and gaps, the total,
    and the occupations read from the worker's words (best first)."""
    # No grade filter: a posting above the worker's grade is shown with the grade as a gap.
    body = PostingSearch(
        q=walkin.text[:200],
        region_code=walkin.city if walkin.city and not walkin.willing_to_relocate else None,
        limit=limit,
    )
    # The occupation guess (for the occupation feature) runs beside the search, not after it.
    found, readings = await asyncio.gather(
        search_postings(svc, body=body),
        infer_occupations(svc, [RecordText(walkin.text[:200], certificates=walkin.certificates)]),
    )
    read = readings[0] if readings else []
    codes = [read[0].code] if read and read[0].p >= CODE_AT else []
    # The worker is at the desk and the page shows the clerk what was read (to correct in the
    # worker's words when wrong): the reading counts as the worker's stated trade.
    profile = transient_profile(svc, walkin, codes)
    ids = [hit.posting_id for hit in found.results]
    sources: Mapping[str, Any] = await svc.store.postings.get_many(
        ids, exclude=["embedding", "search_text", "title_tokens"]
    )
    # The incentives the worker would receive, pair by pair, as the API computes them.
    context = pair_context(svc, await in_force_policies(svc))
    scored = []
    for hit in found.results:
        posting = sources.get(hit.posting_id)
        if posting is None:
            continue
        granted = incentive_grants(
            context.policies, posting, profile, day=context.day, regions=context.regions
        )
        score, feats, contributions, gaps = score_pair(
            posting,
            profile,
            retrieval=hit.score if hit.score is not None else 0.0,
            context=context,
            grants=granted,
        )
        rules = check(posting, profile, context.day, svc.taxonomy.occupations)
        if walkin.grade is None and not walkin.no_grade:
            rules = [_to_verify(r) if r.rule == "grade" and not r.passed else r for r in rules]
        trade = occupation_fit(posting, profile)
        scored.append(
            Scored(
                hit.posting_id,
                score,
                feats,
                contributions,
                gaps,
                rules,
                posting,
                grants=granted,
                fit=trade,
                summary=summary(trade, svc.taxonomy.occupations),
            )
        )
    return scored, found.total, read


RETURNING_SHOWN = 10


@dataclass(frozen=True)
class Returning:
    """A worker registered before, found by a number they carry: what the clerk needs to
    recognise them and to search again for them."""

    profile_id: str
    name: str
    title: str
    status: str
    region_code: str
    registered_on: str
    search: dict[str, str]  # the walk-in page's query for this worker


def _search_of(doc: Mapping[str, Any]) -> dict[str, str]:
    """The walk-in search a registered profile stands for (its words, grade, certificates)."""
    words = " ".join(str(doc.get(k) or "") for k in ("title", "summary")).strip()
    query = {"q": words[:200], "profile": str(doc.get("id") or "")}
    if doc.get("skill_level"):
        query["grade"] = str(int(doc["skill_level"]))
    names = [str(c.get("name") or "") for c in doc.get("certificates") or []]
    if names:
        query["certs"] = "，".join(n for n in names if n)[:1000]
    if doc.get("willing_to_relocate"):
        query["relocate"] = "1"
    return query


@dataclass(frozen=True)
class Lookup:
    """The returning workers found (at most ``RETURNING_SHOWN``), and whether more matched
    (a common name: the clerk asks for the phone number)."""

    found: list[Returning]
    more: bool


async def returning(svc: Services, *, principal: Principal, who: str) -> Lookup:
    """Profiles the office may read whose mobile phone or a certificate number is ``who``, or
    (text without digits) whose name is ``who``: compared as hashes, never searched as text.
    Every lookup is audited, one that finds nothing too (probing leaves a trace)."""
    who = who.strip()
    if any(ch.isdigit() for ch in who):
        keys = identity_keys(who, [who])
        if not keys:
            raise ValidationFailed(
                "who",
                [{"field": "who", "message": "an 11-digit mobile number or a certificate number"}],
            )
        # Keys shared by many (placeholders, a family's phone) must not push the office's own
        # out of the answer: read a wide page of ids, keep those the office may read.
        hits = await svc.store.profiles.sharing_identity(keys, other_than="", limit=1000)
        readable = [h.id for h in hits if may_read_profile(principal, h.doc, svc.taxonomy.regions)]
        more = len(readable) > RETURNING_SHOWN
    else:
        key = name_key(who)
        if key is None:
            raise ValidationFailed(
                "who", [{"field": "who", "message": "a name of two characters or more"}]
            )
        # Searched inside the office's area: a common name elsewhere must not push its own
        # out of the answer.
        hits, matching = await svc.store.profiles.named(
            key, scope=listing_scope(principal), limit=RETURNING_SHOWN
        )
        readable = [h.id for h in hits if may_read_profile(principal, h.doc, svc.taxonomy.regions)]
        more = matching > len(hits)
    shown = readable[:RETURNING_SHOWN]
    docs = await svc.store.profiles.get_many(shown, exclude=["embedding"])
    found = [(pid, docs[pid]) for pid in shown if pid in docs]
    looked_up: list[str | None] = [pid for pid, _ in found]
    for pid in looked_up or [None]:
        await audit.record(
            svc, audit.Event("profile.looked_up", profile_id=pid), principal=principal
        )
    return Lookup(_returning(found), more=more)


def _returning(found: Sequence[tuple[str, Mapping[str, Any]]]) -> list[Returning]:
    return [
        Returning(
            pid,
            str((doc.get("contact") or {}).get("name") or ""),
            str(doc.get("title") or ""),
            str(doc.get("status") or ""),
            str(doc.get("region_code") or ""),
            str(doc.get("registered_on") or doc.get("created_at") or "")[:10],
            _search_of({**doc, "id": pid}),
        )
        for pid, doc in found
    ]
