"""The common part of transports with one connection per job (Gradio 3.x ws, 4.0-4.8 sse).

Each job gets its own task, which opens the job's connection, follows it to the end and
hands every message to the job. Events that skip the queue (3.x ``queue=False``) are
called through the direct route instead. Cancelling a job closes its connection and
stops it on the server with the app's cancel event (these servers have no ``/cancel``).

These servers say "queue full" as a message on the job's connection, not as an HTTP 503;
it means the job was not queued, so it is submitted again under the job's retry policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import TYPE_CHECKING, Any

from gradiox._engine.cancel import CancelGate, spares_siblings, stop_without_cancel_route
from gradiox._engine.direct import call_direct
from gradiox._engine.retry import backoff_delay
from gradiox._engine.stream import StreamOptions
from gradiox._engine.tasks import TaskGroup
from gradiox._protocol.messages import MessageKind, message_from_dict
from gradiox.exceptions import (
    ClientClosedError,
    ConnectionLostError,
    GradioxError,
    ProtocolError,
    QueueError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._engine.transport import QueuedJob
    from gradiox._protocol.messages import Message

__all__ = ["PerJobTransport", "refuse_if_full"]

logger = logging.getLogger("gradiox")


QUEUE_FULL = "Queue is full! Please try again."


def refuse_if_full(message: Message) -> None:
    """Raise QueueError if ``message`` is the server's ``queue_full`` answer.

    Raised from ``follow``, it ends the job's connection; the job is then submitted again.
    """
    if message.kind is MessageKind.QUEUE_FULL:
        raise QueueError(QUEUE_FULL)


class PerJobTransport:
    """A session whose jobs each have their own connection. Subclasses implement ``follow``.

    Args:
        http: The app's HTTP session.
        app: What was discovered about the app.
        options: How to read event streams (idle limit, event size limit).
    """

    def __init__(
        self, http: HttpSession, app: AppDescription, options: StreamOptions | None = None
    ) -> None:
        self.http = http
        self.app = app
        self.options = options or StreamOptions()
        self.hash = str(uuid.uuid4())
        self.tasks = TaskGroup()
        self._runs: dict[QueuedJob, asyncio.Task[None]] = {}
        self.cancels = CancelGate()

    # -- Transport -------------------------------------------------------------------------

    async def start(self, run: QueuedJob) -> None:
        """Start following ``run`` in its own task (nothing reaches the server before)."""
        if run.done:
            return
        try:
            task = self.tasks.spawn(self._run(run))
        except ClientClosedError as exc:
            run.fail(exc)
            return
        self._runs[run] = task
        task.add_done_callback(lambda _: self._runs.pop(run, None))

    async def cancel(self, run: QueuedJob) -> None:
        """Close the job's connection, then stop it on the server."""
        task = self._runs.pop(run, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.stop_on_server(run)

    def release(self, event_id: str | None) -> None:
        """Nothing to do: a job's task ends with the job."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a task that belongs to this session (cancelled and awaited when it closes)."""
        return self.tasks.spawn(coro)

    @property
    def has_pending(self) -> bool:
        """True while some job of this session has not ended."""
        return bool(self._runs)

    def start_heartbeat(self) -> None:
        """Nothing to do: servers this old have no heartbeat route."""

    def retire(self) -> None:
        """Nothing to do: each job's connection ends with the job."""

    async def aclose(self, error: GradioxError | None = None) -> None:
        """Settle every pending job with ``error`` and close its connection now.

        Closing a job's connection makes these servers drop the job.
        """
        error = error or ClientClosedError(
            "The client was closed while the job ran, so its connection was closed and the "
            "server dropped the job. Keep the client open until its jobs end."
        )
        for run in list(self._runs):
            run.fail(error)
        self._runs.clear()
        await self.tasks.aclose()

    # -- for subclasses --------------------------------------------------------------------

    async def encode(self, run: QueuedJob) -> list[Any]:
        """The job's input data as this server wants it (the job's data as is by default)."""
        return run.data

    async def deliver(self, run: QueuedJob, message: Message) -> None:
        """Hand one message to the job (subclasses may convert its outputs first)."""
        run.on_message(message)

    async def follow(self, run: QueuedJob, data: list[Any]) -> bool:
        """Submit the job through the queue and deliver its messages.

        Returns:
            True if the server finished the job (else the connection ended too early).
        """
        raise NotImplementedError

    async def stop_on_server(self, run: QueuedJob) -> None:
        """Stop a job on the server (best effort): servers this old have no ``/cancel``."""
        if spares_siblings(self._runs, run.endpoint, run.event_id):
            return
        async with self.cancels.cancelling(run.endpoint.fn_index):
            await stop_without_cancel_route(
                self.http, self.app, self.hash, run.endpoint, run.event_id
            )

    # -- internals -------------------------------------------------------------------------

    async def _queue(self, run: QueuedJob, data: list[Any]) -> bool:
        """Follow the job through the queue, submitting it again while the queue is full."""
        policy = run.retry
        attempt = 0
        while True:
            try:
                return await self.follow(run, data)
            except QueueError:  # the server queued nothing: safe to submit again
                pass
            if attempt >= policy.max_retries:
                break
            delay = backoff_delay(attempt)
            attempt += 1
            logger.info(
                "gradiox: the server's queue was full for %s (nothing was queued); "
                "retry %d of %d in %.2f s.",
                run.endpoint.label,
                attempt,
                policy.max_retries,
                delay,
            )
            if not await policy.pause(delay):
                break
        await self.deliver(run, message_from_dict({"msg": "queue_full"}))  # -> QueueError
        return True

    async def _run(self, run: QueuedJob) -> None:
        try:
            data = await self.encode(run)
            await self.cancels.wait(run.endpoint.fn_index)
            if self.app.features.uses_queue(run.endpoint.queued):
                finished = await self._queue(run, data)
            else:
                message = await call_direct(
                    self.http,
                    self.app,
                    fn_index=run.endpoint.fn_index,
                    session_hash=self.hash,
                    data=data,
                    headers=run.headers,
                )
                await self.deliver(run, message)
                finished = True
        except ConnectionLostError as exc:  # the job's connection broke after it opened
            run.lost(exc)
            return
        except TransportError as exc:
            if run.event_id is not None:  # it reached the server: the connection was lost
                run.lost(exc)
            else:
                run.fail(exc)
            return
        except GradioxError as exc:
            run.fail(exc)
            return
        except Exception as exc:  # noqa: BLE001 - a job must end, never hang on a surprise
            run.fail(ProtocolError(f"The job's connection failed unexpectedly: {exc!r}"))
            return
        if not finished and not run.done:
            run.fail(TransportError("The server closed the connection before the job finished."))
