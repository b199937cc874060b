"""API tokens: only the hash of each secret is stored; revoked tokens stay for the audit."""

from __future__ import annotations

from indexes.documents import TokenDoc
from matcher.store.base import Fetch, Repository


class TokenRepository(Repository[TokenDoc]):
    async def page(self, *, include_revoked: bool, limit: int) -> list[TokenDoc]:
        query = (
            {"match_all": {}}
            if include_revoked
            else {"bool": {"must_not": {"exists": {"field": "revoked_at"}}}}
        )
        hits, _ = await self.search(query, Fetch(size=limit, sort=[{"created_at": "desc"}]))
        return [h.doc for h in hits]
