"""What every repository shares: the client, its index, one way to read, write and bulk-write.

Conventions of the whole store layer:
- reads go through the index's read alias, writes through its write alias (alias migrations:
  ``indexes/manage.py``);
- a conditional write is made on the version it read (``Version``: ``_seq_no`` and
  ``_primary_term``) and returns False when someone wrote in between; a create returns False
  when the id exists. Callers decide what a lost race means (redo, 409);
- each repository states its refresh policy once (``refresh``): records a person waits for
  are searchable when the write returns; bulk loads refresh once at the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

from elasticsearch import AsyncElasticsearch, ConflictError, NotFoundError
from elasticsearch.helpers import async_bulk, async_scan

from indexes import IndexSpec
from indexes.manage import delete_document
from matcher.store.changes import ChangeKind, ChangeLog

Refresh = bool | Literal["wait_for"]
Version = tuple[int, int]  # (_seq_no, _primary_term) of a stored document
D = TypeVar("D", bound=Mapping[str, Any])

# aiohttp writes bodies over 1 MiB in one blocking call (and warns); smaller bulk requests
# keep the event loop responsive while vectors are indexed.
MAX_BULK_BYTES = 900_000


@dataclass(frozen=True)
class Versioned(Generic[D]):
    doc: D
    version: Version


@dataclass(frozen=True)
class Fetch:
    """What a search fetches: how many hits from where, in which order, which fields of each
    (``fields``: only those; ``exclude``: all but those), whether to count every match, and
    any further search parameters (``extra``, e.g. ``collapse``)."""

    size: int
    offset: int = 0
    sort: Sequence[Any] = ()
    fields: Sequence[str] | None = None
    exclude: Sequence[str] = ()
    count: bool = False
    extra: Mapping[str, Any] | None = None

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = dict(self.extra or {})
        if self.fields is not None:
            params["source_includes"] = list(self.fields)
        if self.exclude:
            params["source_excludes"] = list(self.exclude)
        if self.sort:
            params["sort"] = list(self.sort)
        return params


@dataclass(frozen=True)
class Hit(Generic[D]):
    id: str
    doc: D
    score: float | None
    matched: tuple[str, ...] = ()  # the named clauses of the query it met, where asked


class Repository(Generic[D]):
    """One logical index. Subclasses add the queries their callers need, by name."""

    refresh: Refresh = "wait_for"

    def __init__(
        self, es: AsyncElasticsearch, spec: IndexSpec, changes: ChangeLog | None = None
    ) -> None:
        self.es = es
        self.spec = spec
        # Where the index keeps a change log (``changes.py``), every write appends the ids it
        # touches before and after writing them.
        self.changes = changes

    async def _log(self, ids: Sequence[str], kind: ChangeKind) -> None:
        if self.changes is not None:
            await self.changes.record(ids, kind)

    # Reads

    async def get(self, doc_id: str, *, with_vector: bool = False) -> D | None:
        """The stored document, or None. Its embedding only on request: vectors are kept out
        of ``_source`` (ES 9's default), so no search or read parses them unasked."""
        if not doc_id:  # the client refuses an empty id; no record has one
            return None
        try:
            found = await self.es.get(
                index=self.spec.read_alias, id=doc_id, source_exclude_vectors=not with_vector
            )
        except NotFoundError:
            return None
        return cast(D, found["_source"])

    async def get_versioned(self, doc_id: str) -> Versioned[D] | None:
        """The document with its version, read through the write alias so a conditional
        write goes to the same concrete index; with its embedding, as a rewrite of the whole
        document must keep the vector."""
        try:
            found = await self.es.get(
                index=self.spec.write_alias, id=doc_id, source_exclude_vectors=False
            )
        except NotFoundError:
            return None
        return Versioned(
            cast(D, found["_source"]), (int(found["_seq_no"]), int(found["_primary_term"]))
        )

    async def get_many(
        self,
        ids: Sequence[str],
        *,
        fields: Sequence[str] | None = None,
        exclude: Sequence[str] | None = None,
    ) -> dict[str, D]:
        """id → document for the ids that exist (``fields``: only those; ``exclude``: all
        but those)."""
        if not ids:
            return {}
        extra: dict[str, Any] = {"source_includes": list(fields)} if fields else {}
        if exclude:
            extra["source_excludes"] = list(exclude)
        resp = await self.es.mget(index=self.spec.read_alias, ids=list(ids), **extra)
        return {d["_id"]: cast(D, d["_source"]) for d in resp["docs"] if d.get("found")}

    async def get_many_versioned(self, ids: Sequence[str]) -> dict[str, Versioned[D]]:
        if not ids:
            return {}
        resp = await self.es.mget(index=self.spec.read_alias, ids=list(ids))
        return {
            d["_id"]: Versioned(cast(D, d["_source"]), (int(d["_seq_no"]), int(d["_primary_term"])))
            for d in resp["docs"]
            if d.get("found")
        }

    async def search(
        self, query: Mapping[str, Any], fetch: Fetch
    ) -> tuple[list[Hit[D]], int | None]:
        """Hits of ``query`` and, with ``fetch.count``, how many there are in all."""
        resp = await self.es.search(
            index=self.spec.read_alias,
            query=dict(query),
            size=fetch.size,
            from_=fetch.offset,
            track_total_hits=fetch.count,
            **fetch.params(),
        )
        hits = [Hit(h["_id"], cast(D, h["_source"]), h.get("_score")) for h in resp["hits"]["hits"]]
        return hits, int(resp["hits"]["total"]["value"]) if fetch.count else None

    async def aggregate(
        self, query: Mapping[str, Any], aggs: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """(matching documents, aggregation results) of ``query``; no hits fetched."""
        resp = await self.es.search(
            index=self.spec.read_alias,
            query=dict(query),
            size=0,
            track_total_hits=True,
            aggs=dict(aggs),
        )
        return int(resp["hits"]["total"]["value"]), dict(resp.body.get("aggregations", {}))

    async def scan(
        self, query: Mapping[str, Any], *, fields: Sequence[str] | None = None, size: int = 500
    ) -> AsyncIterator[tuple[str, D, Version]]:
        """Every document of ``query`` (any number), with its version, unordered."""
        extra: dict[str, Any] = {"_source_includes": list(fields)} if fields is not None else {}
        async for hit in async_scan(
            self.es,
            index=self.spec.write_alias,
            size=size,
            query={"query": dict(query), "sort": ["_doc"]},
            seq_no_primary_term=True,
            **extra,
        ):
            yield hit["_id"], cast(D, hit["_source"]), (hit["_seq_no"], hit["_primary_term"])

    # Writes

    async def create(self, doc_id: str, doc: D, *, refresh: Refresh | None = None) -> bool:
        """Write a new document; False (nothing written) when the id exists."""
        await self._log([doc_id], "created")
        try:
            await self.es.create(
                index=self.spec.write_alias,
                id=doc_id,
                document=dict(doc),
                refresh=self.refresh if refresh is None else refresh,
            )
        except ConflictError:
            return False
        await self._log([doc_id], "created")
        return True

    async def replace(
        self, doc_id: str, doc: D, version: Version | None, *, refresh: Refresh | None = None
    ) -> bool:
        """Rewrite the document as read at ``version``; False when it changed since. Without
        a version it is written only if the id is still new (``create``)."""
        if version is None:
            return await self.create(doc_id, doc, refresh=refresh)
        await self._log([doc_id], "updated")
        try:
            await self.es.index(
                index=self.spec.write_alias,
                id=doc_id,
                document=dict(doc),
                if_seq_no=version[0],
                if_primary_term=version[1],
                refresh=self.refresh if refresh is None else refresh,
            )
        except ConflictError:
            return False
        await self._log([doc_id], "updated")
        return True

    async def put(self, doc_id: str, doc: D, *, refresh: Refresh | None = None) -> None:
        """Write unconditionally (records nobody else rewrites: audit events, undo)."""
        await self._log([doc_id], "updated")
        await self.es.index(
            index=self.spec.write_alias,
            id=doc_id,
            document=dict(doc),
            refresh=self.refresh if refresh is None else refresh,
        )
        await self._log([doc_id], "updated")

    async def delete(self, doc_id: str) -> bool:
        """Remove the document from every concrete index behind the aliases (also during a
        migration); True if one held it."""
        await self._log([doc_id], "deleted")
        held = await delete_document(self.es, self.spec, doc_id)
        await self._log([doc_id], "deleted")
        return held

    async def write_many(
        self, docs: Sequence[tuple[str, D]], *, refresh: Refresh = False
    ) -> dict[str, str]:
        """Bulk-write ``(id, document)`` pairs; id → reason for each that failed."""
        actions = [{"_index": self.spec.write_alias, "_id": i, "_source": d} for i, d in docs]
        ids = [i for i, _ in docs]
        await self._log(ids, "updated")
        failed = {i: reason for i, _, reason in await bulk(self.es, actions, refresh)}
        await self._log([i for i in ids if i not in failed], "updated")
        return failed

    async def write_many_if_unchanged(
        self, docs: Sequence[tuple[str, D, Version | None]], *, refresh: Refresh = False
    ) -> tuple[set[str], dict[str, str]]:
        """Bulk-write each document only over the version it was prepared on (without one:
        only if the id is still new). Returns (ids that conflicted, id → other failure).
        ``refresh`` ``"wait_for"``: searchable on return (one wait for the whole batch)."""
        actions: list[dict[str, Any]] = []
        for doc_id, doc, version in docs:
            action: dict[str, Any] = {
                "_index": self.spec.write_alias,
                "_id": doc_id,
                "_source": doc,
            }
            if version is None:
                action["_op_type"] = "create"
            else:
                action["if_seq_no"], action["if_primary_term"] = version
            actions.append(action)
        new = [doc_id for doc_id, _, version in docs if version is None]
        rewritten = [doc_id for doc_id, _, version in docs if version is not None]
        await self._log(new, "created")
        await self._log(rewritten, "updated")
        conflicts: set[str] = set()
        errors: dict[str, str] = {}
        for doc_id, status, reason in await bulk(self.es, actions, refresh):
            if status == 409:
                conflicts.add(doc_id)
            else:
                errors[doc_id] = reason
        await self._log([i for i in new if i not in conflicts and i not in errors], "created")
        await self._log([i for i in rewritten if i not in conflicts and i not in errors], "updated")
        return conflicts, errors

    async def update_many_if_unchanged(
        self, updates: Sequence[tuple[str, Mapping[str, Any], Version]]
    ) -> tuple[set[str], list[tuple[str, int, str]]]:
        """Partial updates, each conditional on a version; (ids that conflicted or are gone,
        other failures as (id, status, reason))."""
        actions = [
            {
                "_op_type": "update",
                "_index": self.spec.write_alias,
                "_id": doc_id,
                "if_seq_no": version[0],
                "if_primary_term": version[1],
                "doc": dict(fields),
            }
            for doc_id, fields, version in updates
        ]
        ids = [doc_id for doc_id, _, _ in updates]
        await self._log(ids, "updated")
        failed = await bulk(self.es, actions)
        gone = {f[0] for f in failed}
        await self._log([i for i in ids if i not in gone], "updated")
        lost = {f[0] for f in failed if f[1] in (404, 409)}
        return lost, [f for f in failed if f[1] not in (404, 409)]

    async def delete_matching(self, query: Mapping[str, Any]) -> int:
        """Delete every document of ``query``; how many. The minimal node has no
        delete-by-query (reindex module): search and bulk-delete until nothing is left."""
        removed = 0
        while True:
            resp = await self.es.search(
                index=self.spec.read_alias, query=dict(query), size=500, source=False
            )
            hits = resp["hits"]["hits"]
            if not hits:
                return removed
            operations = [{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in hits]
            ids = [str(h["_id"]) for h in hits]
            await self._log(ids, "deleted")
            await self.es.bulk(operations=operations, refresh="wait_for")
            await self._log(ids, "deleted")
            removed += len(hits)

    async def refresh_now(self) -> None:
        """Make everything written so far visible to searches (after a bulk load)."""
        await self.es.indices.refresh(index=self.spec.write_alias)


async def bulk(
    es: AsyncElasticsearch, actions: Sequence[Mapping[str, Any]], refresh: Refresh = False
) -> list[tuple[str, int, str]]:
    """Run bulk ``actions``; returns (id, status, reason) of each that failed."""
    _, failed = await async_bulk(
        es,
        [dict(action) for action in actions],
        raise_on_error=False,
        stats_only=False,
        refresh=refresh,
        max_chunk_bytes=MAX_BULK_BYTES,
    )
    out = []
    for item in failed if isinstance(failed, list) else []:
        info = next(iter(item.values()))
        reason = str(info.get("error", {}).get("reason", "index failed"))
        out.append((str(info.get("_id")), int(info.get("status", 0)), reason))
    return out
