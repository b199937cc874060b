"""Import files: accept an upload, then validate, normalize, embed and bulk-index its rows.

The same ``import_file`` runs in the arq job (progress in Redis, read by the API) and in
``matcher import FILE`` (progress bar). Each row is validated completely before anything is
written, so a row is either stored whole or reported with its errors; re-running an import
rewrites the same ids. Each write is conditional on the stored version the row was prepared
on: when the record changed meanwhile (a hire took a place on the posting, someone stored the
id), the row is prepared again on the new version, so what a row does not set — places taken,
the registration day — is never undone; the row's own fields win, as any later write does.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, cast

from pydantic import ValidationError

from matcher.alerts.models import AlertKind
from matcher.alerts.service import Notice, notify
from matcher.foundation import sheets
from matcher.foundation.paging import Page
from matcher.foundation.principals import Principal, Role
from matcher.foundation.problems import (
    BadRequest,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Problem,
    ValidationFailed,
)
from matcher.imports.models import ImportStatus, RowProblem
from matcher.imports.parse import Format, Kind, Mode, Row, count_rows, read_rows
from matcher.imports.wording import zh_message
from matcher.incentives.service import current_policies
from matcher.policy.access import import_refusal, may_read_import
from matcher.policy.fairness import GROUNDS, TRAIT_NAMES, field_errors, sanitize
from matcher.postings.service import POSTINGS
from matcher.profiles.service import PROFILES
from matcher.records.kinds import RecordKind
from matcher.records.prepare import MAX_WRITE_TRIES, WriteContext, prepare
from matcher.services import Services
from matcher.store.base import Version

logger = logging.getLogger("matcher.imports")

BATCH_SIZE = 128


class Reporter(Protocol):
    async def started(self, total: int) -> None: ...
    async def progress(self, done: int, ok: int, failed: int) -> None: ...
    async def errors(self, errors: Sequence[RowProblem]) -> None: ...


KINDS: dict[str, RecordKind[Any, Any]] = {"profiles": PROFILES, "postings": POSTINGS}


def check_may_import(principal: Principal, kind: Kind) -> None:
    refusal = import_refusal(principal, kind)
    if refusal:
        raise Forbidden(refusal)


def _authorise(
    svc: Services, principal: Principal, kind: Kind, body: Any, stored: Mapping[str, Any] | None
) -> tuple[Any, str | None]:
    """The body with its owner set, and the reason it may not be written (None if it may)."""
    spec = KINDS[kind]
    owned = spec.with_owner(body, principal, stored)
    reason = spec.may_write(principal, stored, owned, svc.taxonomy)
    if reason is None:
        missing = spec.owner_errors(owned, principal)
        if missing:
            raise ValidationFailed(f"{missing[0]['field']} is required", missing)
    return owned, reason


def _sanitized(kind: Kind, row: Row) -> Row:
    """The row with each discriminatory requirement cut out of its text fields, and a note
    of what was cut (the row as it was when there is none)."""
    if row.body is None:
        return row
    body, cut = dict(row.body), []
    for name in KINDS[kind].text_fields:
        value = body.get(name)
        if isinstance(value, str):
            result = sanitize(value)
            if result.removed:
                body[name] = result.text
                cut += [f"「{clause}」（{TRAIT_NAMES.get(t, t)}）" for t, clause in result.removed]
    if not cut:
        return row
    return dataclasses.replace(row, body=body, note="导入时删去了不合规的要求：" + "、".join(cut))


def _validate(
    kind: Kind, row: Row, svc: Services, mode: Mode = "strict"
) -> tuple[Row, Any | None, list[RowProblem]]:
    spec = KINDS[kind]
    if row.body is None:
        raise ValueError("a row with a parse error has no body to validate")
    if mode == "sanitize":
        row = _sanitized(kind, row)
    body_in = row.body or {}
    problems = field_errors(body_in, spec.text_fields, self_description=spec.self_description)
    if problems:
        return row, None, [RowProblem(row=row.number, **p) for p in problems]
    try:
        body = spec.model.model_validate(body_in, context={"today": svc.clock.today()})
    except ValidationError as exc:
        return (
            row,
            None,
            [
                RowProblem(
                    row=row.number,
                    field=(field := ".".join(str(p) for p in err["loc"]) or "row"),
                    message=err["msg"],
                    message_zh=zh_message(field, err["msg"], err["type"], err.get("ctx")),
                )
                for err in exc.errors(include_url=False, include_input=False)
            ],
        )
    problems = spec.catalog_errors(body, svc.taxonomy)
    if problems:
        return row, None, [RowProblem(row=row.number, **p) for p in problems]
    return row, body, []


@dataclass(frozen=True)
class ImportJob:
    """One file to import: where it is, its format, what it holds and who imports it."""

    path: Path
    fmt: Format
    kind: Kind
    principal: Principal
    # "sanitize" (offices and admins importing postings): a discriminatory requirement is cut
    # out of the text and noted, instead of failing the row.
    mode: Mode = "strict"


@dataclass(frozen=True)
class Checkpoint:
    """How far an import got: rows whose outcome is settled (read, and written or refused),
    and the counts so far. A resumed run skips the settled rows."""

    done: int = 0
    ok: int = 0
    failed: int = 0


class LeaseLost(Exception):
    """The run lost its import's lease (it stalled longer than a lease and another run took
    over from the checkpoint): it stops without writing anything more."""


class Stopped(Exception):
    """The run stopped between batches at a checkpoint, as ``keep_going`` asked."""

    def __init__(self, checkpoint: Checkpoint) -> None:
        super().__init__(f"stopped after {checkpoint.done} rows")
        self.checkpoint = checkpoint


async def import_file(
    svc: Services,
    job: ImportJob,
    *,
    reporter: Reporter,
    batch_size: int = BATCH_SIZE,
    resume: Checkpoint | None = None,
    keep_going: Callable[[], Awaitable[bool]] | None = None,
) -> tuple[int, int]:
    """Import the rows of the job's file (after ``resume.done`` of them); returns (rows
    stored, rows rejected) over the whole file. A batch is reported — its errors, then the
    counts — only once its outcome is settled, so the counts are a checkpoint a resumed run
    can start from: no row is counted twice. ``keep_going`` is asked after each settled
    batch; False raises ``Stopped``."""
    kind = job.kind
    check_may_import(job.principal, kind)
    repo = KINDS[kind].repository(svc.store)
    await reporter.started(await asyncio.to_thread(count_rows, job.path, job.fmt))
    start = resume or Checkpoint()
    done, ok, failed = start.done, start.ok, start.failed
    pending: asyncio.Task[dict[str, str]] | None = None
    pending_rows: dict[str, int] = {}  # id → row number (the last row wins for a repeated id)
    pending_count = pending_size = pending_failed = 0
    pending_errors: list[RowProblem] = []
    pending_notes: list[Notice] = []

    async def settle() -> None:
        nonlocal ok, failed, done, pending
        if pending is None:
            return
        write_errors = await pending
        pending = None
        await _tell_sanitized(svc, [n for n in pending_notes if n.record_id not in write_errors])
        stored, refused = pending_count - len(write_errors), pending_failed + len(write_errors)
        ok, failed, done = ok + stored, failed + refused, done + pending_size
        await reporter.errors(
            pending_errors
            + [
                RowProblem(row=pending_rows[i], field="id", message=m)
                for i, m in write_errors.items()
            ]
        )
        await reporter.progress(done, ok, failed)
        # Tallied once the checkpoint holds them: a run that lost its lease raised above, and
        # the run that took over counts these rows itself.
        await svc.store.tallies.add("import_rows", {"outcome": "stored"}, stored)
        await svc.store.tallies.add("import_rows", {"outcome": "rejected"}, refused)
        if keep_going is not None and not await keep_going():
            raise Stopped(Checkpoint(done, ok, failed))

    rows = read_rows(job.path, job.fmt, kind)
    for _ in zip(range(start.done), rows, strict=False):
        pass  # settled by an earlier run
    while True:
        batch = [row for _, row in zip(range(batch_size), rows, strict=False)]
        if not batch:
            break
        valid: list[tuple[Row, Any]] = []
        errors: list[RowProblem] = []
        for row in batch:
            if row.error is not None:
                errors.append(
                    RowProblem(row=row.number, field=row.error.field, message=row.error.message)
                )
                continue
            row, body, row_errors = _validate(kind, row, svc, job.mode)
            errors += row_errors
            if body is not None:
                valid.append((row, body))
        prepared = await prepare_rows(svc, job, valid)
        errors += prepared.refused
        await settle()
        pending_rows = {row.record_id or "": row.number for row, _ in prepared.items}
        pending_count = len(prepared.items)
        pending_size = len(batch)
        pending_failed = len({e.row for e in errors})  # a row may have several errors
        pending_errors = errors
        pending_notes = _sanitized_notices(prepared.docs)
        # Writing this batch overlaps with preparing (embedding) the next one.
        pending = asyncio.create_task(write_rows(svc, job, prepared))
    await settle()
    await repo.refresh_now()
    await reporter.progress(done, ok, failed)
    return ok, failed


Valid = list[tuple[Row, Any]]


def _sanitized_notices(docs: Sequence[Mapping[str, Any]]) -> list[Notice]:
    """For each posting whose text was cut: a notice to its enterprise saying what was cut."""
    return [
        Notice(
            role=Role.ENTERPRISE,
            subject=str(doc.get("enterprise_id") or ""),
            kind=AlertKind.POSTING_SANITIZED,
            record_kind="posting",
            record_id=str(doc["id"]),
            title=f"岗位“{doc.get('title') or doc['id']}”的招聘要求已修改",
            body=f"{doc['compliance_note']}。{_grounds(str(doc['compliance_note']))}。"
            "岗位以删改后的内容发布；如有疑问请联系当地公共就业服务机构。",
            tag=hashlib.sha256(str(doc["compliance_note"]).encode()).hexdigest()[:16],
        )
        for doc in docs
        if doc.get("compliance_note") and doc.get("enterprise_id")
    ]


def _grounds(note: str) -> str:
    """Why each kind of requirement the note says was cut is not published."""
    return "；".join(GROUNDS[trait] for trait, name in TRAIT_NAMES.items() if f"（{name}）" in note)


async def _tell_sanitized(svc: Services, notices: Sequence[Notice]) -> None:
    if notices:
        await notify(svc, notices)


async def _stored(
    svc: Services, kind: Kind, ids: list[str]
) -> tuple[dict[str, Any], dict[str, Version]]:
    found = await KINDS[kind].repository(svc.store).get_many_versioned(ids)
    return {i: v.doc for i, v in found.items()}, {i: v.version for i, v in found.items()}


@dataclass(frozen=True)
class Prepared:
    """A batch ready to write: the rows kept, their documents, the stored versions they were
    prepared on, and the rows refused."""

    items: Valid
    docs: list[dict[str, Any]]
    versions: dict[str, Version]
    refused: list[RowProblem]


async def _context(svc: Services, kind: Kind) -> WriteContext:
    """What preparing a batch of this kind reads once: postings, the policies they may
    carry."""
    return WriteContext(await current_policies(svc) if kind == "postings" else ())


async def prepare_rows(svc: Services, job: ImportJob, valid: Valid) -> Prepared:
    """Authorise valid rows against what is stored and prepare their documents (normalize,
    segment, embed)."""
    kind = job.kind
    stored, versions = await _stored(svc, kind, [r.record_id for r, _ in valid if r.record_id])
    items: Valid = []
    errors: list[RowProblem] = []
    for row, body in valid:
        try:
            owned, reason = _authorise(
                svc, job.principal, kind, body, stored.get(row.record_id or "")
            )
        except Problem as exc:
            errors.append(RowProblem(row=row.number, field="row", message=exc.detail))
            continue
        if reason:
            errors.append(RowProblem(row=row.number, field="id", message=reason))
            continue
        items.append((row, owned))
    docs = await prepare(
        svc,
        KINDS[kind],
        [(row.record_id or "", body, stored.get(row.record_id or "")) for row, body in items],
        context=await _context(svc, kind),
    )
    ready = [dict(d) for d in docs]
    for (row, _), doc in zip(items, ready, strict=True):
        if row.note:
            doc["compliance_note"] = row.note
    return Prepared(items, ready, versions, errors)


async def write_rows(svc: Services, job: ImportJob, prepared: Prepared) -> dict[str, str]:
    """Write prepared documents, each only over the version it was prepared on (a new record
    only if it is still new). Rows whose record changed are prepared again on the new version
    and retried, so a place a hire took meanwhile is kept; returns id → error for rows not
    written."""
    repo = KINDS[job.kind].repository(svc.store)
    errors: dict[str, str] = {}
    for _ in range(MAX_WRITE_TRIES):
        conflicts, failed = await repo.write_many_if_unchanged(
            [(d["id"], d, prepared.versions.get(d["id"])) for d in prepared.docs]
        )
        errors.update(failed)
        if not conflicts:
            return errors
        # The last row of a repeated id wins, as without conflicts.
        retry = list(
            {
                row.record_id: (row, body)
                for row, body in prepared.items
                if row.record_id in conflicts
            }.values()
        )
        prepared = await prepare_rows(svc, job, retry)
        ids = {row.number: row.record_id or "" for row, _ in retry}
        errors.update((ids[problem.row], problem.message) for problem in prepared.refused)
    for doc in prepared.docs:
        errors[doc["id"]] = "the record kept changing while it was imported; import the row again"
    return errors


class StoredReporter:
    """Progress and errors in the import-state store, where ``GET /v1/imports/{id}`` reads
    them: a batch's errors and the counts after it are written in one transaction (the
    checkpoint), with a heartbeat the stalled-import sweep reads."""

    def __init__(
        self, svc: Services, import_id: str, *, owner: str, elapsed_before: float = 0.0
    ) -> None:
        self.states = svc.store.imports
        self.owner = owner  # the run's lease: only its holder moves the checkpoint
        self.clock = svc.clock
        self.import_id = import_id
        self.elapsed_before = elapsed_before  # a resumed import's time in earlier runs
        self.started_at = 0.0
        self.buffered: list[str] = []

    async def started(self, total: int) -> None:
        self.started_at = time.monotonic()
        fields: dict[str, str | int | float] = {"state": "running", "rows_total": total}
        if not self.elapsed_before:
            fields["started_at"] = self.clock.timestamp()
        await self.states.update(self.import_id, fields)

    async def progress(self, done: int, ok: int, failed: int) -> None:
        elapsed = self.elapsed_before + max(time.monotonic() - self.started_at, 1e-6)
        fields = {
            "rows_done": done,
            "rows_ok": ok,
            "rows_failed": failed,
            "elapsed_s": round(elapsed, 3),
            "heartbeat_at": round(time.time(), 3),
        }
        settled = await self.states.settle(self.import_id, self.owner, fields, self.buffered)
        self.buffered = []
        if not settled:
            raise LeaseLost(self.import_id)

    async def errors(self, errors: Sequence[RowProblem]) -> None:
        self.buffered += [e.model_dump_json() for e in errors]


@dataclass(frozen=True)
class Upload:
    """An import file as it arrives: what it holds, its format and its bytes."""

    kind: Kind
    fmt: Format
    chunks: AsyncIterator[bytes]
    declared_size: int | None = None
    mode: Mode = "strict"


async def create_import(svc: Services, *, principal: Principal, upload: Upload) -> ImportStatus:
    """Store the upload (bounded), record the import and enqueue its job. Returns at once."""
    kind, fmt = upload.kind, upload.fmt
    check_may_import(principal, kind)
    if upload.mode == "sanitize" and (kind != "postings" or principal.role is Role.ENTERPRISE):
        raise ValidationFailed(
            "mode=sanitize is for offices and admins importing postings",
            [{"field": "mode", "message": "strict (an enterprise fixes its own postings)"}],
        )
    limit = svc.settings.max_import_bytes
    if upload.declared_size is not None and upload.declared_size > limit:
        raise PayloadTooLarge(f"Import files may be at most {limit} bytes", max_bytes=limit)
    import_id = uuid.uuid4().hex
    folder = Path(svc.settings.import_dir)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    path = folder / f"{import_id}.{fmt}"
    size = 0
    try:
        with path.open("wb") as out:
            async for chunk in upload.chunks:
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(
                        f"Import files may be at most {limit} bytes", max_bytes=limit
                    )
                await asyncio.to_thread(out.write, chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise BadRequest("The import file is empty")
    if fmt == "xlsx":
        try:
            # Unpacked, a workbook may be this much larger than the uploads allowed.
            await asyncio.to_thread(sheets.check_workbook, path, max_unpacked=10 * limit)
        except sheets.SheetRefused as exc:
            path.unlink(missing_ok=True)
            raise ValidationFailed(
                "Not a workbook that can be imported",
                [{"field": "file", "message": f"{exc}; save it as .xlsx (Excel 2007 or later)"}],
            ) from None
    meta: dict[str, str | int] = {
        "id": import_id,
        "kind": kind,
        "format": fmt,
        "mode": upload.mode,
        "state": "queued",
        "bytes": size,
        "created_at": svc.clock.timestamp(),
        "principal": json.dumps(dataclasses.asdict(principal)),
        "deployment": svc.settings.index_prefix,
        "job": f"import:{import_id}",
        "rows_total": 0,
        "rows_done": 0,
        "rows_ok": 0,
        "rows_failed": 0,
    }
    try:
        await svc.store.imports.create(import_id, meta)
        await svc.store.imports.track(svc.settings.index_prefix, import_id)
        await svc.jobs.enqueue("run_import", import_id, job_id=f"import:{import_id}")
    except BaseException:
        # Not queued: the caller gets the error (503 while Redis is out) and nothing stays
        # behind — no file of personal data, no import shown as queued forever.
        path.unlink(missing_ok=True)
        with contextlib.suppress(Exception):
            await svc.store.imports.delete(import_id)
            await svc.store.imports.untrack(svc.settings.index_prefix, import_id)
        raise
    return await get_import(svc, principal=principal, import_id=import_id)


def _principal(raw: str) -> Principal:
    data = json.loads(raw)
    return Principal(
        token_id=data["token_id"],
        role=Role(data["role"]),
        subject=data["subject"],
        region_code=data.get("region_code"),
    )


# A run holds the import's lease (MATCHER_IMPORT_LEASE_S), renewed three times a lease while
# it lives; a run that dies (a killed worker) loses it, and the sweep resumes the import from
# its checkpoint. A run works for at most RUN_SLICE_S, then hands over
# to a new job: jobs stay short whatever the file's size, so one job timeout fits every import.
RUN_SLICE_S = 300


class _Lease:
    """A run's hold on its import, renewed three times a lease while the run lives (whatever
    a batch takes): it lapses only when the run is dead, so a short lease finds a killed
    worker quickly. ``lost`` when another run took it over."""

    def __init__(self, svc: Services, import_id: str) -> None:
        self.states = svc.store.imports
        self.import_id = import_id
        self.ttl_s = svc.settings.import_lease_s
        self.owner = uuid.uuid4().hex
        self.lost = False
        self._beating: asyncio.Task[None] | None = None

    async def acquire(self) -> bool:
        if not await self.states.acquire_lease(self.import_id, self.owner, self.ttl_s):
            return False
        self._beating = asyncio.create_task(self._beat())
        return True

    async def _beat(self) -> None:
        while not self.lost:
            await asyncio.sleep(self.ttl_s / 3)
            try:
                renewed = await self.states.renew_lease(self.import_id, self.owner, self.ttl_s)
            except Exception:  # Redis away for a moment: the next beat tries again
                logger.warning("import lease not renewed", extra={"import_id": self.import_id})
                continue
            self.lost = not renewed

    async def stop(self) -> None:
        """Stop renewing (the beat's Redis call, if one is under way, is let go cleanly)."""
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
            self._beating = None

    async def release(self) -> None:
        await self.stop()
        if not self.lost:
            await self.states.release_lease(self.import_id, self.owner)


def _checkpoint(meta: Mapping[str, str]) -> Checkpoint | None:
    """Where a run goes on from: the settled counts of an import already running."""
    if meta.get("state") != "running":
        return None
    return Checkpoint(
        int(meta.get("rows_done", 0)), int(meta.get("rows_ok", 0)), int(meta.get("rows_failed", 0))
    )


async def run_import(svc: Services, *, import_id: str) -> dict[str, Any]:
    """The job body: import the stored file from its checkpoint for one slice of time, then
    hand over to a new job, or finish: record the outcome, delete the file."""
    meta = await svc.store.imports.get(import_id)
    if meta is None:
        return {"import_id": import_id, "state": "unknown"}
    if meta.get("state") in ("done", "failed"):
        return {"import_id": import_id, "state": meta["state"]}  # a late duplicate run
    path = Path(svc.settings.import_dir) / f"{import_id}.{meta.get('format', 'jsonl')}"
    try:
        kind: Kind = "profiles" if meta["kind"] == "profiles" else "postings"
        fmt = cast(Format, meta["format"] if meta["format"] in ("csv", "xlsx") else "jsonl")
        mode: Mode = "sanitize" if meta.get("mode") == "sanitize" else "strict"
        job = ImportJob(path, fmt, kind, _principal(meta["principal"]), mode)
        checkpoint = _checkpoint(meta)
    except (KeyError, ValueError):  # a damaged state: no run could ever import it
        await _finish(svc, import_id, path, {"state": "failed", "failure": "DamagedState"})
        return {"import_id": import_id, "state": "failed"}
    # Nothing may fail between taking the lease and the try below, which lets it go.
    lease = _Lease(svc, import_id)
    if not await lease.acquire():
        return {"import_id": import_id, "state": "busy"}  # another run is importing it
    reporter = StoredReporter(
        svc,
        import_id,
        owner=lease.owner,
        elapsed_before=float(meta.get("elapsed_s", 0)) if checkpoint else 0.0,
    )
    deadline = time.monotonic() + RUN_SLICE_S

    async def keep_going() -> bool:
        return not lease.lost and time.monotonic() < deadline

    try:
        ok, failed = await import_file(
            svc,
            job,
            reporter=reporter,
            resume=checkpoint,
            keep_going=keep_going,
        )
    except Stopped as stop:
        await lease.release()
        if lease.lost:  # another run took over: it goes on
            return {"import_id": import_id, "state": "handed over"}
        await _next_run(svc, import_id)
        return {"import_id": import_id, "state": "continued", "rows_done": stop.checkpoint.done}
    except LeaseLost:
        return {"import_id": import_id, "state": "handed over"}
    except Exception as exc:
        await _finish(svc, import_id, path, {"state": "failed", "failure": type(exc).__name__})
        await lease.release()
        raise
    finally:
        # Also when cancelled (the worker stops): the lease lapses and the sweep resumes.
        await lease.stop()
    await _finish(svc, import_id, path, {"state": "done"})
    await lease.release()
    return {
        "import_id": import_id,
        "rows_ok": ok,
        "rows_failed": failed,
        "merge_queued": await _merge_after(svc, import_id, ok),
    }


async def _finish(svc: Services, import_id: str, path: Path, fields: Mapping[str, str]) -> None:
    # The upload holds personal data and is read by no later run: gone in every end state.
    await asyncio.to_thread(path.unlink, missing_ok=True)
    await svc.store.imports.update(import_id, {**fields, "finished_at": svc.clock.timestamp()})
    await svc.store.imports.untrack(svc.settings.index_prefix, import_id)


async def _next_run(svc: Services, import_id: str) -> None:
    """Queue the import's next run (a job of its own), recorded as the import's job."""
    job_id = f"import:{import_id}:run:{await svc.store.imports.next_run(import_id)}"
    await svc.store.imports.update(
        import_id, {"job": job_id, "heartbeat_at": round(time.time(), 3)}
    )
    await svc.jobs.enqueue("run_import", import_id, job_id=job_id)


async def _merge_after(svc: Services, import_id: str, stored: int) -> bool:
    """Bulk writes leave the index in several segments, where matching answers slower
    (indexes/maintenance.py): a large import queues the merge at once."""
    settings = svc.settings
    if not (
        settings.merge_after_import_rows
        and settings.merge_max_mb
        and stored >= settings.merge_after_import_rows
    ):
        return False
    return await svc.jobs.enqueue("merge_segments", job_id=f"merge-after-import:{import_id}")


async def resume_stalled_imports(svc: Services) -> list[str]:
    """The sweep: imports queued or running with no live run — the worker that ran them was
    killed — are queued again, and go on from their checkpoint. Returns their ids.

    An import is left alone while a run holds its lease, while its job waits in the queue for
    a worker, and for a lease after its last sign of life (the moment between two slices)."""
    states = svc.store.imports
    deployment = svc.settings.index_prefix
    now = time.time()
    resumed = []
    for import_id in await states.active(deployment):
        meta = await states.get(import_id)
        if meta is None or meta.get("state") not in ("running", "queued"):
            await states.untrack(deployment, import_id)  # ended, or its state expired
            continue
        job_id = meta.get("job") or f"import:{import_id}"
        if await states.leased(import_id) or await svc.jobs.waiting(job_id):
            continue
        since = float(meta.get("heartbeat_at") or _epoch(meta.get("created_at")))
        if now - since < svc.settings.import_lease_s:
            continue
        # The dead run's job would stay in the queue, marked in progress, for its timeout.
        await svc.jobs.discard(job_id)
        await _next_run(svc, import_id)
        logger.warning("import resumed", extra={"import_id": import_id, "runs": meta.get("runs")})
        resumed.append(import_id)
    return resumed


def _epoch(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


# An upload whose record is missing is left alone this long: the API writes the file before
# the record, and a sweep in between must not take it.
ORPHAN_GRACE_S = 3600


async def sweep_uploads(svc: Services) -> dict[str, int]:
    """Delete upload files no import will read: their import ended (done or failed), or has
    no record (expired, or a process died between writing the file and the record)."""
    folder = Path(svc.settings.import_dir)
    files = await asyncio.to_thread(_uploads_in, folder)
    now = time.time()
    removed = 0
    for path, modified in files:
        meta = await svc.store.imports.get(path.stem)
        ended = meta is not None and meta.get("state") in ("done", "failed")
        orphan = meta is None and now - modified > ORPHAN_GRACE_S
        if ended or orphan:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            removed += 1
    if removed:
        logger.info("uploads swept", extra={"removed": removed, "kept": len(files) - removed})
    return {"files": len(files), "removed": removed}


def _uploads_in(folder: Path) -> list[tuple[Path, float]]:
    if not folder.is_dir():
        return []
    suffixes = (".csv", ".jsonl", ".xlsx")
    return [(p, p.stat().st_mtime) for p in folder.iterdir() if p.suffix in suffixes]


async def get_import(
    svc: Services, *, principal: Principal, import_id: str, errors: Page | None = None
) -> ImportStatus:
    meta = await svc.store.imports.get(import_id)
    if meta is None:
        raise NotFound(f"No import {import_id}")
    owner = _principal(meta["principal"])
    if not may_read_import(principal, owner):
        raise NotFound(f"No import {import_id}")
    page = errors or Page(limit=100)
    found = await svc.store.imports.errors(import_id, offset=page.offset, limit=page.limit)
    total, done = int(meta.get("rows_total", 0)), int(meta.get("rows_done", 0))
    elapsed = float(meta.get("elapsed_s", 0) or 0)
    rate = done / elapsed if elapsed > 0 else None
    return ImportStatus(
        id=import_id,
        kind=meta["kind"],
        format=meta["format"],
        mode="sanitize" if meta.get("mode") == "sanitize" else "strict",
        state=meta["state"],
        rows_total=total,
        rows_done=done,
        rows_ok=int(meta.get("rows_ok", 0)),
        rows_failed=int(meta.get("rows_failed", 0)),
        rows_per_s=round(rate, 1) if rate else None,
        eta_s=round((total - done) / rate, 1) if rate and meta["state"] == "running" else None,
        created_at=meta["created_at"],
        started_at=meta.get("started_at"),
        finished_at=meta.get("finished_at"),
        errors=[RowProblem.model_validate_json(e) for e in found],
        errors_total_kept=await svc.store.imports.error_count(import_id),
    )
