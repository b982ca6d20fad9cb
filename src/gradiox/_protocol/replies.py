"""What the server's answers to gradiox's requests mean: event ids, refusals, stream errors.

Each function takes what the engine read (the HTTP status and the decoded JSON body, None
when it was not JSON) and returns a value or the typed error to raise. Must not import
httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox.exceptions import (
    ConnectionLostError,
    GradioxError,
    ProtocolError,
    QueueError,
    SessionLostError,
    ValidationError,
)

if TYPE_CHECKING:
    from gradiox._protocol.messages import Message

__all__ = ["join_event_id", "join_refusal", "stream_error", "upload_path"]


def join_refusal(status_code: int, body: Any) -> GradioxError | None:
    """The error for a ``queue/join`` answer that refuses the job, or None.

    Returns:
        QueueError for 503 (queue full), ValidationError for 422 (the app's validator, or
        a malformed request), None for any other status (the caller checks it).
    """
    if status_code == 503:
        return QueueError(f"Queue is full! Please try again. ({_detail(status_code, body)})")
    if status_code == 422:
        return ValidationError(validation_message(body))
    return None


def join_event_id(body: Any, text: str) -> str:
    """The event id in a successful ``queue/join`` answer.

    Args:
        body: The decoded JSON body (None if it was not JSON).
        text: The raw body, for the error message.

    Raises:
        ProtocolError: The answer has no string ``event_id``.
    """
    if not isinstance(body, dict) or "event_id" not in body:
        raise ProtocolError(f"The queue answered without an event id: {text[:200]!r}")
    event_id = body["event_id"]
    if not isinstance(event_id, str):
        raise ProtocolError(f"The queue answered with a bad event id: {event_id!r}")
    return event_id


def _detail(status_code: int, body: Any) -> str:
    detail = body.get("detail") if isinstance(body, dict) else None
    return str(detail) if detail else f"HTTP {status_code}"


def validation_message(body: Any) -> str:
    """Say which parameters a 422 answer rejected, and why.

    Gradio's validators answer ``{"detail": [{"__type__": "validate", "is_valid": false,
    "parameter_name": ..., "message": ...}, ...]}``; anything else is a malformed request.
    """
    detail = body.get("detail", []) if isinstance(body, dict) else []
    lines = []
    if isinstance(detail, list):
        for index, item in enumerate(detail):
            if (
                isinstance(item, dict)
                and item.get("__type__") == "validate"
                and item.get("is_valid") is False
            ):
                name = item.get("parameter_name", f"parameter_{index}")
                lines.append(f"- {name}: {item.get('message', '')}")
    if not lines and detail:
        # Not a validator's answer: a malformed request body. Say what the server said.
        return f"The server rejected the request (HTTP 422): {str(detail)[:500]}"
    return "\n".join([f"{len(lines)} parameter(s) failed validation:", *lines])


def stream_error(message: Message) -> GradioxError:
    """The error for an ``unexpected_error`` on a session's stream (no event id: every job).

    Returns:
        SessionLostError when the server no longer knows the session (the app restarted),
        ConnectionLostError when the server is stopping, else ProtocolError.
    """
    text = message.text or "unknown error"
    if message.session_not_found:
        return SessionLostError(
            "The server no longer knows this session (the app restarted), so its state was "
            "reset and its pending jobs are lost. The next call starts a new session; submit "
            "the job again."
        )
    if text == "Server stopped unexpectedly.":
        return ConnectionLostError("The Gradio server stopped while jobs were running.")
    return ProtocolError(f"The server's event stream failed: {text}")


def upload_path(body: Any, text: str) -> str:
    """The server path in a successful ``POST upload`` answer (a list of paths).

    Raises:
        ProtocolError: The answer is not a non-empty list of strings.
    """
    if not isinstance(body, list) or not body or not isinstance(body[0], str):
        raise ProtocolError(f"The app's upload route answered without a file path: {text[:200]!r}")
    return body[0]
