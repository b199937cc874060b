"""sentence-transformers over a local model directory or an already-cached model name.

The hub is never assumed reachable: loading is forced offline, so a missing model fails fast
with a clear message instead of hanging on the network.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from matcher.embeddings.base import EmbedderError, Vectors, normalize

# E5-family models were trained with these prefixes; other models ignore them harmlessly
# only if told not to use them, so the prefixes are applied just for E5 names.
_QUERY, _PASSAGE = "query: ", "passage: "


class SentenceTransformerEmbedder:
    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "sentence-transformers is not installed: pip install 'talent-matcher[st]'"
            ) from exc
        try:
            self._model: Any = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            raise EmbedderError(
                f"cannot load sentence-transformers model {model!r}: {exc}"
            ) from exc
        self._name = model.rstrip("/")
        # Renamed in sentence-transformers 6; the old name warns.
        dimension: Any = getattr(self._model, "get_embedding_dimension", None)
        size: Any = (dimension or self._model.get_sentence_embedding_dimension)()
        self._dims = int(size)
        self._prefixed = "e5" in os.path.basename(self._name).lower()
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        # A local directory is named by its last two path parts, which survive moving the
        # installation; a hub-style name ("org/model") is kept as it is.
        parts = self._name.split("/")
        return "sentence-transformers/" + "/".join(parts[-2:])

    @property
    def dims(self) -> int:
        return self._dims

    def _encode(self, texts: Sequence[str], prefix: str) -> Vectors:
        if not texts:
            return np.zeros((0, self._dims), dtype=np.float32)
        items = [prefix + t for t in texts] if self._prefixed else list(texts)
        with self._lock:
            raw = self._model.encode(items, batch_size=64, convert_to_numpy=True)
        return normalize(np.asarray(raw, dtype=np.float32))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, _QUERY)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, _PASSAGE)

    def close(self) -> None:
        self._model = None
