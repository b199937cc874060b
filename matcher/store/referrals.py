"""Referrals (职业介绍): written at the pace of a person clicking, so each write refreshes at
once (``wait_for`` measured about a second per step at the desk; docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from indexes.documents import ReferralDoc
from matcher.store.base import Fetch, Refresh, Repository
from matcher.store.queries import Query


class ReferralRepository(Repository[ReferralDoc]):
    refresh: Refresh = True

    async def hired_since(self, since: str) -> list[ReferralDoc]:
        """Referrals hired at or after ``since`` (a timestamp), with the fields a notice
        names (the life-cycle job's question to hired seekers)."""
        query = {
            "bool": {
                "filter": [{"term": {"status": "hired"}}, {"range": {"hired_at": {"gte": since}}}]
            }
        }
        fields = ["profile_id", "posting_id", "posting_title", "enterprise_name", "hired_at"]
        return [doc async for _, doc, _ in self.scan(query, fields=fields)]

    async def latest_for_pair(self, posting_id: str, profile_id: str) -> ReferralDoc | None:
        """The seeker's last introduction to the posting (writes refresh at once, so it is
        seen)."""
        hits, _ = await self.search(
            {
                "bool": {
                    "filter": [
                        {"term": {"posting_id": posting_id}},
                        {"term": {"profile_id": profile_id}},
                    ]
                }
            },
            Fetch(
                size=1,
                sort=[{"attempt": {"order": "desc", "missing": "_last"}}, {"proposed_at": "desc"}],
            ),
        )
        return hits[0].doc if hits else None

    async def page(
        self,
        *,
        filters: Sequence[Query],
        statuses: Sequence[str] | None,
        status_count: int,
        offset: int,
        limit: int,
    ) -> tuple[list[ReferralDoc], int, dict[str, int]]:
        """Referrals under ``filters`` with the given statuses, newest first; the total, and
        the count per status before the status filter (a board shows every column's size)."""
        resp = await self.es.search(
            index=self.spec.read_alias,
            query={"bool": {"filter": list(filters)}},
            post_filter={"terms": {"status": list(statuses)}} if statuses else None,
            aggs={"by_status": {"terms": {"field": "status", "size": status_count}}},
            sort=[{"proposed_at": "desc"}, {"id": "asc"}],
            from_=offset,
            size=limit,
            track_total_hits=True,
        )
        counts = {
            b["key"]: int(b["doc_count"]) for b in resp["aggregations"]["by_status"]["buckets"]
        }
        return (
            [h["_source"] for h in resp["hits"]["hits"]],
            int(resp["hits"]["total"]["value"]),
            counts,
        )

    async def statuses(self, ids: Sequence[str]) -> dict[str, str | None]:
        """referral id → its status, None for ids that do not exist."""
        found = await self.get_many(ids, fields=["status"])
        return {i: found[i].get("status") if i in found else None for i in ids}

    async def incentive_counts(
        self, *, filters: Sequence[Query], breakdown: Mapping[str, Any], outcomes: Mapping[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        """Referrals under ``filters`` counted per ``breakdown``, per policy the posting
        carried (with its ``outcomes``) and per policy granted (the incentive report)."""
        return await self.aggregate(
            {"bool": {"filter": list(filters)}},
            {
                **outcomes,
                **breakdown,
                "by_policy": {
                    "terms": {"field": "incentive_policy_ids", "size": 500},
                    "aggs": {"hired": outcomes["hired"]},
                },
                "by_grant": {"terms": {"field": "incentive_grant_ids", "size": 500}},
            },
        )
