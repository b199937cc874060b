"""Bringing the indexes to what the code expects (keyword-only service functions for the
command line, the demo and the worker): create what is missing, fill the occupations index,
migrate an index to the current mapping or model, merge the matching indexes."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexes import MigrationReport
from indexes.maintenance import MERGE_TIMEOUT_S, MergeResult
from matcher.incentives.service import reflag_postings
from matcher.migrations.backfill import backfill
from matcher.migrations.reembed import reembed
from matcher.services import Services


@dataclass
class IndexReport:
    created: list[str] = field(default_factory=list)
    occupations: int = 0
    # name → "index has mapping v… / model …": what still needs ``matcher migrate``.
    stale: dict[str, str] = field(default_factory=dict)
    migrated: list[str] = field(default_factory=list)
    # Concrete indexes whose replicas were set to the configured layout.
    replicas_changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Migrated:
    report: MigrationReport
    reflagged: int | None = None  # postings whose incentive flags changed (postings only)


class UnknownIndex(ValueError):
    """No logical index of that name."""


async def prepare_indexes(svc: Services, *, migrate_stale: bool = False) -> IndexReport:
    """Create every missing index, fill the occupations index from the catalog, and report
    (or, with ``migrate_stale``, migrate at once) indexes of an older mapping or model."""
    store = svc.store
    report = IndexReport(created=await store.ensure_indexes())
    report.replicas_changed = await store.apply_replicas()
    report.occupations = await store.occupations.sync(
        svc.taxonomy.occupations, indexed_at=svc.clock.timestamp()
    )
    for spec in store.indexes.all():
        status = await store.index_status(spec)
        if not status.needs_migration:
            continue
        if migrate_stale:
            await migrate_index(svc, spec.name, delete_source=True)
            report.migrated.append(spec.name)
        else:
            report.stale[spec.name] = (
                f"index has mapping v{status.mapping_version} / {status.embedding_model}"
            )
    return report


async def migrate_index(
    svc: Services, name: str, *, delete_source: bool = False, batch_size: int = 500
) -> Migrated:
    """Rebuild index ``name`` with the current mapping and swap its aliases (no read
    downtime); vectors are re-embedded when the model changed, derived fields backfilled,
    and postings re-flagged against the current incentive policies."""
    store = svc.store
    spec = store.indexes.named(name)
    if spec is None:
        raise UnknownIndex(f"one of {', '.join(store.indexes.names)}")
    status = await store.index_status(spec)
    transform = None
    if spec.embedding_model and status.embedding_model != spec.embedding_model:
        transform = reembed(svc, name)
    report = await store.migrate(
        spec,
        transform=backfill(name, transform, svc),
        batch_size=batch_size,
        delete_source=delete_source,
    )
    if name == "postings":
        # Copies keep the flags of the old mapping's time; recompute them once.
        flagged = await reflag_postings(svc)
        return Migrated(report, flagged["changed"])
    return Migrated(report)


async def merge_matching_indexes(
    svc: Services, *, max_mb: int, wait_s: float = MERGE_TIMEOUT_S
) -> list[MergeResult]:
    """The profiles and postings indexes merged to one segment each (indexes.maintenance);
    after ``wait_s`` the rest is reported ``pending``."""
    return await svc.store.merge_segments(max_bytes=max_mb * 2**20, wait_s=wait_s)
