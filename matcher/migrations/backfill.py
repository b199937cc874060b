"""Derived fields a mapping version added, filled in while ``matcher migrate`` copies records.

Profiles and postings v4 added ``registered_on`` (taken from ``created_at`` for records stored
before it existed), ``primary_occupation`` (profiles) and ``wage_monthly`` (postings), which the
bulletins aggregate on. Referrals v2 added ``incentive_policy_ids`` and
``incentive_grant_ids``; a referral stored before them gets them from its posting and seeker
as they are at the migration, against the policies in force that day (the record of the day
of the introduction is not kept anywhere else). The transform leaves records that have them
untouched, and can wrap another transform (the re-embedding of a model change).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from indexes.manage import Transform
from matcher.postings.service import monthly_wage
from matcher.services import Services


def fill_derived(kind: str, source: MutableMapping[str, Any]) -> None:
    if not source.get("registered_on") and source.get("created_at"):
        source["registered_on"] = str(source["created_at"])[:10]
    if kind == "profiles":
        codes = source.get("occupation_codes") or []
        if codes and not source.get("primary_occupation"):
            source["primary_occupation"] = codes[0]
    elif kind == "postings" and "wage_monthly" not in source:
        wage = monthly_wage(source.get("wage_min"), source.get("wage_max"))
        if wage is not None:
            source["wage_monthly"] = wage


async def fill_referrals(svc: Services, batch: list[dict[str, Any]]) -> None:
    """Give referrals stored before v2 their incentive fields (see the module's note)."""
    from matcher.incentives.service import in_force_policies
    from matcher.referrals.service import incentive_fields

    missing = [h["_source"] for h in batch if "incentive_policy_ids" not in h["_source"]]
    if not missing:
        return
    day = svc.clock.today()
    policies = await in_force_policies(svc, day)
    posts: Mapping[str, Any] = await svc.store.postings.get_many(
        sorted({r["posting_id"] for r in missing})
    )
    seekers: Mapping[str, Any] = await svc.store.profiles.get_many(
        sorted({r["profile_id"] for r in missing})
    )
    for referral in missing:
        posting, profile = posts.get(referral["posting_id"]), seekers.get(referral["profile_id"])
        if posting is None or profile is None:  # deleted since: nothing left to judge by
            referral.update(incentive_policy_ids=[], incentive_grant_ids=[])
            continue
        referral.update(
            incentive_fields(policies, posting, profile, day=day, regions=svc.taxonomy.regions)
        )


def backfill(
    kind: str, then: Transform | None = None, svc: Services | None = None
) -> Transform | None:
    """A migration transform for ``kind`` (None for indexes without derived record fields).
    Referrals need ``svc`` to read their postings and seekers."""
    if kind == "referrals" and svc is not None:
        services = svc

        async def referrals(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
            await fill_referrals(services, batch)
            return await then(batch) if then else batch

        return referrals
    if kind not in ("profiles", "postings"):
        return then

    async def transform(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for hit in batch:
            fill_derived(kind, hit["_source"])
        return await then(batch) if then else batch

    return transform
