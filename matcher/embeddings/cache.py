"""Recent search texts, their query vectors and readings, so a repeated search is not embedded
or read again.

Embedding a query is the slowest step of a search on CPU (about 12 ms on two cores, more when
requests queue for the model), and searches repeat: the same trade typed at many desks, a
clerk paging or changing a filter, a seeker re-running a saved search. A bounded LRU per
process, keyed by model and exact text; the vectors are never written to, so they are shared.
The same bound holds the search texts' occupation readings (``matcher.search.reading``), which
embed the text a second time as a job title.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from matcher.embeddings.base import Embedder

Vector = npt.NDArray[np.float32]


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Recent(Generic[K, V]):
    """A bounded, thread-safe LRU: the value of a key, computed on a miss (blocking: call
    from a thread when computing embeds). ``size`` 0 keeps nothing. Values are shared by every
    caller: keep them immutable."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()  # searches embed in worker threads
        self.hits = self.misses = 0

    def get(self, key: K, compute: Callable[[], V]) -> V:
        if self.size > 0:
            with self._lock:
                if key in self._values:
                    self._values.move_to_end(key)
                    self.hits += 1
                    return self._values[key]
        value = compute()
        with self._lock:
            self.misses += 1
            if self.size > 0:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
        return value


class QueryVectors(Recent[tuple[str, str], Vector]):
    """Query vectors by model and exact text."""

    def vector(self, embedder: Embedder, text: str) -> Vector:
        """The query vector of ``text`` (embedded on a miss; blocking: call from a thread)."""

        def embed() -> Vector:
            vector: Vector = embedder.embed_queries([text])[0]
            vector.setflags(write=False)
            return vector

        return self.get((embedder.model_id, text), embed)
