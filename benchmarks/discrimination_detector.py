"""Precision and recall of the discrimination detector (``matcher.policy.fairness``).

    .venv/bin/python benchmarks/discrimination_detector.py [--errors dev]

Data: ``benchmarks/data/discrimination_eval.jsonl``, 431 sentences and fragments from job ads,
seeker profiles, searches and contact-request purposes, about half discriminatory (gender,
age, ethnicity, marital and childbearing status, health, household registration, religion,
appearance) and half neutral look-alikes (男女不限, 蒙古语翻译, 持健康证, 男装导购 …), written
blind by a helper session that read none of this project. Split by a hash of the text: the
``dev`` half's errors may be read to extend the detector, the ``test`` half is never read.

A text counts as flagged when the detector finds a phrase in it, read as the service reads it
in that context (a seeker's own text and a search also for plain statements of a trait).
Baseline in the same run: a keyword check (any of 男 女 岁 后 族 婚 育 户 病 身高 信仰). Prints
per split and per category; ``--errors dev`` lists the dev split's misses and false alarms.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import re
from collections.abc import Callable
from pathlib import Path

from matcher.policy.fairness import protected_phrases

DATA = Path(__file__).resolve().parent / "data" / "discrimination_eval.jsonl"
_KEYWORDS = re.compile(r"男|女|岁|后|族|婚|育|户|病|身高|信仰")


def detector(text: str, context: str) -> bool:
    return bool(protected_phrases(text, self_description=context in ("profile", "search")))


def keywords(text: str, context: str) -> bool:
    return bool(_KEYWORDS.search(text))


def scores(rows: list[dict[str, str]], flag: Callable[[str, str], bool]) -> tuple[float, float]:
    hits = [(r["label"] == "discriminatory", flag(r["text"], r["context"])) for r in rows]
    tp = sum(1 for truth, said in hits if truth and said)
    said = sum(1 for _, s in hits if s)
    real = sum(1 for truth, _ in hits if truth)
    return (tp / said if said else 0.0), (tp / real if real else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", choices=["dev"], help="list one split's errors")
    args = parser.parse_args()
    lines = [json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line.strip()]
    rows = [r for r in lines if r.get("kind") != "meta"]
    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.platform()}")
    print(f"{'split':6} {'method':10} {'n':>4} {'precision':>9} {'recall':>7}")
    for split in ("dev", "test"):
        chosen = [r for r in rows if r["split"] == split]
        for name, flag in (("keywords", keywords), ("detector", detector)):
            precision, recall = scores(chosen, flag)
            print(f"{split:6} {name:10} {len(chosen):4d} {precision:9.3f} {recall:7.3f}")
    test = [r for r in rows if r["split"] == "test"]
    print("test, detector, recall by category (and false alarms on neutral text):")
    for category in sorted({r["category"] for r in test if r["category"] != "none"}):
        chosen = [r for r in test if r["category"] == category]
        found = sum(detector(r["text"], r["context"]) for r in chosen)
        print(f"  {category:12} {found:3d}/{len(chosen):3d}")
    neutral = [r for r in test if r["label"] == "neutral"]
    alarms = sum(detector(r["text"], r["context"]) for r in neutral)
    print(f"  {'neutral':12} {alarms:3d}/{len(neutral):3d} flagged")
    if args.errors:
        print(f"\n{args.errors} errors (label, context, text):")
        for r in rows:
            if r["split"] != args.errors:
                continue
            said = detector(r["text"], r["context"])
            if said != (r["label"] == "discriminatory"):
                print(f"  {'MISS ' if not said else 'ALARM'} {r['context']:15} {r['text']}")


if __name__ == "__main__":
    main()
