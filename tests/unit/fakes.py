"""An in-memory store: the repositories of ``matcher.store`` over dictionaries, so unit tests
run the use cases without Elasticsearch or Redis.

Each fake keeps the real repository's named queries (they are built on ``search``) and
replaces only the primitives that talk to a client: reads, conditional writes with versions,
and ``search`` over the subset of the query language the named queries use (``term``,
``terms``, ``range``, ``exists``, ``prefix``, ``bool``, ``match_all``; sort and collapse).
Retrieval (BM25, kNN) and aggregations are not faked: those use cases are integration-tested
on the real node.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, cast

from indexes import Indexes
from matcher.store import Store
from matcher.store.audit import AuditRepository
from matcher.store.base import Fetch, Hit, Refresh, Repository, Version, Versioned
from matcher.store.consents import ConsentRepository
from matcher.store.counters import Counters
from matcher.store.incentives import PolicyRepository
from matcher.store.records import PostingRepository, ProfileRepository
from matcher.store.referrals import ReferralRepository
from matcher.store.tallies import field_of
from matcher.store.tokens import TokenRepository

_SEQ = itertools.count(1)


def _values(doc: Mapping[str, Any], field: str) -> list[Any]:
    """The values at a dotted path (lists flattened), as Elasticsearch sees a field."""
    current: list[Any] = [doc]
    for part in field.split("."):
        found: list[Any] = []
        for value in current:
            item = value.get(part) if isinstance(value, Mapping) else None
            if isinstance(item, list):
                found.extend(item)
            elif item is not None:
                found.append(item)
        current = found
    return current


def _range_ok(value: Any, bounds: Mapping[str, Any]) -> bool:
    checks = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    return all(checks[op](value, bound) for op, bound in bounds.items() if op in checks)


def matches(doc: Mapping[str, Any], query: Mapping[str, Any]) -> bool:
    """Whether ``doc`` matches ``query`` (the subset of the query language the store uses)."""
    ((kind, body),) = query.items()
    if kind == "match_all":
        return True
    if kind == "term":
        ((field, wanted),) = body.items()
        wanted = wanted["value"] if isinstance(wanted, Mapping) else wanted
        return wanted in _values(doc, field)
    if kind == "terms":
        ((field, wanted),) = ((k, v) for k, v in body.items() if k != "boost")
        return any(v in wanted for v in _values(doc, field))
    if kind == "exists":
        return bool(_values(doc, body["field"]))
    if kind == "prefix":
        ((field, start),) = body.items()
        return any(str(v).startswith(start) for v in _values(doc, field))
    if kind == "range":
        ((field, bounds),) = body.items()
        return any(_range_ok(v, bounds) for v in _values(doc, field))
    if kind == "bool":
        musts = [*body.get("filter", []), *body.get("must", [])]
        if not all(matches(doc, q) for q in _listed(musts)):
            return False
        if any(matches(doc, q) for q in _listed(body.get("must_not", []))):
            return False
        should = _listed(body.get("should", []))
        needed = body.get("minimum_should_match", 0 if musts else 1)
        return not should or sum(matches(doc, q) for q in should) >= int(needed)
    raise NotImplementedError(f"the in-memory store does not evaluate {kind!r} queries")


def _listed(value: Any) -> list[Mapping[str, Any]]:
    return value if isinstance(value, list) else [value]


def _sorted(docs: list[tuple[str, Any]], sort: Sequence[Any]) -> list[tuple[str, Any]]:
    for clause in reversed(list(sort)):
        ((field, how),) = clause.items() if isinstance(clause, Mapping) else [(clause, "asc")]
        order = how if isinstance(how, str) else how.get("order", "asc")
        missing_last = not isinstance(how, Mapping) or how.get("missing", "_last") == "_last"
        present = [d for d in docs if _values(d[1], field)]
        absent = [d for d in docs if not _values(d[1], field)]
        present.sort(key=lambda d, f=field: _values(d[1], f)[0], reverse=order == "desc")
        docs = present + absent if missing_last else absent + present
    return docs


class MemoryRepository(Repository[Any]):
    """A repository over a dictionary: id → (document, version)."""

    def __init__(self, spec: Any, *args: Any) -> None:
        Repository.__init__(self, cast(Any, None), spec)
        self.docs: dict[str, tuple[dict[str, Any], Version]] = {}

    def _store(self, doc_id: str, doc: Mapping[str, Any]) -> None:
        self.docs[doc_id] = (copy.deepcopy(dict(doc)), (next(_SEQ), 1))

    async def get(self, doc_id: str, *, with_vector: bool = False) -> Any:
        found = self.docs.get(doc_id)
        return copy.deepcopy(found[0]) if found else None

    async def get_versioned(self, doc_id: str) -> Versioned[Any] | None:
        found = self.docs.get(doc_id)
        return Versioned(copy.deepcopy(found[0]), found[1]) if found else None

    async def get_many(
        self,
        ids: Sequence[str],
        *,
        fields: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        return {i: copy.deepcopy(self.docs[i][0]) for i in ids if i in self.docs}

    async def get_many_versioned(self, ids: Sequence[str]) -> dict[str, Versioned[Any]]:
        return {
            i: Versioned(copy.deepcopy(self.docs[i][0]), self.docs[i][1])
            for i in ids
            if i in self.docs
        }

    async def search(
        self, query: Mapping[str, Any], fetch: Fetch
    ) -> tuple[list[Hit[Any]], int | None]:
        found = [(i, d) for i, (d, _) in self.docs.items() if matches(d, query)]
        found = _sorted(found, fetch.sort)
        collapse = (fetch.extra or {}).get("collapse", {}).get("field")
        if collapse:
            seen: set[Any] = set()
            kept = []
            for item in found:
                value = tuple(_values(item[1], collapse))
                if value not in seen:
                    seen.add(value)
                    kept.append(item)
            found = kept
        page = found[fetch.offset : fetch.offset + fetch.size]
        hits = [Hit(i, copy.deepcopy(d), None) for i, d in page]
        return hits, len(found) if fetch.count else None

    async def scan(
        self, query: Mapping[str, Any], *, fields: Sequence[str] | None = None, size: int = 500
    ) -> AsyncIterator[tuple[str, Any, Version]]:
        for doc_id, (doc, version) in list(self.docs.items()):
            if matches(doc, query):
                yield doc_id, copy.deepcopy(doc), version

    async def create(self, doc_id: str, doc: Any, *, refresh: Refresh | None = None) -> bool:
        if doc_id in self.docs:
            return False
        self._store(doc_id, doc)
        return True

    async def replace(
        self, doc_id: str, doc: Any, version: Version | None, *, refresh: Refresh | None = None
    ) -> bool:
        if version is None:
            return await self.create(doc_id, doc)
        current = self.docs.get(doc_id)
        if current is None or current[1] != version:
            return False
        self._store(doc_id, doc)
        return True

    async def put(self, doc_id: str, doc: Any, *, refresh: Refresh | None = None) -> None:
        self._store(doc_id, doc)

    async def delete(self, doc_id: str) -> bool:
        return self.docs.pop(doc_id, None) is not None

    async def write_many(
        self, docs: Sequence[tuple[str, Any]], *, refresh: Refresh = False
    ) -> dict[str, str]:
        for doc_id, doc in docs:
            self._store(doc_id, doc)
        return {}

    async def write_many_if_unchanged(
        self, docs: Sequence[tuple[str, Any, Version | None]], *, refresh: Refresh = False
    ) -> tuple[set[str], dict[str, str]]:
        conflicts = {i for i, d, v in docs if not await self.replace(i, d, v)}
        return conflicts, {}

    async def update_many_if_unchanged(
        self, updates: Sequence[tuple[str, Mapping[str, Any], Version]]
    ) -> tuple[set[str], list[tuple[str, int, str]]]:
        lost: set[str] = set()
        for doc_id, fields, version in updates:
            current = self.docs.get(doc_id)
            if current is None or current[1] != version:
                lost.add(doc_id)
                continue
            self._store(doc_id, {**current[0], **fields})
        return lost, []

    async def delete_matching(self, query: Mapping[str, Any]) -> int:
        gone = [i for i, (d, _) in self.docs.items() if matches(d, query)]
        for doc_id in gone:
            del self.docs[doc_id]
        return len(gone)

    async def refresh_now(self) -> None:
        return None


class MemoryProfiles(MemoryRepository, ProfileRepository):
    pass


class MemoryPostings(MemoryRepository, PostingRepository):
    pass


class MemoryReferrals(MemoryRepository, ReferralRepository):
    async def page(
        self,
        *,
        filters: Sequence[Any],
        statuses: Sequence[str] | None,
        status_count: int,
        offset: int,
        limit: int,
    ) -> tuple[list[Any], int, dict[str, int]]:
        selected, _ = await self.search(
            {"bool": {"filter": list(filters)}},
            Fetch(size=10_000, sort=[{"proposed_at": "desc"}, {"id": "asc"}]),
        )
        counts: dict[str, int] = {}
        for hit in selected:
            counts[hit.doc["status"]] = counts.get(hit.doc["status"], 0) + 1
        shown = [h.doc for h in selected if not statuses or h.doc["status"] in statuses]
        return shown[offset : offset + limit], len(shown), counts


class MemoryConsents(MemoryRepository, ConsentRepository):
    pass


class MemoryAudit(MemoryRepository, AuditRepository):
    """Can be told to fail, as an outage of the audit index would."""

    failing = False

    async def add(self, event: Any) -> None:
        if self.failing:
            raise ConnectionError("audit index unreachable")
        await super().add(event)


class MemoryPolicies(MemoryRepository, PolicyRepository):
    generation_value = "none"
    reflagged: str | None = None

    async def reflagged_through(self) -> str | None:
        return self.reflagged

    async def mark_reflagged(self, through: str) -> None:
        self.reflagged = through

    async def generation(self) -> str | None:
        return self.generation_value

    async def renew_generation(self) -> bool:
        self.generation_value = str(next(_SEQ))
        return True


class MemoryTokens(MemoryRepository, TokenRepository):
    pass


class MemoryCounters(Counters):
    """The rate-limit scripts' arithmetic, in Python."""

    def __init__(self) -> None:
        super().__init__(cast(Any, None), "memory")
        self.fixed: dict[str, int] = {}
        self.sliding: dict[str, list[int]] = {}

    async def charge_fixed(
        self, key: str, *, amount: int, allowed: int, ttl_s: int
    ) -> tuple[int, int]:
        current = self.fixed.get(key, 0)
        if current + amount > allowed:
            return -1, 0
        self.fixed[key] = current + amount
        return current + amount, 0

    async def charge_sliding(
        self, key: str, *, now_ms: int, window_ms: int, amount: int, allowed: int
    ) -> tuple[int, int]:
        held = [t for t in self.sliding.get(key, []) if t > now_ms - window_ms]
        if len(held) + amount > allowed:
            if amount > allowed:
                return -1, window_ms
            leaving = sorted(held)[len(held) + amount - allowed - 1]
            return -1, leaving + window_ms - now_ms
        self.sliding[key] = held + [now_ms] * amount
        return len(held) + amount, 0


