"""An append-only list of updates that threads and event loops can wait on.

The engine appends on its loop thread. Sync iterators wait on one ``threading.Condition``
per feed, which is notified only while a thread is waiting; async iterators on any loop
wait with a future woken via ``call_soon_threadsafe``. Nobody polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

__all__ = ["UpdateFeed"]

T = TypeVar("T")


class UpdateFeed(Generic[T]):
    """Items in arrival order, plus a closed flag once no more will come.

    Attributes:
        items: Every item so far (a live list; only :meth:`append` adds to it).
        closed: True once :meth:`close` was called.
    """

    def __init__(self) -> None:
        self.items: list[T] = []
        self.closed = False
        self._changed = threading.Condition(threading.Lock())
        self._threads_waiting = 0
        self._wakers: list[Callable[[], None]] = []

    def append(self, item: T) -> None:
        """Add an item and wake every waiter."""
        with self._changed:
            self.items.append(item)
            wakers = self._wake_locked()
        for wake in wakers:
            wake()

    def close(self) -> None:
        """Mark the end of the feed and wake every waiter."""
        with self._changed:
            if self.closed:
                return
            self.closed = True
            wakers = self._wake_locked()
        for wake in wakers:
            wake()

    def _wake_locked(self) -> list[Callable[[], None]]:
        if self._threads_waiting:
            self._changed.notify_all()
        wakers, self._wakers = self._wakers, []
        return wakers

    def wait_sync(self, index: int, timeout: float | None = None) -> bool:
        """Block until an item at ``index`` exists or the feed is closed.

        Returns:
            False if the timeout passed first.
        """
        with self._changed:
            self._threads_waiting += 1
            try:
                return self._changed.wait_for(
                    lambda: len(self.items) > index or self.closed, timeout
                )
            finally:
                self._threads_waiting -= 1

    def follow_sync(self, stop: Callable[[], bool]) -> Iterator[T]:
        """Yield every item, blocking for more, until the feed is closed or ``stop()``."""
        index = 0
        while True:
            # Read the end first: every item appended before close() is then drained below.
            ended = self.closed or stop()
            while index < len(self.items):
                yield self.items[index]
                index += 1
            if ended:
                return
            self.wait_sync(index)

    async def follow_async(self) -> AsyncIterator[T]:
        """Yield every item, waiting on the caller's event loop, until the feed is closed."""
        index = 0
        while True:
            ended = self.closed  # read first, as in follow_sync
            while index < len(self.items):
                yield self.items[index]
                index += 1
            if ended:
                return
            await self.wait_async(index)

    async def wait_async(self, index: int) -> None:
        """Wait, on the caller's event loop, until an item at ``index`` exists or the end."""
        loop = asyncio.get_running_loop()
        with self._changed:
            if len(self.items) > index or self.closed:
                return
            future: asyncio.Future[None] = loop.create_future()
            self._wakers.append(_waker(loop, future))
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
