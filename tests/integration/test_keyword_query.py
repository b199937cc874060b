"""The keyword query can leave out its commonest words (``retrieval.bm25_max_share``): how
many records hold each word is read from the real node, remembered for a while, and only the
words at most that common are sent. A refused statistics call sends every word; an outage is
an outage. The test indexes have one shard (the statistics are one shard's).

The records written here live in 兴安盟 (152201) and are deleted afterwards."""

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import elastic_transport
import httpx
import pytest
from elasticsearch import ApiError

from matcher.matching.service import Retrieval, retrieve
from matcher.services import Services
from matcher.store import records
from tests.factories import profile_body


@pytest.fixture
async def words(
    services: Services, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> AsyncIterator[tuple[str, str, list[str]]]:
    """Three profiles holding a made-up common word, one of them also a made-up rare word:
    (common, rare, [the three ids, the one with the rare word last])."""
    tag = uuid.uuid4().hex[:8]
    common, rare = f"kw{tag}common", f"kw{tag}rare"
    ids = [f"kw-{tag}-{n}" for n in range(3)]
    try:
        for n, record_id in enumerate(ids):
            summary = f"从事焊接 {common}" + (f" {rare}" if n == 2 else "")
            put = await client.put(
                f"/v1/profiles/{record_id}",
                headers=admin_headers,
                json=profile_body(region_code="152201", summary=summary),
            )
            assert put.status_code == 201, put.text
        yield common, rare, ids
    finally:
        for record_id in ids:
            await client.delete(f"/v1/profiles/{record_id}", headers=admin_headers)


async def share_between(
    repo: Any, common: str, rare: str, monkeypatch: pytest.MonkeyPatch
) -> float:
    """A share above the rare word's (1 record) and below the common word's (3), both read
    now and then kept for the rest of the test (the same shares for every check)."""
    monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)
    shares = await repo.word_shares([common, rare])
    monkeypatch.setattr(records, "COUNT_TTL_S", 3600.0)
    return 2 * float(shares[rare])


async def test_each_word_s_share_of_the_records_is_read_from_the_index(
    services: Services, words: tuple[str, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    common, rare, _ = words
    repo = services.store.profiles
    monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)  # nothing remembered from other tests
    shares = await repo.word_shares([common, rare, "kwneverwritten"])
    # Over every record with a text (deleted ones count until a merge drops them).
    assert 0 < shares[rare] <= 1 / 3
    assert shares[common] == pytest.approx(3 * shares[rare])
    assert shares["kwneverwritten"] == 0.0


async def test_the_shares_are_remembered_for_a_while_then_read_again(
    services: Services, words: tuple[str, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    common, rare, _ = words
    repo = services.store.profiles
    calls: list[Any] = []
    real = repo.es.termvectors

    async def termvectors(**kwargs: Any) -> Any:
        calls.append(kwargs["doc"])
        return await real(**kwargs)

    monkeypatch.setattr(repo.es, "termvectors", termvectors)
    monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)
    await repo.word_shares([common])
    monkeypatch.setattr(records, "COUNT_TTL_S", 3600.0)
    await repo.word_shares([common, rare])
    await repo.word_shares([rare, common])
    assert calls == [{"search_text": common}, {"search_text": rare}], "only new words are read"
    monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)
    await repo.word_shares([common])
    assert len(calls) == 3, "read again once the time is up"


async def test_the_query_keeps_each_word_once_and_only_the_rarer_ones(
    services: Services, words: tuple[str, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    common, rare, _ = words
    repo = services.store.profiles
    between = await share_between(repo, common, rare, monkeypatch)
    text = f"{common} {rare} {rare}"
    assert await repo.keywords(text, between) == rare
    assert await repo.keywords(text, 1.0) == f"{common} {rare}"
    assert await repo.keywords(text, None) == text, "unset: the text as it is"
    assert await repo.keywords(common, between) == common, "all common: all of them"


async def test_a_match_s_keyword_list_leaves_the_common_word_out(
    services: Services, words: tuple[str, str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    common, rare, ids = words
    repo = services.store.profiles
    between = await share_between(repo, common, rare, monkeypatch)
    query = Retrieval(f"{common} {rare}", None, [{"term": {"region_code": "152201"}}], [], [])
    every_word = dataclasses.replace(services.ranking, bm25_max_share=None)
    rarer_only = dataclasses.replace(
        services.ranking, bm25_max_share=between, bm25_max_share_from=1
    )
    not_yet = dataclasses.replace(
        services.ranking, bm25_max_share=between, bm25_max_share_from=10**12
    )
    found_all = {f.record_id for f in await retrieve(repo, query, every_word, mode="bm25")}
    found_rare = {f.record_id for f in await retrieve(repo, query, rarer_only, mode="bm25")}
    found_small = {f.record_id for f in await retrieve(repo, query, not_yet, mode="bm25")}
    assert set(ids) <= found_all
    assert set(ids) <= found_small, "an index smaller than the bound: every word"
    assert ids[2] in found_rare
    assert not set(ids[:2]) & found_rare, "the records holding only the common word"


def es_error(status: int) -> ApiError:
    node = elastic_transport.NodeConfig("http", "127.0.0.1", 9200)
    meta = elastic_transport.ApiResponseMeta(
        status, "1.1", elastic_transport.HttpHeaders(), 0.0, node
    )
    return ApiError("refused", meta, {})


async def test_refused_statistics_send_every_word_and_an_outage_is_not_hidden(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = services.store.profiles
    monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)
    status = 400

    async def termvectors(**_: Any) -> Any:
        raise es_error(status)

    monkeypatch.setattr(repo.es, "termvectors", termvectors)
    text = "kwrefused 焊工 焊工"
    assert await repo.keywords(text, 0.05) == text
    status = 503
    with pytest.raises(ApiError):
        await repo.keywords(text, 0.05)
