"""Streaming inputs (Gradio 5+ ``.stream()`` events, ``connection: "stream"`` in the config).

The first chunk joins the queue like any call. The server runs the function on it, answers
``process_streaming`` (full values) and waits for the next chunk, which goes to ``POST
<api_base>stream/<event_id>`` with a join's body; ``POST .../close`` ends the input, and the
server completes the job with its last output. It also completes the job by itself when the
event's ``time_limit`` is used up, or when no chunk came for that long (30 s without one).

The server keeps only the latest chunk it has not processed yet, so :meth:`InputStream.feed`
sends a chunk only once the previous one was answered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from gradiox._engine.tasks import TaskGroup
from gradiox._protocol.routes import event_body
from gradiox.exceptions import GradioxError, InvalidAPIEndpointError, StreamClosedError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from gradiox._engine.http import HttpSession
    from gradiox._engine.jobs import JobRun
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox._protocol.routes import Routes

__all__ = [
    "InputStream",
    "check_streaming",
    "close_when_joined",
    "cut_short",
    "is_streaming",
    "stream_every",
]

logger = logging.getLogger("gradiox")

DEFAULT_STREAM_EVERY = 0.5
"""Gradio's default ``stream_every`` (seconds between chunks)."""
SERVER_IDLE_LIMIT = 30.0
"""Without a ``time_limit``, the server completes a stream after this long without a chunk."""


def is_streaming(endpoint: EndpointInfo) -> bool:
    """True for an event whose inputs are streamed (``.stream()`` in the app)."""
    return endpoint.dependency.get("connection") == "stream"


def stream_every(endpoint: EndpointInfo) -> float:
    """Seconds between chunks that the app asks for."""
    value = endpoint.dependency.get("stream_every")
    return float(value) if isinstance(value, (int, float)) and value > 0 else DEFAULT_STREAM_EVERY


def time_limit(endpoint: EndpointInfo) -> float | None:
    """The app's limit on the stream's total processing time, in seconds, if any."""
    value = endpoint.dependency.get("time_limit")
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def check_streaming(endpoint: EndpointInfo) -> None:
    """Raise unless ``endpoint`` takes streamed inputs.

    Raises:
        InvalidAPIEndpointError: It is an ordinary endpoint.
    """
    if not is_streaming(endpoint):
        raise InvalidAPIEndpointError(
            f"{endpoint.label} does not take streamed inputs (it is not a .stream() event "
            "of the app). Call it with predict() or submit()."
        )


def close_when_joined(run: JobRun, http: HttpSession, routes: Routes) -> None:
    """Make ``run`` one chunk long: close its input as soon as the server has it.

    This is what ``predict()``/``submit()`` do on a streaming endpoint, so that the job ends
    after its first chunk instead of waiting for more.
    """
    # Gradio 5's close would run the app a second time on the chunk: end it once answered.
    stream = (
        InputStream(run, http, routes) if run.session.app.features.stream_close_reruns else None
    )

    def joined(event_id: str) -> None:
        run.session.spawn(stream.close() if stream else _close(http, routes, event_id))

    run.on_joined.append(joined)


async def _close(http: HttpSession, routes: Routes, event_id: str) -> None:
    try:
        response = await http.request("POST", routes.stream_close(event_id))
    except GradioxError as exc:
        logger.warning("gradiox: could not close the input stream %s: %s", event_id, exc)
        return
    if response.status_code >= 400:  # the job already ended on the server: nothing to close
        logger.debug("gradiox: closing stream %s: HTTP %s", event_id, response.status_code)


def cut_short(error: StreamClosedError, sent: int) -> StreamClosedError:
    """The error of a feed that the stream's end cut short after ``sent`` chunks."""
    return StreamClosedError(f"{error} {sent} chunk(s) of this feed were sent.")


