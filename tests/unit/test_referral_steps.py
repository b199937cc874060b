"""A referral's life: refused when the hard rules fail, moved on one allowed step at a time, a
hire takes one place (once), and a full posting refuses the next hire (in-memory store)."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import (
    InvalidTransition,
    NotFound,
    PostingFull,
    ReferralRefused,
)
from matcher.postings.models import PostingIn
from matcher.postings.service import put_posting
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import put_profile
from matcher.referrals.models import ReferralAdvance, ReferralCreate, ReferralStatus
from matcher.referrals.service import advance_referral, create_referral, get_referral
from matcher.services import Services
from tests.factories import posting_body, profile_body

OFFICE = Principal("t-o", Role.OFFICE, "office-bt", region_code="150200")
FAR_OFFICE = Principal("t-o2", Role.OFFICE, "office-hlbe", region_code="150700")


async def setup(memory: Services, *, headcount: int = 1, **profile: Any) -> None:
    body = PostingIn.model_validate(posting_body(enterprise_id="ent-1", headcount=headcount))
    await put_posting(memory, principal=OFFICE, posting_id="j1", body=body)
    for pid in ("p1", "p2"):
        seeker = ProfileIn.model_validate(profile_body(**profile))
        await put_profile(memory, principal=OFFICE, profile_id=pid, body=seeker)


def introduce(profile_id: str = "p1") -> ReferralCreate:
    return ReferralCreate(posting_id="j1", profile_id=profile_id, staff="王老师")


async def step(memory: Services, rid: str, status: ReferralStatus) -> str:
    out = await advance_referral(
        memory, principal=OFFICE, referral_id=rid, body=ReferralAdvance(status=status, staff="王")
    )
    return out.status.value


async def test_nobody_is_introduced_without_the_required_permit(memory: Services) -> None:
    await setup(memory, certificates=[])
    with pytest.raises(ReferralRefused) as refused:
        await create_referral(memory, principal=OFFICE, body=introduce())
    assert {r["rule"] for r in refused.value.extra["failed_rules"]} >= {"required_certificate"}


async def test_steps_follow_the_allowed_order_and_a_hire_takes_one_place(
    memory: Services,
) -> None:
    await setup(memory, headcount=1)
    referral, created = await create_referral(memory, principal=OFFICE, body=introduce())
    assert created
    assert referral.status is ReferralStatus.PROPOSED
    again, created = await create_referral(memory, principal=OFFICE, body=introduce())
    assert not created
    assert again.id == referral.id
    with pytest.raises(InvalidTransition):
        await step(memory, referral.id, ReferralStatus.HIRED)
    assert await step(memory, referral.id, ReferralStatus.CONTACTED) == "contacted"
    assert await step(memory, referral.id, ReferralStatus.INTERVIEWED) == "interviewed"
    assert await step(memory, referral.id, ReferralStatus.HIRED) == "hired"
    posting = await memory.store.postings.get("j1")
    assert posting is not None
    assert (posting["filled"], posting["open_headcount"]) == (1, 0)
    assert posting["hired_referral_ids"] == [referral.id]
    with pytest.raises(InvalidTransition):  # a closed referral never changes
        await step(memory, referral.id, ReferralStatus.DECLINED)


async def test_a_full_posting_refuses_the_next_hire(memory: Services) -> None:
    await setup(memory, headcount=1)
    first, _ = await create_referral(memory, principal=OFFICE, body=introduce("p1"))
    second, _ = await create_referral(memory, principal=OFFICE, body=introduce("p2"))
    for rid in (first.id, second.id):
        await step(memory, rid, ReferralStatus.CONTACTED)
        await step(memory, rid, ReferralStatus.INTERVIEWED)
    await step(memory, first.id, ReferralStatus.HIRED)
    with pytest.raises(PostingFull):
        await step(memory, second.id, ReferralStatus.HIRED)
    assert (await get_referral(memory, principal=OFFICE, referral_id=second.id)).status is (
        ReferralStatus.INTERVIEWED
    )


async def test_a_declined_seeker_may_be_introduced_again(memory: Services) -> None:
    await setup(memory)
    first, _ = await create_referral(memory, principal=OFFICE, body=introduce())
    await step(memory, first.id, ReferralStatus.DECLINED)
    second, created = await create_referral(memory, principal=OFFICE, body=introduce())
    assert created
    assert second.attempt == 2
    assert second.previous_id == first.id


async def test_an_office_outside_both_regions_can_neither_refer_nor_read(
    memory: Services,
) -> None:
    await setup(memory)
    # Another region's seeker, to another region's posting, is answered as an unknown one.
    with pytest.raises(NotFound, match="No profile"):
        await create_referral(memory, principal=FAR_OFFICE, body=introduce())
    referral, _ = await create_referral(memory, principal=OFFICE, body=introduce())
    with pytest.raises(NotFound):
        await get_referral(memory, principal=FAR_OFFICE, referral_id=referral.id)
