"""Derived fields a mapping version added, filled in while ``matcher migrate`` copies records.

Profiles and postings v4 added ``registered_on`` (taken from ``created_at`` for records stored
before it existed), ``primary_occupation`` (profiles) and ``wage_monthly`` (postings), which the
bulletins aggregate on. The transform leaves records that have them untouched, and can wrap
another transform (the re-embedding of a model change).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from indexes.manage import Transform
from matcher.postings.service import monthly_wage


def fill_derived(kind: str, source: MutableMapping[str, Any]) -> None:
    if not source.get("registered_on") and source.get("created_at"):
        source["registered_on"] = str(source["created_at"])[:10]
    if kind == "profiles":
        codes = source.get("occupation_codes") or []
        if codes and not source.get("primary_occupation"):
            source["primary_occupation"] = codes[0]
    elif kind == "postings" and "wage_monthly" not in source:
        wage = monthly_wage(source.get("wage_min"), source.get("wage_max"))
        if wage is not None:
            source["wage_monthly"] = wage


def backfill(kind: str, then: Transform | None = None) -> Transform | None:
    """A migration transform for ``kind`` (None for indexes without derived record fields)."""
    if kind not in ("profiles", "postings"):
        return then

    async def transform(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for hit in batch:
            fill_derived(kind, hit["_source"])
        return await then(batch) if then else batch

    return transform
