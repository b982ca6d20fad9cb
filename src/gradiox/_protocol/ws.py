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

from gradiox._protocol.messages import Message, MessageKind, parse_message
from gradiox._protocol.routes import event_body, hash_body

__all__ = ["WsConversation", "WsStep", "frame_text"]

# After these the server closes the socket: the job is over.
FINAL_KINDS = frozenset({MessageKind.PROCESS_COMPLETED, MessageKind.QUEUE_FULL})


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
        return self.step(parse_message(frame_text(frame)))

    def step(self, message: Message) -> WsStep:
        """Consume one server frame, already parsed (see :func:`frame_text`)."""
        if self.is_over:
            return WsStep(None, None, True)
        reply = None
        if message.kind is MessageKind.SEND_HASH:
            reply = json.dumps(hash_body(self.fn_index, self.session_hash))
        elif message.kind is MessageKind.SEND_DATA:
            reply = json.dumps(event_body(self.fn_index, self.session_hash, self.data))
        self.is_over = message.kind in FINAL_KINDS
        return WsStep(reply, message, self.is_over)


def frame_text(frame: str | bytes) -> str:
    """A frame's JSON text (Gradio sends text frames; a binary one is read as UTF-8)."""
    return frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
