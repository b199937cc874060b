"""``matcher`` command line: serve, worker, init-indexes, migrate, tokens, demo.

Heavy modules are imported inside commands: thread-pool environment variables must be set
before numpy or the embedder load, and ``--help`` should stay instant.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from matcher.foundation.settings import Settings
    from matcher.services import Services

T = TypeVar("T")

# On 2 cores, OpenBLAS and the embedder's OpenMP threads fight (docs/platform.md): one BLAS thread.
THREAD_DEFAULTS = {"OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OMP_NUM_THREADS": "2"}


def _settings() -> Settings:
    from matcher.foundation.settings import Settings, SettingsError

    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _with_services(work: Callable[[Services], Awaitable[T]]) -> T:
    from matcher.services import open_services
    from workers.queue import ArqQueue

    async def run() -> T:
        async with open_services(_settings(), ArqQueue) as svc:
            return await work(svc)

    return asyncio.run(run())


@click.group()
def cli() -> None:
    """Talent matcher: job matching for a region's public employment service."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="API processes")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API (uvicorn)."""
    import uvicorn

    _settings()  # fail here, with a clear message, on bad configuration
    uvicorn.run(
        "matcher.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=None,
        proxy_headers=False,
    )


@cli.command()
def worker() -> None:
    """Run the arq background worker until interrupted."""
    from workers.settings import run_worker

    run_worker(_settings())


@cli.command("init-indexes")
def init_indexes() -> None:
    """Create every index and its aliases that does not exist yet (idempotent)."""
    from matcher.migrations.service import IndexReport, prepare_indexes

    async def work(svc: Services) -> IndexReport:
        return await prepare_indexes(svc)

    report = _with_services(work)
    for name in report.created:
        click.echo(f"created {name}")
    for name in report.replicas_changed:
        click.echo(f"{name}: replicas set as MATCHER_INDEX_REPLICAS says")
    click.echo(f"occupations index: {report.occupations} CSCO 2022 entries")
    for name, why in report.stale.items():
        click.echo(f"{name}: {why}; run 'matcher migrate {name}'")
    click.echo(
        "indexes ready" if not report.created else f"{len(report.created)} index(es) created"
    )


@cli.command("index-status")
def index_status_cmd() -> None:
    """Show each logical index: concrete index, mapping version, model and document count."""
    from indexes import IndexStatus

    async def work(svc: Services) -> list[IndexStatus]:
        return [await svc.store.index_status(spec) for spec in svc.store.indexes.all()]

    for s in _with_services(work):
        state = (
            "missing" if not s.present else ("needs migration" if s.needs_migration else "current")
        )
        click.echo(
            f"{s.name:10} {state:16} {','.join(s.concrete) or '-':36} "
            f"v{s.mapping_version} docs={s.docs} model={s.embedding_model or '-'}"
        )


@cli.command()
@click.argument("name")
@click.option("--delete-source", is_flag=True, help="Delete the old index after the swap")
@click.option("--batch-size", default=500, show_default=True, type=int)
def migrate(name: str, delete_source: bool, batch_size: int) -> None:
    """Rebuild index NAME with the current mapping and swap its aliases (no read downtime);
    a changed embedding model re-embeds every record."""
    from indexes.manage import MigrationError
    from matcher.migrations.service import Migrated, UnknownIndex, migrate_index

    async def work(svc: Services) -> Migrated:
        try:
            return await migrate_index(
                svc, name, delete_source=delete_source, batch_size=batch_size
            )
        except UnknownIndex as exc:
            raise click.BadParameter(str(exc), param_hint="NAME") from None
        except MigrationError as exc:
            raise click.ClickException(str(exc)) from None

    migrated = _with_services(work)
    report = migrated.report
    click.echo(
        f"{name}: {report.source} → {report.target}; copied {report.copied}, "
        f"kept {report.skipped_newer} newer, removed {report.removed_deleted} deleted"
    )
    if migrated.reflagged is not None:
        click.echo(f"incentive flags: {migrated.reflagged} postings re-flagged")


