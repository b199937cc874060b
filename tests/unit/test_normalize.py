"""Job-ad titles → ranked CSCO 2022 occupations: ranking, the shipped vectors."""

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from matcher.embeddings import Embedder
from matcher.embeddings.base import Vectors
from matcher.taxonomy.normalize import Candidate, OccupationNormalizer
from matcher.taxonomy.occupation_vectors import (
    load_occupation_vectors,
    occupation_passages,
    passages_hash,
    save_occupation_vectors,
)
from matcher.taxonomy.occupations import CatalogError, OccupationCatalog


@pytest.fixture(scope="module")
def catalog() -> OccupationCatalog:
    return OccupationCatalog.load()


@pytest.fixture(scope="module")
def normalizer(catalog: OccupationCatalog, embedder: Embedder) -> OccupationNormalizer:
    return OccupationNormalizer(catalog, embedder)


class FakeEmbedder:
    """Deterministic 8-dimensional vectors from a hash; counts passage batches."""

    def __init__(self, model_id: str) -> None:
        self._model_id = model_id
        self.passage_batches = 0

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dims(self) -> int:
        return 8

    def _vectors(self, texts: Sequence[str]) -> Vectors:
        rows = [
            np.frombuffer(hashlib.sha256(t.encode()).digest()[:8], dtype=np.uint8) for t in texts
        ]
        out = np.array(rows, dtype=np.float32).reshape(len(texts), 8) + 1.0
        normed: Vectors = out / np.linalg.norm(out, axis=1, keepdims=True)
        return normed

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._vectors(texts)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        self.passage_batches += 1
        return self._vectors(texts)

    def close(self) -> None:
        pass


def top1(normalizer: OccupationNormalizer, title: str) -> str:
    [candidates] = normalizer.normalize([title])
    assert candidates, title
    return candidates[0].code


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("电焊工（包吃住）", "6-18-02-04"),
        ("高压电工", "6-31-01-03"),
        ("【鄂尔多斯】化工操作工 五险一金", "6-11-01-02"),
        ("销售代表 底薪+提成", "4-01-02-01"),
        ("Java开发工程师(高级)", "2-02-10-03"),
        ("急招叉车司机 月薪6000-8000", "6-30-05-01"),
        ("外卖骑手 日结", "4-10-08-01"),
        ("小学语文老师", "2-08-02-04"),
        ("会计", "2-06-03-00"),
    ],
)
def test_clear_titles_rank_their_occupation_first(
    normalizer: OccupationNormalizer, title: str, code: str
) -> None:
    assert top1(normalizer, title) == code


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("KA销售经理-快消", "2-06-07-02"),
        ("前台文员/行政助理", "3-01-02-02"),
        ("司机C1", "4-02-02-01"),
        ("风电场运维值班员 锡林郭勒", "6-28-01-12"),
        ("煤矿井下掘进工 包吃住", "6-16-01-04"),
        ("液态奶灌装车间操作工", "6-02-04-01"),
        ("养老院护理员", "4-10-01-05"),
        ("Sales Manager 外企", "2-06-07-02"),
    ],
)
def test_harder_titles_have_their_occupation_in_the_top_5(
    normalizer: OccupationNormalizer, title: str, code: str
) -> None:
    [candidates] = normalizer.normalize([title], top_k=5)
    assert code in [c.code for c in candidates]


def test_candidates_are_sorted_bounded_and_unique(normalizer: OccupationNormalizer) -> None:
    titles = ["电焊工", "急招普工 月入8000+", "客服专员", "化验员", "瑜伽老师", "挖机司机"]
    for top_k in (1, 3, 10):
        for candidates in normalizer.normalize(titles, top_k=top_k):
            scores = [c.score for c in candidates]
            assert 0 < len(candidates) <= top_k
            assert all(0.0 <= s <= 1.0 for s in scores)
            assert scores == sorted(scores, reverse=True)
            assert len({c.code for c in candidates}) == len(candidates)
            assert all(c.code.count("-") == 3 for c in candidates)
    assert normalizer.normalize(titles, top_k=0) == [[] for _ in titles]


def test_candidates_are_level_4_occupations_with_their_names(
    normalizer: OccupationNormalizer, catalog: OccupationCatalog
) -> None:
    [candidates] = normalizer.normalize(["仓库管理员"], top_k=10)
    for candidate in candidates:
        occupation = catalog.get(candidate.code)
        assert occupation is not None
        assert occupation.level == 4
        assert candidate.name == occupation.name


def test_an_exact_alias_scores_higher_than_a_vague_title(
    normalizer: OccupationNormalizer,
) -> None:
    exact, vague = normalizer.normalize(["焊工", "负责公司各项事务"])
    assert exact[0].score > 0.9
    assert not vague or vague[0].score < exact[0].score - 0.3


@pytest.mark.parametrize(
    "title", ["", "   ", "！！！", "8000-12000元/月 包吃住 五险一金", "【】()"]
)
def test_titles_with_nothing_left_get_no_candidates(
    normalizer: OccupationNormalizer, title: str
) -> None:
    assert normalizer.normalize([title]) == [[]]


def test_garbage_gets_low_scores(normalizer: OccupationNormalizer) -> None:
    for candidates in normalizer.normalize(["zzqxj", "啊啊啊啊", "12345abcde", "😀😀"]):
        assert all(c.score < 0.5 for c in candidates)


