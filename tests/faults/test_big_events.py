"""A 50 MB event arrives within 5 s, and other clients on the same loop keep answering fast.

Bounds (issue 9): one 50 MB SSE data line end to end within 5 s, while a small call on
another client of the same event loop stays under 1 s; an event over ``max_event_size``
fails the job with a ProtocolError that names the limit.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fake_server import FakeGradio, Fault
from fault_helpers import run

from gradiox import AsyncClient, Client
from gradiox.exceptions import ProtocolError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

BIG = 50 * 1024 * 1024
BIG_BOUND = 5.0
SMALL_BOUND = 1.0


@pytest.fixture
def other_fake() -> Iterator[FakeGradio]:
    """A second fake app, for the small calls made meanwhile."""
    with FakeGradio() as server:
        yield server


@pytest.fixture
def big_url() -> Iterator[str]:
    """A fake app that answers every call with a 50 MB string in one SSE line.

    It runs in its own process: producing 50 MB of JSON in this one would hold the GIL and
    stall the clients under test for reasons of the test's own making.
    """
    script = Path(__file__).with_name("fake_server.py")
    process = subprocess.Popen(
        [sys.executable, str(script), Fault.BIG.value, str(BIG)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.kill()
        process.wait(10)


PAUSE = 0.2  # between two small calls: a steady trickle, not a flood competing for the CPU


def _calls_while(busy: Callable[[], bool], call: Callable[[], object]) -> list[float]:
    """Time ``call()`` every ``PAUSE`` seconds while ``busy()``; return each duration."""
    durations = []
    while busy():
        started = time.monotonic()
        assert call() == "fake small"
        durations.append(time.monotonic() - started)
        time.sleep(PAUSE)
    return durations


def test_a_50_mb_line_does_not_stall_other_clients(big_url: str, other_fake: FakeGradio) -> None:
    with Client(big_url, verbose=False) as big, Client(other_fake.url, verbose=False) as small:
        small.predict("warm", api_name="/echo")
        result: list[object] = []
        started = time.monotonic()
        worker = threading.Thread(target=lambda: result.append(big.predict("x", api_name="/echo")))
        worker.start()
        durations = _calls_while(worker.is_alive, lambda: small.predict("small", api_name="/echo"))
        worker.join()
        elapsed = time.monotonic() - started
    assert len(result) == 1 and len(str(result[0])) == BIG
    assert elapsed < BIG_BOUND, f"the 50 MB result took {elapsed:.2f} s"
    assert durations and max(durations) < SMALL_BOUND, f"slowest small call {max(durations):.2f} s"


def test_a_50_mb_line_does_not_stall_other_async_clients(
    big_url: str, other_fake: FakeGradio
) -> None:
    async def main() -> tuple[float, list[float]]:
        async with (
            AsyncClient(big_url, verbose=False) as big,
            AsyncClient(other_fake.url, verbose=False) as small,
        ):
            await small.predict("warm", api_name="/echo")
            started = time.monotonic()
            job = big.submit("x", api_name="/echo")
            durations = []
            while not job.done():
                began = time.monotonic()
                assert await small.predict("small", api_name="/echo") == "fake small"
                durations.append(time.monotonic() - began)
                await asyncio.sleep(PAUSE)
            assert len(await job.result()) == BIG
            return time.monotonic() - started, durations

    elapsed, durations = run(main())
    assert elapsed < BIG_BOUND, f"the 50 MB result took {elapsed:.2f} s"
    assert durations and max(durations) < SMALL_BOUND, f"slowest small call {max(durations):.2f} s"


def test_an_event_over_max_event_size_fails_the_job(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.BIG
    fake_gradio.big_size = 2 * 1024 * 1024
    with Client(fake_gradio.url, verbose=False, max_event_size=1024 * 1024) as client:
        job = client.submit("x", api_name="/echo")
        with pytest.raises(ProtocolError, match="max_event_size"):
            job.result(timeout=BIG_BOUND)

    async def main() -> None:
        async with AsyncClient(fake_gradio.url, verbose=False, max_event_size=1 << 20) as client:
            with pytest.raises(ProtocolError, match="max_event_size"):
                await asyncio.wait_for(client.predict("x", api_name="/echo"), BIG_BOUND)

    run(main())
