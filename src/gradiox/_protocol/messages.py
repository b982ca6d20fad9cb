"""Parse the JSON messages of a Gradio queue stream into typed values.

Raw JSON dictionaries stop here: everything after this module sees :class:`Message`.
Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from gradiox.exceptions import ProtocolError

__all__ = ["Message", "parse_message"]

# Messages that are about the stream itself rather than one job.
STREAM_KINDS = frozenset({"heartbeat", "close_stream"})


@dataclass(frozen=True, slots=True)
class Message:
    """One message from the server.

    Attributes:
        kind: The ``msg`` field (``estimation``, ``process_completed``, ...).
        event_id: The job it belongs to, or None for stream-level messages.
        body: The whole decoded message.
    """

    kind: str
    event_id: str | None
    body: dict[str, Any] = field(repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        """Return a field of the message body."""
        return self.body.get(key, default)


def parse_message(data: str) -> Message:
    """Decode the ``data`` of one SSE event (or one websocket frame).

    Raises:
        ProtocolError: If the text is not a JSON object with a string ``msg`` field.
    """
    try:
        body = json.loads(data)
    except ValueError as exc:
        raise ProtocolError(
            f"The server sent a message that is not valid JSON: {_preview(data)}"
        ) from exc
    return message_from_dict(body, data)


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
    return Message(body["msg"], event_id if isinstance(event_id, str) else None, body)


def _preview(text: str, limit: int = 200) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "...")
