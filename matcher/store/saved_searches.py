"""Saved searches and subscriptions, and the inverted check: which of them a new record
satisfies, found with one query over their structured part (not a loop over all of them).

A posting ``P`` is a candidate for a saved search when every condition the search states
holds for it — a condition it does not state passes:
- its words are all among P's words (``terms_set`` on ``words`` with ``words_count``), or
  P is of one of its trades' minor groups, or it names neither (``match_any``);
- P lies inside its region (``region_scope`` is one of P's region prefixes);
- P offers at least its wage floor, requires at most its grade, is of its industry, and
  carries an incentive in force if it asks for one.
Candidates are then confirmed with the search itself (``matcher.subscriptions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from indexes.documents import SavedSearchDoc
from matcher.store.base import Fetch, Repository
from matcher.store.queries import Query

MAX_CANDIDATES = 10_000


def _unless(field: str, condition: Query) -> Query:
    """``condition``, or the saved search does not state ``field``."""
    return {
        "bool": {
            "should": [condition, {"bool": {"must_not": {"exists": {"field": field}}}}],
            "minimum_should_match": 1,
        }
    }


@dataclass(frozen=True)
class PostingTraits:
    """What a posting offers, as the saved searches' conditions read it."""

    words: Sequence[str]
    groups: Sequence[str]  # its trade's minor group
    region_prefixes: Sequence[str]  # 15, 1502, 150203
    wage: int | None  # the upper end of its range
    grade: int | None  # the grade it requires
    industry: str | None
    carries_incentive: bool  # a policy in force


def posting_conditions(traits: PostingTraits) -> list[Query]:
    """The filters that keep the saved searches a posting with these traits meets."""
    words, groups, wage = traits.words, traits.groups, traits.wage
    grade, industry = traits.grade, traits.industry
    found: list[Query] = [{"term": {"match_any": True}}]
    if words:
        found.append(
            {
                "terms_set": {
                    "words": {
                        "terms": sorted(set(words)),
                        "minimum_should_match_field": "words_count",
                    }
                }
            }
        )
    if groups:
        found.append({"terms": {"occupation_groups": list(groups)}})
    filters: list[Query] = [
        {"bool": {"should": found, "minimum_should_match": 1}},
        _unless("region_scope", {"terms": {"region_scope": list(traits.region_prefixes)}}),
    ]
    # A posting stating no pay meets no wage floor; one stating no grade meets any grade.
    filters.append(
        _unless("wage_floor", {"range": {"wage_floor": {"lte": wage}}})
        if wage is not None
        else {"bool": {"must_not": {"exists": {"field": "wage_floor"}}}}
    )
    if grade is not None:
        filters.append(_unless("grade", {"range": {"grade": {"lte": grade}}}))
    filters.append(
        _unless("industry", {"term": {"industry": industry}})
        if industry
        else {"bool": {"must_not": {"exists": {"field": "industry"}}}}
    )
    if not traits.carries_incentive:
        filters.append({"bool": {"must_not": {"term": {"incentives_only": True}}}})
    return filters


class SavedSearchRepository(Repository[SavedSearchDoc]):
    async def candidates(
        self, kinds: Sequence[str], filters: Sequence[Query], *, size: int = MAX_CANDIDATES
    ) -> list[SavedSearchDoc]:
        """Saved searches of ``kinds`` that meet ``filters`` (the inverted check)."""
        hits, _ = await self.search(
            {"bool": {"filter": [{"terms": {"kind": list(kinds)}}, *filters]}},
            Fetch(size=size, exclude=["webhook_secret"]),
        )
        return [h.doc for h in hits]

    async def following(self, kind: str, target_ids: Sequence[str]) -> list[SavedSearchDoc]:
        """Subscriptions of ``kind`` that follow one of ``target_ids``."""
        if not target_ids:
            return []
        hits, _ = await self.search(
            {
                "bool": {
                    "filter": [{"term": {"kind": kind}}, {"terms": {"target_id": list(target_ids)}}]
                }
            },
            Fetch(size=MAX_CANDIDATES, exclude=["webhook_secret"]),
        )
        return [h.doc for h in hits]

    async def of_owner(
        self, owner: str, *, offset: int, limit: int
    ) -> tuple[list[SavedSearchDoc], int]:
        hits, total = await self.search(
            {"bool": {"filter": [{"term": {"owner": owner}}]}},
            Fetch(
                size=limit,
                offset=offset,
                sort=[{"created_at": "desc"}, {"id": "asc"}],
                count=True,
                exclude=["webhook_secret"],
            ),
        )
        return [h.doc for h in hits], total or 0

    async def set_fields(self, search_id: str, fields: Mapping[str, Any]) -> None:
        """A partial update of one saved search (its webhook's state)."""
        await self.es.update(
            index=self.spec.write_alias, id=search_id, doc=dict(fields), refresh=self.refresh
        )
