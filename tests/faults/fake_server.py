"""A small fake Gradio 6 server with fault modes a real server can't produce on demand.

It is a real HTTP/1.1 server on ``127.0.0.1`` (asyncio, on its own thread) that serves the
recorded ``/config`` and ``/info`` of ``tests/apps/fault_app.py`` on gradio 6.31 and runs
the queue protocol (``queue/join``, the shared ``queue/data`` stream, ``cancel``) for them.
Every job answers ``"fake " + <first input>`` at once, unless a fault says otherwise.

Faults (set ``server.fault`` before the call; see :class:`Fault`):

* ``SILENT``: the job stream sends its headers, then nothing (no heartbeats) forever.
* ``BIG``: the job's result is ``"x" * big_size`` in one SSE data line (with ``big_text =
  "escaped"``: about ``big_size`` characters of JSON text full of escapes, ``\\n``,
  ``\\"`` and ``\\u00e9``).
* ``LOSE_JOB``: a session's first stream carries its first job's ``process_starts``, then
  breaks. The session stays alive: later streams send heartbeats and run later jobs, but
  the lost job's messages never come (as Gradio, which keeps no replay buffer).
* ``SESSION_NOT_FOUND``: the job stream answers ``unexpected_error`` with
  ``session_not_found`` (what Gradio says when it no longer knows the session).
* ``HANG``: jobs never finish; heartbeats flow every ``heartbeat`` seconds.

Refusals (``server.refusals[path] = [(429, {"Retry-After": "1"}), ...]``): the next requests
to ``path`` get those statuses and headers, one each, before it is served normally.

:meth:`FakeGradio.restart` changes ``app_id`` and forgets every session, as a restarted app.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from loop_server import LoopServer

DATA = Path(__file__).resolve().parent / "data"


class Fault(enum.Enum):
    """What the fake server does wrong."""

    NONE = "none"
    SILENT = "silent"
    BIG = "big"
    LOSE_JOB = "lose_job"
    SESSION_NOT_FOUND = "session_not_found"
    HANG = "hang"


class FakeGradio(LoopServer):
    """A fake gradio 6.31 app on ``127.0.0.1:<port>``.

    Attributes:
        url: ``http://127.0.0.1:<port>/``.
        fault: The current :class:`Fault`.
        big_size: Characters in the ``BIG`` result.
        big_text: ``"x"`` (the result is ``"x" * big_size``) or ``"escaped"``.
        heartbeat: Seconds between heartbeats on a waiting stream (None: never).
        app_id: The ``app_id`` the config reports.
        joins: Every ``queue/join`` body received, in order.
        cancels: Every ``cancel`` body received, in order.
        streams: How many ``queue/data`` streams were opened.
        refusals: Per path, (status, headers) answers to give before serving it normally.
        refused: (path, time.monotonic()) of every refusal given.
    """

    def __init__(self) -> None:
        self.fault = Fault.NONE
        self.big_size = 50 * 1024 * 1024
        self.big_text = "x"
        self.heartbeat: float | None = 0.2
        self.app_id = 1
        self.joins: list[dict[str, Any]] = []
        self.cancels: list[dict[str, Any]] = []
        self.streams = 0
        self.refusals: dict[str, list[tuple[int, dict[str, str]]]] = {}
        self.refused: list[tuple[str, float]] = []
        self._config = json.loads((DATA / "g6_config.json").read_text())
        self._info = (DATA / "g6_info.json").read_bytes()
        self._pending: dict[str, asyncio.Queue[str]] = {}
        self._answers: dict[str, str] = {}
        self._streams_of: dict[str, int] = {}
        self._writers: set[asyncio.StreamWriter] = set()
        super().__init__()

    def restart(self) -> None:
        """Behave like a restarted app: a new ``app_id``, no sessions, open streams cut."""

        def run() -> None:
            self.app_id += 1
            self._pending.clear()
            for writer in list(self._writers):
                writer.transport.abort()

        self.call(run)

    async def shutdown(self) -> None:
        """Abort every open connection."""
        for writer in list(self._writers):
            writer.transport.abort()

    # -- HTTP ------------------------------------------------------------------------------

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve HTTP/1.1 requests on one connection (keep-alive) until it ends."""
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                if not await self._route(method, target, body, writer):
                    return
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _route(
        self, method: str, target: str, body: bytes, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; return False when the connection must end."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        if self.refusals.get(path):
            return await self._refuse(path, writer)
        if path == "/config":
            config = {**self._config, "root": self.url.rstrip("/"), "app_id": self.app_id}
            return await _reply(writer, json.dumps(config).encode())
        if path == "/gradio_api/info":
            return await _reply(writer, self._info)
        if path == "/gradio_api/queue/join" and method == "POST":
            return await _reply(writer, self._join(json.loads(body)))
        if path == "/gradio_api/cancel" and method == "POST":
            self.cancels.append(json.loads(body))
            return await _reply(writer, b'{"success":true}')
        if path == "/gradio_api/queue/data":
            await self._stream(query.get("session_hash", [""])[0], writer)
            return False
        return await _reply(writer, b'{"detail":"Not Found"}', status="404 Not Found")

    async def _refuse(self, path: str, writer: asyncio.StreamWriter) -> bool:
        code, headers = self.refusals[path].pop(0)
        self.refused.append((path, time.monotonic()))
        detail = "Queue is full. Max size is 1 and size is 1." if code == 503 else "refused"
        body = json.dumps({"detail": detail}).encode()
        return await _reply(writer, body, status=f"{code} {_REASONS[code]}", headers=headers)

    def _join(self, body: dict[str, Any]) -> bytes:
        self.joins.append(body)
        event_id = uuid.uuid4().hex
        queue = self._pending.setdefault(body["session_hash"], asyncio.Queue())
        queue.put_nowait(event_id)
        first = (body.get("data") or [""])[0]
        self._answers[event_id] = f"fake {first}"
        return json.dumps({"event_id": event_id}).encode()

    # -- the job stream --------------------------------------------------------------------

    async def _stream(self, session: str, writer: asyncio.StreamWriter) -> None:
        self.streams += 1
        self._streams_of[session] = self._streams_of.get(session, 0) + 1
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
            b"transfer-encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        fault = self.fault
        if fault is Fault.SILENT:
            await asyncio.Event().wait()
        queue = self._pending.get(session)
        if fault is Fault.SESSION_NOT_FOUND or queue is None:
            await _event(writer, _not_found())
            await _end(writer)
            return
        lose = fault is Fault.LOSE_JOB and self._streams_of[session] == 1
        while True:
            event_id = await self._next(queue, writer)
            await _event(writer, {"msg": "process_starts", "event_id": event_id, "eta": None})
            if lose:
                writer.transport.abort()
                return
            if fault is Fault.HANG:
                await self._heartbeats(writer, None)
            if fault is Fault.BIG:
                await _big_event(writer, event_id, self.big_size, self.big_text)
            else:
                await _event(writer, _completed(event_id, self._answers[event_id]))
            if queue.empty():
                await _event(writer, {"msg": "close_stream", "event_id": None})
                await _end(writer)
                return

    async def _next(self, queue: asyncio.Queue[str], writer: asyncio.StreamWriter) -> str:
        """The next event id of the session, sending heartbeats while waiting."""
        getter = asyncio.ensure_future(queue.get())
        try:
            await self._heartbeats(writer, getter)
        finally:
            getter.cancel()
        return getter.result()

    async def _heartbeats(
        self, writer: asyncio.StreamWriter, until: asyncio.Future[Any] | None
    ) -> None:
        """Send heartbeats every ``heartbeat`` seconds until ``until`` is done (or forever)."""
        if until is None:
            until = asyncio.get_running_loop().create_future()  # never done
        while not until.done():
            await asyncio.wait([until], timeout=self.heartbeat)
            if not until.done():
                await _event(writer, {"msg": "heartbeat", "event_id": None})


_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


async def _reply(
    writer: asyncio.StreamWriter,
    body: bytes,
    status: str = "200 OK",
    headers: dict[str, str] | None = None,
) -> bool:
    extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    writer.write(
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{extra}"
        f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    return True


async def _event(writer: asyncio.StreamWriter, message: dict[str, Any]) -> None:
    data = b"data: " + json.dumps(message).encode() + b"\n\n"
    writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    await writer.drain()


async def _big_event(writer: asyncio.StreamWriter, event_id: str, size: int, text: str) -> None:
    """A completion whose result is ``size`` characters of JSON, written without building
    it as JSON."""
    head, tail = json.dumps(_completed(event_id, "@")).encode().split(b'"@"')
    parts = [b"data: " + head + b'"', _big_bytes(size, text), b'"' + tail + b"\n\n"]
    writer.write(f"{sum(map(len, parts)):x}\r\n".encode())
    writer.writelines([*parts, b"\r\n"])
    await writer.drain()


ESCAPED_UNIT = json.dumps('a "quoted" line,\tcaf\u00e9 \\ \u2603\n')[1:-1].encode()


@functools.lru_cache(maxsize=1)
def _big_bytes(size: int, text: str) -> bytes:
    if text == "escaped":
        return ESCAPED_UNIT * (size // len(ESCAPED_UNIT))
    return b"x" * size


async def _end(writer: asyncio.StreamWriter) -> None:
    writer.write(b"0\r\n\r\n")
    await writer.drain()


def _not_found() -> dict[str, Any]:
    return {
        "msg": "unexpected_error",
        "event_id": None,
        "message": "404: Not Found",
        "session_not_found": True,
        "success": False,
    }


def _completed(event_id: str, answer: str) -> dict[str, Any]:
    output = {"data": [answer], "is_generating": False, "duration": 0.0, "render_config": None}
    return {"msg": "process_completed", "event_id": event_id, "output": output, "success": True}


def main() -> None:
    """Serve until killed, in its own process (so its work never competes with a test's
    threads for the GIL): ``python fake_server.py [fault] [big_size] [big_text]``; prints
    the URL."""
    import sys
    import time

    with FakeGradio() as server:
        if len(sys.argv) > 1:
            server.fault = Fault(sys.argv[1])
        if len(sys.argv) > 2:
            server.big_size = int(sys.argv[2])
        if len(sys.argv) > 3:
            server.big_text = sys.argv[3]
        print(server.url, flush=True)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    main()
