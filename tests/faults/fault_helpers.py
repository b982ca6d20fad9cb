"""Small helpers for the fault tests (not fixtures: those live in conftest)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from gradio_servers import RunningServer


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
