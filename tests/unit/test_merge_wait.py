"""A merge the caller stops waiting for is reported pending (Elasticsearch goes on with it),
the indexes after it are not started, and no worker job is locked for hours."""

from typing import Any

from elasticsearch import ConnectionTimeout

from indexes.maintenance import merge_segments
from indexes.specs import IndexSpec
from matcher.foundation.settings import Settings
from workers.settings import create_worker


class SlowMergeES:
    """Two indexes in several segments each, whose merge outlasts any wait."""

    def __init__(self) -> None:
        self.merges: list[str] = []
        self.indices = self

    def options(self, **_: Any) -> "SlowMergeES":
        return self

    async def stats(self, *, index: str, metric: Any) -> dict[str, Any]:
        primaries = {
            "segments": {"count": 4},
            "docs": {"deleted": 0},
            "store": {"size_in_bytes": 1},
        }
        return {"indices": {f"{index}-v1": {"primaries": primaries}}}

    async def forcemerge(self, *, index: str, max_num_segments: int) -> None:
        self.merges.append(index)
        raise ConnectionTimeout("timed out")


async def test_a_merge_still_running_is_pending_and_the_next_index_waits() -> None:
    es = SlowMergeES()
    profiles, postings = (IndexSpec(name, "unit", 1, {}) for name in ("profiles", "postings"))
    results = await merge_segments(
        es,  # type: ignore[arg-type]
        [profiles, postings],
        max_bytes=2**30,
        wait_s=60,
    )
    assert [r.pending for r in results] == [True, True]
    assert [r.skipped and r.skipped.split(":")[0] for r in results] == [
        "still merging when the wait of this run ran out",
        "not started",
    ]
    # One merge at a time: the second index was not asked while the first one runs.
    assert es.merges == [f"{profiles.read_alias}-v1"]


def test_a_killed_workers_jobs_are_locked_minutes_not_hours(settings: Settings) -> None:
    """arq marks a job in progress for the longest job timeout of the worker (plus 10 s); a
    worker killed mid-job leaves that mark, and the job waits for it to run out."""
    worker = create_worker(settings)
    assert worker.in_progress_timeout_s <= 15 * 60 + 10
