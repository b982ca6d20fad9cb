"""Public value types: job status codes, status and output updates, progress units."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict

if TYPE_CHECKING:
    from datetime import datetime

__all__ = [
    "FileData",
    "OutputUpdate",
    "ParameterInfo",
    "ProgressUnit",
    "ServerMessage",
    "Status",
    "StatusUpdate",
    "Update",
]


class ServerMessage(str, enum.Enum):
    """The ``msg`` names a Gradio server sends (the gradio server imports these values)."""

    send_hash = "send_hash"
    queue_full = "queue_full"
    estimation = "estimation"
    send_data = "send_data"
    process_starts = "process_starts"
    process_generating = "process_generating"
    process_completed = "process_completed"
    log = "log"
    progress = "progress"
    heartbeat = "heartbeat"
    server_stopped = "Server stopped unexpectedly."
    unexpected_error = "unexpected_error"
    close_stream = "close_stream"
    process_streaming = "process_streaming"


_ORDER = (
    "STARTING",
    "JOINING_QUEUE",
    "QUEUE_FULL",
    "IN_QUEUE",
    "SENDING_DATA",
    "PROCESSING",
    "PROGRESS",
    "ITERATING",
    "FINISHED",
    "CANCELLED",
)


class Status(enum.Enum):
    """Where a job is in its life, as seen by the client."""

    STARTING = "STARTING"
    JOINING_QUEUE = "JOINING_QUEUE"
    QUEUE_FULL = "QUEUE_FULL"
    IN_QUEUE = "IN_QUEUE"
    SENDING_DATA = "SENDING_DATA"
    PROCESSING = "PROCESSING"
    ITERATING = "ITERATING"
    PROGRESS = "PROGRESS"
    FINISHED = "FINISHED"
    CANCELLED = "CANCELLED"
    LOG = "LOG"

    @staticmethod
    def ordering(status: Status) -> int:
        """Return the position of ``status`` in a job's life (``LOG`` has none: ValueError)."""
        return _ORDER.index(status.value)

    def __lt__(self, other: Status) -> bool:
        return self.ordering(self) < self.ordering(other)

    @staticmethod
    def msg_to_status(msg: str) -> Status:
        """Map a raw server message name to a status code (KeyError for unmapped ones)."""
        return _MSG_TO_STATUS[msg]


_MSG_TO_STATUS: dict[str, Status] = {
    "send_hash": Status.JOINING_QUEUE,
    "queue_full": Status.QUEUE_FULL,
    "estimation": Status.IN_QUEUE,
    "send_data": Status.SENDING_DATA,
    "process_starts": Status.PROCESSING,
    "process_generating": Status.ITERATING,
    "process_streaming": Status.ITERATING,
    "process_completed": Status.FINISHED,
    "progress": Status.PROGRESS,
    "log": Status.LOG,
    "Server stopped unexpectedly.": Status.FINISHED,
}


@dataclass
class ProgressUnit:
    """One level of a ``gr.Progress`` bar."""

    index: int | None
    length: int | None
    unit: str | None
    progress: float | None
    desc: str | None

    @classmethod
    def from_msg(cls, data: list[dict[str, Any]]) -> list[ProgressUnit]:
        """Build progress units from a ``progress`` message's ``progress_data``."""
        return [
            cls(
                index=d.get("index"),
                length=d.get("length"),
                unit=d.get("unit"),
                progress=d.get("progress"),
                desc=d.get("desc"),
            )
            for d in data
        ]


@dataclass
class StatusUpdate:
    """A snapshot of a job's status: queue position, progress, or a log line."""

    code: Status
    rank: int | None
    queue_size: int | None
    eta: float | None
    success: bool | None
    time: datetime | None
    progress_data: list[ProgressUnit] | None
    log: tuple[str, str] | None = None
    type: Literal["status", "output"] = "status"


@dataclass
class OutputUpdate:
    """One output of a job: an intermediate generator value, or the final result."""

    outputs: Any
    success: bool
    type: Literal["output"] = "output"
    final: bool = False


Update = StatusUpdate | OutputUpdate


class FileData(TypedDict, total=False):
    """Legacy (Gradio 3.x) file payload shape, kept for import compatibility."""

    name: str | None
    data: str | None
    size: int | None
    is_file: bool
    orig_name: str
    mime_type: str
    is_stream: bool


class ParameterInfo(TypedDict, total=False):
    """One parameter of an endpoint, as described by the app's ``/info`` route."""

    label: str
    parameter_name: str
    parameter_has_default: bool
    parameter_default: Any
    type: dict[str, Any]
    python_type: dict[str, Any]
    component: str
    example_input: Any
