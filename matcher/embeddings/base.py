"""The ``Embedder`` protocol and what every implementation shares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class EmbedderError(RuntimeError):
    """The configured model cannot be loaded or used."""


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors of ``dims`` dimensions."""

    @property
    def model_id(self) -> str:
        """Stable name of the model, recorded in index metadata next to the vectors."""
        ...

    @property
    def dims(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        """Embed search queries (E5 ``query:`` prefix); shape (len(texts), dims)."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        """Embed stored documents (E5 ``passage:`` prefix); shape (len(texts), dims)."""
        ...

    def close(self) -> None: ...


def normalize(vectors: Vectors) -> Vectors:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: Vectors = (vectors / norms).astype(np.float32, copy=False)
    return out