@cli.command("load-incentives")
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def load_incentives_cmd(file: Path | None) -> None:
    """Load incentive policies from a YAML/JSON FILE (default: the packaged seed policies).

    The whole file is checked first; a bad entry changes nothing. Changed policies become
    new versions (history kept); then every posting's incentive flags are recomputed."""
    from matcher.foundation.problems import ValidationFailed
    from matcher.incentives.service import load_policy_file, reflag_postings, seed_policy_text

    text = file.read_text("utf-8") if file else seed_policy_text()
    source = file.name if file else "seed_policies.yaml"

    async def work(svc: Services) -> None:
        await svc.store.ensure_indexes([svc.store.indexes.incentives])
        try:
            report = await load_policy_file(svc, text=text, source=source, recorded_by="cli")
        except ValidationFailed as exc:
            errors = "; ".join(f"{e['field']}: {e['message']}" for e in exc.extra["errors"][:10])
            raise click.ClickException(f"{exc.detail} — {errors}") from None
        flagged = await reflag_postings(svc)
        click.echo(
            f"{source}: {len(report.written)} new versions ({', '.join(report.written) or '-'}), "
            f"{len(report.unchanged)} unchanged; {flagged['changed']} postings re-flagged"
        )

    _with_services(work)


@cli.command("reflag-incentives")
def reflag_incentives_cmd() -> None:
    """Recompute which incentive policies every posting carries (the worker does this after
    each policy change; run it by hand after restoring policies from a backup)."""
    from matcher.incentives.service import reflag_postings

    async def work(svc: Services) -> dict[str, int]:
        return await reflag_postings(svc)

    found = _with_services(work)
    click.echo(f"scanned {found['scanned']}, re-flagged {found['changed']}")


@cli.command("merge-segments")
@click.option(
    "--max-mb",
    type=click.IntRange(min=1),
    default=None,
    help="Leave an index with a larger primary store alone [default: MATCHER_MERGE_MAX_MB, "
    "5120 where that is 0]",
)
def merge_segments_cmd(max_mb: int | None) -> None:
    """Merge the profiles and postings indexes to one segment each, now (the worker does this
    every night): after a large import, matching is back at its one-segment speed."""
    from indexes.maintenance import MergeResult
    from matcher.migrations.service import merge_matching_indexes

    async def work(svc: Services) -> list[MergeResult]:
        return await merge_matching_indexes(svc, max_mb=max_mb or svc.settings.merge_max_mb or 5120)

    for result in _with_services(work):
        if result.skipped:
            click.echo(f"{result.index}: left alone, {result.skipped}")
        else:
            click.echo(
                f"{result.index}: {result.segments_before} → {result.segments_after} segments "
                f"in {result.seconds:.1f} s"
            )


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(["profiles", "postings"]))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "jsonl", "xlsx"]),
    default=None,
    help="Default: from the file name (.csv, .xlsx, otherwise JSONL)",
)
@click.option(
    "--errors", "show_errors", default=20, show_default=True, help="Row errors to print at the end"
)
def import_cmd(file: Path, kind: str, fmt: str | None, show_errors: int) -> None:
    """Import FILE (CSV in UTF-8 or GB18030, an Excel .xlsx workbook's first sheet, or JSONL)
    of profiles or postings, in this process, with a progress bar. Runs as an administrator;
    ids are the file's ids."""
    from matcher.foundation import sheets
    from matcher.foundation.principals import Principal, Role
    from matcher.imports.parse import Format, Kind
    from matcher.imports.service import ImportJob, import_file

    named = fmt or file.suffix.lower().lstrip(".")
    chosen: Format = "csv" if named == "csv" else "xlsx" if named == "xlsx" else "jsonl"
    if chosen == "xlsx":
        # Checked as an upload is (a zip that unpacks far larger is refused), with room for
        # the large files an administrator imports from the command line.
        bound = 10 * max(file.stat().st_size, _settings().max_import_bytes)
        try:
            sheets.check_workbook(file, max_unpacked=bound)
        except sheets.SheetRefused as exc:
            message = f"{file}: not a workbook that can be imported: {exc}"
            raise click.ClickException(message) from None
    what: Kind = "profiles" if kind == "profiles" else "postings"
    principal = Principal(token_id="cli", role=Role.ADMIN, subject="cli")  # noqa: S106
    reporter = _BarReporter(show_errors)

    async def work(svc: Services) -> tuple[int, int]:
        try:
            return await import_file(
                svc, ImportJob(file, chosen, what, principal), reporter=reporter
            )
        finally:
            reporter.close()

    ok, failed = _with_services(work)
    for error in reporter.kept:
        click.echo(f"row {error.row}: {error.field}: {error.message}", err=True)
    click.echo(f"{ok} rows stored, {failed} rejected ({reporter.rate():.0f} rows/s)")
    threshold = _settings().merge_after_import_rows
    if threshold and ok >= threshold:
        click.echo("run `matcher merge-segments` to bring matching back to one-segment speed")
    if failed:
        sys.exit(1)


