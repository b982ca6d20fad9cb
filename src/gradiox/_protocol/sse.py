r"""Incremental Server-Sent Events decoder: byte chunks in, whole events out.

Follows the WHATWG event-stream rules: a leading byte order mark is skipped, lines end with
CRLF, LF or CR (and nothing else), lines starting with ``:`` are comments, ``data`` fields
accumulate with ``\\n``, unknown fields are ignored.

Decoding is linear in the bytes received: each chunk is scanned once, and a line that spans
chunks is kept as pieces joined once when it ends (a 50 MB output arrives as one line). Data
of ``JOIN_LIMIT`` characters or more is not joined at all: the event carries its pieces,
and whoever parses it joins them (joining 50 MB is one long call, which the engine keeps
off its event loop). One event's size is capped by ``max_event_size``, so a hostile or
broken server cannot make the client buffer without bound.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from gradiox.exceptions import ProtocolError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "JOIN_LIMIT", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_SIZE = 256 * 1024 * 1024
"""The largest event accepted by default, in characters (bytes, for the ASCII JSON of Gradio)."""

JOIN_LIMIT = 1 << 20
"""Data at least this large (in characters) stays in pieces: see ``ServerSentEvent.pieces``."""

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event.

    Attributes:
        pieces: The event's data, as pieces to join in order: one piece, unless the data
            has ``JOIN_LIMIT`` characters or more.
        event: The ``event`` field (``"message"`` if none).
        id: The last event id seen on the stream.
        retry: The last ``retry`` field seen on the stream.
    """

    pieces: tuple[str, ...]
    event: str = "message"
    id: str | None = None
    retry: int | None = None

    @property
    def data(self) -> str:
        """The event's data, joined (a copy, for data in pieces: see ``size`` first)."""
        pieces = self.pieces
        return pieces[0] if len(pieces) == 1 else "".join(pieces)

    @property
    def size(self) -> int:
        """The data's length, in characters."""
        pieces = self.pieces
        return len(pieces[0]) if len(pieces) == 1 else sum(map(len, pieces))


class SSEDecoder:
    r"""Turns a byte stream, split anywhere, into events.

    Args:
        max_event_size: The most characters one event may hold (its data fields, and any
            line still in progress); more raises :class:`~gradiox.exceptions.ProtocolError`.

    Example:
        >>> d = SSEDecoder()
        >>> [e.data for e in d.feed(b'data: {"msg"') + d.feed(b': "x"}\\n\\n')]
        ['{"msg": "x"}']
    """

    def __init__(self, max_event_size: int = DEFAULT_MAX_EVENT_SIZE) -> None:
        self.max_event_size = max_event_size
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._at_start = True
        # The line in progress, as the pieces that arrived so far (joined when it ends).
        self._partial: list[str] = []
        self._partial_size = 0
        self._pending_cr = False
        self._data: list[str] = []  # the data fields' pieces, with their "\n" joiners
        self._data_size = 0
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._has_fields = False

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Decode one chunk; return the events it completed (possibly none).

        Raises:
            ProtocolError: An event grew past ``max_event_size``.
        """
        return self._feed_text(self._text.decode(chunk))

    def flush(self) -> list[ServerSentEvent]:
        """Signal the end of the stream.

        Per the spec, an event that was not terminated by a blank line is discarded: a
        truncated stream never yields a half event. Returns any events completed by the
        final bytes.
        """
        events = self._feed_text(self._text.decode(b"", final=True))
        if self._partial:
            self._end_partial("")
        self._pending_cr = False
        self._clear_event()
        return events

    @property
    def has_partial_event(self) -> bool:
        """True if the stream so far ends inside an event (used to detect truncation)."""
        return bool(self._partial) or self._has_fields

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        if not text:
            return []
        if self._at_start:
            self._at_start = False
            if text.startswith(_BOM):
                text = text[1:]
        if self._pending_cr:
            self._pending_cr = False
            if text.startswith("\n"):
                text = text[1:]
        if "\r" in text:
            # A CR at the very end: the LF of a CRLF may start the next chunk.
            self._pending_cr = text.endswith("\r")
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        tail = lines.pop()
        events: list[ServerSentEvent] = []
        if lines:
            first = 0
            if self._partial:
                first = 1
                self._end_partial(lines[0])
            for line in lines[first:] if first else lines:
                event = self._process_line(line)
                if event is not None:
                    events.append(event)
        if tail:
            self._partial.append(tail)
            self._partial_size += len(tail)
            self._check_size()
        return events

    def _end_partial(self, end: str) -> None:
        """Process the line that spanned chunks (a long data line stays in pieces)."""
        pieces, self._partial = self._partial, []
        size = self._partial_size + len(end)
        self._partial_size = 0
        pieces.append(end)
        while len(pieces[0]) < 6 and len(pieces) > 1:  # the field name may be split
            pieces[0:2] = [pieces[0] + pieces[1]]
        head = pieces[0]
        if head.startswith(":"):
            return  # a comment
        if not head.startswith("data:") or size < JOIN_LIMIT:
            self._process_line("".join(pieces))
        else:
            pieces[0] = head[6:] if head.startswith("data: ") else head[5:]
            self._add_pieces(pieces, size - (len(head) - len(pieces[0])))

    def _check_size(self) -> None:
        if self._partial_size + self._data_size > self.max_event_size:
            raise ProtocolError(
                f"The server sent an event larger than max_event_size ({self.max_event_size} "
                "characters). If the app really returns outputs this large, raise the limit "
                "with Client(..., max_event_size=...)."
            )

    def _process_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line[0] == ":":
            return None
        if line.startswith("data: "):  # Gradio's only field: one copy of its value
            self._add_data(line[6:])
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._add_data(value)
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

    def _add_data(self, value: str) -> None:
        self._add_pieces([value], len(value))

    def _add_pieces(self, pieces: list[str], size: int) -> None:
        if self._data:
            self._data.append("\n")
            size += 1
        self._data.extend(pieces)
        self._data_size += size
        self._has_fields = True
        self._check_size()

    def _dispatch(self) -> ServerSentEvent | None:
        pieces = self._data
        if not pieces:
            self._clear_event()
            return None
        if len(pieces) > 1 and self._data_size < JOIN_LIMIT:
            pieces = ["".join(pieces)]
        event = ServerSentEvent(
            pieces=tuple(pieces),
            event=self._event or "message",
            id=self._last_id,
            retry=self._retry,
        )
        self._clear_event()
        return event

    def _clear_event(self) -> None:
        self._data = []
        self._data_size = 0
        self._event = ""
        self._has_fields = False
