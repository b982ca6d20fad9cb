"""The Gradio 3.x websocket conversation of one job, as a state machine.

One websocket per job on ``queue/join``: the server asks for the session hash
(``send_hash``), queues the job (``estimation``), asks for the inputs when a worker is free
(``send_data``), then reports progress and the result; it closes the socket after
``process_completed`` (or ``queue_full``). Frames are JSON text both ways.

Must not import httpx, anyio, websockets or any gradiox I/O module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from gradiox._protocol.messages import Message, parse_message

__all__ = ["WsConversation", "WsStep", "ws_url"]

# After these the server closes the socket: the job is over.
FINAL_KINDS = frozenset({"process_completed", "queue_full"})


def ws_url(api_base: str) -> str:
    """The websocket URL of the queue: ``api_base`` with ``ws(s)://`` + ``queue/join``.

    Example:
        >>> ws_url("https://host/sub/app/")
        'wss://host/sub/app/queue/join'
    """
    if api_base.startswith("https://"):
        base = "wss://" + api_base[len("https://") :]
    elif api_base.startswith("http://"):
        base = "ws://" + api_base[len("http://") :]
    else:
        base = api_base
    return base + "queue/join"


@dataclass(frozen=True, slots=True)
class WsStep:
    """What one server frame means.

    Attributes:
        reply: A text frame to send back, or None.
        message: The message for the job (status, output, result), or None.
        is_over: The server is done with this job and closes the socket.
    """

    reply: str | None
    message: Message | None
    is_over: bool


class WsConversation:
    """Follows one job's websocket: server frames in, replies and job messages out.

    Args:
        fn_index: The dependency's position in the config (3.x has no ids).
        session_hash: The client's session; the app's State lives under it.
        data: One value per input component, already in the 3.x value format.

    Example:
        >>> talk = WsConversation(fn_index=0, session_hash="s", data=[1, 2])
        >>> talk.feed('{"msg": "send_hash"}').reply
        '{"fn_index": 0, "session_hash": "s"}'
    """

    def __init__(self, *, fn_index: int, session_hash: str, data: list[Any]) -> None:
        self.fn_index = fn_index
        self.session_hash = session_hash
        self.data = data
        self.is_over = False

    def feed(self, frame: str | bytes) -> WsStep:
        """Consume one server frame.

        Raises:
            ProtocolError: The frame is not a JSON object with a ``msg`` field.
        """
        text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
        message = parse_message(text)
        if self.is_over:
            return WsStep(None, None, True)
        reply = None
        if message.kind == "send_hash":
            reply = self._dump({"fn_index": self.fn_index, "session_hash": self.session_hash})
        elif message.kind == "send_data":
            reply = self._dump(
                {
                    "data": self.data,
                    "event_data": None,
                    "fn_index": self.fn_index,
                    "session_hash": self.session_hash,
                }
            )
        self.is_over = message.kind in FINAL_KINDS
        return WsStep(reply, message, self.is_over)

    @staticmethod
    def _dump(body: dict[str, Any]) -> str:
        return json.dumps(body)