class _BarReporter:
    """Import progress as a click progress bar; keeps the first row errors to print."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.kept: list[Any] = []
        self.bar: Any = None
        self.done = 0
        self.started_at = 0.0

    async def started(self, total: int) -> None:
        import time

        self.started_at = time.monotonic()
        self.bar = click.progressbar(length=total, label="importing", show_pos=True)
        self.bar.__enter__()

    async def progress(self, done: int, ok: int, failed: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done = done

    async def errors(self, errors: Any) -> None:
        self.kept += list(errors)[: max(self.keep - len(self.kept), 0)]

    def rate(self) -> float:
        import time

        return self.done / max(time.monotonic() - self.started_at, 1e-6)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@cli.command("create-token")
@click.option(
    "--role", required=True, type=click.Choice(["seeker", "enterprise", "office", "admin"])
)
@click.option("--subject", required=True, help="Id of the seeker, enterprise or office")
@click.option("--region", "region_code", default=None, help="GB/T 2260 code (offices)")
@click.option("--label", default="", help="A note for administrators")
@click.option("--expires-in-days", default=365, show_default=True, type=int)
def create_token_cmd(
    role: str, subject: str, region_code: str | None, label: str, expires_in_days: int
) -> None:
    """Issue a token and print it once."""
    from pydantic import ValidationError

    from matcher.auth.models import TokenCreate
    from matcher.auth.service import create_token

    try:
        request = TokenCreate.model_validate(
            {
                "role": role,
                "subject": subject,
                "region_code": region_code,
                "label": label,
                "expires_in_days": expires_in_days,
            }
        )
    except ValidationError as exc:
        raise click.ClickException(_first_error(exc)) from None

    async def work(svc: Services) -> str:
        created = await create_token(svc, request=request, created_by="cli")
        return created.token

    token = _with_services(work)
    click.echo(token)


@cli.command("revoke-token")
@click.argument("token_id")
def revoke_token_cmd(token_id: str) -> None:
    """Revoke the token TOKEN_ID (the hex part after 'mt_')."""
    from matcher.auth.service import revoke_token
    from matcher.foundation.problems import NotFound

    async def work(svc: Services) -> None:
        try:
            await revoke_token(svc, token_id=token_id)
        except NotFound as exc:
            raise click.ClickException(exc.detail) from None

    _with_services(work)
    click.echo(f"revoked {token_id}")


@cli.command("list-tokens")
@click.option("--include-revoked", is_flag=True)
def list_tokens_cmd(include_revoked: bool) -> None:
    """List issued tokens (never their secrets)."""
    from matcher.auth.service import list_tokens

    async def work(svc: Services) -> None:
        for t in await list_tokens(svc, include_revoked=include_revoked):
            revoked = f" revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else ""
            click.echo(
                f"{t.token_id} {t.role.value:10} {t.subject:20} {t.region_code or '-':7} "
                f"expires {t.expires_at:%Y-%m-%d}{revoked} {t.label}"
            )

    _with_services(work)


@cli.command("retention-report")
@click.option("--days", type=int, default=None, help="Override MATCHER_RETENTION_DAYS")
@click.option("--limit", type=int, default=1000, show_default=True)
def retention_report(days: int | None, limit: int) -> None:
    """List profiles not updated within the retention period (ids only), oldest first."""
    from matcher.foundation.paging import Page
    from matcher.foundation.principals import Principal, Role
    from matcher.privacy.retention import stale_profiles

    async def work(svc: Services) -> None:
        admin = Principal(token_id="cli", role=Role.ADMIN, subject="cli")  # noqa: S106
        found = await stale_profiles(
            svc, principal=admin, days=days, page=Page(limit=min(limit, 10_000))
        )
        click.echo(
            f"{found.total} profiles not updated since {found.cutoff:%Y-%m-%d} "
            f"({found.retention_days} days)"
        )
        for p in found.profiles:
            click.echo(f"{p.profile_id} {p.region_code} {p.status:9} {p.updated_at:%Y-%m-%d}")

    _with_services(work)


@cli.command()
@click.option(
    "--serve/--no-serve",
    "serve_after",
    default=True,
    show_default=True,
    help="Serve the API and run the worker after loading",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def demo(serve_after: bool, host: str, port: int) -> None:
    """Create the indexes, load the demo data, print demo tokens, then serve API and worker."""
    from matcher.demo import demo_tokens, load_demo
    from matcher.incentives.service import load_policy_file, reflag_postings, seed_policy_text
    from matcher.migrations.service import prepare_indexes

    async def work(svc: Services) -> tuple[dict[str, int], dict[str, str]]:
        # An index left by an older version would keep the service not ready: migrate it.
        report = await prepare_indexes(svc, migrate_stale=True)
        for name in report.migrated:
            click.echo(f"migrated {name} to the current mapping and model")
        # Policies first: postings are flagged with the policies they carry as they are written.
        loaded = await load_policy_file(
            svc, text=seed_policy_text(), source="seed_policies.yaml", recorded_by="demo"
        )
        click.echo(
            f"incentive policies: {len(loaded.written)} new versions, "
            f"{len(loaded.unchanged)} unchanged"
        )
        counts = await load_demo(svc)
        await reflag_postings(svc)
        return counts, await demo_tokens(svc)

    counts, tokens = _with_services(work)
    settings = _settings()
    click.echo(f"loaded {counts['postings']} postings and {counts['profiles']} profiles")
    click.echo(f"API:  http://{host}:{port}   docs: http://{host}:{port}/docs")
    if settings.admin_token:
        click.echo("admin token: the value of MATCHER_ADMIN_TOKEN")
    for label, token in tokens.items():
        click.echo(f"{label}: {token}")
    click.echo(
        f"try:  curl -H 'Authorization: Bearer {next(iter(tokens.values()))}' "
        f"http://{host}:{port}/v1/me"
    )
    if not serve_after:
        return
    worker_proc = subprocess.Popen([sys.executable, "-m", "matcher.cli", "worker"])
    try:
        serve.callback(host=host, port=port, workers=1)  # type: ignore[misc]
    finally:
        worker_proc.terminate()
        worker_proc.wait(timeout=30)


def _first_error(exc: Any) -> str:
    err = exc.errors(include_url=False)[0]
    return f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"


def main() -> None:
    for key, value in THREAD_DEFAULTS.items():
        os.environ.setdefault(key, value)
    cli()


if __name__ == "__main__":
    main()
