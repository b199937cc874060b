"""Writing profiles and postings: who may write what, catalog checks, the conditional write
that never silently overwrites, and what each role reads back (in-memory store)."""

from __future__ import annotations

from typing import Any

import pytest

from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import Conflict, Forbidden, NotFound, ValidationFailed
from matcher.postings.models import PostingIn
from matcher.postings.service import get_posting, put_posting
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import delete_profile, get_profile, put_profile, put_profiles
from matcher.services import Services
from matcher.store.base import Version
from tests.factories import posting_body, profile_body

SEEKER = Principal("t-s", Role.SEEKER, "seeker-1")
OTHER_SEEKER = Principal("t-s2", Role.SEEKER, "seeker-2")
BAOTOU = Principal("t-o", Role.OFFICE, "office-bt", region_code="150200")
CHIFENG = Principal("t-o2", Role.OFFICE, "office-cf", region_code="150400")
ENTERPRISE = Principal("t-e", Role.ENTERPRISE, "ent-1")
OTHER_ENTERPRISE = Principal("t-e2", Role.ENTERPRISE, "ent-2")


def profile(**overrides: Any) -> ProfileIn:
    return ProfileIn.model_validate(profile_body(**overrides))


def posting(**overrides: Any) -> PostingIn:
    return PostingIn.model_validate(posting_body(**overrides))


async def test_a_seeker_creates_then_updates_their_own_profile(memory: Services) -> None:
    created, new = await put_profile(memory, principal=SEEKER, profile_id="p1", body=profile())
    assert new
    assert created.owner_id == "seeker-1"
    assert created.matchable
    updated, new = await put_profile(
        memory, principal=SEEKER, profile_id="p1", body=profile(title="焊工技师")
    )
    assert not new
    assert updated.title == "焊工技师"
    assert updated.created_at == created.created_at


async def test_another_seeker_can_neither_overwrite_nor_read_a_profile(memory: Services) -> None:
    await put_profile(memory, principal=SEEKER, profile_id="p1", body=profile())
    with pytest.raises(Forbidden, match="another seeker"):
        await put_profile(memory, principal=OTHER_SEEKER, profile_id="p1", body=profile())
    with pytest.raises(NotFound):
        await get_profile(memory, principal=OTHER_SEEKER, profile_id="p1")


async def test_offices_write_inside_their_region_only(memory: Services) -> None:
    await put_profile(memory, principal=BAOTOU, profile_id="p1", body=profile())
    with pytest.raises(Forbidden, match="outside your office's region"):
        await put_profile(memory, principal=CHIFENG, profile_id="p1", body=profile())
    with pytest.raises(Forbidden, match="region 150203"):
        await put_profile(memory, principal=CHIFENG, profile_id="p2", body=profile())
    with pytest.raises(Forbidden, match="enterprises cannot write profiles"):
        await put_profile(memory, principal=ENTERPRISE, profile_id="p3", body=profile())


async def test_unknown_codes_are_refused_by_field(memory: Services) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await put_profile(
            memory,
            principal=SEEKER,
            profile_id="p1",
            body=profile(region_code="159999", occupation_codes=["6-18-02-99"]),
        )
    fields = {e["field"] for e in refused.value.extra["errors"]}
    assert fields == {"region_code", "occupation_codes.0"}


async def test_the_title_gives_the_occupation_when_none_is_given(memory: Services) -> None:
    out, _ = await put_profile(
        memory, principal=SEEKER, profile_id="p1", body=profile(occupation_codes=[], title="电焊工")
    )
    assert out.occupation_codes == ["6-18-02-04"]
    assert out.occupation_normalized is not None


async def test_a_racing_writer_is_never_silently_overwritten(memory: Services) -> None:
    """Between this write's read and its write another writer creates the same id: the write
    is prepared again on the stored record, and its owner decides."""
    repo = memory.store.postings
    real_get = repo.get_versioned
    raced = False

    async def racing_get(doc_id: str) -> Any:
        nonlocal raced
        found = await real_get(doc_id)
        if not raced:
            raced = True
            body = posting(enterprise_id="ent-2")
            await put_posting(memory, principal=OTHER_ENTERPRISE, posting_id=doc_id, body=body)
        return found

    repo.get_versioned = racing_get  # type: ignore[method-assign]
    with pytest.raises(Forbidden, match="another enterprise"):
        await put_posting(memory, principal=ENTERPRISE, posting_id="j1", body=posting())
    stored = await repo.get("j1")
    assert stored is not None
    assert stored["enterprise_id"] == "ent-2"


async def test_a_write_that_keeps_losing_races_is_a_409(memory: Services) -> None:
    repo = memory.store.postings
    await put_posting(memory, principal=ENTERPRISE, posting_id="j1", body=posting())

    async def always_changed(doc_id: str, doc: Any, version: Version | None, **_: Any) -> bool:
        return False

    repo.replace = always_changed  # type: ignore[method-assign]
    with pytest.raises(Conflict, match="being changed"):
        await put_posting(memory, principal=ENTERPRISE, posting_id="j1", body=posting())


async def test_a_rewrite_keeps_the_places_hires_took(memory: Services) -> None:
    await put_posting(memory, principal=ENTERPRISE, posting_id="j1", body=posting(headcount=3))
    repo = memory.store.postings
    stored = await repo.get_versioned("j1")
    assert stored is not None
    taken = stored.doc
    taken["filled"], taken["open_headcount"] = 2, 1
    taken["hired_referral_ids"] = ["r1", "r2"]
    assert await repo.replace("j1", taken, stored.version)
    out, _ = await put_posting(
        memory, principal=ENTERPRISE, posting_id="j1", body=posting(headcount=4)
    )
    assert (out.filled, out.open_headcount) == (2, 2)


