"""One job's run in the engine: join, follow its messages, publish status and outputs, cancel.

A :class:`JobRun` lives on the engine's event loop. Its published state (``status``,
``outputs``, ``updates``) is read by the sync and async job objects without a thread hop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gradiox._engine.deadlines import DeadlineWatch, deadline_error
from gradiox._engine.feed import UpdateFeed
from gradiox._engine.retry import RetryPolicy
from gradiox._engine.tasks import TaskGroup
from gradiox._options import DEFAULT_MAX_RETRIES
from gradiox._protocol.api_info import EndpointInfo, shape_result
from gradiox._protocol.job import Cancelled, Failed, Finished, JobEvent, JobMachine, Output
from gradiox._timeouts import Timeout
from gradiox._types import OutputUpdate, Status, StatusUpdate, Update
from gradiox.exceptions import (
    ClientClosedError,
    ConnectionLostError,
    GradioxError,
    JobCancelledError,
)

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine

    from gradiox._engine.files import FileTransfer
    from gradiox._engine.transport import Transport
    from gradiox._protocol.messages import Message

__all__ = ["STOP_GRACE", "JobRun"]

STOP_GRACE = 2.0
"""Seconds a caller waits for a job's cancel request to reach the server before going on."""

logger = logging.getLogger("gradiox")


def initial_status() -> StatusUpdate:
    """The status of a job that has not reached the server yet."""
    return StatusUpdate(
        code=Status.STARTING,
        rank=None,
        queue_size=None,
        eta=None,
        success=None,
        time=datetime.now(),
        progress_data=None,
    )


