"""How use cases hand work to the background worker, without knowing the queue library.

The adapters (the API's lifespan, the worker, the command line) create the real queue over
arq (``workers/queue.py``); unit tests hand in a list.
"""

from __future__ import annotations

from typing import Any, Protocol


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        """Queue ``function(*args)`` under ``job_id``; False when a job of that id is
        already queued, running or its result kept (so replays are no-ops)."""
        ...

    async def close(self) -> None: ...
