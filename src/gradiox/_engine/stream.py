"""The shared ``queue/data`` stream of one session: read it, route its messages, notice loss.

Gradio keeps no replay buffer, and on a disconnect it drops the session's queued jobs and
stops its running ones. So when a stream breaks or goes silent mid-job, the messages of
every job in flight on it are gone: those jobs are *lost* (the session fails them with
``ConnectionLostError`` or resubmits them), never waited on. A stream that the server ends
on purpose (``close_stream``, or a clean end on sse_v1/v2) loses nothing: it is reopened
while jobs are pending, since their messages wait in the server's queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from gradiox._engine.http import expect_event_stream, stream_timeout
from gradiox._protocol.messages import Message, MessageKind, parse_large_message, parse_message
from gradiox._protocol.replies import stream_error
from gradiox._protocol.routes import stream_params
from gradiox._protocol.sse import DEFAULT_MAX_EVENT_SIZE, SSEDecoder
from gradiox.exceptions import (
    ConnectionLostError,
    GradioxError,
    ProtocolError,
    RequestTimeoutError,
    SessionLostError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession

__all__ = ["StreamOptions", "follow_stream", "parse_event"]

# How many times in a row the stream may fail to open, or end on purpose without
# delivering anything, before the pending jobs are failed.
MAX_FRUITLESS_STREAMS = 3
# After close_stream the server ends the response; wait this long for that at most.
DRAIN_TIMEOUT = 1.0
# Events at least this large are joined and parsed on a worker thread, in slices (see
# parse_large_message), so that one big output does not stall every other client on the
# event loop: a worker thread inside one long C call would hold the GIL all along.
PARSE_OFF_LOOP = 1 << 20


@dataclass(frozen=True)
class StreamOptions:
    """How a session reads its event streams.

    Attributes:
        stream_idle: Longest silence (heartbeats count as activity) before the stream is
            lost, in seconds; None waits forever.
        max_event_size: Largest single event accepted, in bytes.
    """

    stream_idle: float | None = 40.0
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE


class StreamOwner(Protocol):
    """The session whose stream is read."""

    http: HttpSession
    app: AppDescription
    hash: str
    options: StreamOptions

    @property
    def reading(self) -> bool:
        """True while the stream is needed (jobs pending, session open)."""

    def deliver(self, message: Message) -> None:
        """Route one job message to its job."""

    def fail_all(self, error: GradioxError) -> None:
        """End every job on the stream with ``error``."""

    def lose(self, error: GradioxError) -> None:
        """The stream broke: every job in flight on it is lost."""

    def forgotten(self, error: SessionLostError) -> None:
        """The server no longer knows the session (the app restarted)."""


async def follow_stream(owner: StreamOwner) -> None:
    """Read the session's stream while it is needed; reopen it after a clean end."""
    fruitless = 0
    last_error: GradioxError | None = None
    while owner.reading:
        try:
            delivered = await _read_once(owner)
        except ConnectionLostError as exc:
            owner.lose(exc)
            fruitless = 0
            continue
        except SessionLostError as exc:
            owner.forgotten(exc)
            return
        except TransportError as exc:  # could not open it: maybe a blip, retry a little
            delivered, last_error = False, exc
        except GradioxError as exc:
            owner.fail_all(exc)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must fail the jobs, not hang them
            error = ProtocolError(f"Reading the job stream failed unexpectedly: {exc!r}")
            error.__cause__ = exc
            owner.fail_all(error)
            return
        fruitless = 0 if delivered else fruitless + 1
        if fruitless >= MAX_FRUITLESS_STREAMS:
            if last_error is not None:
                owner.lose(last_error)
            else:
                owner.fail_all(
                    ProtocolError(
                        "The server's event stream ended before the job finished "
                        f"({fruitless} times in a row, truncated or empty)."
                    )
                )
            return
        if fruitless:
            await asyncio.sleep(0.05 * 2**fruitless)


async def _read_once(owner: StreamOwner) -> bool:
    """Read one connection of the stream; return True if it delivered any message.

    Raises:
        ConnectionLostError: The open stream broke, or was silent for longer than
            ``stream_idle``.
        TransportError: The stream could not be opened.
        SessionLostError: The server no longer knows the session.
    """
    url = owner.app.routes.queue_data
    options = owner.options
    opened = False
    try:
        async with owner.http.stream(
            "GET",
            url,
            params=stream_params(owner.hash),
            timeout=stream_timeout(options.stream_idle),
        ) as response:
            await expect_event_stream(response, url, "open the job stream")
            opened = True
            return await _deliver_all(owner, response.aiter_bytes())
    except ConnectionLostError:
        raise
    except RequestTimeoutError as exc:  # (httpx errors are translated as they leave `with`)
        raise _silence(options.stream_idle, exc) from exc
    except TransportError as exc:
        if not opened:
            raise
        raise ConnectionLostError(f"The job stream broke: {exc}") from exc


async def _deliver_all(owner: StreamOwner, chunks: AsyncIterator[bytes]) -> bool:
    delivered = False
    decoder = SSEDecoder(owner.options.max_event_size)
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            delivered = True
            message = await parse_event(event.pieces)
            if _dispatch(owner, message):
                await _drain(chunks)
                return True
    decoder.flush()
    return delivered


async def parse_event(pieces: Sequence[str]) -> Message:
    """Parse one message given as pieces of text (an event's data, or a frame's text).

    A large one is joined and parsed on a worker thread, in slices that let the event loop
    run in between.
    """
    if len(pieces) == 1 and len(pieces[0]) < PARSE_OFF_LOOP:
        return parse_message(pieces[0])
    if sum(map(len, pieces)) < PARSE_OFF_LOOP:
        return parse_message("".join(pieces))
    return await asyncio.to_thread(parse_large_message, pieces)


def _dispatch(owner: StreamOwner, message: Message) -> bool:
    """Route one message; return True if the server ended the stream."""
    kind = message.kind
    if message.event_id is not None:
        owner.deliver(message)
        return False
    if kind is MessageKind.CLOSE_STREAM:
        return True
    if kind is MessageKind.UNEXPECTED_ERROR:
        raise stream_error(message)
    return False


def _silence(idle: float | None, cause: Exception) -> ConnectionLostError:
    return ConnectionLostError(
        f"The server's event stream was silent for {idle:g} s (no message, no heartbeat), so "
        "it counts as lost. Raise Timeout(stream_idle=...) if the network is that slow."
        if idle is not None
        else f"The server's event stream timed out: {cause}"
    )


async def _drain(chunks: AsyncIterator[bytes]) -> None:
    """Read what follows close_stream (normally nothing) so the connection is reused.

    Best effort: the stream is over, so nothing that happens to it now matters.
    """

    async def consume() -> None:
        async for _ in chunks:
            pass

    with contextlib.suppress(Exception):
        await asyncio.wait_for(consume(), DRAIN_TIMEOUT)