class JobRun:
    """The engine side of one job.

    Attributes:
        status: The latest status (replaced, never mutated).
        outputs: Every output so far, shaped like predict()'s result (a live list: the
            items of ``output_feed``).
        output_feed: The outputs alone, for iterators that wait for outputs only.
        updates: Every status and output update, in order, for iteration.
        result: The final value, once ``done`` and successful.
        error: The failure, once ``done`` and failed (JobCancelledError if cancelled).
        timeout: The job's deadlines (``with_options(timeout=...)`` or the client's).
        max_retries: Retries of its refused requests (join, uploads, downloads), and how
            many times it may be resubmitted after a lost stream.
        resubmit_lost_jobs: Resubmit the job (instead of failing it) when the stream that
            carried it is lost and it had sent no output yet; off by default, since the
            app then runs it twice.
        attempts: How many times the job was resubmitted.
        phase: "upload", "queue" or "run": where the job is (for its deadlines).
    """

    def __init__(
        self,
        session: Transport,
        endpoint: EndpointInfo,
        data: list[Any],
        *,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        files: FileTransfer | None = None,
        timeout: Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        resubmit_lost_jobs: bool = False,
        tasks: TaskGroup | None = None,
        choose_session: Callable[[JobRun], Awaitable[None]] | None = None,
    ) -> None:
        self.session = session
        self.files = files
        self.endpoint = endpoint
        self.data = data
        self.headers = headers
        self.extra = extra
        self.machine = JobMachine(has_diffs=session.app.features.has_diffs)
        self.status = initial_status()
        self.output_feed: UpdateFeed[Any] = UpdateFeed()
        self.outputs: list[Any] = self.output_feed.items
        self.updates: UpdateFeed[Update] = UpdateFeed()
        self.event_id: str | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = False
        self.cancelled = False
        self._done_event = asyncio.Event()
        self._listeners: list[Callable[[JobRun], None]] = []
        self._task: asyncio.Task[None] | None = None
        # Events waiting for output files to download, applied strictly in order.
        self._backlog: deque[JobEvent] = deque()
        self._drain: asyncio.Task[None] | None = None
        self.timeout = timeout or Timeout()
        self.max_retries = max_retries
        self.resubmit_lost_jobs = resubmit_lost_jobs
        self.retry = RetryPolicy(max_retries, pause=self._pause)
        self.phase = "queue"
        self._watch: DeadlineWatch | None = None
        self._stopped_on_server: asyncio.Event | None = None
        # Called on the loop with the event id once the server has the job (streaming).
        self.on_joined: list[Callable[[str], None]] = []
        self.attempts = 0
        # Owns the job's tasks (its join, downloads): the client's group, which outlives
        # any one session.
        self._tasks = tasks if tasks is not None else TaskGroup()
        # Called before each join: may move the job to a newer session (app restarted).
        self._choose_session = choose_session

    @property
    def is_over(self) -> bool:
        """The server sent the job's last message, or the job has ended here."""
        return self.machine.is_terminal or self.done

    def set_event_id(self, event_id: str | None) -> None:
        """Record the server's id for the job (called by the transport)."""
        self.event_id = event_id

    def start(self) -> None:
        """Begin the run (on the engine loop)."""
        if DeadlineWatch.needed(self.timeout):
            self._watch = DeadlineWatch(self.timeout, self._expire)
        self._spawn_join()

    def _spawn_join(self) -> None:
        try:
            self._task = self._tasks.spawn(self._join())
        except ClientClosedError as exc:
            self._finish(error=exc)

    async def _join(self) -> None:
        try:
            if self._choose_session is not None:
                await self._choose_session(self)
            if self.files is not None and self.files.input_has_files(self.data):
                self._enter("upload")
                self.data = await self.files.upload_inputs(self.data, self.retry)
            self._enter("queue")
            await self.session.start(self)
            if self.event_id is not None and not self.done:
                for joined in self.on_joined:
                    joined(self.event_id)
        except GradioxError as exc:
            self._finish(error=exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must fail the job, not hang it
            self._finish(error=_unexpected(exc))
            return
        except asyncio.CancelledError:
            self._finish(error=JobCancelledError("The job was cancelled."), cancelled=True)
            raise
        finally:
            self._task = None

    # -- Sink ------------------------------------------------------------------------------

    def may_run_on_server(self, fn_index: int) -> bool:
        """True if this is a job of ``fn_index`` that is joining, queued or running."""
        return not self.done and self.endpoint.fn_index == fn_index

    def on_message(self, message: Message) -> None:
        """Feed one server message (called by the session reader)."""
        for event in self.machine.feed(message, now=datetime.now()):
            if self._backlog or self._needs_download(event):
                self._backlog.append(event)
                if self._drain is None:
                    self._drain = self._tasks.spawn(self._drain_backlog())
            else:
                self._apply(event)
        if self.machine.is_terminal:
            # All of the job's messages are in: stop holding the session's stream open while
            # its last files download, or the reader reopens that stream again and again.
            self.session.release(self.event_id)
        if self.phase == "queue" and self.machine.started:
            self._enter("run")

    def _needs_download(self, event: JobEvent) -> bool:
        return (
            self.files is not None
            and isinstance(event, (Output, Finished))
            and self.files.output_has_files(event.data)
        )

    async def _drain_backlog(self) -> None:
        try:
            while self._backlog and not self.done:
                event = self._backlog.popleft()
                if isinstance(event, (Output, Finished)) and self.files is not None:
                    try:
                        data = await self.files.download_outputs(event.data, self.retry)
                    except GradioxError as exc:
                        self._finish(error=exc)
                        return
                    except Exception as exc:  # noqa: BLE001 - fail the job, never hang it
                        self._finish(error=_unexpected(exc))
                        return
                    event = Output(data) if isinstance(event, Output) else Finished(data, event.raw)
                self._apply(event)
        finally:
            self._drain = None

    def fail(self, error: GradioxError) -> None:
        """End the job with ``error``."""
        self._finish(error=error)

    def lost(self, cause: GradioxError) -> None:
        """The stream carrying the job broke: resubmit it if allowed, else fail it.

        Gradio keeps no replay buffer, so the job's undelivered messages are gone. Outputs
        received so far stay in ``outputs``.
        """
        if self.done:
            return
        if self.resubmit_lost_jobs and self.attempts < self.max_retries and not self.outputs:
            self.attempts += 1
            logger.info(
                "gradiox: resubmitting job %s of %s (attempt %d of %d): %s",
                self.event_id,
                self.endpoint.label,
                self.attempts,
                self.max_retries,
                cause,
            )
            self.session.release(self.event_id)
            self.event_id = None
            self.machine = JobMachine(has_diffs=self.session.app.features.has_diffs)
            self._spawn_join()
            return
        started = self.machine.started
        error = ConnectionLostError(
            f"Lost the connection to the server while {self.endpoint.label} ran ({cause}). "
            "Gradio does not replay lost messages, so the job's remaining outputs are gone; "
            + (
                "the server may still be running it. "
                if started
                else "it had not started, and the server dropped it. "
            )
            + "Submit it again if it is safe to repeat.",
            may_still_run=started,
        )
        error.__cause__ = cause
        self._finish(error=error)

    def _apply(self, event: JobEvent) -> None:
        if self.done:
            return
        if isinstance(event, StatusUpdate):
            self.status = event
            self.updates.append(event)
        elif isinstance(event, Output):
            value = shape_result(self.endpoint, event.data)
            self.output_feed.append(value)
            self.updates.append(OutputUpdate(outputs=value, success=True))
        elif isinstance(event, Finished):
            value = shape_result(self.endpoint, event.data)
            if not self.outputs:
                self.output_feed.append(value)
            self.updates.append(OutputUpdate(outputs=value, success=True, final=True))
            self._finish(result=value)
        elif isinstance(event, Failed):
            self._finish(error=event.error)
        elif isinstance(event, Cancelled):
            self._finish(error=JobCancelledError("The job was cancelled."), cancelled=True)

    # -- ending ----------------------------------------------------------------------------

    def cancel(self) -> bool:
        """Stop the job here and on the server. Returns False if it had already ended."""
        if self.done:
            return False
        uploading = self.phase == "upload"
        self._finish(error=JobCancelledError("The job was cancelled."), cancelled=True)
        self._stop_on_server(uploading)
        return True

    def end_with_last_output(self) -> None:
        """End the job here with its last output as the result, then stop it on the server.

        How a streamed input ends where the server's own close would run the app again
        (``Features.stream_close_reruns``). Does nothing before the first output.
        """
        if self.done or not self.outputs:
            return
        value = self.outputs[-1]
        self.updates.append(OutputUpdate(outputs=value, success=True, final=True))
        self._finish(result=value)
        self._stop_on_server(uploading=False)

    def _stop_on_server(self, uploading: bool) -> None:
        """After the job ended here, make sure it stops on the server too."""
        self._stopped_on_server = stopped = asyncio.Event()
        if self._tasks.closed:  # the client is closing: it cancels its jobs itself
            stopped.set()
            return
        if self._task is None:
            self._tasks.spawn(_then_set(self.session.cancel(self), stopped))
            return
        if uploading:  # nothing has reached the server's queue yet
            self._task.cancel()
        # Else the transport cancels once the join has answered (it sees ``done``).
        self._tasks.spawn(_then_set(self._task, stopped))

    async def stopped_on_server(self, timeout: float = STOP_GRACE) -> None:
        """Wait (at most ``timeout`` seconds) until the server was asked to stop this job.

        After a cancel or a deadline, callers that are about to return (or exit) wait here,
        so that the cancel request is not cut off by a close or the end of the process.
        """
        if self._stopped_on_server is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopped_on_server.wait(), timeout)

    # -- deadlines -------------------------------------------------------------------------

    def _enter(self, phase: str) -> None:
        if self.done:
            return
        self.phase = phase
        if self._watch is not None:
            self._watch.enter(phase)

    def _expire(self, phase: str, seconds: float) -> None:
        """A budget of ``timeout`` ran out: fail the job and stop it on the server."""
        if self.done:
            return
        uploading = self.phase == "upload"
        subject = f"The job of {self.endpoint.label}"
        self._finish(error=deadline_error(phase, seconds, subject, cancelled=not uploading))
        self._stop_on_server(uploading)

    async def _pause(self, delay: float) -> bool:
        """Wait before a retry; False if the job ended meanwhile (e.g. its deadline)."""
        if self.done:
            return False
        try:
            await asyncio.wait_for(self._done_event.wait(), delay)
        except asyncio.TimeoutError:
            return True
        return False

    def add_listener(self, listener: Callable[[JobRun], None]) -> None:
        """Call ``listener(self)`` on the engine loop when the job ends (now, if it has)."""
        if self.done:
            listener(self)
        else:
            self._listeners.append(listener)

    async def wait(self) -> None:
        """Wait (on the engine loop) until the job has ended."""
        await self._done_event.wait()

    def _finish(
        self, *, result: Any = None, error: BaseException | None = None, cancelled: bool = False
    ) -> None:
        if self.done:
            return
        self.done = True
        if self._watch is not None:
            self._watch.stop()
        self.cancelled = cancelled
        self.result = result
        self.error = error
        self.status = StatusUpdate(
            code=Status.CANCELLED if cancelled else Status.FINISHED,
            rank=0,
            queue_size=None,
            eta=None,
            success=error is None,
            time=datetime.now(),
            progress_data=None,
        )
        self.output_feed.close()
        self.updates.close()
        self.session.release(self.event_id)
        self._done_event.set()
        listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener(self)


async def _then_set(
    step: Coroutine[Any, Any, None] | asyncio.Task[None], event: asyncio.Event
) -> None:
    """Await a cancel request (or wait for the join task to end), then set ``event``."""
    try:
        if isinstance(step, asyncio.Task):
            await asyncio.wait({step})
        else:
            await step
    finally:
        event.set()


def _unexpected(exc: Exception) -> GradioxError:
    error = GradioxError(f"Unexpected error in gradiox while running the job: {exc!r}")
    error.__cause__ = exc
    return error
