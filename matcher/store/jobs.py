"""How use cases hand work to the background worker, without knowing the queue library.

The adapters (the API's lifespan, the worker, the command line) create the real queue over
arq (``workers/queue.py``); unit tests hand in a list.
"""

from __future__ import annotations

from typing import Any, Protocol


class JobQueue(Protocol):
    async def enqueue(self, function: str, *args: Any, job_id: str, defer_s: float = 0) -> bool:
        """Queue ``function(*args)`` under ``job_id``, to run ``defer_s`` seconds from now at
        the earliest; False when a job of that id is already queued, running or its result
        kept (so replays are no-ops)."""
        ...

    async def waiting(self, job_id: str) -> bool:
        """True while the job is queued and no worker has taken it yet."""
        ...

    async def discard(self, job_id: str) -> None:
        """Forget a job whose run is known to be dead (its worker was killed): its queue entry
        and its in-progress mark go, so the queue holds no job nobody will finish."""
        ...

    async def close(self) -> None: ...
