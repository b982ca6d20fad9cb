"""One session of an app: its hash, its queue stream reader, its heartbeat, and joins.

Every job of a session is followed through one shared ``queue/data`` stream whose messages
are routed by event id. The reader runs only while jobs are pending, because the server
cancels a session's jobs when that stream disconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

from gradiox._engine.cancel import spares_siblings, stop_without_cancel_route
from gradiox._engine.http import (
    HttpSession,
    expect_event_stream,
    json_or_none,
    raise_for_status,
    retry_after,
)
from gradiox._protocol.demux import Demux
from gradiox._protocol.messages import Message, MessageKind, parse_message
from gradiox._protocol.replies import join_event_id, join_refusal, stream_error
from gradiox._protocol.routes import cancel_body, join_body
from gradiox._protocol.sse import SSEDecoder
from gradiox.exceptions import GradioxError, ProtocolError, QueueError, TransportError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Coroutine

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.retry import RetryPolicy
    from gradiox._engine.transport import QueuedJob, Sink
    from gradiox._protocol.api_info import EndpointInfo

__all__ = ["Session"]

logger = logging.getLogger("gradiox")

# How many times in a row the stream may end without delivering anything before the
# pending jobs are failed.
MAX_FRUITLESS_STREAMS = 3
HEARTBEAT_MAX_BACKOFF = 30.0
# After close_stream the server ends the response; wait this long for that at most.
DRAIN_TIMEOUT = 1.0


class Session:
    """A session hash and everything bound to it on the server (state, queue stream)."""

    def __init__(self, http: HttpSession, app: AppDescription) -> None:
        self.http = http
        self.app = app
        self.hash = str(uuid.uuid4())
        self.demux: Demux[Sink] = Demux()
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._retired = False
        self._closed = False
        self._background: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a background task that belongs to this session (kept referenced)."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- joining ---------------------------------------------------------------------------

    async def join(
        self,
        endpoint: EndpointInfo,
        data: list[Any],
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> str:
        """Put a job in the app's queue; return its event id.

        A join the server refused (429, or 503: the queue is full) created no job, so it is
        sent again as ``retry`` says; any other answer is final.

        Raises:
            ValidationError: The app's validator rejected the inputs.
            QueueError: The queue is full or stopped.
            HTTPStatusError: Any other refusal.
        """
        body = join_body(endpoint.fn_index, data, self.hash, extra)
        response = await self.http.request(
            "POST", self.app.routes.queue_join, json=body, headers=headers, retry=retry
        )
        refusal = join_refusal(response.status_code, json_or_none(response))
        if isinstance(refusal, QueueError):
            refusal.retry_after = retry_after(response)
        if refusal is not None:
            raise refusal
        raise_for_status(response, f"join the queue for {endpoint.label}")
        return join_event_id(json_or_none(response), response.text)

    async def start(self, run: QueuedJob) -> None:
        """Join the queue for ``run`` and route its messages to it from now on."""
        event_id = await self.join(
            run.endpoint, run.data, headers=run.headers, extra=run.extra, retry=run.retry
        )
        run.set_event_id(event_id)
        if run.done:  # cancelled while joining: the server has it now, so stop it there
            await self.cancel_on_server(run.endpoint, event_id)
            return
        self.attach(event_id, run)

    async def cancel(self, run: QueuedJob) -> None:
        """Stop ``run`` on the server (it has already ended locally)."""
        if run.event_id is not None:
            await self.cancel_on_server(run.endpoint, run.event_id)

    @property
    def has_pending(self) -> bool:
        """True while some job of this session has not ended."""
        return self.demux.has_pending

    def attach(self, event_id: str, sink: Sink) -> None:
        """Start delivering ``event_id``'s messages to ``sink``."""
        for message in self.demux.register(event_id, sink):
            sink.on_message(message)
        if self.demux.has_pending and self._reader is None:
            self._reader = asyncio.ensure_future(self._read())

    def release(self, event_id: str | None) -> None:
        """The job of ``event_id`` has ended locally."""
        if event_id is not None:
            self.demux.unregister(event_id)
        if self._retired and not self.demux.has_pending:
            self._stop_heartbeat()

    async def cancel_on_server(self, endpoint: EndpointInfo, event_id: str) -> None:
        """Ask the server to stop a job (best effort; failures are logged)."""
        if spares_siblings(self.demux.sinks(), endpoint, event_id):
            return
        if self.app.features.cancel != "route":  # Gradio <= 4.29: the app's cancel event
            await stop_without_cancel_route(self.http, self.app, self.hash, endpoint, event_id)
            return
        body = cancel_body(endpoint.fn_index, self.hash, event_id)
        try:
            response = await self.http.request("POST", self.app.routes.cancel, json=body)
            raise_for_status(response, "cancel the job")
        except GradioxError as exc:
            logger.warning("gradiox: could not cancel job %s on the server: %s", event_id, exc)

    # -- the shared stream -----------------------------------------------------------------

    async def _read(self) -> None:
        fruitless = 0
        last_error: GradioxError | None = None
        try:
            while self.demux.has_pending and not self._closed:
                try:
                    delivered = await self._read_once()
                except TransportError as exc:
                    delivered, last_error = False, exc
                except GradioxError as exc:
                    self._fail_all(exc)
                    return
                except Exception as exc:  # noqa: BLE001 - a bug must fail the jobs, not hang them
                    error = ProtocolError(f"Reading the job stream failed unexpectedly: {exc!r}")
                    error.__cause__ = exc
                    self._fail_all(error)
                    return
                fruitless = 0 if delivered else fruitless + 1
                if fruitless >= MAX_FRUITLESS_STREAMS:
                    self._fail_all(
                        last_error
                        if last_error is not None
                        else ProtocolError(
                            "The server's event stream ended before the job finished "
                            f"({fruitless} times in a row, truncated or empty)."
                        )
                    )
                    return
                if fruitless:
                    await asyncio.sleep(0.05 * 2**fruitless)
        finally:
            self._reader = None
            if self.demux.has_pending and not self._closed:
                # Jobs attached while this reader was finishing still need one.
                self._reader = asyncio.ensure_future(self._read())

    async def _read_once(self) -> bool:
        """Read one connection of the stream; return True if it delivered any message."""
        delivered = False
        url = self.app.routes.queue_data
        async with self.http.stream("GET", url, params={"session_hash": self.hash}) as response:
            await expect_event_stream(response, url, "open the job stream")
            decoder = SSEDecoder()
            chunks = response.aiter_bytes()
            async for chunk in chunks:
                for event in decoder.feed(chunk):
                    delivered = True
                    if self._dispatch(parse_message(event.data)):
                        await _drain(chunks)
                        return True
            decoder.flush()
        return delivered

    def _dispatch(self, message: Message) -> bool:
        """Route one message; return True if the stream is over."""
        kind = message.kind
        if kind is MessageKind.HEARTBEAT:
            return False
        if kind is MessageKind.CLOSE_STREAM:
            return True
        if message.event_id is None:
            if kind is MessageKind.UNEXPECTED_ERROR:
                self._fail_all(stream_error(message))
                return True
            return False
        sink = self.demux.route(message)
        if sink is not None:
            sink.on_message(message)
        return False

    def _fail_all(self, error: GradioxError) -> None:
        for sink in self.demux.sinks():
            sink.fail(error)

    # -- heartbeat -------------------------------------------------------------------------

    def start_heartbeat(self) -> None:
        """Keep the session alive on the server (only for apps that ask for it)."""
        if self.app.features.heartbeat and self._heartbeat is None:
            self._heartbeat = asyncio.ensure_future(self._beat())

    def _stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None

    async def _beat(self) -> None:
        url = self.app.routes.heartbeat(self.hash)
        backoff = 1.0
        while not self._closed:
            try:
                async with self.http.stream("GET", url) as response:
                    if response.status_code in (404, 405):
                        return  # the server has no heartbeat route
                    if response.status_code == 200:
                        async for _ in response.aiter_bytes():
                            backoff = 1.0
            except GradioxError as exc:
                logger.debug("gradiox: heartbeat for %s broke: %s", self.hash, exc)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, HEARTBEAT_MAX_BACKOFF)

    # -- lifetime --------------------------------------------------------------------------

    def retire(self) -> None:
        """Stop using this session for new jobs; it winds down when its jobs end."""
        self._retired = True
        if not self.demux.has_pending:
            self._stop_heartbeat()

    async def aclose(self) -> None:
        """Stop the reader and heartbeat now."""
        self._closed = True
        tasks = [t for t in (self._reader, self._heartbeat) if t is not None]
        self._reader = self._heartbeat = None
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows close_stream (normally nothing) so the connection is reused."""

    async def consume() -> None:
        async for _ in chunks:
            pass

    with contextlib.suppress(asyncio.TimeoutError, GradioxError):
        await asyncio.wait_for(consume(), DRAIN_TIMEOUT)
