"""The cache of recent search texts' query vectors (matcher.embeddings.cache)."""

from collections.abc import Sequence

import numpy as np
import pytest

from matcher.embeddings.base import Vectors
from matcher.embeddings.cache import QueryVectors, Recent


class Counting:
    """An embedder that counts the texts it embeds (a text's vector: its length, repeated)."""

    def __init__(self, model_id: str = "m") -> None:
        self.model_id = model_id
        self.dims = 3
        self.embedded: list[str] = []

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        self.embedded += list(texts)
        return np.array([[len(t)] * 3 for t in texts], dtype=np.float32)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        raise AssertionError("queries only")

    def close(self) -> None:
        return None


def test_a_repeated_text_is_embedded_once_and_its_vector_cannot_be_changed() -> None:
    cache, model = QueryVectors(), Counting()
    first = cache.vector(model, "焊工")
    again = cache.vector(model, "焊工")
    assert again is first
    assert model.embedded == ["焊工"]
    assert (cache.hits, cache.misses) == (1, 1)
    with pytest.raises(ValueError, match="read-only"):
        first[0] = 9.0


def test_texts_and_models_are_kept_apart_and_the_oldest_go_first() -> None:
    cache, a, b = QueryVectors(size=2), Counting("a"), Counting("b")
    cache.vector(a, "电工")
    cache.vector(b, "电工")  # another model: embedded again
    assert (a.embedded, b.embedded) == (["电工"], ["电工"])
    cache.vector(a, "焊工")  # evicts the oldest (a, 电工)
    cache.vector(b, "电工")  # still there
    cache.vector(a, "电工")
    assert a.embedded == ["电工", "焊工", "电工"]
    assert b.embedded == ["电工"]


def test_a_cache_of_size_zero_embeds_every_time() -> None:
    cache, model = QueryVectors(size=0), Counting()
    cache.vector(model, "焊工")
    cache.vector(model, "焊工")
    assert model.embedded == ["焊工", "焊工"]
    assert (cache.hits, cache.misses) == (0, 2)


def test_switched_off_nothing_is_kept_and_a_failed_computation_is_not_kept() -> None:
    computed: list[str] = []

    def compute(key: str) -> str:
        computed.append(key)
        return key.upper()

    off: Recent[str, str] = Recent(size=0)
    assert off.get("a", lambda: compute("a")) == off.get("a", lambda: compute("a")) == "A"
    assert computed == ["a", "a"]
    assert (off.hits, off.misses) == (0, 2)

    on: Recent[str, str] = Recent(size=2)

    def fail() -> str:
        raise RuntimeError("model out")

    with pytest.raises(RuntimeError):
        on.get("b", fail)
    assert on.get("b", lambda: compute("b")) == "B"
    assert on.get("b", fail) == "B"  # kept now
    assert computed == ["a", "a", "b"]
