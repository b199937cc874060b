"""How well near-identical postings are told from different vacancies of the same enterprise.

    .venv/bin/python benchmarks/duplicates.py [--sweep]

The pairs in ``benchmarks/data/duplicate_pairs.jsonl`` were written blind (by people who did
not see the detector): two postings of one enterprise for one occupation, labelled ``same``
(a re-post with small edits: a sentence added, pay tweaked, punctuation, order) or not (a
different vacancy: often the same template with another site, shift, level or pay band).
``split`` is ``dev`` (the threshold may be chosen on it) or ``test`` (never tuned on).

For each split it prints precision, recall and F1 of "repeat" for

- the detector as the service runs it: the two texts share an LSH band key and their exact
  3-gram Jaccard similarity is at least ``NEAR_IDENTICAL``;
- the baseline: equal normalised text (NFKC, lower case, letters and digits only), which is
  what a plain hash of the text would catch.

``--sweep`` adds the figures at other thresholds, on the dev split only. Asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matcher.foundation.neardup import NEAR_IDENTICAL, band_keys, normalise, similarity
from matcher.postings.service import duplicate_text

DATA = Path(__file__).parent / "data" / "duplicate_pairs.jsonl"

Pair = dict[str, Any]
Rule = Callable[[str, str], bool]


def detector(threshold: float) -> Rule:
    def repeats(a: str, b: str) -> bool:
        shared = set(band_keys(a)) & set(band_keys(b))
        return bool(shared) and similarity(a, b) >= threshold

    return repeats


def baseline(a: str, b: str) -> bool:
    return normalise(a) == normalise(b)


def scores(pairs: Sequence[Pair], rule: Rule) -> tuple[float, float, float, int, int]:
    tp = fp = fn = 0
    for pair in pairs:
        said = rule(duplicate_text(pair["a"]), duplicate_text(pair["b"]))
        tp += said and pair["same"]
        fp += said and not pair["same"]
        fn += not said and pair["same"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, tp + fp, fp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sweep", action="store_true", help="other thresholds, dev only")
    args = parser.parse_args()
    pairs = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line]
    print(
        f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}, "
        f"{os.cpu_count()} cores"
    )
    print(f"data: {DATA.name}")
    print("split  pairs same | rule                         precision recall  F1   flagged (wrong)")
    for split in ("dev", "test"):
        rows = [p for p in pairs if p["split"] == split]
        same = sum(p["same"] for p in rows)
        rules: list[tuple[str, Rule]] = [
            (f"minhash+jaccard>={NEAR_IDENTICAL}", detector(NEAR_IDENTICAL)),
            ("baseline: equal normalised", baseline),
        ]
        if args.sweep and split == "dev":
            sweep = [t for t in (0.6, 0.7, 0.75, 0.8, 0.85, 0.9) if t != NEAR_IDENTICAL]
            rules += [(f"minhash+jaccard>={t}", detector(t)) for t in sweep]
        for name, rule in rules:
            p, r, f1, flagged, wrong = scores(rows, rule)
            print(
                f"{split:5} {len(rows):5} {same:4} | {name:28} {p:9.3f} {r:6.3f} {f1:5.3f} "
                f"{flagged:5} ({wrong})"
            )


if __name__ == "__main__":
    main()