class InputStream:
    """The input side of one streaming job (its outputs arrive on ``run`` as usual).

    Lives on the engine loop. ``chunks_sent`` counts the join's chunk too.
    """

    def __init__(self, run: JobRun, http: HttpSession, routes: Routes) -> None:
        self.run = run
        self.http = http
        self.routes = routes
        self.closed = False
        self.chunks_sent = 1
        self._last_send = time.monotonic()
        self._joined = asyncio.Event()
        run.on_joined.append(lambda _event_id: self._joined.set())

    @property
    def endpoint(self) -> EndpointInfo:
        """The streaming endpoint."""
        return self.run.endpoint

    async def send(self, data: list[Any]) -> None:
        """Send one chunk (one value per input component, as a join sends).

        Raises:
            StreamClosedError: The stream was closed, or its job has ended.
        """
        if self.run.done:
            raise self._ended()
        if self.closed:
            raise StreamClosedError(
                f"The input stream of {self.endpoint.label} was closed; start a new one "
                "with client.stream(...)."
            )
        event_id = await self._event_id()
        run = self.run
        if run.files is not None and run.files.input_has_files(data):
            data = await run.files.upload_inputs(data, run.retry)
        body = event_body(self.endpoint.fn_index, run.session.hash, data)
        if run.extra:
            body.update(run.extra)
        response = await self.http.request(
            "POST", self.routes.stream_chunk(event_id), json=body, headers=run.headers
        )
        # 6.x answers 404 for a job it no longer has; 5.x fails with 500 (a KeyError).
        if run.done or response.status_code in (404, 500):
            raise self._ended()
        if response.status_code >= 400:
            from gradiox._engine.http import raise_for_status

            raise_for_status(response, f"send a chunk to {self.endpoint.label}")
        self.chunks_sent += 1
        self._last_send = time.monotonic()

    async def close(self) -> None:
        """End the input; the job then completes with its last output. Idempotent."""
        if self.closed:
            return
        self.closed = True
        try:
            event_id = await self._event_id()
        except StreamClosedError:
            return  # the job has ended: nothing to close
        # The server drops a chunk it has not started on when the close arrives.
        await self._answered(self.chunks_sent)
        run = self.run
        if run.done:
            return
        if run.session.app.features.stream_close_reruns and len(run.outputs) >= self.chunks_sent:
            # Gradio 5's close runs the app once more on the last chunk (and holds a job
            # without a time limit 30 s more): every chunk was answered, so end it here and
            # stop it on the server instead.
            run.end_with_last_output()
            return
        await _close(self.http, self.routes, event_id)

    async def send_paced(self, data: list[Any], every: float | None = None) -> None:
        """Send a chunk once the previous one was answered and ``every`` seconds passed.

        ``every`` defaults to the app's ``stream_every``. The server keeps only the newest
        unprocessed chunk, so waiting for the answer is what keeps every chunk.

        Raises:
            StreamClosedError: The stream was closed, or its job has ended.
        """
        pause = stream_every(self.endpoint) if every is None else max(0.0, every)
        await self._answered(self.chunks_sent)
        await asyncio.sleep(max(0.0, self._last_send + pause - time.monotonic()))
        await self.send(data)

    async def feed(
        self,
        chunks: Iterable[Any],
        bind: Callable[[Any], list[Any]],
        every: float | None = None,
        close: bool = True,
    ) -> int:
        """Send ``chunks`` with :meth:`send_paced`, then close the input (if ``close``).

        Returns:
            How many chunks were sent.

        Raises:
            StreamClosedError: The job ended before every chunk was sent (e.g. the app's
                time limit); the message says how many were.
            ArgumentError: A chunk does not fit the endpoint's parameters.
        """
        sent = 0
        for chunk in chunks:
            try:
                await self.send_paced(bind(chunk), every)
            except StreamClosedError as exc:
                raise cut_short(exc, sent) from exc
            sent += 1
        if close:
            await self.close()
        return sent

    async def _answered(self, count: int) -> None:
        """Wait until ``count`` chunks were answered or the job ended (bounded)."""
        run = self.run
        bound = (time_limit(self.endpoint) or 0.0) + SERVER_IDLE_LIMIT
        deadline = time.monotonic() + bound
        while len(run.outputs) < count and not run.done and time.monotonic() < deadline:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(run.output_feed.wait_async(len(run.outputs)), 0.5)

    async def _event_id(self) -> str:
        """The job's event id, once it has joined; raises if it ended first."""
        run = self.run
        if not self._joined.is_set() and not run.done:
            group = TaskGroup()
            waits = {group.spawn(self._joined.wait()), group.spawn(run.wait())}
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                await group.aclose()
        if run.done or run.event_id is None:
            raise self._ended()
        return run.event_id

    def _ended(self) -> StreamClosedError:
        run = self.run
        if run.cancelled:
            why = "it was cancelled"
        elif run.error is not None:
            why = f"it failed ({type(run.error).__name__}: {run.error})"
        else:
            limit = time_limit(self.endpoint)
            why = "it was closed, or reached its time limit" + (
                f" of {limit:g} s" if limit else f" (or {SERVER_IDLE_LIMIT:g} s without a chunk)"
            )
        error = StreamClosedError(
            f"The input stream of {self.endpoint.label} takes no more chunks: {why}. "
            "Its outputs and result() are still available."
        )
        error.__cause__ = run.error
        return error
