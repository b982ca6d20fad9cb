"""Small helpers shared by the unit tests (not fixtures: those live in conftest)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Coroutine


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on a new event loop, failing after 20 s instead of hanging."""
    return asyncio.run(asyncio.wait_for(coro, 20))
