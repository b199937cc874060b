"""Derived fields a mapping version added, filled in while ``matcher migrate`` copies records.

Profiles and postings v4 added ``registered_on`` (taken from ``created_at`` for records stored
before it existed), ``primary_occupation`` (profiles) and ``wage_monthly`` (postings), which the
bulletins aggregate on. Referrals v2 added ``incentive_policy_ids`` and
``incentive_grant_ids``; a referral stored before them gets them from its posting and seeker
as they are at the migration, against the policies in force that day (the record of the day
of the introduction is not kept anywhere else). The transform leaves records that have them
untouched, and can wrap another transform (the re-embedding of a model change).

Profiles v6 and postings v7 store the occupation as readings (``matcher.records.occupation``).
A record stored before has none: one whose code its writer gave (no ``occupation_normalized``)
gets that code as one certain reading; one whose code was guessed from its title alone is read
again from the whole record, and rebuilt as a write would build it (a changed code changes its
groups, search text and vector) with its timestamps kept, so retention and bulletins see the
record as unchanged.

Profiles v7 and postings v9 add the keys the duplicates job looks up (``identity_keys``,
``dup_bands``), computed from the stored record; the job flags what it finds as records are
next written.

Profiles v8 add ``name_key``, the hashed name an office finds a returning worker by.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from indexes.manage import Transform
from matcher.foundation.neardup import band_keys
from matcher.incentives.service import current_policies
from matcher.postings.service import POSTINGS, duplicate_text, monthly_wage
from matcher.profiles.service import PROFILES, profile_identity_keys, profile_name_key
from matcher.records.kinds import RecordKind
from matcher.records.occupation import OccupationInput, decide
from matcher.records.prepare import WriteContext, prepare
from matcher.services import Services

# Fields a rebuilt record keeps from its stored self: it was not written by anyone.
KEPT_ON_REBUILD = ("created_at", "updated_at", "indexed_at", "registered_on")


def fill_derived(kind: str, source: MutableMapping[str, Any]) -> None:
    if not source.get("registered_on") and source.get("created_at"):
        source["registered_on"] = str(source["created_at"])[:10]
    if kind == "profiles":
        codes = source.get("occupation_codes") or []
        if codes and not source.get("primary_occupation"):
            source["primary_occupation"] = codes[0]
        if "identity_keys" not in source:
            source["identity_keys"] = profile_identity_keys(source)
        if "name_key" not in source:
            source["name_key"] = profile_name_key(source)
    elif kind == "postings":
        wage = monthly_wage(source.get("wage_min"), source.get("wage_max"))
        if "wage_monthly" not in source and wage is not None:
            source["wage_monthly"] = wage
        if "dup_bands" not in source:
            source["dup_bands"] = band_keys(duplicate_text(source))


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


async def fill_occupations(svc: Services, kind: str, batch: list[dict[str, Any]]) -> None:
    """Give records stored before the occupation readings theirs (see the module's note)."""
    spec: RecordKind[Any, Any] = PROFILES if kind == "profiles" else POSTINGS
    given: list[dict[str, Any]] = []
    guessed: list[dict[str, Any]] = []
    for hit in batch:
        source = hit["_source"]
        if "occupation_source" in source:
            continue
        codes = spec.given_occupations(spec.body_of(source))
        (guessed if source.get("occupation_normalized") or not codes else given).append(hit)
    for hit in given:
        source = hit["_source"]
        codes = spec.given_occupations(spec.body_of(source))
        source.update(decide(OccupationInput(codes, None), svc.taxonomy).fields())
    if not guessed:
        return
    items = [
        (hit["_id"], spec.with_occupations(spec.body_of(hit["_source"]), []), hit["_source"])
        for hit in guessed
    ]
    context = WriteContext(await current_policies(svc) if kind == "postings" else ())
    for hit, doc in zip(guessed, await prepare(svc, spec, items, context=context), strict=True):
        kept = {k: hit["_source"][k] for k in KEPT_ON_REBUILD if k in hit["_source"]}
        hit["_source"] = {**hit["_source"], **doc, **kept}


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
        if svc is not None:
            await fill_occupations(svc, kind, batch)
        return await then(batch) if then else batch

    return transform
