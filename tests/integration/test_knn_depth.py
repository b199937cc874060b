"""A vector search looks deeper in a larger index: the record count it goes by (counted at
most every few minutes) and the depth the configured steps give it, sent to the real node.

The record written here lives in 兴安盟 (152201) and is deleted afterwards."""

import dataclasses
import uuid
from typing import Any

import httpx
import pytest

from matcher.matching.service import Retrieval, retrieve
from matcher.policy.ranking import KnnDepth
from matcher.services import Services
from matcher.store import records
from tests.factories import profile_body


async def test_the_count_is_remembered_for_a_while_then_read_again(
    services: Services,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    repo = services.store.profiles
    monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)
    before = await repo.document_count()
    monkeypatch.setattr(records, "COUNT_TTL_S", 3600.0)
    record_id = f"depth-{uuid.uuid4().hex[:8]}"
    try:
        put = await client.put(
            f"/v1/profiles/{record_id}",
            headers=admin_headers,
            json=profile_body(region_code="152201"),
        )
        assert put.status_code == 201, put.text
        assert await repo.document_count() == before, "remembered: not counted again"
        monkeypatch.setattr(records, "COUNT_TTL_S", 0.0)
        assert await repo.document_count() == before + 1
    finally:
        await client.delete(f"/v1/profiles/{record_id}", headers=admin_headers)


async def test_retrieval_sends_the_depth_of_the_step_the_index_reaches(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = services.store.profiles
    sent: list[dict[str, Any]] = []
    real_knn = repo.knn

    async def knn(*args: Any, **kwargs: Any) -> Any:
        sent.append(kwargs)
        return await real_knn(*args, **kwargs)  # the node accepts what is sent

    monkeypatch.setattr(repo, "knn", knn)
    vector = services.embedder.embed_queries(["电焊工"])[0].tolist()
    query = Retrieval("电焊工", vector, [], [], [])
    reached = dataclasses.replace(services.ranking, knn_by_size=(KnnDepth(1, 321, 7.0),))
    await retrieve(repo, query, reached)
    beyond = dataclasses.replace(services.ranking, knn_by_size=(KnnDepth(10**12, 321, 7.0),))
    await retrieve(repo, query, beyond)
    assert (sent[0]["num_candidates"], sent[0]["oversample"]) == (321, 7.0)
    assert (sent[1]["num_candidates"], sent[1]["oversample"]) == (
        services.ranking.knn_num_candidates,
        None,
    )
