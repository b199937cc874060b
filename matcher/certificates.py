"""Which certificates a seeker holds, in the terms hard rules are checked in.

Certificate names are written many ways (熔化焊接与热切割作业 / 焊接与热切割作业操作证 / 焊工证);
``certificate_key`` reduces a name to a comparable key, and ``permits`` lists, for a profile,
the employment-access rules its valid certificates satisfy (stored with the profile so the hard
rule is an Elasticsearch filter).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from matcher.taxonomy.occupations import AccessRule

_NOISE = re.compile(
    r"[\s()（）《》\[\]【】·、,，.。:：-]|中华人民共和国|特种作业|操作证|证书|资格证|证$"
)


def certificate_key(name: str) -> str:
    """A comparable key: full-width folded, spaces, brackets and boilerplate words removed."""
    text = unicodedata.normalize("NFKC", name).lower()
    return _NOISE.sub("", text) or text


def is_valid_on(certificate: Mapping[str, Any], day: date) -> bool:
    expires = certificate.get("expires_on")
    return expires is None or str(expires) >= day.isoformat()


def satisfies(certificate: Mapping[str, Any], rule: AccessRule) -> bool:
    """A certificate meets an access rule: same kind, and the same item or occupation."""
    if certificate.get("type") != rule.certificate_type:
        return False
    if certificate.get("occupation_code") == rule.code:
        return True
    held, needed = (
        certificate_key(str(certificate.get("name", ""))),
        certificate_key(rule.certificate_name),
    )
    # "电工作业（低压电工作业/高压电工作业）" is met by "低压电工作业" and the reverse holds.
    return bool(held) and (held in needed or needed in held)


def permits(
    certificates: Iterable[Mapping[str, Any]], rules: Iterable[AccessRule]
) -> list[dict[str, Any]]:
    """For each access rule some certificate satisfies: the occupation code and the latest
    expiry among the satisfying certificates (None = does not expire)."""
    out = []
    for rule in rules:
        matching = [c for c in certificates if satisfies(c, rule)]
        if not matching:
            continue
        expiries = [c.get("expires_on") for c in matching]
        expires = None if any(e is None for e in expiries) else max(str(e) for e in expiries)
        out.append({"code": rule.code, "expires_on": expires})
    return out
