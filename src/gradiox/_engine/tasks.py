"""Who owns the engine's tasks: task groups that cancel and await what they started.

Every task the engine starts belongs to a :class:`TaskGroup` (a session's reader and
heartbeat, a job's join and downloads) or is awaited by the code that started it
(:func:`run_all`), so closing a client leaves nothing running. ``asyncio.TaskGroup`` does
not fit (Python 3.11+, and one failed child cancels its siblings, while a job's failure must
not touch the others); this is the small part of it the engine needs, for Python 3.10+.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from gradiox.exceptions import ClientClosedError

if TYPE_CHECKING:
    from collections.abc import Coroutine

__all__ = ["TaskGroup", "run_all"]

T = TypeVar("T")

# How long closing a group waits for its cancelled tasks to unwind.
CLOSE_TIMEOUT = 2.0


class TaskGroup:
    """Tasks that live until they end or the group closes; closing cancels and awaits them.

    A failing task does not affect the others (each catches its own errors). Spawning costs
    one set insertion and one done-callback per task.
    """

    __slots__ = ("_closed", "_tasks")

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    @property
    def closed(self) -> bool:
        """True once :meth:`aclose` began: the group takes no new tasks."""
        return self._closed

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start ``coro`` as a task of this group (on the running loop).

        Raises:
            ClientClosedError: The group was closed (the coroutine is closed unstarted).
        """
        if self._closed:
            coro.close()
            raise ClientClosedError(
                "This client was closed, so it cannot start new work; create a new client."
            )
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Take no new tasks, cancel the running ones and wait (bounded) until they end.

        The task calling this is never cancelled by it, even if it belongs to the group.
        """
        self._closed = True
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current and not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        for task in tasks:
            if task.done() and not task.cancelled():
                task.exception()  # ended by the close: its error is no one's news


async def run_all(coros: list[Coroutine[Any, Any, T]]) -> list[T]:
    """Run coroutines concurrently; on the first failure cancel the rest and raise it.

    Returns:
        Their results, in order.
    """
    if len(coros) <= 1:
        return [await coro for coro in coros]
    loop = asyncio.get_running_loop()
    tasks = [loop.create_task(coro) for coro in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
    finally:
        unfinished = [task for task in tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.gather(*unfinished, return_exceptions=True)
    for task in tasks:
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error
    return [task.result() for task in tasks]
