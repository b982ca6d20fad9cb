"""The life of one job as a state machine: server messages in, job events out.

Must not import httpx, anyio or any gradiox I/O module. Time is passed in by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gradiox._protocol.diff import apply_diff
from gradiox._protocol.messages import MessageKind
from gradiox._types import ProgressUnit, Status, StatusUpdate
from gradiox.exceptions import AppError, GradioxError, ProtocolError, QueueError

if TYPE_CHECKING:
    from datetime import datetime

    from gradiox._protocol.messages import Message

__all__ = ["Cancelled", "Failed", "Finished", "JobEvent", "JobMachine", "Output"]

HIDDEN_ERROR = (
    "The upstream Gradio app has raised an exception but has not enabled verbose error "
    "reporting. To enable, set show_error=True in launch()."
)


@dataclass(frozen=True, slots=True)
class Output:
    """An intermediate output (one generator yield): the full data list after diffs."""

    data: list[Any]


@dataclass(frozen=True, slots=True)
class Finished:
    """The job succeeded. ``data`` has one value per output component."""

    data: list[Any]
    raw: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Failed:
    """The job failed with ``error``."""

    error: GradioxError


@dataclass(frozen=True, slots=True)
class Cancelled:
    """The server confirmed that the job was cancelled."""


JobEvent = StatusUpdate | Output | Finished | Failed | Cancelled


class JobMachine:
    """Follows one job's messages.

    Attributes:
        is_terminal: The job has ended; later messages are ignored.
        started: The server has started running the job's function (a message that only
            a running job sends has arrived).

    Example:
        >>> m = JobMachine(has_diffs=True)
        >>> events = m.feed(message, now=datetime.now())
    """

    def __init__(self, *, has_diffs: bool) -> None:
        self._has_diffs = has_diffs
        self._last_data: list[Any] | None = None
        self.is_terminal = False
        self.started = False

    def feed(self, message: Message, *, now: datetime) -> list[JobEvent]:
        """Consume one message of this job and return what it means."""
        if self.is_terminal:
            return []
        if message.kind in _RUNNING_KINDS:
            self.started = True
        handler = _HANDLERS.get(message.kind)
        if handler is None:
            return []  # unknown kinds are ignored, never fatal
        return handler(self, message, now)

    def _status(self, code: Status, now: datetime, **fields: Any) -> StatusUpdate:
        return StatusUpdate(
            code=code,
            rank=fields.get("rank"),
            queue_size=fields.get("queue_size"),
            eta=fields.get("eta"),
            success=fields.get("success"),
            time=now,
            progress_data=fields.get("progress_data"),
            log=fields.get("log"),
        )

    def _on_estimation(self, m: Message, now: datetime) -> list[JobEvent]:
        return [
            self._status(
                Status.IN_QUEUE,
                now,
                rank=m.rank,
                queue_size=m.queue_size,
                eta=m.rank_eta,
            )
        ]

    def _on_simple(self, m: Message, now: datetime) -> list[JobEvent]:
        return [self._status(Status.msg_to_status(m.kind.value), now)]

    def _on_progress(self, m: Message, now: datetime) -> list[JobEvent]:
        data = ProgressUnit.from_msg(m.progress_data)
        return [self._status(Status.PROGRESS, now, progress_data=data)]

    def _on_log(self, m: Message, now: datetime) -> list[JobEvent]:
        return [self._status(Status.LOG, now, log=m.log)]

    def _on_generating(self, m: Message, now: datetime) -> list[JobEvent]:
        output = m.output
        if not m.succeeded(default=True) or output is None or "error" in output:
            return self._fail(_app_error(output, m))
        try:
            data = self._merge(output.get("data"))
        except ProtocolError as exc:
            return self._fail(exc)
        status = self._status(Status.ITERATING, now, success=m.success)
        return [status, Output(data)]

    def _on_streaming(self, m: Message, now: datetime) -> list[JobEvent]:
        """The output of one input chunk of a streaming job: full values, never diffs."""
        output = m.output
        if not m.succeeded(default=True) or output is None or "error" in output:
            return self._fail(_app_error(output, m))
        data = output.get("data")
        if not isinstance(data, list):
            return self._fail(ProtocolError(f"Streaming output data is not a list: {data!r}"))
        self._last_data = list(data)
        return [self._status(Status.ITERATING, now, success=True), Output(list(data))]

    def _on_completed(self, m: Message, now: datetime) -> list[JobEvent]:
        output = m.output
        success = m.succeeded(default=False)
        if output is None:
            return self._fail(ProtocolError(f"Completion message without output: {m.body!r}"))
        if not success or "error" in output:
            return self._fail(_app_error(output, m))
        self.is_terminal = True
        if "data" not in output:
            # After POST /cancel the server completes the event with an empty output.
            return [Cancelled()]
        data = output["data"]
        if not isinstance(data, list):
            return self._fail(ProtocolError(f"Completion data is not a list: {data!r}"))
        return [self._status(Status.FINISHED, now, success=True), Finished(data, output)]

    def _on_queue_full(self, m: Message, now: datetime) -> list[JobEvent]:
        status = self._status(Status.QUEUE_FULL, now)
        return [status, *self._fail(QueueError("Queue is full! Please try again."))]

    def _on_unexpected(self, m: Message, now: datetime) -> list[JobEvent]:
        text = m.text or "unknown error"
        if text == "Server stopped unexpectedly.":
            return self._fail(ProtocolError("The Gradio server stopped while the job was running."))
        return self._fail(ProtocolError(f"The server reported an unexpected error: {text}"))

    def _fail(self, error: GradioxError) -> list[JobEvent]:
        self.is_terminal = True
        return [Failed(error)]

    def _merge(self, data: Any) -> list[Any]:
        if not isinstance(data, list):
            raise ProtocolError(f"Generator output data is not a list: {data!r}")
        if self._has_diffs and self._last_data is not None:
            previous = self._last_data
            merged = []
            for i, diff in enumerate(data):
                before = previous[i] if i < len(previous) else None
                try:
                    merged.append(apply_diff(before, diff))
                except (ValueError, KeyError, IndexError, TypeError) as exc:
                    raise ProtocolError(f"Could not apply a streaming diff: {exc}") from exc
            data = merged
        self._last_data = data
        return list(data)


def _app_error(output: dict[str, Any] | None, m: Message) -> AppError:
    if output is None:
        output = {}
    message = output.get("error")
    title = output.get("title") or m.title or "Error"
    duration = output.get("duration", 10)
    visible = output.get("visible", True)
    return AppError(
        message=str(message) if message is not None else HIDDEN_ERROR,
        duration=duration,
        visible=bool(visible),
        title=str(title),
    )


# Messages the server sends only once a job's function is running.
_RUNNING_KINDS = frozenset(
    {
        MessageKind.PROCESS_STARTS,
        MessageKind.PROGRESS,
        MessageKind.LOG,
        MessageKind.PROCESS_GENERATING,
        MessageKind.PROCESS_STREAMING,
    }
)

_HANDLERS = {
    MessageKind.ESTIMATION: JobMachine._on_estimation,
    MessageKind.SEND_HASH: JobMachine._on_simple,
    MessageKind.SEND_DATA: JobMachine._on_simple,
    MessageKind.PROCESS_STARTS: JobMachine._on_simple,
    MessageKind.PROGRESS: JobMachine._on_progress,
    MessageKind.LOG: JobMachine._on_log,
    MessageKind.PROCESS_GENERATING: JobMachine._on_generating,
    MessageKind.PROCESS_STREAMING: JobMachine._on_streaming,
    MessageKind.PROCESS_COMPLETED: JobMachine._on_completed,
    MessageKind.QUEUE_FULL: JobMachine._on_queue_full,
    MessageKind.UNEXPECTED_ERROR: JobMachine._on_unexpected,
}