def test_long_and_odd_input_does_not_crash(normalizer: OccupationNormalizer) -> None:
    long_title = "焊工" + "包吃住五险一金" * 2000
    odd = ["\x00\t电工\n", "(((((((", "焊工" * 60, "ｊａｖａ开发", "\u202e工焊"]
    results = normalizer.normalize([long_title, *odd])
    assert results[0][0].code == "6-18-02-04"
    assert results[4][0].code == "2-02-10-03"  # full-width letters are normalized
    assert len(results) == 1 + len(odd)


def test_batch_equals_one_by_one(normalizer: OccupationNormalizer) -> None:
    titles = ["电焊工（包吃住）", "", "前台文员/行政助理", "司机C1", "zzqxj", "护士（有证）"]
    batch = normalizer.normalize(titles)
    single = [normalizer.normalize([t])[0] for t in titles]
    assert [[c.code for c in r] for r in batch] == [[c.code for c in r] for r in single]
    for b, s in zip(batch, single, strict=True):
        assert [c.score for c in b] == pytest.approx([c.score for c in s], abs=1e-3)


def test_ranking_is_deterministic(normalizer: OccupationNormalizer) -> None:
    titles = ["操作工", "服务员", "普工"]
    assert normalizer.normalize(titles) == normalizer.normalize(titles)


def test_lexical_only_without_an_embedder(catalog: OccupationCatalog) -> None:
    lexical = OccupationNormalizer(catalog, None)
    [welder, nothing] = lexical.normalize(["电焊工（包吃住）", "负责公司各项事务"])
    assert welder[0] == Candidate(code="6-18-02-04", name="焊工", score=welder[0].score)
    assert all(c.score < 0.6 for c in nothing)


def test_a_bad_curated_table_fails_clearly(catalog: OccupationCatalog, tmp_path: Path) -> None:
    path = tmp_path / "aliases.csv"
    path.write_text("title,code,match,weight,comment\n普工,6-99-99-99,exact,0.5,\n")
    with pytest.raises(CatalogError, match="6-99-99-99"):
        OccupationNormalizer(catalog, None, title_aliases_path=path)
    path.write_text("title,code,match,weight,comment\n普工,6-18-02-04,fuzzy,0.5,\n")
    with pytest.raises(CatalogError, match="exact or contains"):
        OccupationNormalizer(catalog, None, title_aliases_path=path)


def test_the_shipped_vectors_match_the_catalog(
    catalog: OccupationCatalog, embedder: Embedder
) -> None:
    occupations = catalog.occupations()
    codes = [o.code for o in occupations]
    vectors = load_occupation_vectors(
        None,
        model_id=embedder.model_id,
        text_hash=passages_hash(codes, occupation_passages(occupations)),
        codes=codes,
    )
    assert vectors is not None, "run scripts/build_occupation_vectors.py"
    assert vectors.shape == (len(codes), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_a_stale_vector_file_is_detected_and_recomputed(
    catalog: OccupationCatalog, tmp_path: Path
) -> None:
    occupations = catalog.occupations()
    codes = [o.code for o in occupations]
    fake = FakeEmbedder("fake/model")
    path = tmp_path / "vectors.npz"
    stale = np.ones((len(codes), 8), dtype=np.float32) / np.sqrt(8)
    save_occupation_vectors(path, stale, model_id=fake.model_id, text_hash="old", codes=codes)
    current = passages_hash(codes, occupation_passages(occupations))
    kept = load_occupation_vectors(path, model_id=fake.model_id, text_hash="old", codes=codes)
    assert kept is not None
    assert (
        load_occupation_vectors(path, model_id=fake.model_id, text_hash=current, codes=codes)
        is None
    )
    assert (
        load_occupation_vectors(path, model_id="other/model", text_hash="old", codes=codes) is None
    )

    normalizer = OccupationNormalizer(catalog, fake, vectors_path=path)
    assert not normalizer.vectors_ready
    normalizer.normalize(["焊工"])
    normalizer.normalize(["电工"])
    assert normalizer.vectors_ready
    assert fake.passage_batches == 1  # computed once, at first use


def test_a_fresh_vector_file_is_used_as_is(catalog: OccupationCatalog, tmp_path: Path) -> None:
    occupations = catalog.occupations()
    codes = [o.code for o in occupations]
    fake = FakeEmbedder("fake/model")
    path = tmp_path / "vectors.npz"
    passages = occupation_passages(occupations)
    save_occupation_vectors(
        path,
        fake.embed_passages(passages),
        model_id=fake.model_id,
        text_hash=passages_hash(codes, passages),
        codes=codes,
    )
    normalizer = OccupationNormalizer(catalog, fake, vectors_path=path)
    assert normalizer.vectors_ready
    normalizer.normalize(["焊工"])
    assert fake.passage_batches == 1  # only the call that wrote the file


def test_an_unreadable_vector_file_falls_back_to_computing(
    catalog: OccupationCatalog, tmp_path: Path
) -> None:
    path = tmp_path / "vectors.npz"
    path.write_bytes(b"not a numpy file")
    fake = FakeEmbedder("fake/model")
    normalizer = OccupationNormalizer(catalog, fake, vectors_path=path)
    assert normalizer.normalize(["焊工"])[0]
    assert fake.passage_batches == 1
