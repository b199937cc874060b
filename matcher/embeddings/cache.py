"""Recent search texts and their query vectors, so a repeated search is not embedded again.

Embedding a query is the slowest step of a search on CPU (about 12 ms on two cores, more when
requests queue for the model), and searches repeat: the same trade typed at many desks, a
clerk paging or changing a filter, a seeker re-running a saved search. A bounded LRU per
process, keyed by model and exact text; the vectors are never written to, so they are shared.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from matcher.embeddings.base import Embedder

Vector = npt.NDArray[np.float32]


class QueryVectors:
    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._vectors: OrderedDict[tuple[str, str], Vector] = OrderedDict()
        self._lock = threading.Lock()  # searches embed in worker threads
        self.hits = self.misses = 0

    def vector(self, embedder: Embedder, text: str) -> Vector:
        """The query vector of ``text`` (embedded on a miss; blocking: call from a thread)."""
        key = (embedder.model_id, text)
        if self.size == 0:  # switched off
            self.misses += 1
            embedded: Vector = embedder.embed_queries([text])[0]
            return embedded
        with self._lock:
            found = self._vectors.get(key)
            if found is not None:
                self._vectors.move_to_end(key)
                self.hits += 1
                return found
        vector: Vector = embedder.embed_queries([text])[0]
        vector.setflags(write=False)
        with self._lock:
            self.misses += 1
            self._vectors[key] = vector
            while len(self._vectors) > self.size:
                self._vectors.popitem(last=False)
        return vector
