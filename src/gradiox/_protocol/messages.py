"""Parse the JSON messages of a Gradio queue stream into typed values.

Raw JSON dictionaries stop here: everything after this module sees a :class:`Message`, whose
``kind`` is a :class:`MessageKind` and whose fields are read through typed accessors.
Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gradiox._protocol import sliced_json
from gradiox.exceptions import ProtocolError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["Message", "MessageKind", "message_from_dict", "parse_large_message", "parse_message"]


class MessageKind(enum.Enum):
    """The ``msg`` field of a server message (its wire name is the member's value)."""

    # About the stream itself, not one job.
    HEARTBEAT = "heartbeat"
    CLOSE_STREAM = "close_stream"
    # The 3.x websocket and 4.0-4.8 streams ask for the session and the inputs.
    SEND_HASH = "send_hash"
    SEND_DATA = "send_data"
    # The life of a job.
    ESTIMATION = "estimation"
    PROCESS_STARTS = "process_starts"
    PROGRESS = "progress"
    LOG = "log"
    PROCESS_GENERATING = "process_generating"
    PROCESS_STREAMING = "process_streaming"
    PROCESS_COMPLETED = "process_completed"
    QUEUE_FULL = "queue_full"
    UNEXPECTED_ERROR = "unexpected_error"
    # Any other name: ignored, never fatal (newer servers may add kinds).
    UNKNOWN = "unknown"


# A dict lookup, not MessageKind(name): this runs once per message on the hot path.
_KINDS = {kind.value: kind for kind in MessageKind if kind is not MessageKind.UNKNOWN}


@dataclass(frozen=True, slots=True)
class Message:
    """One message from the server.

    Attributes:
        kind: What the message is (UNKNOWN for names gradiox does not know: see ``name``).
        event_id: The job it belongs to, or None for stream-level messages.
        body: The whole decoded message.
    """

    kind: MessageKind
    event_id: str | None
    body: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        """The ``msg`` field as the server sent it."""
        name: str = self.body["msg"]
        return name

    @property
    def output(self) -> dict[str, Any] | None:
        """The ``output`` object of a generating or completed message (None if missing)."""
        output = self.body.get("output")
        return output if isinstance(output, dict) else None

    def succeeded(self, *, default: bool) -> bool:
        """The ``success`` flag, or ``default`` when the server left it out."""
        return bool(self.body.get("success", default))

    @property
    def success(self) -> bool | None:
        """The ``success`` flag, or None when the server left it out."""
        success = self.body.get("success")
        return None if success is None else bool(success)

    @property
    def rank(self) -> int | None:
        """An estimation's place in the queue."""
        return _int(self.body.get("rank"))

    @property
    def queue_size(self) -> int | None:
        """An estimation's queue length."""
        return _int(self.body.get("queue_size"))

    @property
    def rank_eta(self) -> float | None:
        """An estimation's expected wait, in seconds."""
        eta = self.body.get("rank_eta")
        return float(eta) if isinstance(eta, (int, float)) and not isinstance(eta, bool) else None

    @property
    def progress_data(self) -> list[dict[str, Any]]:
        """A progress message's units (``gr.Progress`` levels)."""
        units = self.body.get("progress_data")
        return [u for u in units if isinstance(u, dict)] if isinstance(units, list) else []

    @property
    def log(self) -> tuple[Any, Any]:
        """A log message's text and level, as sent."""
        return self.body.get("log"), self.body.get("level")

    @property
    def title(self) -> str | None:
        """The title of an error, when sent outside its output."""
        title = self.body.get("title")
        return title if isinstance(title, str) else None

    @property
    def text(self) -> str | None:
        """The ``message`` of an ``unexpected_error`` (None if missing or empty)."""
        text = self.body.get("message")
        return str(text) if text else None

    @property
    def session_not_found(self) -> bool:
        """The server no longer knows the session (it restarted, or dropped the session)."""
        return bool(self.body.get("session_not_found"))

    def with_output_data(self, data: list[Any]) -> Message:
        """The same message with ``output.data`` replaced (after converting its files)."""
        output = {**(self.output or {}), "data": data}
        return Message(self.kind, self.event_id, {**self.body, "output": output})


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_message(data: str) -> Message:
    """Decode the ``data`` of one SSE event (or one websocket frame).

    Raises:
        ProtocolError: If the text is not a JSON object with a string ``msg`` field.
    """
    return _parse(data, json.loads)


def parse_large_message(pieces: Sequence[str]) -> Message:
    """Decode a large message given in pieces, in calls on at most about a megabyte each.

    Slower per byte than :func:`parse_message` on small messages, but no single call holds
    the GIL for long (the pieces are never joined whole), so a worker thread can run it
    while an event loop keeps running.

    Raises:
        ProtocolError: If the text is not a JSON object with a string ``msg`` field.
    """
    return _parse(pieces, sliced_json.loads)


def _parse(text: str | Sequence[str], loads: Callable[[Any], Any]) -> Message:
    try:
        body = loads(text)
    except ValueError as exc:
        raise ProtocolError(
            f"The server sent a message that is not valid JSON: {_preview(_head(text))}"
        ) from exc
    return message_from_dict(body, _head(text))


def _head(text: str | Sequence[str]) -> str:
    """The text, or enough of its first pieces for a preview."""
    if isinstance(text, str):
        return text
    head = ""
    for piece in text:
        head += piece[:201]
        if len(head) > 200 or len(piece) > 201:
            break
    return head


def message_from_dict(body: Any, text: str = "") -> Message:
    """Wrap an already-decoded message.

    Raises:
        ProtocolError: If the value is not an object with a string ``msg`` field.
    """
    if not isinstance(body, dict) or not isinstance(body.get("msg"), str):
        raise ProtocolError(
            f"The server sent a message without a 'msg' field: {_preview(text or repr(body))}"
        )
    event_id = body.get("event_id")
    kind = _KINDS.get(body["msg"], MessageKind.UNKNOWN)
    return Message(kind, event_id if isinstance(event_id, str) else None, body)


def _preview(text: str, limit: int = 200) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
