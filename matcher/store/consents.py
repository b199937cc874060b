"""Contact requests and their consent state (their own index), read without the profile or
posting use cases, so any of them can ask whether contact is released."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from indexes.documents import ContactRequestDoc
from matcher.store.base import Fetch, Repository
from matcher.store.queries import Query

GRANTED = "granted"


def request_id(posting_id: str, profile_id: str) -> str:
    """One request per (posting, profile): asking twice finds the same one."""
    digest = hashlib.sha256(f"{posting_id}\n{profile_id}".encode()).hexdigest()
    return "cr_" + digest[:32]


class ConsentRepository(Repository[ContactRequestDoc]):
    async def is_released(self, *, enterprise_id: str, posting_id: str, profile_id: str) -> bool:
        """The seeker granted this enterprise contact for this posting, and has not
        withdrawn."""
        found = await self.get(request_id(posting_id, profile_id))
        return (
            found is not None
            and found.get("status") == GRANTED
            and found.get("enterprise_id") == enterprise_id
        )

    async def statuses(
        self, *, posting_id: str, enterprise_id: str, profile_ids: Sequence[str]
    ) -> dict[str, str]:
        """profile id → state of the enterprise's request for this posting (absent: none)."""
        if not profile_ids:
            return {}
        hits, _ = await self.search(
            {
                "bool": {
                    "filter": [
                        {"term": {"posting_id": posting_id}},
                        {"term": {"enterprise_id": enterprise_id}},
                        {"terms": {"profile_id": list(profile_ids)}},
                    ]
                }
            },
            Fetch(size=len(profile_ids), fields=["profile_id", "status"]),
        )
        return {h.doc["profile_id"]: h.doc["status"] for h in hits}

    async def page(
        self, *, filters: Sequence[Query], offset: int, limit: int
    ) -> tuple[list[ContactRequestDoc], int]:
        hits, total = await self.search(
            {"bool": {"filter": list(filters)}},
            Fetch(
                size=limit, offset=offset, sort=[{"updated_at": "desc"}, {"id": "asc"}], count=True
            ),
        )
        return [h.doc for h in hits], total or 0

    async def forget_profile(self, profile_id: str) -> int:
        """Remove every request about a deleted profile (the audit keeps the ids)."""
        return await self.delete_matching({"term": {"profile_id": profile_id}})
