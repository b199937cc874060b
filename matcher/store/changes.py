"""The change log of postings: a Redis stream of the ids written, in the order of the log.

Every write of the postings repository appends the ids it touches twice: once *before* the
write (the intent) and once *after* it (the commit). Each entry holds only the id and what was
done (``created``, ``updated``, ``deleted``); the feed reads the posting as it stands when it
serves the entry. So an entry for a write that then failed is harmless (the posting is served
unchanged), a process killed between the write and its commit entry still left the intent
entry, and a write that outlasts the settle time (below) is caught by its commit entry.

Order and cursors: entry ids are Redis stream ids (``<ms>-<n>``), strictly increasing in the
order entries were appended, so "every entry after the cursor" never skips one appended
earlier. A reader serves only entries older than the *settle time*, so the write behind an
intent entry has ended (landed or failed) before the entry is served.

Retention: entries older than the retention are trimmed by the daily life-cycle job; the
lowest id kept after a trim is remembered, and a cursor below it has missed entries (the
consumer must resynchronise from a snapshot).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

ChangeKind = Literal["created", "updated", "deleted"]
KINDS: dict[str, ChangeKind] = {"created": "created", "updated": "updated", "deleted": "deleted"}
START = "0-0"  # before every entry


@dataclass(frozen=True)
class Change:
    entry: str  # the stream id: the cursor that follows this entry
    record_id: str
    kind: ChangeKind


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def entry_key(entry: str) -> tuple[int, int]:
    """A stream id as a comparable pair; ValueError when it is not one."""
    ms, _, seq = entry.partition("-")
    if not ms.isdigit() or not (seq.isdigit() if seq else True):
        raise ValueError(entry)
    return int(ms), int(seq or 0)


class ChangeLog:
    def __init__(self, redis: Redis, prefix: str, name: str) -> None:
        self.redis = redis
        self.key = f"{prefix}:changes:{name}"
        self.floor_key = f"{self.key}:floor"

    async def record(self, ids: Sequence[str], kind: ChangeKind) -> None:
        """Append one entry per id, in one round trip."""
        if not ids:
            return
        async with self.redis.pipeline(transaction=False) as pipe:
            for record_id in ids:
                pipe.xadd(self.key, {"id": record_id, "kind": kind})
            await pipe.execute()

    async def now_ms(self) -> int:
        """Redis's clock (the one stream ids are taken from), in ms."""
        seconds, micros = await self.redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    async def read(self, after: str, *, before_ms: int, count: int) -> list[Change]:
        """Up to ``count`` entries after ``after``, appended before ``before_ms``, oldest
        first."""
        if entry_key(after) >= (before_ms, 0):
            return []
        raw = await self.redis.xrange(
            self.key, min=f"({after}", max=f"{before_ms - 1}", count=count
        )
        out = []
        for entry, fields in raw:
            values = {_text(k): _text(v) for k, v in fields.items()}
            kind = KINDS.get(values.get("kind", ""), "updated")
            out.append(Change(_text(entry), values.get("id", ""), kind))
        return out

    async def last(self) -> str:
        """The id of the newest entry (``START`` when there is none)."""
        newest = await self.redis.xrevrange(self.key, count=1)
        return _text(newest[0][0]) if newest else START

    async def last_before(self, before_ms: int) -> str:
        """The id of the newest entry appended before ``before_ms`` (``START``: none)."""
        newest = await self.redis.xrevrange(self.key, max=f"{before_ms - 1}", min="-", count=1)
        return _text(newest[0][0]) if newest else START

    async def floor(self) -> str:
        """Entries below this id were trimmed (``START`` when none ever were)."""
        value = await self.redis.get(self.floor_key)
        return _text(value) if value else START

    async def position(self, reader: str) -> str | None:
        """Where ``reader`` (a job that follows the log) has got to; None before its first
        run."""
        value = await self.redis.get(f"{self.key}:reader:{reader}")
        return _text(value) if value else None

    async def advance(self, reader: str, entry: str) -> None:
        await self.redis.set(f"{self.key}:reader:{reader}", entry)

    async def first_time(self, tag: str, *, ttl_s: int) -> bool:
        """True the first time ``tag`` is asked about within ``ttl_s`` (a once-a-day step of
        a job that runs more often)."""
        return bool(await self.redis.set(f"{self.key}:once:{tag}", "1", nx=True, ex=ttl_s))

    async def trim(self, older_than_ms: int) -> int:
        """Drop entries appended before ``older_than_ms``; how many."""
        oldest_kept = f"{older_than_ms}-0"
        removed = int(await self.redis.xtrim(self.key, minid=oldest_kept, approximate=False))
        if removed:
            current = await self.floor()
            if entry_key(oldest_kept) > entry_key(current):
                await self.redis.set(self.floor_key, oldest_kept)
        return removed
