"""Does the trade fit? The occupation side of a pair, from both records' readings.

Each record carries its occupation as readings — (code, probability) pairs: one certain
reading when the caller gave the code or an office confirmed it, the inference's
distribution otherwise (``matcher.taxonomy.inference``). A seeker may name several intended
occupations, each certain; the posting's one occupation is compared with the closest of them.

- the **occupation feature** is the expected similarity of the two readings — 1 for the same
  occupation, 0.6 the same minor group, 0.3 the same middle group, 0.1 the same major group;
- the **tier** says it in words: 对口 (the same occupation, more likely than not), 相近 (the same
  minor group of the classification, more likely than not: a neighbouring trade the catalogue
  groups together), 不对口 (neither — or an occupation that cannot be read at all). Lists leave
  不对口 out unless asked, and nothing (an incentive included) lifts it back.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from matcher.taxonomy.occupations import OccupationCatalog

Readings = Sequence[tuple[str, float]]

# Similarity of two codes by the depth of their shared prefix (major-middle-minor-unit).
LEVEL_SIMILARITY = {4: 1.0, 3: 0.6, 2: 0.3, 1: 0.1, 0: 0.0}
LIKELY = 0.5


class Tier(StrEnum):
    FIT = "对口"
    RELATED = "相近"
    UNRELATED = "不对口"


def shared_levels(a: str, b: str) -> int:
    shared = 0
    for x, y in zip(a.split("-"), b.split("-"), strict=False):
        if x != y:
            break
        shared += 1
    return shared


def readings_of(doc: Mapping[str, Any], *, side: str) -> Readings:
    """A stored record's readings: its stored candidates, else its codes (certain)."""
    stored = doc.get("occupation_candidates")
    if stored:
        return tuple((str(c["code"]), float(c["p"])) for c in stored)
    codes = doc.get("occupation_codes") if side == "profile" else [doc.get("occupation_code")]
    return tuple((str(c), 1.0) for c in codes or [] if c)


@dataclass(frozen=True)
class OccupationFit:
    """The occupation side of a pair: the expected similarity, the chance of the same
    occupation and of the same minor group, the tier and the readings compared."""

    similarity: float
    same: float
    close: float
    tier: Tier
    posting_code: str | None
    posting_p: float
    profile_code: str | None

    @property
    def known(self) -> bool:
        return self.posting_code is not None and self.profile_code is not None


def fit(posting: Readings, profile: Readings) -> OccupationFit:
    """How well the posting's occupation fits the profile's.

    A profile whose readings are all certain (its intended occupations) fits a posting
    reading through the closest of them; an inferred profile through its distribution. The
    probability the readings leave unassigned (the many unlikely occupations) counts as no
    fit: an uncertain reading never looks better than it is.

    Remembered for the last few thousand pairs of readings: a match compares one record
    with a hundred others, many of them of the same few occupations."""
    return _fit(tuple(posting), tuple(profile))


@functools.lru_cache(maxsize=8192)
def _fit(posting: Readings, profile: Readings) -> OccupationFit:
    top_posting = max(posting, key=lambda r: r[1]) if posting else None
    if top_posting is None or not profile:
        code = top_posting[0] if top_posting else None
        return OccupationFit(
            0.0,
            0.0,
            0.0,
            Tier.UNRELATED,
            code,
            top_posting[1] if top_posting else 0.0,
            profile[0][0] if profile else None,
        )
    certain = all(q >= 1.0 for _, q in profile)
    similarity = same = close = 0.0
    for code, p in posting:
        levels = [(shared_levels(code, other), q) for other, q in profile]
        if certain:
            similarity += p * max(LEVEL_SIMILARITY[lv] for lv, _ in levels)
            same += p * any(lv == 4 for lv, _ in levels)
            close += p * any(lv >= 3 for lv, _ in levels)
        else:
            similarity += p * sum(q * LEVEL_SIMILARITY[lv] for lv, q in levels)
            same += p * sum(q for lv, q in levels if lv == 4)
            close += p * sum(q for lv, q in levels if lv >= 3)
    tier = Tier.FIT if same >= LIKELY else Tier.RELATED if close >= LIKELY else Tier.UNRELATED
    nearest = max(
        profile, key=lambda r: (LEVEL_SIMILARITY[shared_levels(top_posting[0], r[0])], r[1])
    )
    return OccupationFit(
        round(min(similarity, 1.0), 4),
        round(min(same, 1.0), 4),
        round(min(close, 1.0), 4),
        tier,
        top_posting[0],
        top_posting[1],
        nearest[0],
    )


def _group_name(code: str, levels: int, catalog: OccupationCatalog) -> str:
    parts = code.split("-")
    padded = "-".join(parts[:levels] + ["00"] * (4 - levels))
    group = catalog.get(padded)
    return group.name if group else padded


def _name(code: str | None, catalog: OccupationCatalog) -> str:
    found = catalog.get(code) if code else None
    return found.name if found else (code or "未知职业")


def _reading(fit_: OccupationFit, catalog: OccupationCatalog) -> str:
    """The posting's occupation as the comparison read it: the name, and how sure."""
    name = _name(fit_.posting_code, catalog)
    if fit_.posting_p >= 0.95:
        return f"“{name}”"
    return f"“{name}”（按岗位描述判断，把握约{fit_.posting_p:.0%}）"


def summary(fit_: OccupationFit, catalog: OccupationCatalog) -> str:
    """The tier in a sentence a clerk or a seeker reads: which trade the posting asks for,
    which the seeker has, and why they fit or not."""
    if not fit_.known:
        return "未能判断职业，不能确认是否对口"
    wanted, held = _reading(fit_, catalog), f"“{_name(fit_.profile_code, catalog)}”"
    if fit_.tier is Tier.FIT:
        return f"对口：岗位招{wanted}，求职者的职业相同"
    if fit_.tier is Tier.RELATED:
        group = _group_name(str(fit_.posting_code), 3, catalog)
        return f"相近：岗位招{wanted}，求职者是{held}，同属“{group}”一类"
    if fit_.posting_code == fit_.profile_code:
        # The same trade read on both sides, but too unsure a reading to call it a fit.
        return f"未能确认对口：岗位招{wanted}，求职者可能也是{held}，但把握不足，请核实"
    return f"不对口：岗位招{wanted}，求职者是{held}"


def feature_detail(fit_: OccupationFit, catalog: OccupationCatalog) -> str:
    """The occupation feature's reason, short."""
    if not fit_.known:
        return "职业未知"
    if fit_.tier is Tier.FIT:
        return (
            "职业对口"
            if fit_.posting_p >= 0.95
            else f"职业对口（按岗位描述判断，把握约{fit_.posting_p:.0%}）"
        )
    if fit_.tier is Tier.RELATED:
        return f"相近职业（同属“{_group_name(str(fit_.posting_code), 3, catalog)}”）"
    return "职业不同"
