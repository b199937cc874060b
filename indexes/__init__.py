"""Elasticsearch index definitions, creation and alias migrations.

Every logical index (``profiles``, ``postings``, ``tokens`` …) lives in versioned concrete
indexes behind two aliases: ``<prefix>-<name>`` for reads and ``<prefix>-<name>-write`` for
writes. Mappings use only what the minimal test node's server core offers (the prebuilt
``whitespace`` analyzer over text segmented in Python, ``dense_vector``, keyword, numeric,
date and geo types), so they behave the same on the official image.
"""

from indexes.manage import (
    IndexStatus,
    MigrationReport,
    delete_document,
    drop_indexes,
    ensure_indexes,
    index_status,
    migrate,
)
from indexes.specs import Indexes, IndexSpec, build_indexes

__all__ = [
    "IndexSpec",
    "IndexStatus",
    "Indexes",
    "MigrationReport",
    "build_indexes",
    "delete_document",
    "drop_indexes",
    "ensure_indexes",
    "index_status",
    "migrate",
]
