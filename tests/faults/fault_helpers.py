"""Small helpers for the fault tests (not fixtures: those live in conftest)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import pytest

from gradiox.exceptions import ConnectionLostError

if TYPE_CHECKING:
    from collections.abc import Callable

    from gradio_servers import RunningServer
    from proxy import TcpProxy

    from gradiox import Job


def run(coro: Any, limit: float = 120) -> Any:
    """Run a coroutine to completion, failing after ``limit`` seconds instead of hanging."""
    return asyncio.run(asyncio.wait_for(coro, limit))


def wait_until(predicate: Callable[[], bool], timeout: float = 30, what: str = "it") -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        time.sleep(0.02)


async def wait_until_async(
    predicate: Callable[[], bool], timeout: float = 30, what: str = "it"
) -> None:
    """:func:`wait_until` for async tests (polls without blocking the loop)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s")
        await asyncio.sleep(0.02)


def log_count(server: RunningServer, text: str) -> int:
    """How many times ``text`` appears in the server's log."""
    return server.log_text().count(text)


def cut_mid_generator(proxy: TcpProxy, job: Job, bound: float) -> ConnectionLostError:
    """Cut ``proxy``'s connections once ``job`` has two outputs; return the job's error.

    The job must fail with ``ConnectionLostError`` within ``bound`` seconds of the cut.
    """
    wait_until(lambda: len(job.outputs()) >= 2, what="two outputs")
    cut = time.monotonic()
    assert proxy.cut()
    with pytest.raises(ConnectionLostError, match="Lost the connection") as caught:
        job.result(timeout=bound)
    assert time.monotonic() - cut < bound, f"lost {time.monotonic() - cut:.2f} s after the cut"
    return caught.value
