"""Policy versions in Elasticsearch (keyword-only service functions, shared by API, CLI and
jobs), the policy file loader, and re-flagging postings when policies change.

History is never rewritten: every change, including a retirement, is a new document
``<policy_id>@<version>`` written with ``op_type=create``; two writers racing for the same
version get a 409 instead of overwriting each other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from typing import Any, cast

import yaml
from pydantic import BaseModel, Field, ValidationError

from indexes.documents import PolicyDoc
from matcher.foundation.problems import NotFound, ValidationFailed, VersionConflict
from matcher.foundation.records import RecordId, Strict
from matcher.incentives.models import PolicyIn, PolicyOut
from matcher.policy.incentive_models import Area, Policy, PolicyContent, PolicyStatus
from matcher.policy.incentives import covers_in_words, in_force, indexed_policy_ids
from matcher.services import Services
from matcher.store.base import Version
from matcher.store.incentives import version_id
from matcher.store.outages import unreachable
from matcher.taxonomy.catalog import Taxonomy

logger = logging.getLogger("matcher.incentives")

MAX_POLICIES = 1000  # a policy file names at most this many; a region has a few dozen
MAX_FILE_BYTES = 1_000_000
_POLICY_SOURCE = [
    "region_code",
    "occupation_code",
    "key_project",
    "key_project_id",
    "contract_months",
    "incentive_policy_ids",
]


def rule_errors(content: PolicyContent, taxonomy: Taxonomy) -> list[dict[str, str]]:
    """Codes in the rule that the catalogs do not know (the model checks only their shape)."""
    errors = []
    rule = content.eligibility
    for i, code in enumerate(rule.county_codes):
        region = taxonomy.regions.get(code)
        if region is None or region.level != "county":
            errors.append(
                {
                    "field": f"eligibility.county_codes.{i}",
                    "message": f"{code} is not a county-level GB/T 2260 code",
                }
            )
    for i, code in enumerate(rule.occupation_codes):
        # The catalog holds groups under padded codes: 6-18 is 6-18-00-00.
        if taxonomy.occupations.get(code + "-00" * (3 - code.count("-"))) is None:
            errors.append(
                {
                    "field": f"eligibility.occupation_codes.{i}",
                    "message": f"unknown CSCO 2022 occupation or group {code}",
                }
            )
    if rule.area is Area.CONFIGURED_REMOTE and not taxonomy.regions.remote_area_codes:
        errors.append({"field": "eligibility.area", "message": "no remote areas are configured"})
    return errors


def _policy(source: Mapping[str, Any]) -> Policy:
    return Policy.model_validate({k: v for k, v in source.items() if k != "indexed_at"})


def to_out(policy: Policy, day: date) -> PolicyOut:
    return PolicyOut(
        **policy.model_dump(),
        in_force=in_force(policy, day),
        covers=covers_in_words(policy),
    )


def _content(policy: PolicyContent) -> dict[str, Any]:
    return PolicyContent.model_validate(
        policy.model_dump(include=set(PolicyContent.model_fields))
    ).model_dump(mode="json")


async def current_policies(svc: Services, *, include_retired: bool = False) -> list[Policy]:
    """The latest version of every policy (retired ones only when asked), by id."""
    policies = [_policy(doc) for doc in await svc.store.incentives.latest_versions()]
    if not include_retired:
        policies = [p for p in policies if p.status is PolicyStatus.ACTIVE]
    return sorted(policies, key=lambda p: p.policy_id)


@dataclass(frozen=True)
class _Cached:
    generation: str
    policies: list[Policy]


# The active policies per incentives index, with the generation they were read at. Every
# match and search needs them; a Redis GET is cheaper than the ES query (2-4 ms of a match at
# 100k profiles in one run of benchmarks/match_latency.py, below the noise in others).
_cache: dict[str, _Cached] = {}


async def active_policies(svc: Services) -> list[Policy]:
    """The latest active version of every policy, cached in this process until a policy write
    (in any process: the generation lives in Redis) renews the generation."""
    repo = svc.store.incentives
    alias = repo.spec.read_alias
    generation = await repo.generation()  # read before the policies: a write meanwhile re-reads
    cached = _cache.get(alias)
    if generation is not None and cached is not None and cached.generation == generation:
        return cached.policies
    policies = await current_policies(svc)
    if generation is not None:
        _cache[alias] = _Cached(generation, policies)
    return policies


def clear_policy_cache() -> None:
    """Forget every cached policy list (benchmarks compare with and without the cache)."""
    _cache.clear()


async def _policies_changed(svc: Services) -> None:
    repo = svc.store.incentives
    _cache.pop(repo.spec.read_alias, None)
    if not await repo.renew_generation():
        # Other processes keep their copy until Redis is back and the next write bumps it.
        logger.warning("incentive policy generation not renewed: Redis unreachable")


async def in_force_policies(svc: Services, day: date | None = None) -> list[Policy]:
    today = day or svc.clock.today()
    return [p for p in await active_policies(svc) if in_force(p, today)]


async def versions(svc: Services, *, policy_id: str) -> list[Policy]:
    found = [_policy(doc) for doc in await svc.store.incentives.versions(policy_id)]
    if not found:
        raise NotFound(f"No incentive policy {policy_id}")
    return found


async def get_version(svc: Services, *, policy_id: str, version: int) -> Policy:
    found = await svc.store.incentives.version(policy_id, version)
    if found is None:
        raise NotFound(f"No version {version} of incentive policy {policy_id}")
    return _policy(found)


async def latest(svc: Services, *, policy_id: str) -> Policy | None:
    found = await svc.store.incentives.latest(policy_id)
    return _policy(found) if found is not None else None


@dataclass(frozen=True)
class Recorded:
    """Who records a policy version, and why."""

    by: str
    note: str = ""


async def _write_version(
    svc: Services,
    *,
    policy_id: str,
    content: dict[str, Any],
    status: PolicyStatus,
    version: int,
    recorded: Recorded,
) -> Policy:
    now = svc.clock.now()
    policy = Policy.model_validate(
        {
            **content,
            "policy_id": policy_id,
            "version": version,
            "status": status,
            "recorded_at": now,
            "recorded_by": recorded.by,
            "note": recorded.note,
        }
    )
    document = {**policy.model_dump(mode="json"), "indexed_at": now.isoformat()}
    if not await svc.store.incentives.add_version(cast(PolicyDoc, document)):
        raise VersionConflict(
            f"Version {version} of {policy_id} was written by someone else meanwhile; "
            "read the policy again and retry",
            current_version=version,
        )
    await _policies_changed(svc)
    logger.info("incentive policy version", extra={"policy_id": policy_id, "version": version})
    return policy


async def put_policy(
    svc: Services, *, policy_id: str, body: PolicyIn, recorded_by: str
) -> tuple[Policy, bool]:
    """Record ``body`` as the next version of ``policy_id`` (version 1 when new); returns it
    and whether a version was written. A body equal to the current version writes nothing,
    so replaying a request or a policy file is harmless. A retired policy is revived by a
    new active version."""
    errors = rule_errors(body, svc.taxonomy)
    if errors:
        raise ValidationFailed("Unknown codes in the eligibility rule", errors)
    current = await latest(svc, policy_id=policy_id)
    current_version = current.version if current else 0
    if body.expected_version is not None and body.expected_version != current_version:
        raise VersionConflict(
            f"{policy_id} is at version {current_version}, not {body.expected_version}",
            current_version=current_version,
        )
    content = _content(body)
    if (
        current is not None
        and current.status is PolicyStatus.ACTIVE
        and _content(current) == content
    ):
        return current, False
    policy = await _write_version(
        svc,
        policy_id=policy_id,
        content=content,
        status=PolicyStatus.ACTIVE,
        version=current_version + 1,
        recorded=Recorded(recorded_by, body.note),
    )
    return policy, True


async def retire_policy(
    svc: Services, *, policy_id: str, recorded_by: str, note: str = ""
) -> Policy:
    """Retire a policy: a new version with status ``retired``; earlier versions stay."""
    current = await latest(svc, policy_id=policy_id)
    if current is None:
        raise NotFound(f"No incentive policy {policy_id}")
    if current.status is PolicyStatus.RETIRED:
        return current
    return await _write_version(
        svc,
        policy_id=policy_id,
        content=_content(current),
        status=PolicyStatus.RETIRED,
        version=current.version + 1,
        recorded=Recorded(recorded_by, note or "retired"),
    )


class PolicyFileEntry(PolicyIn):
    id: RecordId


class PolicyFile(Strict):
    """A policy file (YAML or JSON): ``policies: [{id: ..., name: ..., ...}]``."""

    policies: list[PolicyFileEntry] = Field(min_length=1, max_length=MAX_POLICIES)


class LoadReport(BaseModel):
    written: list[str]
    unchanged: list[str]


def seed_policy_text() -> str:
    """The packaged example policies (``data/seed_policies.yaml``)."""
    return (
        resources.files("matcher.incentives").joinpath("data/seed_policies.yaml").read_text("utf-8")
    )


def parse_policy_file(text: str, *, source: str, taxonomy: Taxonomy) -> PolicyFile:
    """Every policy of the file, validated as a whole before anything is written, so a file
    with one bad entry changes nothing."""
    if len(text.encode()) > MAX_FILE_BYTES:
        raise ValidationFailed(
            f"{source} is larger than {MAX_FILE_BYTES} bytes",
            [{"field": "file", "message": "too large"}],
        )
    try:
        raw = json.loads(text) if source.endswith(".json") else yaml.safe_load(text)
        parsed = PolicyFile.model_validate(raw)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            f"{source} is not valid YAML/JSON", [{"field": "file", "message": str(exc)[:300]}]
        ) from None
    except ValidationError as exc:
        raise ValidationFailed.from_pydantic(exc) from None
    errors = []
    seen: set[str] = set()
    for i, entry in enumerate(parsed.policies):
        if entry.id in seen:
            errors.append({"field": f"policies.{i}.id", "message": f"{entry.id} appears twice"})
        seen.add(entry.id)
        errors += [
            {**e, "field": f"policies.{i}.{e['field']}"} for e in rule_errors(entry, taxonomy)
        ]
    if errors:
        raise ValidationFailed(f"{source}: invalid policies", errors)
    return parsed


async def load_policy_file(
    svc: Services, *, text: str, source: str, recorded_by: str
) -> LoadReport:
    """Write each policy of a file (its ``text``) as a new version where it changed. The
    caller re-flags postings afterwards (``reflag_postings``)."""
    parsed = parse_policy_file(text, source=source, taxonomy=svc.taxonomy)
    report = LoadReport(written=[], unchanged=[])
    for entry in parsed.policies:
        body = PolicyIn.model_validate(entry.model_dump(exclude={"id"}))
        _, written = await put_policy(svc, policy_id=entry.id, body=body, recorded_by=recorded_by)
        (report.written if written else report.unchanged).append(entry.id)
    return report


async def reflag_postings(svc: Services, *, batch_size: int = 500) -> dict[str, int]:
    """Recompute ``incentive_policy_ids`` of every posting from the current policies, writing
    only the postings whose set changed. A posting rewritten meanwhile (its sequence number
    moved) is skipped: its write computed the flags from the same or newer policies."""
    policies = await current_policies(svc)
    regions = svc.taxonomy.regions
    repo = svc.store.postings
    scanned = changed = skipped = 0
    updates: list[tuple[str, dict[str, Any], Version]] = []

    async def flush() -> None:
        nonlocal skipped, updates
        if not updates:
            return
        lost, failed = await repo.update_many_if_unchanged(updates)
        if failed:
            raise RuntimeError(f"re-flagging postings failed: {failed[:3]}")
        skipped += len(lost)
        updates = []

    async for posting_id, source, version in repo.scan(
        {"match_all": {}}, fields=_POLICY_SOURCE, size=batch_size
    ):
        scanned += 1
        ids = indexed_policy_ids(policies, source, regions)
        if ids == sorted(source.get("incentive_policy_ids") or []):
            continue
        changed += 1
        updates.append((posting_id, {"incentive_policy_ids": ids}, version))
        if len(updates) >= batch_size:
            await flush()
    await flush()
    await repo.refresh_now()
    logger.info(
        "postings re-flagged", extra={"scanned": scanned, "changed": changed, "skipped": skipped}
    )
    return {"scanned": scanned, "changed": changed - skipped, "skipped": skipped}


async def queue_reflag(svc: Services, policy: Policy) -> bool:
    """Postings carry the ids of the policies whose posting-side rule they meet: a changed
    rule re-flags them in the worker (job id per version, so a replay is a no-op).

    The stored version is itself the intent to re-flag (an outbox): when the queue is out,
    the write still stands and ``reflag_if_behind``, the worker's sweep, re-flags within
    minutes. False when the job could not be queued now."""
    try:
        await svc.jobs.enqueue(
            "reflag_incentives",
            job_id=reflag_job_id(svc.settings.index_prefix, policy.policy_id, policy.version),
        )
    except Exception as exc:
        if unreachable(exc) is None:
            raise
        logger.warning(
            "re-flag not queued; the sweep will run it",
            extra={"policy_id": policy.policy_id, "version": policy.version},
        )
        return False
    return True


async def reflag_and_mark(svc: Services) -> dict[str, int]:
    """Re-flag every posting, then record how far that covered (the newest version read
    before it began: a version written meanwhile stays owed)."""
    newest = _newest_recorded(await svc.store.incentives.latest_versions())
    result = await reflag_postings(svc)
    if newest is not None:
        await svc.store.incentives.mark_reflagged(newest)
    return result


async def reflag_if_behind(svc: Services) -> dict[str, Any]:
    """The outbox's sweep: re-flag when a policy version was recorded after the last
    finished re-flag (its job was never queued, or failed for good)."""
    newest = _newest_recorded(await svc.store.incentives.latest_versions())
    done = await svc.store.incentives.reflagged_through()
    if newest is None or (done is not None and _instant(done) >= _instant(newest)):
        return {"behind": False}
    return {"behind": True, **await reflag_and_mark(svc)}


def _newest_recorded(docs: Sequence[PolicyDoc]) -> str | None:
    stamps = [str(d["recorded_at"]) for d in docs if d.get("recorded_at")]
    return max(stamps, key=_instant) if stamps else None


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def reflag_job_id(index_prefix: str, policy_id: str, version: int) -> str:
    """One job per new version (a replay of the same change is a no-op), per deployment
    (two deployments sharing a Redis never swallow each other's jobs)."""
    return f"reflag-incentives:{index_prefix}:{version_id(policy_id, version)}"
