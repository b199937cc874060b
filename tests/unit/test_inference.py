"""Occupation inference: the evidence it reads, the fitted weights, the calibrated reading."""

from pathlib import Path

import numpy as np
import pytest

from matcher.embeddings import Embedder
from matcher.taxonomy.inference import (
    FEATURES,
    OccupationInference,
    RecordText,
    Weights,
    isotonic,
)
from matcher.taxonomy.normalize import OccupationNormalizer
from matcher.taxonomy.occupations import CatalogError, OccupationCatalog

WORKER_FLAG = FEATURES.index("worker_as_professional")


@pytest.fixture(scope="module")
def inference(embedder: Embedder) -> OccupationInference:
    catalog = OccupationCatalog.load()
    return OccupationInference(catalog, OccupationNormalizer(catalog, embedder), embedder)


def test_a_worker_title_flags_exactly_the_managers_and_professionals(
    inference: OccupationInference,
) -> None:
    x = inference.features(
        [RecordText("电工（变电站检修）"), RecordText("电气工程师"), RecordText("叉车司机")]
    )
    professional = np.array([c[0] in "12" for c in inference.codes])
    assert (x[0, :, WORKER_FLAG] == professional).all()
    assert (x[2, :, WORKER_FLAG] == professional).all()
    # An engineer's title flags nothing: job ads call technicians of groups 4 and 6 工程师.
    assert not x[1, :, WORKER_FLAG].any()


def test_a_worker_at_a_substation_is_read_as_a_worker_not_the_engineer(
    inference: OccupationInference,
) -> None:
    # 变电工程技术人员 (2-02-12-03) was the reading before the worker's head counted.
    readings = inference.infer([RecordText("电工（变电站检修）")])[0]
    assert readings[0].code in {"6-31-01-03", "6-31-01-08"}
    assert readings[0].p > 0.3


def test_readings_are_ordered_probabilities_summing_to_at_most_one(
    inference: OccupationInference,
) -> None:
    records = [
        RecordText("焊工"),
        RecordText("招聘", "负责车间氩弧焊接，持熔化焊接与热切割作业证"),
        RecordText("！！！"),
    ]
    welder, described, empty = inference.infer(records)
    assert welder[0].name == "焊工"
    assert described
    assert described[0].name == "焊工"  # the body alone, under a title that says nothing
    assert empty == []
    for readings in (welder, described):
        ps = [r.p for r in readings]
        assert ps == sorted(ps, reverse=True)
        assert 0 < sum(ps) <= 1.0001
        assert all(p >= 0.02 for p in ps)


def test_weights_naming_an_unknown_feature_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "weights.yaml"
    path.write_text("weights:\n  title: 1.0\n  age: 2.0\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="weights"):
        Weights.load(path)
    path.write_text("weights:\n  title: 1.0\ncalibration: [[0.5]]\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="calibration"):
        Weights.load(path)


def test_the_shipped_weights_name_every_feature() -> None:
    assert set(Weights.load().by_feature) == set(FEATURES)


def test_calibration_maps_the_best_reading_and_never_sums_above_one() -> None:
    weights = Weights({}, ((0.2, 0.1), (0.9, 0.95)))
    p = np.array([[0.9, 0.1, 0.0], [0.2, 0.2, 0.6]], dtype=np.float32)
    out = weights.calibrated(p)
    assert out[0, 0] == pytest.approx(0.95 / (0.95 + 0.1 * 0.95 / 0.9), abs=1e-4)
    assert (out.sum(axis=1) <= 1.0 + 1e-6).all()
    assert out[1].argmax() == 2


def test_isotonic_knots_never_decrease() -> None:
    knots = isotonic([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [True, False, False, True, False, True])
    shares = [share for _, share in knots]
    assert shares == sorted(shares)
    assert sum(1 for _ in knots) <= 6
