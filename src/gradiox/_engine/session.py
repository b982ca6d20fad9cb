"""One session of an app: its hash, its jobs, its queue stream reader, its heartbeat, joins.

Every job of a session is followed through one shared ``queue/data`` stream whose messages
are routed by event id (:mod:`gradiox._engine.stream`). The reader runs only while jobs
are pending, because the server cancels a session's jobs when that stream disconnects.
Every task of the session (reader, heartbeat, its jobs' joins) belongs to its task group:
closing the session settles every job and leaves nothing running.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

from gradiox._engine.cancel import CancelGate, spares_siblings, stop_without_cancel_route
from gradiox._engine.http import HttpSession, json_or_none, raise_for_status, retry_after
from gradiox._engine.stream import StreamOptions, follow_stream
from gradiox._engine.tasks import TaskGroup
from gradiox._protocol.demux import Demux
from gradiox._protocol.replies import join_event_id, join_refusal
from gradiox._protocol.routes import cancel_body, join_body
from gradiox.exceptions import (
    ClientClosedError,
    ConnectionLostError,
    GradioxError,
    QueueError,
    SessionLostError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.retry import RetryPolicy
    from gradiox._engine.transport import QueuedJob, Sink
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox._protocol.messages import Message

__all__ = ["Session"]

logger = logging.getLogger("gradiox")

HEARTBEAT_MAX_BACKOFF = 30.0
# Closing a session asks the server to cancel its running jobs; it waits this long at most.
CLOSE_CANCEL_TIMEOUT = 1.0


class Session:
    """A session hash and everything bound to it on the server (state, queue stream).

    Args:
        http: The app's HTTP session.
        app: What was discovered about the app.
        options: How to read event streams (idle limit, event size limit).
        on_trouble: Called with True when the server forgot the session (the app
            restarted), with False when the stream was lost (it may have restarted).
    """

    def __init__(
        self,
        http: HttpSession,
        app: AppDescription,
        options: StreamOptions | None = None,
        on_trouble: Callable[[bool], None] | None = None,
    ) -> None:
        self.http = http
        self.app = app
        self.options = options or StreamOptions()
        self.hash = str(uuid.uuid4())
        self.demux: Demux[Sink] = Demux()
        self.tasks = TaskGroup()
        # Jobs started on this session that have not ended (joining, or attached).
        self.runs: set[QueuedJob] = set()
        self.cancels = CancelGate()
        # Bumped whenever the stream is lost: a join that began before then is lost too.
        self.epoch = 0
        self._on_trouble = on_trouble
        self._reader: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._retired = False
        self._closed = False

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a task that belongs to this session (cancelled and awaited when it closes).

        Raises:
            ClientClosedError: The session was closed.
        """
        return self.tasks.spawn(coro)

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
        self.runs.add(run)
        run.add_listener(self.runs.discard)
        await self.cancels.wait(run.endpoint.fn_index)
        if run.done:  # cancelled before it joined: nothing to stop on the server
            return
        epoch = self.epoch
        event_id = await self.join(
            run.endpoint, run.data, headers=run.headers, extra=run.extra, retry=run.retry
        )
        run.set_event_id(event_id)
        if run.done:  # cancelled while joining: the server has it now, so stop it there
            await self.cancel_on_server(run.endpoint, event_id)
            return
        if epoch != self.epoch:  # the stream broke while joining: the server may drop it
            run.lost(ConnectionLostError("The job stream broke while the job was joining."))
            return
        self.attach(event_id, run)

    async def cancel(self, run: QueuedJob) -> None:
        """Stop ``run`` on the server (it has already ended locally)."""
        if run.event_id is not None:
            await self.cancel_on_server(run.endpoint, run.event_id)

    @property
    def has_pending(self) -> bool:
        """True while some job of this session has not ended."""
        return bool(self.runs) or self.demux.has_pending

    @property
    def reading(self) -> bool:
        """True while the stream is needed: jobs are attached and the session is open."""
        return self.demux.has_pending and not self._closed

    def attach(self, event_id: str, sink: Sink) -> None:
        """Start delivering ``event_id``'s messages to ``sink``."""
        for message in self.demux.register(event_id, sink):
            sink.on_message(message)
        if self._reader is None and self.demux.has_pending and not self._closed:
            self._reader = self.tasks.spawn(self._read())

    def release(self, event_id: str | None) -> None:
        """The job of ``event_id`` has ended locally."""
        if event_id is not None:
            self.demux.unregister(event_id)
        if self._retired and not self.demux.has_pending:
            self._stop_heartbeat()

    async def cancel_on_server(self, endpoint: EndpointInfo, event_id: str) -> None:
        """Ask the server to stop a job (best effort; failures are logged)."""
        if spares_siblings({*self.runs, *self.demux.sinks()}, endpoint, event_id):
            return
        async with self.cancels.cancelling(endpoint.fn_index):
            if self.app.features.cancel != "route":  # Gradio <= 4.29: the app's cancel event
                await stop_without_cancel_route(self.http, self.app, self.hash, endpoint, event_id)
                return
            body = cancel_body(endpoint.fn_index, self.hash, event_id)
            try:
                response = await self.http.request("POST", self.app.routes.cancel, json=body)
                raise_for_status(response, "cancel the job")
            except GradioxError as exc:
                logger.warning("gradiox: could not cancel job %s on the server: %s", event_id, exc)

    # -- the shared stream (read by gradiox._engine.stream) ---------------------------------

    async def _read(self) -> None:
        try:
            while self.reading:  # a job may attach just as the stream gives up on others
                await follow_stream(self)
        finally:
            self._reader = None

    def deliver(self, message: Message) -> None:
        """Route one job message to its job (buffered until the job attaches)."""
        sink = self.demux.route(message)
        if sink is not None:
            sink.on_message(message)

    def fail_all(self, error: GradioxError) -> None:
        """End every job attached to the stream with ``error``."""
        for sink in self.demux.sinks():
            sink.fail(error)

    def lose(self, error: GradioxError) -> None:
        """The stream broke or went silent: every job in flight on it is lost."""
        self.epoch += 1
        self.demux.drop_early()
        if self._on_trouble is not None:
            self._on_trouble(False)
        for sink in self.demux.sinks():
            sink.lost(error)

    def forgotten(self, error: SessionLostError) -> None:
        """The server no longer knows this session: its jobs and state are gone."""
        self.epoch += 1
        if self._on_trouble is not None:
            self._on_trouble(True)
        self.fail_all(error)

    # -- heartbeat -------------------------------------------------------------------------

    def start_heartbeat(self) -> None:
        """Keep the session alive on the server (only for apps that ask for it)."""
        if self.app.features.heartbeat and self._heartbeat is None:
            self._heartbeat = self.tasks.spawn(self._beat())

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

    async def aclose(self, error: GradioxError | None = None) -> None:
        """Settle every pending job now, cancel them on the server, stop every task.

        Args:
            error: What the pending jobs fail with (by default a ClientClosedError).
        """
        if self._closed:
            return
        self._closed = True
        pending = [run for run in self.runs if not run.done]
        # One cancel per endpoint stops all of its running jobs in this session; closing the
        # stream then makes the server drop the queued ones.
        on_server = {
            run.endpoint.fn_index: (run.endpoint, run.event_id)
            for run in pending
            if run.event_id is not None
        }
        error = error or ClientClosedError(
            "The client was closed while the job ran, so the job was stopped (and cancelled "
            "on the server where possible). Keep the client open until its jobs end, e.g. "
            "wait for job.result() before leaving the with block."
        )
        for run in pending:
            run.fail(error)
        if on_server:
            cancels = [self.cancel_on_server(e, event_id) for e, event_id in on_server.values()]
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.gather(*cancels), CLOSE_CANCEL_TIMEOUT)
        self._reader = self._heartbeat = None
        await self.tasks.aclose()
