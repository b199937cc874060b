"""Contact requests and consent: only the seeker's side answers, each change is audited, and a
change whose audit cannot be written is undone (in-memory store)."""

from __future__ import annotations

import pytest

from matcher.consent.models import ContactRequestIn, RequestStatus
from matcher.consent.service import create_request, decide
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Conflict, NotFound
from matcher.postings.models import PostingIn
from matcher.postings.service import put_posting
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import get_profile, put_profile
from matcher.services import Services
from tests.factories import posting_body, profile_body
from tests.unit.fakes import MemoryAudit

SEEKER = Principal("t-s", Role.SEEKER, "seeker-1")
ENTERPRISE = Principal("t-e", Role.ENTERPRISE, "ent-1")


async def asked(memory: Services) -> str:
    await put_profile(
        memory, principal=SEEKER, profile_id="p1", body=ProfileIn.model_validate(profile_body())
    )
    await put_posting(
        memory,
        principal=ENTERPRISE,
        posting_id="j1",
        body=PostingIn.model_validate(posting_body()),
    )
    request, created = await create_request(
        memory,
        principal=ENTERPRISE,
        posting_id="j1",
        body=ContactRequestIn(profile_id="p1", purpose="面试邀请"),
    )
    assert created
    assert request.status is RequestStatus.PENDING
    return request.id


async def test_a_grant_releases_contact_details_for_that_posting_only(memory: Services) -> None:
    rid = await asked(memory)
    before = await get_profile(memory, principal=ENTERPRISE, profile_id="p1", posting_id="j1")
    assert before.contact is None
    granted = await decide(memory, principal=SEEKER, rid=rid, decision="grant")
    assert granted.status is RequestStatus.GRANTED
    after = await get_profile(memory, principal=ENTERPRISE, profile_id="p1", posting_id="j1")
    assert after.view == "consented"
    assert after.contact is not None
    events, _ = await memory.store.audit.page(terms={"profile_id": "p1"}, offset=0, limit=10)
    assert {e["action"] for e in events} == {
        "contact_request.created",
        "consent.granted",
        "contact.released",
    }
    await decide(memory, principal=SEEKER, rid=rid, decision="withdraw")
    hidden = await get_profile(memory, principal=ENTERPRISE, profile_id="p1", posting_id="j1")
    assert hidden.contact is None


async def test_the_enterprise_cannot_answer_for_the_seeker(memory: Services) -> None:
    rid = await asked(memory)
    with pytest.raises(NotFound):
        await decide(memory, principal=ENTERPRISE, rid=rid, decision="grant")


async def test_a_declined_request_cannot_be_reopened_by_asking_again(memory: Services) -> None:
    rid = await asked(memory)
    await decide(memory, principal=SEEKER, rid=rid, decision="decline")
    with pytest.raises(Conflict, match="declined"):
        await create_request(
            memory,
            principal=ENTERPRISE,
            posting_id="j1",
            body=ContactRequestIn(profile_id="p1", purpose="再问一次"),
        )
    with pytest.raises(Conflict):
        await decide(memory, principal=SEEKER, rid=rid, decision="withdraw")


async def test_a_change_that_cannot_be_audited_is_undone(memory: Services) -> None:
    rid = await asked(memory)
    audit = memory.store.audit
    assert isinstance(audit, MemoryAudit)
    audit.failing = True
    with pytest.raises(ConnectionError):
        await decide(memory, principal=SEEKER, rid=rid, decision="grant")
    stored = await memory.store.consents.get(rid)
    assert stored is not None
    assert stored["status"] == RequestStatus.PENDING.value
