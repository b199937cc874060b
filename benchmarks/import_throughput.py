"""Import throughput: end-to-end rows/s next to the embedder's standalone rows/s, same run.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/import_throughput.py --rows 2000

Generates N profiles (matcher.demo.generate), writes them as JSONL, then
1. embeds their texts with the configured embedder alone (batches of 128): the ceiling;
2. imports the file with the same code path as the worker (parse, validate, check codes,
   normalize, segment, embed, bulk-index into a scratch index prefix), and reports rows/s.
Prints both and the ratio. Needs the local ES node (scripts/services.sh start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")

from matcher.demo.generate import generate_profiles
from matcher.foundation.principals import Principal, Role
from matcher.foundation.settings import Settings
from matcher.imports.service import ImportJob, import_file
from matcher.profiles.models import ProfileIn
from matcher.profiles.service import embedding_text
from matcher.services import open_services
from workers.queue import ArqQueue


class Quiet:
    async def started(self, total: int) -> None: ...
    async def progress(self, done: int, ok: int, failed: int) -> None: ...
    async def errors(self, errors: object) -> None: ...


async def main(rows: int, seed: int) -> None:
    prefix = f"bench-import-{os.getpid()}"
    settings = Settings.from_env({**os.environ, "MATCHER_INDEX_PREFIX": prefix})
    records = generate_profiles(rows, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profiles.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
        async with open_services(settings, ArqQueue) as svc:
            await svc.store.ensure_indexes()
            try:
                bodies = [
                    ProfileIn.model_validate({k: v for k, v in r.items() if k != "id"})
                    for r in records
                ]
                texts = [
                    embedding_text(b, [svc.taxonomy.occupation_name(c) for c in b.occupation_codes])
                    for b in bodies
                ]
                svc.embedder.embed_passages(texts[:32])  # warm-up
                started = time.perf_counter()
                for i in range(0, len(texts), 128):
                    svc.embedder.embed_passages(texts[i : i + 128])
                embed_s = time.perf_counter() - started

                started = time.perf_counter()
                job = ImportJob(
                    path=path,
                    fmt="jsonl",
                    kind="profiles",
                    principal=Principal(
                        token_id="bench",  # noqa: S106 - an id, not a secret
                        role=Role.ADMIN,
                        subject="bench",
                    ),
                )
                ok, failed = await import_file(svc, job, reporter=Quiet())
                import_s = time.perf_counter() - started
            finally:
                await svc.store.drop_all()
    embed_rate, import_rate = rows / embed_s, rows / import_s
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; machine: {platform.platform()}, "
        f"{os.cpu_count()} cores; embedder: {svc.embedder.model_id}"
    )
    print(f"rows: {rows} (stored {ok}, rejected {failed})")
    print(f"embedder alone:   {embed_rate:8.1f} rows/s  ({embed_s:.1f} s)")
    print(f"import end to end:{import_rate:8.1f} rows/s  ({import_s:.1f} s)")
    print(f"ratio: {import_rate / embed_rate:.0%} of the embedder's standalone speed")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(main(args.rows, args.seed))
