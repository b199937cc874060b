"""Incentive policies as versions: a change is a new version, a replay writes nothing, a stale
``expected_version`` is refused, a retirement is a version too (in-memory store)."""

from __future__ import annotations

import pytest

from matcher.foundation.problems import NotFound, VersionConflict
from matcher.incentives.models import PolicyIn
from matcher.incentives.service import (
    current_policies,
    in_force_policies,
    put_policy,
    queue_reflag,
    retire_policy,
    versions,
)
from matcher.policy.incentive_models import PolicyStatus
from matcher.services import Services
from tests.factories import policy_body
from tests.unit.fakes import MemoryQueue


def body(**overrides: object) -> PolicyIn:
    return PolicyIn.model_validate(policy_body(**overrides))


async def test_a_change_is_a_new_version_and_a_replay_writes_nothing(memory: Services) -> None:
    first, written = await put_policy(memory, policy_id="remote", body=body(), recorded_by="a")
    assert written
    assert first.version == 1
    same, written = await put_policy(memory, policy_id="remote", body=body(), recorded_by="a")
    assert not written
    assert same.version == 1
    changed, written = await put_policy(
        memory, policy_id="remote", body=body(name="新名称"), recorded_by="a"
    )
    assert written
    assert changed.version == 2
    assert [p.version for p in await versions(memory, policy_id="remote")] == [1, 2]


async def test_a_stale_expected_version_is_refused(memory: Services) -> None:
    await put_policy(memory, policy_id="remote", body=body(), recorded_by="a")
    with pytest.raises(VersionConflict):
        await put_policy(
            memory, policy_id="remote", body=body(expected_version=0, name="x"), recorded_by="a"
        )


async def test_a_retired_policy_is_no_longer_in_force_and_keeps_its_history(
    memory: Services,
) -> None:
    await put_policy(memory, policy_id="remote", body=body(), recorded_by="a")
    assert [p.policy_id for p in await in_force_policies(memory)] == ["remote"]
    retired = await retire_policy(memory, policy_id="remote", recorded_by="a")
    assert retired.status is PolicyStatus.RETIRED
    assert retired.version == 2
    assert await in_force_policies(memory) == []
    assert [p.policy_id for p in await current_policies(memory, include_retired=True)] == ["remote"]
    with pytest.raises(NotFound):
        await retire_policy(memory, policy_id="unknown", recorded_by="a")


async def test_a_change_queues_one_reflag_job_per_version(memory: Services) -> None:
    policy, _ = await put_policy(memory, policy_id="remote", body=body(), recorded_by="a")
    await queue_reflag(memory, policy)
    await queue_reflag(memory, policy)
    queue = memory.jobs
    assert isinstance(queue, MemoryQueue)
    assert [f for f, _ in queue.jobs.values()] == ["reflag_incentives"]
