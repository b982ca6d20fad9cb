"""A TCP proxy, on its own event-loop thread, that can cut, stall, delay or switch connections.

Put it in front of a real Gradio server to produce network faults on demand::

    with TcpProxy(upstream_port) as proxy:
        client = Client(proxy.url)
        proxy.cut()            # reset every open connection (both sides)
        proxy.stall()          # stop forwarding bytes, keep the sockets open
        proxy.resume()
        proxy.delay(0.5)       # hold every forwarded chunk this long
        proxy.switch(port)     # new connections go to another upstream

Thread-safe: every method may be called from any thread (tests, the gradiox loop thread).
"""

from __future__ import annotations

import asyncio
import contextlib

from loop_server import LOOPBACK, LoopServer

CHUNK = 1 << 16


class TcpProxy(LoopServer):
    """Forwards ``127.0.0.1:<port>`` to ``127.0.0.1:<upstream_port>``, with faults on demand.

    Attributes:
        port: Where the proxy listens.
        url: ``http://127.0.0.1:<port>/``.
        accepted: How many connections it accepted so far.
    """

    name = "fault-proxy"

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.accepted = 0
        self._delay = 0.0
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._flowing: asyncio.Event | None = None
        super().__init__()

    # -- faults (any thread) ---------------------------------------------------------------

    def cut(self) -> int:
        """Reset every open connection, both sides; return how many were cut."""
        return int(self.call(self._cut))

    def stall(self) -> None:
        """Stop forwarding in both directions; sockets stay open (a silent network)."""
        self.call(lambda: self._gate().clear())

    def resume(self) -> None:
        """Forward again after :meth:`stall`."""
        self.call(lambda: self._gate().set())

    def delay(self, seconds: float) -> None:
        """Hold every forwarded chunk ``seconds`` before passing it on (0: no delay)."""
        self._delay = seconds

    def switch(self, upstream_port: int, *, cut: bool = False) -> None:
        """Send new connections to ``upstream_port``; with ``cut``, also cut the open ones."""
        self.upstream_port = upstream_port
        if cut:
            self.cut()

    @property
    def open_connections(self) -> int:
        """Connections currently being forwarded."""
        return int(self.call(lambda: len(self._pairs)))

    # -- the loop thread -------------------------------------------------------------------

    async def setup(self) -> None:
        """Create the forwarding gate on the proxy's loop."""
        self._flowing = asyncio.Event()
        self._flowing.set()

    async def shutdown(self) -> None:
        """Cut every connection and stop the pumps."""
        self._cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _gate(self) -> asyncio.Event:
        assert self._flowing is not None
        return self._flowing

    def _cut(self) -> int:
        pairs = list(self._pairs)
        self._pairs.clear()
        for client, upstream in pairs:
            for writer in (client, upstream):
                writer.transport.abort()
        return len(pairs)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Connect upstream and forward both ways until either side ends."""
        self.accepted += 1
        try:
            up_reader, up_writer = await asyncio.open_connection(LOOPBACK, self.upstream_port)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, up_writer)
        self._pairs.add(pair)
        pumps = [
            asyncio.ensure_future(self._pump(reader, up_writer)),
            asyncio.ensure_future(self._pump(up_reader, writer)),
        ]
        for task in pumps:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        # One side ended: end the other one the same way (half-close is not needed here).
        await asyncio.sleep(0)
        for task in pumps:
            task.cancel()
        if pair in self._pairs:
            self._pairs.discard(pair)
            for w in pair:
                w.close()

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                data = await src.read(CHUNK)
                if not data:
                    return
                await self._gate().wait()
                if self._delay:
                    await asyncio.sleep(self._delay)
                    await self._gate().wait()
                if dst.transport.is_closing():
                    return
                dst.write(data)
                await dst.drain()
