"""A process-wide event-loop thread that runs the engine for every sync ``Client``.

The loop starts with the first client and stops when the interpreter exits.
User callbacks run on a small executor, never on the loop thread. After ``fork()`` the
child starts with no loop and makes a new one on demand.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from gradiox.exceptions import EventLoopStoppedError, LoopThreadCallError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

__all__ = ["Portal", "get_portal"]

T = TypeVar("T")

CALLBACK_THREADS = 4
# Blocking work the loop hands off (DNS lookups, file writes) shares this many threads, so
# the process stays at a constant thread count however many jobs are in flight.
IO_THREADS = 2


class Portal:
    """An asyncio loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._run, name="gradiox-loop", daemon=True)
        self.thread.start()
        self._ready.wait()
        self.callbacks = concurrent.futures.ThreadPoolExecutor(
            max_workers=CALLBACK_THREADS, thread_name_prefix="gradiox-callback"
        )

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(
                max_workers=IO_THREADS, thread_name_prefix="gradiox-io"
            )
        )
        self.loop.call_soon(self._ready.set)
        try:
            self.loop.run_forever()
        finally:
            try:
                _cancel_remaining(self.loop)
                self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            finally:
                self.loop.close()

    @property
    def in_loop_thread(self) -> bool:
        """True when called from the loop's own thread."""
        return threading.get_ident() == self.thread.ident

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result in the calling thread.

        Raises:
            LoopThreadCallError: If called from the loop thread (it would deadlock).
            EventLoopStoppedError: If the loop has stopped (at interpreter shutdown).
        """
        if self.in_loop_thread:
            coro.close()
            raise LoopThreadCallError(
                "A blocking gradiox call was made from inside gradiox's event loop thread "
                "(e.g. from a callback run there), which would deadlock. Use AsyncClient and "
                "await the call in async code."
            )
        if self.loop.is_closed() or not self.thread.is_alive():
            coro.close()
            raise EventLoopStoppedError(
                "gradiox's event loop has stopped (interpreter shutting down?): no more calls "
                "can be made in this process. Make calls before shutdown starts (not from "
                "atexit handlers or __del__)."
            )
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except BaseException:
            future.cancel()
            raise

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Schedule ``fn(*args)`` on the loop from any thread."""
        if self.in_loop_thread:
            fn(*args)
        else:
            self.loop.call_soon_threadsafe(fn, *args)

    def stop(self) -> None:
        """Stop the loop and wait for its thread (bounded)."""
        if self.loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self.loop.stop)
        if not self.in_loop_thread:
            self.thread.join(timeout=5)
        self.callbacks.shutdown(wait=False)


def _cancel_remaining(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


_lock = threading.Lock()
_portal: Portal | None = None


def get_portal() -> Portal:
    """Return the process's portal, starting its thread on first use.

    The loop thread outlives its clients (it idles at no cost), so that creating and closing
    clients in a loop doesn't start and stop a thread each time; it stops at exit.
    """
    global _portal
    with _lock:
        if _portal is None:
            _portal = Portal()
        return _portal


def _after_fork() -> None:
    global _portal, _lock
    _portal = None
    _lock = threading.Lock()


def _at_exit() -> None:
    global _portal
    with _lock:
        portal, _portal = _portal, None
    if portal is not None:
        portal.stop()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
atexit.register(_at_exit)
