"""Incentive policy versions (one document per version, ``<policy_id>@<version>``, written
with ``op_type=create`` and never rewritten), the generation in Redis that tells every
process when its cached copy of the policies is stale, and how far postings were re-flagged
(the newest version whose re-flag finished)."""

from __future__ import annotations

import uuid

from elasticsearch import AsyncElasticsearch
from redis.asyncio import Redis
from redis.exceptions import RedisError

from indexes import IndexSpec
from indexes.documents import PolicyDoc
from matcher.store.base import Fetch, Repository

MAX_POLICIES = 1000  # current policies read per request; a region has a few dozen
MAX_VERSIONS = 1000


def version_id(policy_id: str, version: int) -> str:
    return f"{policy_id}@{version}"


class PolicyRepository(Repository[PolicyDoc]):
    def __init__(self, es: AsyncElasticsearch, spec: IndexSpec, redis: Redis) -> None:
        super().__init__(es, spec)
        self.redis = redis
        self.generation_key = f"{spec.prefix}:incentives:generation"
        self.reflagged_key = f"{spec.prefix}:incentives:reflagged-through"

    async def latest_versions(self) -> list[PolicyDoc]:
        """The latest version of every policy, retired ones included."""
        hits, _ = await self.search(
            {"match_all": {}},
            Fetch(
                size=MAX_POLICIES,
                sort=[{"version": "desc"}],
                extra={"collapse": {"field": "policy_id"}},
            ),
        )
        return [h.doc for h in hits]

    async def versions(self, policy_id: str) -> list[PolicyDoc]:
        hits, _ = await self.search(
            {"term": {"policy_id": policy_id}}, Fetch(size=MAX_VERSIONS, sort=[{"version": "asc"}])
        )
        return [h.doc for h in hits]

    async def latest(self, policy_id: str) -> PolicyDoc | None:
        hits, _ = await self.search(
            {"term": {"policy_id": policy_id}}, Fetch(size=1, sort=[{"version": "desc"}])
        )
        return hits[0].doc if hits else None

    async def version(self, policy_id: str, version: int) -> PolicyDoc | None:
        return await self.get(version_id(policy_id, version))

    async def add_version(self, doc: PolicyDoc) -> bool:
        """Write a new version; False when someone wrote that version meanwhile."""
        return await self.create(version_id(doc["policy_id"], doc["version"]), doc)

    async def generation(self) -> str | None:
        """The policies' generation, renewed by every policy write; None when Redis is
        unreachable (nothing may be cached then)."""
        try:
            raw = await self.redis.get(self.generation_key)
        except (RedisError, OSError):
            return None
        return raw.decode() if isinstance(raw, bytes) else str(raw or "none")

    async def renew_generation(self) -> bool:
        """A fresh random value, not a counter: a Redis that lost its data can never bring an
        old generation back. False when Redis is unreachable."""
        try:
            await self.redis.set(self.generation_key, uuid.uuid4().hex)
        except (RedisError, OSError):
            return False
        return True

    async def reflagged_through(self) -> str | None:
        """``recorded_at`` (ISO) of the newest policy version whose re-flag finished; None
        when none is known (then every version may still be owed one)."""
        raw = await self.redis.get(self.reflagged_key)
        return raw.decode() if isinstance(raw, bytes) else raw

    async def mark_reflagged(self, through: str) -> None:
        await self.redis.set(self.reflagged_key, through)
