"""Stage timings: collected per request, shared by the tasks a request starts, nothing outside."""

import asyncio
import time

from matcher.foundation import timing


def test_outside_a_request_nothing_is_collected() -> None:
    with timing.stage("es_bm25"):
        pass
    with timing.collect() as timings:
        pass
    assert timings == {}


def test_a_stage_entered_twice_adds_up_and_an_error_still_counts() -> None:
    with timing.collect() as timings:
        with timing.stage("rerank"):
            time.sleep(0.002)
        try:
            with timing.stage("rerank"):
                time.sleep(0.002)
                raise RuntimeError
        except RuntimeError:
            pass
        with timing.stage("fusion"):
            pass
    assert set(timings) == {"rerank", "fusion"}
    assert timings["rerank"] >= 0.004
    assert timings["fusion"] < timings["rerank"]


async def test_stages_timed_side_by_side_each_count_their_own_wall_clock() -> None:
    async def wait(seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds

    with timing.collect() as timings:
        both = await asyncio.gather(
            timing.timed("es_bm25", wait(0.01)), timing.timed("es_knn", wait(0.03))
        )
    assert list(both) == [0.01, 0.03]
    assert 0.01 <= timings["es_bm25"] < timings["es_knn"]


async def test_two_requests_at_once_keep_their_own_stages() -> None:
    async def request(name: str) -> dict[str, float]:
        with timing.collect() as timings:
            await timing.timed(name, asyncio.sleep(0.001))
        return timings

    first, second = await asyncio.gather(request("embed"), request("auth"))
    assert set(first) == {"embed"}
    assert set(second) == {"auth"}
