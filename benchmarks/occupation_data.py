"""The occupation evaluation sets, read as records the inference reads.

``data/occupation_blind.jsonl``: titles, short postings and seeker profiles written for 240
occupations by two writers who were shown only each occupation's code and official name —
never the normalizer's tables, rules, aliases or any evaluation data. Writer 1's 120
occupations are the ``dev`` split (the inference weights are fitted on it and its errors may
be read); writer 2's 120 other occupations are the ``test`` split, which nothing was ever
fitted, tuned or chosen on. ``data/occupation_common.jsonl``: 700 titles, 250 postings and 120
profiles written by a third writer as job boards show them, weighted as boards are (electricians,
truck drivers, welders, cooks … and a long tail), shown only the catalogue's codes and names;
split by occupation code (a hash) into ``common-dev``, whose errors were read (nothing was
fitted on it), and ``common-test``, never read. ``data/occupation_titles_dev.csv`` is the older
title set written next to the normalizer's tables (its ``holdout`` rows are reported too, as a
measure of memory rather than generalisation).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from matcher.taxonomy.inference import RecordText

DATA = Path(__file__).parent / "data"
BLIND = DATA / "occupation_blind.jsonl"
COMMON = DATA / "occupation_common.jsonl"
OLD_TITLES = DATA / "occupation_titles_dev.csv"


@dataclass(frozen=True)
class Case:
    code: str
    kind: str  # title, posting, profile
    split: str  # dev, test (blind); holdout (the older title set)
    record: RecordText
    source: str


def blind_cases(split: str | None = None) -> list[Case]:
    """The blind set's cases (``dev``, ``test``) or the common set's (``common-dev``,
    ``common-test``)."""
    out = []
    source = COMMON if split and split.startswith("common") else BLIND
    for line in source.read_text("utf-8").splitlines():
        row = json.loads(line)
        if split is not None and row["split"] != split:
            continue
        kind = row["kind"]
        if kind == "posting":
            record = RecordText(
                row["title"], row.get("description", ""), (), tuple(row.get("certificates", []))
            )
        elif kind == "profile":
            record = RecordText(row["title"], row.get("summary", ""), tuple(row.get("skills", [])))
        else:
            record = RecordText(row["title"])
        out.append(Case(row["code"], kind, row["split"], record, "blind"))
    return out


def old_title_cases(split: str = "holdout") -> list[Case]:
    with OLD_TITLES.open(encoding="utf-8") as handle:
        return [
            Case(r["code"], "title", split, RecordText(r["title"]), r["source"])
            for r in csv.DictReader(handle)
            if r["split"] == split
        ]
