"""How far the searches look: the kNN depth grows with the index (the configured steps, their
checks), and the keyword query's word-share bound."""

import itertools
from pathlib import Path

import pytest

from matcher.policy.ranking import KnnDepth, RankingConfig, RankingConfigError

WEIGHTS = """
weights:
  retrieval: 0.2
  occupation: 0.2
  grade: 0.1
  certificates: 0.1
  skills: 0.1
  experience: 0.1
  wage: 0.1
  location: 0.05
  mobility_incentive: 0.05
"""


def config(tmp_path: Path, retrieval: str) -> RankingConfig:
    path = tmp_path / "matching.yaml"
    path.write_text(WEIGHTS + "retrieval:\n" + retrieval, encoding="utf-8")
    return RankingConfig.load(path)


def test_each_size_gets_the_last_step_it_reaches(tmp_path: Path) -> None:
    steps = config(
        tmp_path,
        """  knn_num_candidates: 200
  knn_by_size:
    - {documents: 300000, num_candidates: 400}
    - {documents: 700000, num_candidates: 800, oversample: 6}
""",
    )
    assert steps.knn_depth(0) == KnnDepth(0, 200)
    assert steps.knn_depth(299_999) == KnnDepth(0, 200)
    assert steps.knn_depth(300_000) == KnnDepth(300_000, 400)
    assert steps.knn_depth(5_000_000) == KnnDepth(700_000, 800, 6.0)


def test_without_steps_every_size_searches_alike(tmp_path: Path) -> None:
    plain = config(tmp_path, "  knn_num_candidates: 150\n")
    assert plain.knn_depth(10) == plain.knn_depth(10**8) == KnnDepth(0, 150)


@pytest.mark.parametrize(
    "steps",
    [
        "  knn_by_size: {documents: 1}\n",  # not a list
        "  knn_by_size:\n    - {documents: 10}\n",  # no num_candidates
        "  knn_by_size:\n    - {documents: ten, num_candidates: 400}\n",
        "  knn_by_size:\n    - {documents: 10, num_candidates: 0}\n",
        "  knn_by_size:\n    - {documents: 10, num_candidates: 10001}\n",
        "  knn_by_size:\n    - {documents: 10, num_candidates: 400, oversample: 0.5}\n",
        # not ascending, or a size twice
        "  knn_by_size:\n    - {documents: 20, num_candidates: 400}\n"
        "    - {documents: 10, num_candidates: 800}\n",
        "  knn_by_size:\n    - {documents: 10, num_candidates: 400}\n"
        "    - {documents: 10, num_candidates: 800}\n",
    ],
)
def test_a_bad_step_is_refused_at_load(tmp_path: Path, steps: str) -> None:
    with pytest.raises(RankingConfigError, match="knn_by_size"):
        config(tmp_path, steps)


def test_the_shipped_steps_load_and_only_deepen() -> None:
    shipped = RankingConfig.load()
    depths = [shipped.knn_depth(n) for n in (0, 10**4, 10**5, 10**6, 10**7)]
    for shallower, deeper in itertools.pairwise(depths):
        assert deeper.num_candidates >= shallower.num_candidates
        assert (deeper.oversample or 0) >= (shallower.oversample or 0)


def test_the_keyword_query_leaves_out_common_words_from_a_size_on(tmp_path: Path) -> None:
    pruned = config(tmp_path, "  bm25_max_share: 0.05\n  bm25_max_share_from: 1000\n")
    assert pruned.keyword_share(999) is None
    assert pruned.keyword_share(1000) == pruned.keyword_share(10**9) == 0.05
    assert config(tmp_path, "  bm25_max_share: 1\n").keyword_share(0) == 1.0
    assert config(tmp_path, "  rrf_k: 60\n").keyword_share(10**9) is None
    for bad in ("0", "-0.1", "1.5", "many", "[0.1]", "true"):
        with pytest.raises(RankingConfigError, match="bm25_max_share"):
            config(tmp_path, f"  bm25_max_share: {bad}\n")
    for bad in ("-1", "1.5", "many", "true"):
        with pytest.raises(RankingConfigError, match="bm25_max_share_from"):
            config(tmp_path, f"  bm25_max_share: 0.1\n  bm25_max_share_from: {bad}\n")


def test_the_shipped_keyword_bound_applies_only_to_large_indexes() -> None:
    shipped = RankingConfig.load()
    assert shipped.keyword_share(100_000) is None
    assert shipped.keyword_share(1_000_000) is not None
