"""The one periodic task every simulator's clocked work runs on: beats, failures, stop."""

from __future__ import annotations

import asyncio
import logging

import pytest

from xtb.sim.periodic import Periodic

TIMEOUT = 3.0
INTERVAL = 0.001


async def test_beats_come_numbered_and_a_failing_step_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    beats: list[int] = []
    third = asyncio.Event()

    async def step(beat: int) -> None:
        beats.append(beat)
        if beat == 2:
            raise RuntimeError("bad frame")
        if beat == 3:
            third.set()

    periodic = Periodic("test-beats", INTERVAL, step)
    with caplog.at_level(logging.ERROR, logger="xtb.sim.periodic"):
        periodic.start()
        try:
            await asyncio.wait_for(third.wait(), TIMEOUT)
        finally:
            await periodic.stop()
    assert beats[:3] == [1, 2, 3]
    (record,) = caplog.records
    assert "name=test-beats beat=2" in record.getMessage() and "bad frame" in str(record.exc_info[1])  # type: ignore[index]


async def test_stop_ends_the_task_is_safe_twice_and_allows_a_new_start() -> None:
    beat_seen = asyncio.Event()

    async def step(beat: int) -> None:
        beat_seen.set()

    periodic = Periodic("test-restart", INTERVAL, step)
    await periodic.stop()  # never started: nothing to do
    periodic.start()
    assert periodic.running
    with pytest.raises(RuntimeError, match="already running"):
        periodic.start()
    await periodic.stop()
    await periodic.stop()
    assert not periodic.running
    periodic.start()
    await asyncio.wait_for(beat_seen.wait(), TIMEOUT)
    await periodic.stop()
    assert not periodic.running


async def test_a_stop_that_is_itself_cancelled_stays_cancelled() -> None:
    in_step = asyncio.Event()
    step_cancelled = asyncio.Event()

    async def step(beat: int) -> None:
        in_step.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            step_cancelled.set()
            await asyncio.Event().wait()  # slow to wind down: the stopper is still waiting

    periodic = Periodic("test-cancel", INTERVAL, step)
    periodic.start()
    await asyncio.wait_for(in_step.wait(), TIMEOUT)
    stopper = asyncio.get_running_loop().create_task(periodic.stop())
    await asyncio.wait_for(step_cancelled.wait(), TIMEOUT)
    stopper.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(stopper, TIMEOUT)


def test_a_periodic_task_needs_a_positive_interval() -> None:
    async def step(beat: int) -> None:
        raise AssertionError("never runs")

    with pytest.raises(ValueError, match="positive interval"):
        Periodic("test-zero", 0, step)
