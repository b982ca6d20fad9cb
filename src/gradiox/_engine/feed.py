"""An append-only list of updates that threads and event loops can wait on.

The engine appends on its loop thread; sync iterators wait with a ``threading.Event``
and async iterators on any loop wait with a future woken via ``call_soon_threadsafe``.
Nobody polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["UpdateFeed"]

T = TypeVar("T")


class UpdateFeed(Generic[T]):
    """Items in arrival order, plus a closed flag once no more will come."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self.closed = False
        self._lock = threading.Lock()
        self._waiters: list[Callable[[], None]] = []

    def append(self, item: T) -> None:
        """Add an item and wake every waiter."""
        with self._lock:
            self.items.append(item)
            waiters, self._waiters = self._waiters, []
        for wake in waiters:
            wake()

    def close(self) -> None:
        """Mark the end of the feed and wake every waiter."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
            waiters, self._waiters = self._waiters, []
        for wake in waiters:
            wake()

    def wait_sync(self, index: int, timeout: float | None = None) -> bool:
        """Block until an item at ``index`` exists or the feed is closed.

        Returns:
            False if the timeout passed first.
        """
        with self._lock:
            if len(self.items) > index or self.closed:
                return True
            event = threading.Event()
            self._waiters.append(event.set)
        return event.wait(timeout)

    async def wait_async(self, index: int) -> None:
        """Wait, on the caller's event loop, until an item at ``index`` exists or the end."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if len(self.items) > index or self.closed:
                return
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append(_waker(loop, future))
        await future


def _waker(loop: asyncio.AbstractEventLoop, future: asyncio.Future[None]) -> Callable[[], None]:
    def set_done() -> None:
        if not future.done():
            future.set_result(None)

    def wake() -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            set_done()
        else:
            # If that loop is closed, nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(set_done)

    return wake
