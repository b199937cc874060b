"""A referral's life cycle, and the API's request and response bodies.

``proposed → contacted → interviewed → hired``; ``declined`` and ``no_show`` close a referral
from any open step where they make sense. Closed referrals (hired, declined, no_show) never
change again: a correction is a new referral.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints

from matcher.foundation.records import RecordId, Strict


class ReferralStatus(StrEnum):
    PROPOSED = "proposed"  # 已推荐
    CONTACTED = "contacted"  # 已联系
    INTERVIEWED = "interviewed"  # 已面试
    HIRED = "hired"  # 已录用
    DECLINED = "declined"  # 未录用: the employer said no (before v3 also: the worker withdrew)
    WITHDREW = "withdrew"  # 放弃: the worker withdrew
    NO_SHOW = "no_show"  # 未到场

    @property
    def zh_name(self) -> str:
        return ZH_NAMES[self]

    @property
    def is_closed(self) -> bool:
        return not TRANSITIONS[self]


ZH_NAMES = {
    ReferralStatus.PROPOSED: "已推荐",
    ReferralStatus.CONTACTED: "已联系",
    ReferralStatus.INTERVIEWED: "已面试",
    ReferralStatus.HIRED: "已录用",
    ReferralStatus.DECLINED: "未录用",
    ReferralStatus.WITHDREW: "放弃",
    ReferralStatus.NO_SHOW: "未到场",
}

# Where each step may go next. "declined" is the employer's no, "withdrew" the worker's (a
# seeker who never answers withdrew); "no_show" means they did not come to an arranged
# interview or first day at work.
_ENDS = (ReferralStatus.DECLINED, ReferralStatus.WITHDREW)
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    ReferralStatus.PROPOSED: frozenset({ReferralStatus.CONTACTED, *_ENDS}),
    ReferralStatus.CONTACTED: frozenset(
        {ReferralStatus.INTERVIEWED, ReferralStatus.NO_SHOW, *_ENDS}
    ),
    ReferralStatus.INTERVIEWED: frozenset({ReferralStatus.HIRED, ReferralStatus.NO_SHOW, *_ENDS}),
    ReferralStatus.HIRED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
    ReferralStatus.WITHDREW: frozenset(),
    ReferralStatus.NO_SHOW: frozenset(),
}

Staff = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=50),
    Field(description="The staff member who did this step (name or staff number)"),
]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class ReferralCreate(Strict):
    posting_id: RecordId
    profile_id: RecordId
    staff: Staff
    note: Note = ""
    office_id: RecordId | None = Field(
        default=None, description="Admins only: the office this referral is recorded for"
    )


class ReferralAdvance(Strict):
    status: ReferralStatus
    staff: Staff
    note: Note = ""
    interview_at: AwareDatetime | None = Field(
        default=None,
        description="When the interview is arranged (with contacted; an ISO time with its "
        "offset, within a year of today): the desk's 今日待办 lists it when it is near",
    )


class HireUndo(Strict):
    staff: Staff
    note: Note = ""


class Step(BaseModel):
    status: ReferralStatus
    at: datetime
    by: str = Field(description="The token subject (office id) that recorded the step")
    staff: str
    note: str = ""


class ReferralOut(BaseModel):
    id: str
    posting_id: str
    profile_id: str
    office_id: str
    office_region_code: str | None
    status: ReferralStatus
    attempt: int = Field(
        default=1, description="The n-th introduction of this seeker to this posting"
    )
    previous_id: str | None = Field(
        default=None, description="The declined or no-show referral this one follows"
    )
    staff: str
    note: str
    occupation_code: str | None
    required_level: int | None
    profile_level: int | None
    posting_region_code: str
    posting_city_code: str | None
    profile_region_code: str | None
    profile_city_code: str | None
    enterprise_name: str | None
    posting_title: str | None
    profile_title: str | None
    key_project_name: str | None
    key_project_remote: bool
    incentive_policy_ids: list[str] = Field(
        default_factory=list,
        description="Incentive policies in force that the posting carried when proposed",
    )
    incentive_grant_ids: list[str] = Field(
        default_factory=list,
        description="Of those, the ones this seeker would receive for this posting",
    )
    proposed_at: datetime
    contacted_at: datetime | None = None
    interviewed_at: datetime | None = None
    hired_at: datetime | None = None
    declined_at: datetime | None = None
    withdrew_at: datetime | None = None
    no_show_at: datetime | None = None
    interview_at: datetime | None = Field(
        default=None, description="The interview arranged, if one was (see ReferralAdvance)"
    )
    closed_at: datetime | None = None
    updated_at: datetime
    undo_hire_until: datetime | None = Field(
        default=None,
        description="A hire recorded by mistake may be undone until then (its place is given "
        "back); null when the referral is not hired",
    )
    history: list[Step]
    next_statuses: list[ReferralStatus]


class ReferralList(BaseModel):
    referrals: list[ReferralOut]
    total: int
    by_status: dict[str, int] = Field(description="Counts of the same query by status")
