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

import inspect
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from redis.asyncio import Redis

# KEYS[1] a reader's position; ARGV expected ("" for none), new. Returns 1 when moved.
_ADVANCE = """
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1
"""
# KEYS[1] a lock; ARGV its token. Deletes it only for its holder.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


async def _run(redis: Redis, script: str, key: str, *args: str) -> int:
    pending = redis.eval(script, 1, key, *args)
    if not inspect.isawaitable(pending):
        raise TypeError("expected an awaitable from the async Redis client")
    return int(await pending)


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


MAX_PART = 2**64 - 1  # each part of a stream id is an unsigned 64-bit number


def entry_key(entry: str) -> tuple[int, int]:
    """A stream id as a comparable pair; ValueError when it is not one."""
    ms, _, seq = entry.partition("-")
    if not ms.isdigit() or not (seq.isdigit() if seq else True):
        raise ValueError(entry)
    key = int(ms), int(seq or 0)
    if max(key) > MAX_PART:
        raise ValueError(entry)
    return key


def horizon(before_ms: int) -> str:
    """The id just below every entry appended from ``before_ms`` on: a cursor past every
    entry a read up to ``before_ms`` could return."""
    return f"{max(before_ms - 1, 0)}-{MAX_PART}"


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

    async def advance(self, reader: str, entry: str, *, expected: str | None) -> bool:
        """Move ``reader`` from ``expected`` (what it read as its position; None: none yet) to
        ``entry``; False, and nothing changed, when another run moved it meanwhile."""
        moved = await _run(
            self.redis, _ADVANCE, f"{self.key}:reader:{reader}", expected or "", entry
        )
        return bool(moved)

    async def lock(self, name: str, *, ttl_ms: int) -> str | None:
        """A lock held until ``unlock`` or ``ttl_ms``: its token, or None when another holds
        it (one run of a job at a time)."""
        token = uuid.uuid4().hex
        taken = await self.redis.set(f"{self.key}:lock:{name}", token, nx=True, px=ttl_ms)
        return token if taken else None

    async def unlock(self, name: str, token: str) -> None:
        await _run(self.redis, _UNLOCK, f"{self.key}:lock:{name}", token)

    async def done(self, tag: str) -> bool:
        """Whether ``mark_done(tag)`` was called (a once-a-day step of a job that runs more
        often)."""
        return bool(await self.redis.exists(f"{self.key}:once:{tag}"))

    async def mark_done(self, tag: str, *, ttl_s: int) -> None:
        await self.redis.set(f"{self.key}:once:{tag}", "1", ex=ttl_s)

    async def trim(self, older_than_ms: int) -> int:
        """Drop entries appended before ``older_than_ms``; how many. The floor is raised
        first, so a reader never misses entries without being told (410)."""
        oldest_kept = f"{older_than_ms}-0"
        if entry_key(oldest_kept) > entry_key(await self.floor()):
            await self.redis.set(self.floor_key, oldest_kept)
        return int(await self.redis.xtrim(self.key, minid=oldest_kept, approximate=False))
