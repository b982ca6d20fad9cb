"""A TCP server on ``127.0.0.1`` running on its own event-loop thread (base of the fakes)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Any

LOOPBACK = "127.0.0.1"


class LoopServer:
    """Serves ``handle(reader, writer)`` on a free loopback port from a daemon thread.

    Subclasses implement :meth:`handle` and may override :meth:`setup` (runs on the loop
    before the server listens) and :meth:`shutdown` (runs on the loop before it stops).

    Attributes:
        port: Where it listens.
        url: ``http://127.0.0.1:<port>/``.
    """

    name = "fault-server"

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        ready = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(ready,), name=self.name)
        self._thread.daemon = True
        self._thread.start()
        if not ready.wait(10) or self._server is None:
            raise RuntimeError(f"{type(self).__name__} did not start")
        self.port: int = self._server.sockets[0].getsockname()[1]
        self.url = f"http://{LOOPBACK}:{self.port}/"

    async def setup(self) -> None:
        """Prepare loop-bound state (events, queues) before the server listens."""

    async def shutdown(self) -> None:
        """Abort open connections (on the loop) before the loop stops."""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection."""
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.CancelledError):  # closing: end quietly
            await self.handle(reader, writer)

    def call(self, fn: Any) -> Any:
        """Run ``fn()`` on the server's loop and return its result (from any thread)."""
        if threading.current_thread() is self._thread:
            return fn()

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def close(self) -> None:
        """Stop serving, abort connections and end the thread."""
        if self._loop.is_closed():
            return

        async def stop() -> None:
            await self.shutdown()
            if self._server is not None:
                self._server.close()

        with contextlib.suppress(RuntimeError):
            asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _main(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            await self.setup()
            self._server = await asyncio.start_server(self._serve, LOOPBACK, 0, limit=1 << 20)

        try:
            self._loop.run_until_complete(start())
        finally:
            ready.set()
        try:
            self._loop.run_forever()
        finally:
            tasks = asyncio.all_tasks(self._loop)
            for task in tasks:
                task.cancel()
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            self._loop.close()
