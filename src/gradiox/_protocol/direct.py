"""The answer of the direct (non-queued) HTTP route, ``POST api/predict/``.

Events that skip the queue (3.x ``queue=False`` or apps without ``.queue()``) and the
cancel events of servers older than ``/cancel`` are called here. The answer is turned into
the ``process_completed`` message the queue would have sent, so one job machine reads both.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

from typing import Any

from gradiox._protocol.messages import Message, MessageKind, message_from_dict
from gradiox.exceptions import ProtocolError

__all__ = ["direct_message"]

_COMPLETED = MessageKind.PROCESS_COMPLETED.value


def direct_message(status_code: int, body: Any) -> Message | None:
    """Turn a direct call's answer into a ``process_completed`` message.

    Args:
        status_code: The HTTP status.
        body: The decoded JSON body (None if it was not JSON).

    Returns:
        The completion message, or None if the answer is not one the route gives for a
        finished call (the caller then raises an HTTP error).

    Raises:
        ProtocolError: A 200 answer without an output object.
    """
    if status_code == 200:
        if not isinstance(body, dict):
            raise ProtocolError(f"The direct route answered without an output: {body!r:.200}")
        return message_from_dict({"msg": _COMPLETED, "output": body, "success": True})
    if status_code == 500 and isinstance(body, dict) and "error" in body:
        # The app raised: the body is the error payload the queue would have sent.
        return message_from_dict({"msg": _COMPLETED, "output": body, "success": False})
    return None
