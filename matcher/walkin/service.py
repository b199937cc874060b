"""Postings for a walk-in worker described in their own words (no stored profile).

The same search as ``POST /v1/search/postings`` finds the postings; each is then checked
against a transient profile built from what the staff entered (grade, held certificates,
league-city) with the matching code's hard rules and gaps, so a posting whose certificate the
worker lacks shows the certificate and where to obtain it instead of silently disappearing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from indexes.documents import ProfileDoc
from matcher.foundation.text import segment
from matcher.matching.service import pair_context
from matcher.policy.ranking import Scored, occupation_fit, score_pair
from matcher.policy.relevance import summary
from matcher.policy.rules import check
from matcher.records.occupation import CODE_AT
from matcher.records.prepare import infer_occupations
from matcher.search.models import PostingSearch
from matcher.search.service import search_postings
from matcher.services import Services
from matcher.taxonomy.certificates import certificate_key, permits
from matcher.taxonomy.grades import SkillGrade
from matcher.taxonomy.inference import RecordText

MAX_CERTIFICATES = 10
_SPLIT = re.compile(r"[,，、;；\n]+")
# Words that say the worker holds some certificate without naming it.
_MENTIONS_CERTIFICATE = re.compile(r"证|资格|持有")


@dataclass(frozen=True)
class WalkIn:
    text: str
    grade: SkillGrade | None = None
    city: str | None = None
    certificates: list[str] = field(default_factory=list)
    willing_to_relocate: bool = False


def parse_certificates(raw: str) -> list[str]:
    names = [n.strip() for n in _SPLIT.split(raw) if n.strip()]
    return [n[:100] for n in names[:MAX_CERTIFICATES]]


def certificate_hint(walkin: WalkIn) -> bool:
    """The worker mentions a certificate in their words but staff named none: the hard rules
    cannot be checked until the certificate's name is entered."""
    return not walkin.certificates and bool(_MENTIONS_CERTIFICATE.search(walkin.text))


def transient_profile(svc: Services, walkin: WalkIn, occupation_codes: list[str]) -> ProfileDoc:
    """A profile document as matching reads one, from the desk form (never stored)."""
    rules = svc.taxonomy.occupations.access_rules()
    certs = []
    for name in walkin.certificates:
        key = certificate_key(name)
        kind = "special_operation" if "作业" in name else "other"
        for rule in rules:
            needed = certificate_key(rule.certificate_name)
            if key and (key in needed or needed in key):
                kind = rule.certificate_type
                break
        certs.append({"type": kind, "name": name, "key": key})
    level = int(walkin.grade) if walkin.grade is not None else None
    doc: dict[str, Any] = {
        "status": "active",
        "title": walkin.text[:100],
        "occupation_codes": occupation_codes,
        "skill_level": level,
        "effective_level": level,
        "certificates": certs,
        "permits": permits(certs, rules),
        "skills": [],
        "region_code": walkin.city,
        "city_code": walkin.city,
        "willing_to_relocate": walkin.willing_to_relocate,
        "search_text": segment(walkin.text),
    }
    return cast(ProfileDoc, doc)


async def postings_for_walkin(
    svc: Services, *, walkin: WalkIn, limit: int = 20
) -> tuple[list[Scored], int]:
    """Matching postings (search order) each with its hard-rule checks and gaps."""
    body = PostingSearch(
        q=walkin.text[:200],
        grade=walkin.grade,
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
    profile = transient_profile(svc, walkin, codes)
    profile["occupation_candidates"] = [{"code": r.code, "name": r.name, "p": r.p} for r in read]
    ids = [hit.posting_id for hit in found.results]
    sources: Mapping[str, Any] = await svc.store.postings.get_many(
        ids, exclude=["embedding", "search_text", "title_tokens"]
    )
    context = pair_context(svc)
    scored = []
    for hit in found.results:
        posting = sources.get(hit.posting_id)
        if posting is None:
            continue
        score, feats, contributions, gaps = score_pair(
            posting,
            profile,
            retrieval=hit.score if hit.score is not None else 0.0,
            context=context,
        )
        rules = check(posting, profile, context.day, svc.taxonomy.occupations)
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
                fit=trade,
                summary=summary(trade, svc.taxonomy.occupations),
            )
        )
    return scored, found.total
