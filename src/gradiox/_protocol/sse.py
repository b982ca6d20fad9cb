r"""Incremental Server-Sent Events decoder: byte chunks in, whole events out.

Follows the WHATWG event-stream rules: lines end with CRLF, LF or CR (and nothing else),
lines starting with ``:`` are comments, ``data`` fields accumulate with ``\\n``, unknown
fields are ignored. Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

__all__ = ["SSEDecoder", "ServerSentEvent"]


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event."""

    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    r"""Turns a byte stream, split anywhere, into events.

    Example:
        >>> d = SSEDecoder()
        >>> d.feed(b'data: {"msg"') + d.feed(b': "x"}\\n\\n')
        [ServerSentEvent(data='{"msg": "x"}', event='message', id=None, retry=None)]
    """

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._pending_cr = False
        self._data: list[str] = []
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._has_fields = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events it completed (possibly none)."""
        return self._feed_text(self._text.decode(chunk))

    def flush(self) -> list[ServerSentEvent]:
        """Signal the end of the stream.

        Per the spec, an event that was not terminated by a blank line is discarded: a
        truncated stream never yields a half event. Returns any events completed by the
        final bytes.
        """
        events = self._feed_text(self._text.decode(b"", final=True))
        if self._buffer:
            self._process_line(self._buffer)
            self._buffer = ""
        self._pending_cr = False
        self._data = []
        self._event = ""
        self._has_fields = False
        return events

    @property
    def has_partial_event(self) -> bool:
        """True if the stream so far ends inside an event (used to detect truncation)."""
        return bool(self._buffer) or self._has_fields

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        if not text:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if text[0] == "\n":
                text = text[1:]
        events: list[ServerSentEvent] = []
        buffer = self._buffer + text
        start = 0
        length = len(buffer)
        while start < length:
            cr = buffer.find("\r", start)
            lf = buffer.find("\n", start)
            if cr == -1 and lf == -1:
                break
            if cr == -1 or (lf != -1 and lf < cr):
                end, nxt = lf, lf + 1
            elif cr + 1 < length:
                end = cr
                nxt = cr + 2 if buffer[cr + 1] == "\n" else cr + 1
            else:
                # A CR at the very end: the LF of a CRLF may be in the next chunk.
                end, nxt = cr, cr + 1
                self._pending_cr = True
            event = self._process_line(buffer[start:end])
            if event is not None:
                events.append(event)
            start = nxt
        self._buffer = buffer[start:]
        return events

    def _process_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
            self._has_fields = True
        elif name == "event":
            self._event = value
            self._has_fields = True
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
            self._has_fields = True
        elif name == "retry":
            if value.isdigit():
                self._retry = int(value)
            self._has_fields = True
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        self._has_fields = False
        if not self._data:
            self._event = ""
            return None
        event = ServerSentEvent(
            data="\n".join(self._data),
            event=self._event or "message",
            id=self._last_id,
            retry=self._retry,
        )
        self._data = []
        self._event = ""
        return event
