"""Profiles and postings: the two matchable kinds of record, one repository shape.

Besides the reads and writes of every repository, a record index answers the two retrieval
searches matching and search fuse (BM25 over the segmented text, kNN over the embedding,
under the same filters) and filtered listings with facet counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, cast

from elasticsearch import ApiError

from indexes.documents import PostingDoc, ProfileDoc, RecordDoc
from matcher.foundation.timing import stage, timed
from matcher.store.base import Fetch, Hit, Repository, Version
from matcher.store.outages import unreachable
from matcher.store.queries import Query, RegionScope, scope_filter

logger = logging.getLogger("matcher.store")

R = TypeVar("R", bound=RecordDoc)
COUNT_TTL_S = 300.0
WORDS_KEPT = 50_000  # word shares remembered per repository before the memory starts afresh

# Never returned by a retrieval search: vectors are large, contact details are personal, and
# the hashed phone, certificate numbers and name (the duplicates job's and the desk's lookup
# keys) are derived from them; nothing that ranks or lists reads them.
_NEVER_LISTED = ["embedding", "contact", "search_text", "title_tokens", "identity_keys", "name_key"]
RETRIEVAL_EXCLUDES = [*_NEVER_LISTED, "certificates.number"]
LISTING_EXCLUDES = [*_NEVER_LISTED, "certificates"]


def text_scoring(text: str) -> list[Query]:
    """How the words of ``text`` score a record: anywhere in its text, title words double."""
    return [
        {"match": {"search_text": {"query": text}}},
        {"match": {"title_tokens": {"query": text, "boost": 2}}},
    ]


class RecordRepository(Repository[R]):
    occupation_field: str  # where a record keeps its occupation code(s)
    _counted: tuple[float, int] | None = None  # (when, how many): document_count's cache
    _shares: tuple[float, dict[str, float]] | None = None  # (since when, word → share)

    async def document_count(self) -> int:
        """How many records the index holds, counted at most every ``COUNT_TTL_S`` seconds
        per process (a vector search explores more of a larger graph)."""
        now = time.monotonic()
        if self._counted is None or now - self._counted[0] >= COUNT_TTL_S:
            resp = await self.es.count(index=self.spec.read_alias)
            self._counted = (now, int(resp["count"]))
        return self._counted[1]

    async def word_shares(self, words: Sequence[str]) -> dict[str, float]:
        """The share of the records whose text holds each of ``words`` (segmented): document
        frequencies over the records with a text, read in one ``_termvectors`` call for the
        words not yet remembered. What was read is remembered per repository and forgotten
        all at once every ``COUNT_TTL_S`` seconds, or when more than ``WORDS_KEPT`` words are
        held. The statistics are those of the shard the call lands on (one shard's estimate
        on an index of several; the deleted records not yet merged away count)."""
        now = time.monotonic()
        if (
            self._shares is None
            or now - self._shares[0] >= COUNT_TTL_S
            or len(self._shares[1]) > WORDS_KEPT
        ):
            self._shares = (now, {})
        known = self._shares[1]
        missing = [w for w in dict.fromkeys(words) if w not in known]
        if missing:
            resp = await self.es.termvectors(
                index=self.spec.read_alias,
                doc={"search_text": " ".join(missing)},
                fields=["search_text"],
                term_statistics=True,
                field_statistics=True,
                positions=False,
                offsets=False,
                payloads=False,
            )
            found = resp["term_vectors"].get("search_text", {})
            records = max(1, int(found.get("field_statistics", {}).get("doc_count", 0)))
            terms = found.get("terms", {})
            for word in missing:
                known[word] = int(terms.get(word, {}).get("doc_freq", 0)) / records
        return {w: known[w] for w in words}

    async def keywords(self, text: str, max_share: float | None) -> str:
        """The words of ``text`` (segmented) a keyword query sends: all of them, or with
        ``max_share`` each once and only those held by at most that share of the records
        (the commonest words cost the most to search and tell the least); all of them when
        every word is that common."""
        if max_share is None or not text:
            return text
        words = list(dict.fromkeys(text.split()))
        try:
            shares = await self.word_shares(words)
        except ApiError as exc:
            if unreachable(exc):
                raise  # an outage: the search after it would fail too (503)
            # Leaving words out only saves time: a refused statistics call costs none.
            logger.warning("word statistics refused (%s): every word sent", exc.meta.status)
            return text
        kept = [w for w in words if shares[w] <= max_share]
        return " ".join(kept) if kept else text

    async def bm25(
        self,
        text: str,
        *,
        filters: Sequence[Query],
        must_not: Sequence[Query] = (),
        boosts: Sequence[Query] = (),
        size: int,
        max_share: float | None = None,
    ) -> list[Hit[R]]:
        """Keyword hits of ``text`` (segmented), title words counting double, best first;
        with ``max_share`` only the words held by at most that share of the records count
        (``keywords``)."""
        with stage("es_bm25"):
            words = await self.keywords(text, max_share)
        resp = await timed(
            "es_bm25",
            self.es.search(
                index=self.spec.read_alias,
                query={
                    "bool": {
                        "filter": list(filters),
                        "must_not": list(must_not),
                        "should": [
                            *text_scoring(words),
                            *boosts,
                        ],
                        "minimum_should_match": 1,
                    }
                },
                size=size,
                source_excludes=RETRIEVAL_EXCLUDES,
                # Counting every hit (ES counts up to 10,000 by default) keeps Lucene from skipping
                # documents that cannot reach the top: without it BM25 took about a quarter less
                # time at 100k profiles (benchmarks/match_latency.py). Ranking needs no total.
                track_total_hits=False,
            ),
        )
        return _hits(resp)

    async def keyword_hits(
        self,
        words: str,
        *,
        occupation_codes: Sequence[str],
        occupation_groups: Sequence[str],
        filters: Sequence[Query],
        size: int,
        aggs: Mapping[str, Any] | None = None,
    ) -> tuple[list[Hit[R]], int, dict[str, Any]]:
        """Records holding every word of ``words`` (segmented) or of one of
        ``occupation_groups`` (prefixes such as 6-18-02), under ``filters``: the best ``size``
        (title words counting double, ``occupation_codes`` triple), the exact total and the
        aggregations over all of them."""
        field = self.occupation_field
        found: list[Query] = []
        if words:
            found.append(
                {"match": {"search_text": {"query": words, "operator": "and", "_name": "words"}}}
            )
        if occupation_groups:
            found.append(
                {"terms": {"occupation_groups": list(occupation_groups), "_name": "trade"}}
            )
        if not found:
            return [], 0, {}
        extra: dict[str, Any] = {"aggs": dict(aggs)} if aggs else {}
        resp = await timed(
            "es_bm25",
            self.es.search(
                index=self.spec.read_alias,
                query={
                    "bool": {
                        "filter": [
                            *filters,
                            {"bool": {"should": found, "minimum_should_match": 1}},
                        ],
                        "should": [
                            *text_scoring(words),
                            *(
                                {"term": {field: {"value": code, "boost": 3}}}
                                for code in occupation_codes
                            ),
                        ],
                    }
                },
                size=size,
                source_excludes=RETRIEVAL_EXCLUDES,
                track_total_hits=True,
                **extra,
            ),
        )
        return (
            _hits(resp),
            int(resp["hits"]["total"]["value"]),
            dict(resp.body.get("aggregations", {})),
        )

    async def meets_each(
        self, record_id: str, queries: Sequence[Query]
    ) -> list[tuple[str, ...] | None]:
        """For each query: None when the record does not meet it, else the names of the
        query's named clauses it met (one round trip: a multi-search, each restricted to the
        record)."""
        if not queries:
            return []
        searches: list[Mapping[str, Any]] = []
        for query in queries:
            searches.append({"index": self.spec.read_alias})
            searches.append(
                {
                    "query": {
                        "bool": {"filter": [{"ids": {"values": [record_id]}}], "must": [query]}
                    },
                    "size": 1,
                    "_source": False,
                }
            )
        resp = await self.es.msearch(searches=searches)
        out: list[tuple[str, ...] | None] = []
        for answer in resp["responses"]:
            if "error" in answer:
                raise RuntimeError(str(answer["error"].get("reason", answer["error"])))
            hits = answer["hits"]["hits"]
            out.append(tuple(hits[0].get("matched_queries") or ()) if hits else None)
        return out

    async def count_bm25(self, text: str, *, filters: Sequence[Query]) -> int:
        """How many records hold a word of ``text`` under ``filters``."""
        resp = await self.es.count(
            index=self.spec.read_alias,
            query={
                "bool": {
                    "filter": list(filters),
                    "should": [
                        {"match": {"search_text": {"query": text}}},
                        {"match": {"title_tokens": {"query": text}}},
                    ],
                    "minimum_should_match": 1,
                }
            },
        )
        return int(resp["count"])

    async def knn(
        self,
        vector: Sequence[float],
        *,
        filters: Sequence[Query],
        must_not: Sequence[Query] = (),
        k: int,
        num_candidates: int,
        oversample: float | None = None,
    ) -> list[Hit[R]]:
        """The ``k`` nearest records by embedding under ``filters``, nearest first: the graph
        explores ``num_candidates`` per shard, and ``k`` × ``oversample`` of the quantised
        candidates are re-scored on the float vectors (default: as the mapping says)."""
        resp = await timed(
            "es_knn",
            self.es.search(
                index=self.spec.read_alias,
                knn={
                    "field": "embedding",
                    "query_vector": list(vector),
                    "k": k,
                    "num_candidates": num_candidates,
                    "filter": {"bool": {"filter": list(filters), "must_not": list(must_not)}},
                    # The quantised candidates re-scored on the float vectors as the mapping
                    # says (indexes/specs.py); sent with the query too, so an index built
                    # before the mapping said so (not yet migrated) is re-scored alike.
                    "rescore_vector": {"oversample": oversample or self.spec.knn_oversample or 2.0},
                },
                size=k,
                source_excludes=RETRIEVAL_EXCLUDES,
                track_total_hits=False,
            ),
        )
        return _hits(resp)

    async def listing(
        self,
        fetch: Fetch,
        *,
        filters: Sequence[Query],
        must_not: Sequence[Query] = (),
        aggs: Mapping[str, Any] | None = None,
    ) -> tuple[list[Hit[R]], int, dict[str, Any]]:
        """A filtered, sorted page, the total and the aggregations over all of it (the
        listing's fields leave out vectors, personal and derived text unless ``fetch`` says
        otherwise)."""
        extra: dict[str, Any] = {"aggs": dict(aggs)} if aggs else {}
        params = fetch.params()
        params.setdefault("source_excludes", LISTING_EXCLUDES)
        resp = await self.es.search(
            index=self.spec.read_alias,
            query={"bool": {"filter": list(filters), "must_not": list(must_not)}},
            from_=fetch.offset,
            size=fetch.size,
            track_total_hits=True,
            **params,
            **extra,
        )
        return (
            _hits(resp),
            int(resp["hits"]["total"]["value"]),
            dict(resp.body.get("aggregations", {})),
        )


class ProfileRepository(RecordRepository[ProfileDoc]):
    occupation_field = "occupation_codes"

    async def not_updated_since(
        self, cutoff: str, *, scope: RegionScope, offset: int, limit: int
    ) -> tuple[list[Hit[ProfileDoc]], int]:
        """Profiles in ``scope`` last written before ``cutoff`` (ids and dates only), oldest
        first."""
        filters: list[Query] = [{"range": {"updated_at": {"lt": cutoff}}}, *scope_filter(scope)]
        hits, total = await self.search(
            {"bool": {"filter": filters}},
            Fetch(
                size=limit,
                offset=offset,
                sort=[{"updated_at": "asc"}, {"id": "asc"}],
                fields=["id", "region_code", "status", "updated_at"],
                count=True,
            ),
        )
        return hits, total or 0

    async def sharing_identity(
        self, keys: Sequence[str], *, other_than: str, limit: int = 20
    ) -> list[Hit[ProfileDoc]]:
        """Other profiles (than ``other_than``; "": any) holding one of these hashed phone or
        certificate numbers (ids, regions, keys and dates only), oldest first."""
        if not keys:
            return []
        query = {
            "bool": {
                "filter": [{"terms": {"identity_keys": list(keys)}}],
                "must_not": [{"ids": {"values": [other_than]}}] if other_than else [],
            }
        }
        fields = ["id", "region_code", "owner_id", "identity_keys", "created_at", "status"]
        hits, _ = await self.search(
            query, Fetch(size=limit, sort=[{"created_at": "asc"}, {"id": "asc"}], fields=fields)
        )
        return hits

    async def named(
        self, key: str, *, scope: RegionScope, limit: int
    ) -> tuple[list[Hit[ProfileDoc]], int]:
        """Profiles inside ``scope`` whose hashed name is ``key`` (ids, regions, owners, dates),
        newest first, and how many there are."""
        fields = ["id", "region_code", "owner_id", "created_at", "status"]
        query = {"bool": {"filter": [{"term": {"name_key": key}}, *scope_filter(scope)]}}
        hits, total = await self.search(
            query,
            Fetch(
                size=limit, sort=[{"created_at": "desc"}, {"id": "asc"}], fields=fields, count=True
            ),
        )
        return hits, total or 0


DUPLICATE_FIELDS = (
    "id",
    "title",
    "description",
    "enterprise_id",
    "owner_id",
    "occupation_code",
    "region_code",
    "status",
    "created_at",
    "duplicate_of",
)


class PostingRepository(RecordRepository[PostingDoc]):
    occupation_field = "occupation_code"

    async def sharing_bands(
        self, twin_of: Mapping[str, Any], *, other_than: str, limit: int = 50
    ) -> list[Hit[PostingDoc]]:
        """Other active postings of the same enterprise, occupation and county as ``twin_of``
        sharing an LSH band key with it (the near-duplicate candidates), oldest first, with
        the fields the check compares."""
        bands = list(twin_of.get("dup_bands") or [])
        same = [
            {"term": {name: twin_of[name]}}
            for name in ("enterprise_id", "occupation_code", "region_code")
            if twin_of.get(name)
        ]
        if not bands or len(same) < 3:
            return []
        query = {
            "bool": {
                "filter": [
                    *same,
                    {"term": {"status": "active"}},
                    {"terms": {"dup_bands": bands}},
                ],
                "must_not": [{"ids": {"values": [other_than]}}],
            }
        }
        hits, _ = await self.search(
            query,
            Fetch(size=limit, sort=[{"created_at": "asc"}, {"id": "asc"}], fields=DUPLICATE_FIELDS),
        )
        return hits

    async def repeating(self, original_ids: Sequence[str]) -> list[str]:
        """Ids of postings flagged as repeating one of ``original_ids``."""
        if not original_ids:
            return []
        query = {"terms": {"duplicate_of": list(original_ids)}}
        return [doc_id async for doc_id, _, _ in self.scan(query, fields=[])]

    async def in_status_dated(
        self, status: str, field: str, bounds: Mapping[str, str]
    ) -> list[tuple[str, PostingDoc, Version]]:
        """Postings in ``status`` whose date ``field`` lies within ``bounds`` (a range: ``lt``,
        ``gte`` …, ISO dates or timestamps): the life-cycle job's work."""
        query = {
            "bool": {"filter": [{"term": {"status": status}}, {"range": {field: dict(bounds)}}]}
        }
        fields = ["title", "enterprise_id", "region_code", "valid_from", "valid_until", "status"]
        return [found async for found in self.scan(query, fields=fields)]

    async def linked_to(self, project_ids: Sequence[str]) -> list[str]:
        """Ids of postings linked to one of these registered key projects."""
        if not project_ids:
            return []
        query = {"terms": {"key_project_id": list(project_ids)}}
        return [doc_id async for doc_id, _, _ in self.scan(query, fields=[])]

    async def with_places_held(self, written_before: str) -> dict[str, list[str]]:
        """posting id → the referral ids holding its places, for postings unchanged since
        ``written_before`` (the hourly check for hires that took a place but were never
        recorded)."""
        held: dict[str, list[str]] = {}
        query = {
            "bool": {
                "filter": [
                    {"exists": {"field": "hired_referral_ids"}},
                    {"range": {"indexed_at": {"lt": written_before}}},
                ]
            }
        }
        async for doc_id, doc, _ in self.scan(query, fields=["hired_referral_ids"]):
            held[doc_id] = list(doc.get("hired_referral_ids") or [])
        return held

    async def incentive_counts(
        self, *, filters: Sequence[Query], policy_ids: Sequence[str], breakdown: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Postings under ``filters`` with their open headcount: in all, per ``breakdown``
        and per policy in ``policy_ids`` (the incentive report)."""
        headcount = {"open_headcount": {"sum": {"field": "open_headcount"}}}
        return await self.aggregate(
            {"bool": {"filter": list(filters)}},
            {
                **headcount,
                **breakdown,
                "by_policy": {
                    "terms": {
                        "field": "incentive_policy_ids",
                        # include: [] would mean "everything"; "<none>" is no policy id.
                        "include": list(policy_ids) or ["<none>"],
                        "size": 500,
                    },
                    "aggs": headcount,
                },
            },
        )


def _hits(resp: Any) -> list[Hit[Any]]:
    return [
        Hit(
            h["_id"],
            cast(Any, h["_source"]),
            h.get("_score"),
            tuple(h.get("matched_queries") or ()),
        )
        for h in resp["hits"]["hits"]
    ]