def memory_store(indexes: Indexes) -> Store:
    """A ``Store`` whose repositories keep everything in memory."""
    store = Store(cast(Any, None), cast(Any, None), indexes)
    store.profiles = MemoryProfiles(indexes.profiles)
    store.postings = MemoryPostings(indexes.postings)
    store.referrals = MemoryReferrals(indexes.referrals)
    store.consents = MemoryConsents(indexes.contact_requests)
    store.audit = MemoryAudit(indexes.audit)
    store.incentives = MemoryPolicies(indexes.incentives)
    store.tokens = MemoryTokens(indexes.tokens)
    store.counters = MemoryCounters()
    store.tallies = cast(Any, MemoryTallies())
    return store


class MemoryTallies:
    """The worker's tallies, summed in memory (fields as ``matcher.store.tallies`` writes)."""

    def __init__(self) -> None:
        self.totals: dict[str, int] = {}

    async def add(self, series: str, labels: Mapping[str, str], by: int = 1) -> None:
        field = field_of(series, labels)
        if by > 0:
            self.totals[field] = self.totals.get(field, 0) + by

    async def read(self) -> dict[str, int]:
        return dict(self.totals)


class MemoryQueue:
    """Jobs enqueued, by id (a second enqueue of an id is refused, as arq refuses it)."""

    def __init__(self) -> None:
        self.jobs: dict[str, tuple[str, tuple[Any, ...]]] = {}
        self.deferred: dict[str, float] = {}

    async def enqueue(self, function: str, *args: Any, job_id: str, defer_s: float = 0) -> bool:
        if job_id in self.jobs:
            return False
        self.jobs[job_id] = (function, args)
        if defer_s:
            self.deferred[job_id] = defer_s
        return True

    async def waiting(self, job_id: str) -> bool:
        return job_id in self.jobs

    async def discard(self, job_id: str) -> None:
        self.jobs.pop(job_id, None)

    async def close(self) -> None:
        return None
