"""The occupations index: filled from the catalog, queried for typeahead."""

from __future__ import annotations

from typing import Any, cast

from indexes.documents import OccupationDoc
from matcher.foundation.text import normalize
from matcher.store.base import Fetch, Repository
from matcher.taxonomy.occupations import Occupation, OccupationCatalog

MAX_PREFIX = 12


def _prefixes(names: list[str]) -> list[str]:
    out: set[str] = set()
    for name in names:
        text = normalize(name)
        out.update(text[:n] for n in range(1, min(len(text), MAX_PREFIX) + 1))
    return sorted(out)


def _grams(text: str) -> list[str]:
    text = normalize(text).replace(" ", "")
    return [text[i : i + 2] for i in range(len(text) - 1)] or ([text] if text else [])


def occupation_document(
    occupation: Occupation, catalog: OccupationCatalog, indexed_at: str
) -> OccupationDoc:
    names = [occupation.name, *occupation.aliases]
    doc = {
        "code": occupation.code,
        "level": occupation.level,
        "name": occupation.name,
        "marks": sorted(occupation.marks),
        "aliases": list(occupation.aliases),
        "prefixes": _prefixes(names),
        "grams": " ".join(g for name in names for g in _grams(name)),
        "definition": occupation.definition,
        "tasks": list(occupation.tasks),
        "parent_codes": list(occupation.parent_codes),
        "access_controlled": catalog.access_rule(occupation.code) is not None,
        "indexed_at": indexed_at,
    }
    return cast(OccupationDoc, doc)


class OccupationRepository(Repository[OccupationDoc]):
    async def sync(self, catalog: OccupationCatalog, *, indexed_at: str) -> int:
        """Write every catalog entry (ids are codes, so re-running rewrites); the count."""
        docs = [(o.code, occupation_document(o, catalog, indexed_at)) for o in catalog.all()]
        errors = await self.write_many(docs, refresh="wait_for")
        if errors:
            raise RuntimeError(f"{len(errors)} occupations failed to index: {list(errors)[:3]}")
        return len(docs)

    async def typeahead(self, *, q: str, level: int | None, limit: int) -> list[OccupationDoc]:
        """Occupations whose name or alias starts with, equals or contains ``q``; best
        first."""
        text = normalize(q)
        should: list[dict[str, Any]] = [
            {"term": {"name": {"value": text, "boost": 20}}},
            {"term": {"aliases": {"value": text, "boost": 10}}},
            {"term": {"prefixes": {"value": text, "boost": 5}}},
        ]
        grams = _grams(text)
        if grams:
            should.append(
                {"match": {"grams": {"query": " ".join(grams), "minimum_should_match": "75%"}}}
            )
        filters: list[dict[str, Any]] = [{"term": {"level": level}}] if level else []
        hits, _ = await self.search(
            {"bool": {"should": should, "minimum_should_match": 1, "filter": filters}},
            Fetch(
                size=limit,
                fields=["code", "name", "level", "marks", "access_controlled"],
                sort=["_score", {"level": "desc"}, {"code": "asc"}],
            ),
        )
        return [hit.doc for hit in hits]
