"""Import files: accept an upload, then validate, normalise, embed and bulk-index its rows.

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
import dataclasses
import inspect
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from matcher.auth.models import Principal, Role
from matcher.foundation.problems import BadRequest, Forbidden, NotFound, PayloadTooLarge, Problem
from matcher.imports.models import ImportStatus, RowProblem
from matcher.imports.parse import Format, Kind, Row, count_rows, read_rows
from matcher.policy.access import may_write_posting, may_write_profile
from matcher.policy.fairness import field_errors
from matcher.postings import service as postings
from matcher.postings.models import PostingIn
from matcher.profiles import service as profiles
from matcher.profiles.models import ProfileIn
from matcher.records.prepare import MAX_WRITE_TRIES, conditional_bulk_write, utc_now
from matcher.services import Services

T = TypeVar("T")

BATCH_SIZE = 128
MAX_ERRORS_KEPT = 10_000
STATE_TTL_S = 7 * 24 * 3600


def _r(value: Awaitable[T] | T) -> Awaitable[T]:
    """redis-py types its async methods as ``Awaitable[X] | X``; they always await here."""
    if inspect.isawaitable(value):
        return value
    raise TypeError("expected an awaitable from the async Redis client")


def state_key(import_id: str) -> str:
    return f"matcher:import:{import_id}"


def errors_key(import_id: str) -> str:
    return f"matcher:import:{import_id}:errors"


class Reporter(Protocol):
    async def started(self, total: int) -> None: ...
    async def progress(self, done: int, ok: int, failed: int) -> None: ...
    async def errors(self, errors: Sequence[RowProblem]) -> None: ...


@dataclass(frozen=True)
class Kinds:
    model: type[BaseModel]
    text_fields: tuple[str, ...]
    self_description: bool
    catalog_errors: Callable[[Any, Any], list[dict[str, str]]]
    prepare: Callable[[Services, Any], Awaitable[list[dict[str, Any]]]]


KINDS: dict[str, Kinds] = {
    "profiles": Kinds(
        ProfileIn, ("title", "summary", "skills"), True, profiles.catalog_errors, profiles.prepare
    ),
    "postings": Kinds(
        PostingIn, ("title", "description"), False, postings.catalog_errors, postings.prepare
    ),
}


def check_may_import(principal: Principal, kind: Kind) -> None:
    if principal.role is Role.SEEKER:
        raise Forbidden("Seekers cannot import; use PUT /v1/profiles/{id}")
    if principal.role is Role.ENTERPRISE and kind != "postings":
        raise Forbidden("Enterprises can import postings only")


def _authorise(
    svc: Services, principal: Principal, kind: Kind, body: Any, stored: Mapping[str, Any] | None
) -> tuple[Any, str | None]:
    """The body with its owner set, and the reason it may not be written (None if it may)."""
    regions = svc.taxonomy.regions
    if kind == "profiles":
        if principal.role is Role.SEEKER:
            body = body.model_copy(update={"owner_id": body.owner_id or principal.subject})
        return body, may_write_profile(
            principal,
            stored=stored,
            owner_id=body.owner_id,
            region_code=body.region_code,
            regions=regions,
        )
    reason = may_write_posting(
        principal,
        stored=stored,
        enterprise_id=body.enterprise_id,
        region_code=body.region_code,
        regions=regions,
    )
    if reason is None:
        body = postings.with_owner(body, principal)
    return body, reason


def _validate(kind: Kind, row: Row, svc: Services) -> tuple[Any | None, list[RowProblem]]:
    spec = KINDS[kind]
    if row.body is None:
        raise ValueError("a row with a parse error has no body to validate")
    problems = field_errors(row.body, spec.text_fields, self_description=spec.self_description)
    if problems:
        return None, [RowProblem(row=row.number, **p) for p in problems]
    try:
        body = spec.model.model_validate(row.body)
    except ValidationError as exc:
        return None, [
            RowProblem(
                row=row.number,
                field=".".join(str(p) for p in err["loc"]) or "row",
                message=err["msg"],
            )
            for err in exc.errors(include_url=False, include_input=False)
        ]
    problems = spec.catalog_errors(body, svc.taxonomy)
    return (None, [RowProblem(row=row.number, **p) for p in problems]) if problems else (body, [])


async def import_file(
    svc: Services,
    *,
    path: Path,
    fmt: Format,
    kind: Kind,
    principal: Principal,
    reporter: Reporter,
    batch_size: int = BATCH_SIZE,
) -> tuple[int, int]:
    """Import every row of ``path``; returns (rows stored, rows rejected)."""
    check_may_import(principal, kind)
    spec = svc.specs[kind]
    await reporter.started(await asyncio.to_thread(count_rows, path, fmt))
    done = ok = failed = 0
    pending: asyncio.Task[dict[str, str]] | None = None
    pending_rows: dict[str, int] = {}  # id → row number (the last row wins for a repeated id)
    pending_count = 0

    async def finish_pending() -> None:
        nonlocal ok, failed
        if pending is None:
            return
        write_errors = await pending
        ok += pending_count - len(write_errors)
        failed += len(write_errors)
        await reporter.errors(
            [
                RowProblem(row=pending_rows[i], field="id", message=m)
                for i, m in write_errors.items()
            ]
        )

    rows = read_rows(path, fmt, kind)
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
            body, row_errors = _validate(kind, row, svc)
            errors += row_errors
            if body is not None:
                valid.append((row, body))
        items, docs, versions, refused = await prepare_rows(svc, principal, kind, valid)
        errors += refused
        await finish_pending()
        pending_rows = {row.record_id or "": row.number for row, _ in items}
        pending_count = len(items)
        # Writing this batch overlaps with preparing (embedding) the next one.
        pending = asyncio.create_task(write_rows(svc, principal, kind, items, docs, versions))
        done += len(batch)
        failed += len({e.row for e in errors})  # a row may have several errors
        await reporter.errors(errors)
        await reporter.progress(done, ok, failed)
    await finish_pending()
    await svc.es.indices.refresh(index=spec.write_alias)
    await reporter.progress(done, ok, failed)
    return ok, failed


Version = tuple[int, int]  # (_seq_no, _primary_term) of the stored record a row was prepared on
Valid = list[tuple[Row, Any]]


async def _stored(
    svc: Services, kind: Kind, ids: list[str]
) -> tuple[dict[str, dict[str, Any]], dict[str, Version]]:
    if not ids:
        return {}, {}
    resp = await svc.es.mget(index=svc.specs[kind].read_alias, ids=ids)
    found = [d for d in resp["docs"] if d.get("found")]
    return (
        {d["_id"]: d["_source"] for d in found},
        {d["_id"]: (d["_seq_no"], d["_primary_term"]) for d in found},
    )


async def prepare_rows(
    svc: Services, principal: Principal, kind: Kind, valid: Valid
) -> tuple[Valid, list[dict[str, Any]], dict[str, Version], list[RowProblem]]:
    """Authorise valid rows against what is stored and prepare their documents (normalise,
    segment, embed); returns the rows kept, their documents, the stored versions they were
    prepared on, and the rows refused."""
    stored, versions = await _stored(svc, kind, [r.record_id for r, _ in valid if r.record_id])
    items: Valid = []
    errors: list[RowProblem] = []
    for row, body in valid:
        try:
            owned, reason = _authorise(svc, principal, kind, body, stored.get(row.record_id or ""))
        except Problem as exc:
            errors.append(RowProblem(row=row.number, field="row", message=exc.detail))
            continue
        if reason:
            errors.append(RowProblem(row=row.number, field="id", message=reason))
            continue
        items.append((row, owned))
    docs = await KINDS[kind].prepare(
        svc, [(row.record_id, body, stored.get(row.record_id or "")) for row, body in items]
    )
    return items, docs, versions, errors


async def write_rows(
    svc: Services,
    principal: Principal,
    kind: Kind,
    items: Valid,
    docs: list[dict[str, Any]],
    versions: dict[str, Version],
) -> dict[str, str]:
    """Write prepared documents, each only over the version it was prepared on (a new record
    only if it is still new). Rows whose record changed are prepared again on the new version
    and retried, so a place a hire took meanwhile is kept; returns id → error for rows not
    written."""
    alias = svc.specs[kind].write_alias
    errors: dict[str, str] = {}
    for _ in range(MAX_WRITE_TRIES):
        conflicts = await conditional_bulk_write(
            svc.es, alias, [(d["id"], d, versions.get(d["id"])) for d in docs], errors
        )
        if not conflicts:
            return errors
        # The last row of a repeated id wins, as without conflicts.
        retry = list(
            {
                row.record_id: (row, body) for row, body in items if row.record_id in conflicts
            }.values()
        )
        items, docs, versions, refused = await prepare_rows(svc, principal, kind, retry)
        ids = {row.number: row.record_id or "" for row, _ in retry}
        errors.update((ids[problem.row], problem.message) for problem in refused)
    for doc in docs:
        errors[doc["id"]] = "the record kept changing while it was imported; import the row again"
    return errors


class RedisReporter:
    """Progress and errors in Redis, where ``GET /v1/imports/{id}`` reads them."""

    def __init__(self, svc: Services, import_id: str) -> None:
        self.redis = svc.arq
        self.key = state_key(import_id)
        self.errors_key = errors_key(import_id)
        self.started_at = 0.0

    async def started(self, total: int) -> None:
        self.started_at = time.monotonic()
        await _r(
            self.redis.hset(
                self.key,
                mapping={"state": "running", "rows_total": total, "started_at": utc_now()},
            )
        )

    async def progress(self, done: int, ok: int, failed: int) -> None:
        elapsed = max(time.monotonic() - self.started_at, 1e-6)
        await _r(
            self.redis.hset(
                self.key,
                mapping={
                    "rows_done": done,
                    "rows_ok": ok,
                    "rows_failed": failed,
                    "elapsed_s": round(elapsed, 3),
                },
            )
        )

    async def errors(self, errors: Sequence[RowProblem]) -> None:
        if not errors:
            return
        await _r(self.redis.rpush(self.errors_key, *[e.model_dump_json() for e in errors]))
        # Keep the first errors only: enough to fix a file, bounded in memory.
        await _r(self.redis.ltrim(self.errors_key, 0, MAX_ERRORS_KEPT - 1))
        await _r(self.redis.expire(self.errors_key, STATE_TTL_S))


async def create_import(
    svc: Services,
    *,
    principal: Principal,
    kind: Kind,
    fmt: Format,
    chunks: AsyncIterator[bytes],
    declared_size: int | None,
) -> ImportStatus:
    """Store the upload (bounded), record the import and enqueue its job. Returns at once."""
    check_may_import(principal, kind)
    limit = svc.settings.max_import_bytes
    if declared_size is not None and declared_size > limit:
        raise PayloadTooLarge(f"Import files may be at most {limit} bytes", max_bytes=limit)
    import_id = uuid.uuid4().hex
    folder = Path(svc.settings.import_dir)
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    path = folder / f"{import_id}.{fmt}"
    size = 0
    try:
        with path.open("wb") as out:
            async for chunk in chunks:
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
    meta = {
        "id": import_id,
        "kind": kind,
        "format": fmt,
        "state": "queued",
        "bytes": size,
        "created_at": utc_now(),
        "principal": json.dumps(dataclasses.asdict(principal)),
        "rows_total": 0,
        "rows_done": 0,
        "rows_ok": 0,
        "rows_failed": 0,
    }
    await _r(svc.arq.hset(state_key(import_id), mapping=meta))
    await _r(svc.arq.expire(state_key(import_id), STATE_TTL_S))
    await svc.arq.enqueue_job("run_import", import_id, _job_id=f"import:{import_id}")
    return await get_import(svc, principal=principal, import_id=import_id)


def _principal(raw: str) -> Principal:
    data = json.loads(raw)
    return Principal(
        token_id=data["token_id"],
        role=Role(data["role"]),
        subject=data["subject"],
        region_code=data.get("region_code"),
    )


async def run_import(svc: Services, *, import_id: str) -> dict[str, Any]:
    """The job body: import the stored file, record the outcome, delete the file."""
    raw = await _r(svc.arq.hgetall(state_key(import_id)))
    if not raw:
        return {"import_id": import_id, "state": "unknown"}
    meta = {k.decode(): v.decode() for k, v in raw.items()}
    path = Path(svc.settings.import_dir) / f"{import_id}.{meta['format']}"
    reporter = RedisReporter(svc, import_id)
    try:
        ok, failed = await import_file(
            svc,
            path=path,
            fmt=meta["format"],
            kind=meta["kind"],
            principal=_principal(meta["principal"]),
            reporter=reporter,
        )
    except Exception as exc:
        await _r(
            svc.arq.hset(
                state_key(import_id),
                mapping={
                    "state": "failed",
                    "finished_at": utc_now(),
                    "failure": type(exc).__name__,
                },
            )
        )
        raise
    await _r(
        svc.arq.hset(state_key(import_id), mapping={"state": "done", "finished_at": utc_now()})
    )
    path.unlink(missing_ok=True)
    merge_queued = False
    settings = svc.settings
    if (
        settings.merge_after_import_rows
        and settings.merge_max_mb
        and ok >= settings.merge_after_import_rows
    ):
        # Bulk writes leave the index in several segments, where matching answers slower
        # (indexes/maintenance.py): merge now instead of waiting for the night.
        job = await svc.arq.enqueue_job("merge_segments", _job_id=f"merge-after-import:{import_id}")
        merge_queued = job is not None
    return {
        "import_id": import_id,
        "rows_ok": ok,
        "rows_failed": failed,
        "merge_queued": merge_queued,
    }


async def get_import(
    svc: Services,
    *,
    principal: Principal,
    import_id: str,
    errors_offset: int = 0,
    errors_limit: int = 100,
) -> ImportStatus:
    raw = await _r(svc.arq.hgetall(state_key(import_id)))
    if not raw:
        raise NotFound(f"No import {import_id}")
    meta = {k.decode(): v.decode() for k, v in raw.items()}
    owner = _principal(meta["principal"])
    if principal.role is not Role.ADMIN and (owner.role, owner.subject) != (
        principal.role,
        principal.subject,
    ):
        raise NotFound(f"No import {import_id}")
    errors = [
        RowProblem.model_validate_json(e)
        for e in await _r(
            svc.arq.lrange(errors_key(import_id), errors_offset, errors_offset + errors_limit - 1)
        )
    ]
    total, done = int(meta.get("rows_total", 0)), int(meta.get("rows_done", 0))
    elapsed = float(meta.get("elapsed_s", 0) or 0)
    rate = done / elapsed if elapsed > 0 else None
    return ImportStatus(
        id=import_id,
        kind=meta["kind"],
        format=meta["format"],
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
        errors=errors,
        errors_total_kept=int(await _r(svc.arq.llen(errors_key(import_id)))),
    )
