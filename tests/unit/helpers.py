"""Small helpers shared by the unit tests (not fixtures: those live in conftest)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on a new event loop, failing after 20 s instead of hanging."""
    return asyncio.run(asyncio.wait_for(coro, 20))


async def until(condition: Callable[[], object], seconds: float = 5.0) -> None:
    """Wait until ``condition()`` is true, polling every 10 ms; fail after ``seconds``."""
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition was never met")
