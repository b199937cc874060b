"""The occupation a record is stored with: given, inferred, or confirmed — and kept.

- **given**: the caller named the code(s); stored as one certain reading each.
- **inferred**: no code given; the inference's readings of the whole record are stored
  (``occupation_candidates``), the most likely one becomes the record's code when it is at all
  likely (p ≥ 0.2), and the record is marked ambiguous when it is less likely than not
  (p < 0.5), for an office to confirm.
- **confirmed**: an office or the owner said which occupation it is
  (``PUT …/occupation``). A confirmation survives every later rewrite that names no code,
  re-embedding and migrations: it is read back from the stored record each time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matcher.taxonomy.catalog import Taxonomy
from matcher.taxonomy.inference import Reading

CODE_AT = 0.2  # the best reading becomes the record's code from this probability
AMBIGUOUS_BELOW = 0.5


@dataclass(frozen=True)
class Confirmation:
    by: str
    at: str


@dataclass(frozen=True)
class Occupation:
    source: str  # given, inferred, confirmed
    codes: list[str]
    readings: list[Reading]
    confirmed_by: str | None = None
    confirmed_at: str | None = None

    def fields(self) -> dict[str, Any]:
        """The stored fields this reading fills (beside the kind's own code field)."""
        best = self.readings[0] if self.readings else None
        out: dict[str, Any] = {
            "occupation_candidates": [
                {"code": r.code, "name": r.name, "p": r.p} for r in self.readings
            ],
            "occupation_candidate_codes": [r.code for r in self.readings],
            "occupation_confidence": best.p if best else 0.0,
            "occupation_source": self.source,
            "occupation_ambiguous": self.source == "inferred"
            and (best is None or best.p < AMBIGUOUS_BELOW),
            "occupation_confirmed_by": self.confirmed_by,
            "occupation_confirmed_at": self.confirmed_at,
        }
        if self.source == "inferred" and best is not None and self.codes:
            out["occupation_normalized"] = {"code": best.code, "name": best.name, "score": best.p}
        return out


def certain(codes: Sequence[str], taxonomy: Taxonomy) -> list[Reading]:
    return [Reading(c, taxonomy.occupation_name(c), 1.0) for c in codes]


def confirmed_codes(stored: Mapping[str, Any] | None) -> list[str] | None:
    """The codes an office or the owner confirmed on the stored record, if any."""
    if not stored or stored.get("occupation_source") != "confirmed":
        return None
    return [str(c["code"]) for c in stored.get("occupation_candidates") or []]


@dataclass(frozen=True)
class OccupationInput:
    """What decides a record's occupation on a write."""

    given: list[str]
    stored: Mapping[str, Any] | None
    readings: list[Reading] | None = None  # the inference's, when it was asked
    confirmation: Confirmation | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def decide(item: OccupationInput, taxonomy: Taxonomy) -> Occupation:
    """Given codes win (stored as confirmed when this write confirms them, or when they
    repeat a confirmation); else a stored confirmation is kept; else the inference's
    readings."""
    kept = confirmed_codes(item.stored)
    stored = item.stored or {}
    if item.given:
        if item.confirmation is not None:
            return Occupation(
                "confirmed",
                item.given,
                certain(item.given, taxonomy),
                item.confirmation.by,
                item.confirmation.at,
            )
        if kept is not None and kept == item.given:
            return Occupation(
                "confirmed",
                item.given,
                certain(item.given, taxonomy),
                stored.get("occupation_confirmed_by"),
                stored.get("occupation_confirmed_at"),
            )
        return Occupation("given", item.given, certain(item.given, taxonomy))
    if kept:
        return Occupation(
            "confirmed",
            kept,
            certain(kept, taxonomy),
            stored.get("occupation_confirmed_by"),
            stored.get("occupation_confirmed_at"),
        )
    readings = item.readings or []
    codes = [readings[0].code] if readings and readings[0].p >= CODE_AT else []
    return Occupation("inferred", codes, readings)
