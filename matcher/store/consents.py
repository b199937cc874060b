"""Where contact requests live (their own index), read without the profile or posting
services, so any module — the profile reads included — can ask whether contact is released."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from elasticsearch import NotFoundError

from matcher.consent.models import RequestStatus
from matcher.services import Services


def request_id(posting_id: str, profile_id: str) -> str:
    digest = hashlib.sha256(f"{posting_id}\n{profile_id}".encode()).hexdigest()
    return "cr_" + digest[:32]


async def load(svc: Services, rid: str) -> tuple[dict[str, Any], int, int] | None:
    try:
        found = await svc.es.get(index=svc.specs["contact_requests"].read_alias, id=rid)
    except NotFoundError:
        return None
    return dict(found["_source"]), int(found["_seq_no"]), int(found["_primary_term"])


async def is_released(
    svc: Services, *, enterprise_id: str, posting_id: str, profile_id: str
) -> bool:
    """The seeker granted this enterprise contact for this posting, and has not withdrawn."""
    found = await load(svc, request_id(posting_id, profile_id))
    return (
        found is not None
        and found[0].get("status") == RequestStatus.GRANTED.value
        and found[0].get("enterprise_id") == enterprise_id
    )


async def statuses(
    svc: Services, *, posting_id: str, enterprise_id: str, profile_ids: Sequence[str]
) -> dict[str, str]:
    """profile id → state of the enterprise's request for this posting (absent: none)."""
    if not profile_ids:
        return {}
    resp = await svc.es.search(
        index=svc.specs["contact_requests"].read_alias,
        query={
            "bool": {
                "filter": [
                    {"term": {"posting_id": posting_id}},
                    {"term": {"enterprise_id": enterprise_id}},
                    {"terms": {"profile_id": list(profile_ids)}},
                ]
            }
        },
        size=len(profile_ids),
        source_includes=["profile_id", "status"],
    )
    return {h["_source"]["profile_id"]: h["_source"]["status"] for h in resp["hits"]["hits"]}


async def forget_profile(svc: Services, *, profile_id: str) -> int:
    """Remove every request about a deleted profile (the audit keeps the ids); returns how
    many. The minimal node has no delete-by-query (reindex module): search and bulk-delete
    until nothing is left."""
    alias = svc.specs["contact_requests"].read_alias
    removed = 0
    while True:
        resp = await svc.es.search(
            index=alias, query={"term": {"profile_id": profile_id}}, size=500, source=False
        )
        hits = resp["hits"]["hits"]
        if not hits:
            return removed
        operations = [{"delete": {"_index": h["_index"], "_id": h["_id"]}} for h in hits]
        await svc.es.bulk(operations=operations, refresh="wait_for")
        removed += len(hits)
