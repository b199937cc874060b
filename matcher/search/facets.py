"""Facet counts of a search: aggregated by Elasticsearch over every keyword or listed hit,
counted in Python over hits already in hand (the meaning hits), and merged."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from matcher.search.models import FacetValue

Doc = Mapping[str, Any]


def _value(source: Doc, field: str) -> Any:
    value: Any = source
    for part in field.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def facets_of(
    sources: Sequence[Doc], spec: Mapping[str, tuple[str, Any]]
) -> dict[str, list[FacetValue]]:
    out = {}
    for name, (field, missing) in spec.items():
        counts: Counter[str] = Counter()
        for source in sources:
            value = _value(source, field)
            values = value if isinstance(value, list) and value else [value]
            for v in values:
                counts[_key(missing if v is None else v)] += 1
        out[name] = [FacetValue(key=k, count=c) for k, c in counts.most_common()]
    return out


def _key(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _aggregations(spec: Mapping[str, tuple[str, Any]]) -> dict[str, Any]:
    return {
        name: {"terms": {"field": field, "size": 100, "missing": missing}}
        for name, (field, missing) in spec.items()
    }


def facets_from_aggs(aggs: Mapping[str, Any]) -> dict[str, list[FacetValue]]:
    out = {}
    for name, agg in aggs.items():
        buckets = agg["buckets"]
        if isinstance(buckets, Mapping):  # a keyed ``filters`` aggregation
            values = [FacetValue(key=k, count=b["doc_count"]) for k, b in buckets.items()]
            out[name] = sorted((v for v in values if v.count), key=lambda v: -v.count)
            continue
        out[name] = [
            # Booleans come back as 1/0 with "true"/"false" in key_as_string.
            FacetValue(key=_key(b.get("key_as_string", b["key"])), count=b["doc_count"])
            for b in buckets
        ]
    return out


def incentive_aggregations(incentive_ids: Sequence[str]) -> dict[str, Any]:
    """Facets ``incentive`` (carries a policy in force: true/false) and ``incentive_policy``
    (hits per policy in force), from the indexed policy ids restricted to today's."""
    ids = list(incentive_ids)
    return {
        "incentive": {
            "filters": {
                "filters": {"true": {"terms": {"incentive_policy_ids": ids}}},
                "other_bucket_key": "false",
            }
        },
        "incentive_policy": {
            # include: [] would mean "everything"; "<none>" is no valid policy id.
            "terms": {"field": "incentive_policy_ids", "include": ids or ["<none>"], "size": 100}
        },
    }


def incentive_facets(
    sources: Sequence[Doc], incentive_ids: Sequence[str]
) -> dict[str, list[FacetValue]]:
    """The same two facets counted over hits already in hand (text searches)."""
    live = set(incentive_ids)
    flagged: Counter[str] = Counter()
    per_policy: Counter[str] = Counter()
    for source in sources:
        ids = live.intersection(source.get("incentive_policy_ids") or [])
        flagged[_key(bool(ids))] += 1
        per_policy.update(ids)
    return {
        "incentive": [FacetValue(key=k, count=c) for k, c in flagged.most_common()],
        "incentive_policy": [FacetValue(key=k, count=c) for k, c in per_policy.most_common()],
    }


@dataclasses.dataclass(frozen=True)
class Facets:
    """The facets a search counts: name → (field, value standing for "not stated"), and for
    postings the policies in force (the incentive facets)."""

    fields: Mapping[str, tuple[str, Any]]
    incentive_ids: Sequence[str] | None = None

    def aggregations(self) -> dict[str, Any]:
        aggs = _aggregations(self.fields)
        if self.incentive_ids is not None:
            aggs |= incentive_aggregations(self.incentive_ids)
        return aggs

    def count(self, sources: Sequence[Doc]) -> dict[str, list[FacetValue]]:
        counted = facets_of(sources, self.fields)
        if self.incentive_ids is not None:
            counted |= incentive_facets(sources, self.incentive_ids)
        return counted


def merge(
    a: Mapping[str, list[FacetValue]], b: Mapping[str, list[FacetValue]]
) -> dict[str, list[FacetValue]]:
    out = {}
    for name in {*a, *b}:
        counts: Counter[str] = Counter()
        for value in [*a.get(name, []), *b.get(name, [])]:
            counts[value.key] += value.count
        out[name] = [FacetValue(key=k, count=c) for k, c in counts.most_common()]
    return out
