"""One job's run in the engine: join, follow its messages, publish status and outputs, cancel.

A :class:`JobRun` lives on the engine's event loop. Its published state (``status``,
``outputs``, ``updates``) is read by the sync and async job objects without a thread hop.
"""

from __future__ import annotations

import asyncio
from collections import deque
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gradiox._engine.feed import UpdateFeed
from gradiox._protocol.api_info import EndpointInfo, shape_result
from gradiox._protocol.job import Cancelled, Failed, Finished, JobEvent, JobMachine, Output
from gradiox._types import OutputUpdate, Status, StatusUpdate, Update
from gradiox.exceptions import GradioxError, JobCancelledError

if TYPE_CHECKING:
    from collections.abc import Callable

    from gradiox._engine.files import FileTransfer
    from gradiox._engine.transport import Transport
    from gradiox._protocol.messages import Message

__all__ = ["JobRun"]


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

    def start(self) -> None:
        """Begin the run (on the engine loop)."""
        self._task = asyncio.ensure_future(self._join())

    async def _join(self) -> None:
        try:
            if self.files is not None and self.files.input_has_files(self.data):
                self.data = await self.files.upload_inputs(self.data)
            await self.session.start(self)
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

    def runs_on_server(self, fn_index: int) -> bool:
        """True if this is a job of ``fn_index`` that the server is running right now."""
        return not self.done and self.machine.started and self.endpoint.fn_index == fn_index

    def on_message(self, message: Message) -> None:
        """Feed one server message (called by the session reader)."""
        for event in self.machine.feed(message, now=datetime.now()):
            if self._backlog or self._needs_download(event):
                self._backlog.append(event)
                if self._drain is None:
                    self._drain = asyncio.ensure_future(self._drain_backlog())
            else:
                self._apply(event)

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
                        data = await self.files.download_outputs(event.data)
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
        """End the job with ``error`` (called when the stream breaks)."""
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
        self._finish(error=JobCancelledError("The job was cancelled."), cancelled=True)
        if self._task is None:  # else the transport cancels once the job has reached it
            self.session.spawn(self.session.cancel(self))
        return True

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


def _unexpected(exc: Exception) -> GradioxError:
    error = GradioxError(f"Unexpected error in gradiox while running the job: {exc!r}")
    error.__cause__ = exc
    return error