async def test_an_office_posting_for_an_enterprise_names_it(memory: Services) -> None:
    with pytest.raises(ValidationFailed, match="enterprise_id"):
        await put_posting(memory, principal=BAOTOU, posting_id="j1", body=posting())
    out, _ = await put_posting(
        memory, principal=BAOTOU, posting_id="j1", body=posting(enterprise_id="ent-9")
    )
    assert out.enterprise_id == "ent-9"


async def test_inactive_postings_are_read_only_by_who_manages_them(memory: Services) -> None:
    await put_posting(memory, principal=ENTERPRISE, posting_id="j1", body=posting(status="paused"))
    assert (await get_posting(memory, principal=ENTERPRISE, posting_id="j1")).status == "paused"
    assert (await get_posting(memory, principal=BAOTOU, posting_id="j1")).matchable is False
    for outsider in (OTHER_ENTERPRISE, CHIFENG, SEEKER):
        with pytest.raises(NotFound):
            await get_posting(memory, principal=outsider, posting_id="j1")


async def test_an_enterprise_reads_a_candidate_redacted_and_counted(memory: Services) -> None:
    await put_profile(memory, principal=SEEKER, profile_id="p1", body=profile())
    await put_posting(memory, principal=ENTERPRISE, posting_id="j1", body=posting())
    seen = await get_profile(memory, principal=ENTERPRISE, profile_id="p1", posting_id="j1")
    assert seen.view == "candidate"
    assert seen.contact is None
    assert seen.summary == ""
    assert seen.owner_id is None
    assert seen.region_code == "150200"  # the league-city, not the county
    assert all(c.number is None for c in seen.certificates)
    with pytest.raises(NotFound):  # not through another enterprise's posting
        await get_profile(memory, principal=OTHER_ENTERPRISE, profile_id="p1", posting_id="j1")
    with pytest.raises(ValidationFailed, match="through one of their postings"):
        await get_profile(memory, principal=ENTERPRISE, profile_id="p1")


async def test_deleting_a_profile_forgets_its_consents_and_keeps_an_audit(
    memory: Services,
) -> None:
    await put_profile(memory, principal=SEEKER, profile_id="p1", body=profile())
    await memory.store.consents.put("cr-1", {"id": "cr-1", "profile_id": "p1", "status": "granted"})
    await delete_profile(memory, principal=SEEKER, profile_id="p1")
    assert await memory.store.profiles.get("p1") is None
    assert await memory.store.consents.get("cr-1") is None
    events, _ = await memory.store.audit.page(terms={"profile_id": "p1"}, offset=0, limit=10)
    assert [e["action"] for e in events] == ["profile.deleted"]
    with pytest.raises(NotFound):
        await delete_profile(memory, principal=SEEKER, profile_id="p1")


async def test_a_batch_record_that_changed_meanwhile_is_prepared_again_on_the_new_version(
    memory: Services,
) -> None:
    # p1 is the seeker's; while the office's batch is prepared, the seeker rewrites it: the
    # batch's write of p1 conflicts, is prepared again on the seeker's version (owner kept)
    # and written; p2 is written in the first round.
    await put_profile(memory, principal=SEEKER, profile_id="p1", body=profile())
    repo = memory.store.profiles
    real_write = repo.write_many_if_unchanged
    rounds: list[list[str]] = []

    async def racing_write(docs: Any, **kwargs: Any) -> tuple[set[str], dict[str, str]]:
        rounds.append([doc_id for doc_id, _, _ in docs])
        if len(rounds) == 1:
            await put_profile(
                memory, principal=SEEKER, profile_id="p1", body=profile(title="焊工技师")
            )
        return await real_write(docs, **kwargs)

    repo.write_many_if_unchanged = racing_write  # type: ignore[method-assign]
    outcomes = await put_profiles(
        memory,
        principal=BAOTOU,
        items=[("p1", profile(title="电焊工")), ("p2", profile())],
    )
    assert {i: o.status for i, o in outcomes.items()} == {"p1": 200, "p2": 201}
    assert rounds == [["p1", "p2"], ["p1"]]
    stored = await repo.get("p1")
    assert stored is not None
    assert (stored["title"], stored["owner_id"]) == ("电焊工", "seeker-1")


async def test_a_batch_record_that_keeps_losing_races_is_a_409_and_the_others_are_written(
    memory: Services,
) -> None:
    await put_profile(memory, principal=BAOTOU, profile_id="p1", body=profile())
    repo = memory.store.profiles
    real_write = repo.write_many_if_unchanged

    async def p1_always_changed(docs: Any, **kwargs: Any) -> tuple[set[str], dict[str, str]]:
        conflicts, failed = await real_write([d for d in docs if d[0] != "p1"], **kwargs)
        return conflicts | {d[0] for d in docs if d[0] == "p1"}, failed

    repo.write_many_if_unchanged = p1_always_changed  # type: ignore[method-assign]
    outcomes = await put_profiles(
        memory,
        principal=BAOTOU,
        items=[("p1", profile()), ("p2", profile()), ("p3", profile(region_code="150402"))],
    )
    assert outcomes["p1"].status == 409
    assert "being changed" in outcomes["p1"].detail
    assert outcomes["p2"].status == 201
    assert outcomes["p3"].status == 403  # outside the office's region
    assert await repo.get("p3") is None


async def test_a_batch_of_refused_records_writes_nothing(memory: Services) -> None:
    outcomes = await put_profiles(
        memory,
        principal=CHIFENG,
        items=[("p1", profile()), ("p2", profile(region_code="159999"))],
    )
    assert {i: o.status for i, o in outcomes.items()} == {"p1": 403, "p2": 403}
    assert await memory.store.profiles.get("p1") is None
