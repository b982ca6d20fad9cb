"""Calls through the direct HTTP route (``POST api/predict/``), for events that skip the queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._engine.http import json_or_none, raise_for_status
from gradiox._protocol.direct import direct_message
from gradiox._protocol.routes import event_body
from gradiox.exceptions import ProtocolError

if TYPE_CHECKING:
    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._protocol.messages import Message

__all__ = ["call_direct"]


async def call_direct(
    http: HttpSession,
    app: AppDescription,
    *,
    fn_index: int,
    session_hash: str,
    data: list[Any],
    headers: dict[str, str] | None = None,
) -> Message:
    """Run one event without the queue; return its result as a ``process_completed`` message.

    Raises:
        HTTPStatusError: The server refused the call (e.g. 404 when the app closed the route).
        ProtocolError: The answer is not a Gradio result.
        TransportError: The connection failed.
    """
    response = await http.request(
        "POST",
        app.routes.direct,
        json=event_body(fn_index, session_hash, data),
        headers=headers,
    )
    message = direct_message(response.status_code, json_or_none(response))
    if message is None:
        raise_for_status(response, f"call fn_index={fn_index} without the queue")
        raise ProtocolError(
            f"Unexpected HTTP {response.status_code} from {response.url}: {response.text[:200]!r}"
        )
    return message
