"""Saved searches and subscriptions, and the inverted check: which of them a new record
satisfies, found with one query over their structured part (not a loop over all of them).

A posting ``P`` is a candidate for a saved search when every condition the search states
holds for it:
- its words are all among P's words (``terms_set`` on ``words`` with ``words_count``), or
  P is of one of its trades' minor groups, or it names neither (``match_any``);
- P lies inside one of its regions (``region_scope`` holds one of P's region prefixes);
- P offers at least its wage floor, requires at most its grade, is of its industry, and
  carries an incentive in force if it asks for one.
A condition a search does not state is stored as the value that always passes (``ANY`` for a
region or industry, -1 for a wage floor, 0 for a grade), so each condition is one cached filter and
no ``exists`` clause is needed. What the job needs of a candidate is packed into one doc
value (``card``, written by this repository), as a popular posting has thousands of
candidates: returning them field by field took longer than finding them. The Python twin of
the query is ``meets_conditions``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from indexes.documents import SavedSearchDoc
from matcher.store.base import Fetch, Refresh, Repository
from matcher.store.queries import Query

PAGE = 5000
ANY = "*"  # a region or industry a saved search does not restrict
# What the job reads of a candidate, packed in its card (the search itself, the name and the
# webhook it reads only where it needs them).
CARD_FIELDS = (
    "id",
    "kind",
    "owner_role",
    "owner_subject",
    "owner_region",
    "target_id",
    "match_any",
    "words",
    "occupation_codes",
    "confirm_in_search",
    "created_at",
)


def card_of(doc: Mapping[str, Any]) -> str:
    return json.dumps([doc.get(f) for f in CARD_FIELDS], ensure_ascii=False, separators=(",", ":"))


def from_card(card: str) -> SavedSearchDoc:
    return cast(SavedSearchDoc, dict(zip(CARD_FIELDS, json.loads(card), strict=True)))


def unstated() -> dict[str, Any]:
    """The stored values of conditions a saved search does not state."""
    return {
        "region_scope": [ANY],
        "wage_floor": -1,
        "grade": 0,
        "industry": ANY,
        "incentives_only": False,
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
    found: list[Query] = [{"term": {"match_any": True}}]
    if traits.words:
        found.append(
            {
                "terms_set": {
                    "words": {
                        "terms": sorted(set(traits.words)),
                        "minimum_should_match_field": "words_count",
                    }
                }
            }
        )
    if traits.groups:
        found.append({"terms": {"occupation_groups": list(traits.groups)}})
    industries = [traits.industry, ANY] if traits.industry else [ANY]
    filters: list[Query] = [
        {"bool": {"should": found, "minimum_should_match": 1}},
        {"terms": {"region_scope": [*traits.region_prefixes, ANY]}},
        # A posting stating no pay meets no wage floor (not even 0); one stating no grade
        # meets any grade.
        {"range": {"wage_floor": {"lte": traits.wage if traits.wage is not None else -1}}},
        {"terms": {"industry": industries}},
    ]
    if traits.grade is not None:
        filters.append({"range": {"grade": {"lte": traits.grade}}})
    if not traits.carries_incentive:
        filters.append({"term": {"incentives_only": False}})
    return filters


def meets_conditions(doc: Mapping[str, Any], traits: PostingTraits) -> bool:
    """Twin of ``posting_conditions``: whether a posting with ``traits`` meets the saved
    search ``doc`` (stored with ``unstated`` values)."""
    saved = set(doc.get("words") or [])
    found = (
        bool(doc.get("match_any"))
        or bool(saved and saved <= set(traits.words))
        or bool(set(doc.get("occupation_groups") or []) & set(traits.groups))
    )
    scopes = set(doc.get("region_scope") or [])
    wage = traits.wage if traits.wage is not None else -1
    return (
        found
        and bool(scopes & {*traits.region_prefixes, ANY})
        and int(doc.get("wage_floor", -1)) <= wage
        and doc.get("industry") in (traits.industry, ANY)
        and (traits.grade is None or int(doc.get("grade") or 0) <= traits.grade)
        and (traits.carries_incentive or not doc.get("incentives_only"))
    )


class SavedSearchRepository(Repository[SavedSearchDoc]):
    """Every write goes through ``create`` or ``write_many``, which add the card."""

    async def create(
        self, doc_id: str, doc: SavedSearchDoc, *, refresh: Refresh | None = None
    ) -> bool:
        return await super().create(doc_id, {**doc, "card": card_of(doc)}, refresh=refresh)

    async def write_many(
        self, docs: Sequence[tuple[str, SavedSearchDoc]], *, refresh: Refresh = False
    ) -> dict[str, str]:
        carded = [(i, cast(SavedSearchDoc, {**d, "card": card_of(d)})) for i, d in docs]
        return await super().write_many(carded, refresh=refresh)

    async def candidates(
        self, kinds: Sequence[str], filters: Sequence[Query]
    ) -> list[SavedSearchDoc]:
        """Every saved search of ``kinds`` that meets ``filters`` (the inverted check), with
        ``CARD_FIELDS``; in pages of ``PAGE`` by id, so a large answer is complete."""
        query = {"bool": {"filter": [{"terms": {"kind": list(kinds)}}, *filters]}}
        found: list[SavedSearchDoc] = []
        after: list[Any] | None = None
        while True:
            extra: dict[str, Any] = {"search_after": after} if after else {}
            # Only the cards come back: no _id, _index, _score or sort values per hit (with
            # thousands of candidates, the answer's size is most of the time).
            resp = await self.es.search(
                index=self.spec.read_alias,
                query=query,
                size=PAGE,
                sort=[{"id": "asc"}],
                source=False,
                stored_fields="_none_",
                docvalue_fields=[{"field": "card"}],
                track_total_hits=False,
                filter_path="hits.hits.fields",
                **extra,
            )
            hits = resp.body.get("hits", {}).get("hits", [])
            page = [from_card(hit["fields"]["card"][0]) for hit in hits]
            found.extend(page)
            if len(page) < PAGE:
                return found
            after = [page[-1]["id"]]

    async def digests_due(self) -> list[str]:
        """The ids of subscriptions that send a daily digest to a webhook that is not
        failing."""
        query = {
            "bool": {"filter": [{"term": {"delivery": "daily"}}, {"term": {"webhook_state": "ok"}}]}
        }
        return [doc_id async for doc_id, _, _ in self.scan(query, fields=[])]

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
