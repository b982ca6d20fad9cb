"""Streaming inputs: send an endpoint chunk after chunk (webcam frames, microphone audio).

``client.stream(*first_inputs, api_name=...)`` starts the job with its first chunk and
returns a :class:`StreamJob` (``AsyncClient``: :class:`AsyncStreamJob`). Send more chunks
with ``send()``, or hand ``feed()`` an iterable and let it pace them at the app's
``stream_every``; iterate the job for the output of each chunk; ``close()`` ends the input
and ``result()`` returns the final output. :func:`wav_chunks` cuts a WAV file into chunks,
:func:`video_frames` decodes a video file into frames (needs ``gradiox[video]``).

Example:
    >>> with client.stream(handle_file("f0.png"), api_name="/frames") as job:
    ...     job.feed(handle_file(f"f{i}.png") for i in range(1, 10))
    ...     for output in job:
    ...         print(output)
"""

from __future__ import annotations

import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiox._engine.streaming import cut_short
from gradiox._protocol.api_info import bind_arguments
from gradiox._video import video_frames
from gradiox.async_client import AsyncJob
from gradiox.client import Job
from gradiox.exceptions import StreamClosedError
from gradiox.files import handle_file

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterable, Iterator

    from gradiox._engine.jobs import JobRun
    from gradiox._engine.streaming import InputStream
    from gradiox._sync.portal import Portal

__all__ = ["AsyncStreamJob", "StreamJob", "video_frames", "wav_chunks"]


def final_output(run: JobRun) -> list[Any]:
    """The final output, if it is not already the last streamed one (else nothing).

    The server answers the last chunk with the completion when the input was closed (or
    the time limit reached) before it was processed, so that output comes only there.
    """
    if not run.done or run.error is not None or run.cancelled:
        return []
    if run.outputs and run.outputs[-1] == run.result:
        return []
    return [run.result]


def chunk_binder(stream: InputStream) -> Callable[[Any], list[Any]]:
    """How ``feed()`` reads one chunk: a tuple is several inputs, anything else one input."""

    def bind(chunk: Any) -> list[Any]:
        args = chunk if isinstance(chunk, tuple) else (chunk,)
        return bind_arguments(stream.endpoint, args, {})

    return bind


class StreamJob(Job):
    """A job whose inputs are streamed; a :class:`~gradiox.Job` with an input side.

    Iterating it yields the output of each chunk as it arrives. Use it as a context manager
    to close the input at the end of the block (or cancel the job if the block raised).
    """

    def __init__(
        self,
        run: JobRun,
        portal: Portal,
        stream: InputStream,
        check_open: Callable[[], object],
        verbose: bool = True,
        space_id: str | None = None,
    ) -> None:
        super().__init__(run, portal, verbose=verbose, space_id=space_id)
        self._stream = stream
        self._check_open = check_open

    def send(self, *args: Any, **kwargs: Any) -> None:
        """Send the next chunk now (arguments as for ``predict()``).

        Raises:
            StreamClosedError: The input was closed, or the job ended (time limit, cancel).
            ArgumentError: The arguments don't fit the endpoint.
            ClientClosedError: The client was closed.
        """
        self._check_open()
        data = bind_arguments(self._stream.endpoint, args, kwargs)
        self._portal.run(self._stream.send(data))

    def feed(self, chunks: Iterable[Any], *, every: float | None = None, close: bool = True) -> int:
        """Send every chunk of ``chunks``, paced, then close the input (unless ``close=False``).

        A chunk is one input value, or a tuple of all of them. Each goes out once the
        previous one was answered and ``every`` seconds (default: the app's
        ``stream_every``) after it, as a browser would stream them; the iterable is read
        in this thread.

        Returns:
            How many chunks were sent.

        Raises:
            StreamClosedError: The job ended before all were sent (e.g. the app's time
                limit); the message says how many were.
        """
        bind = chunk_binder(self._stream)
        sent = 0
        for chunk in chunks:
            self._check_open()
            try:
                self._portal.run(self._stream.send_paced(bind(chunk), every))
            except StreamClosedError as exc:
                raise cut_short(exc, sent) from exc
            sent += 1
        if close:
            self.close()
        return sent

    def close(self) -> None:
        """End the input; the job then completes with its last output. Safe to call twice."""
        if not self.done():
            self._check_open()
            self._portal.run(self._stream.close())

    def result(self, timeout: float | None = None) -> Any:
        """Close the input (if still open) and wait for the final output.

        Raises:
            concurrent.futures.TimeoutError: The timeout passed first.
            AppError: The app raised an error on a chunk.
        """
        self.close()
        return super().result(timeout)

    def __iter__(self) -> Iterator[Any]:
        """Yield the output of each chunk as it arrives, until the job ends."""
        yield from super().__iter__()
        yield from final_output(self._run)

    def __enter__(self) -> StreamJob:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.cancel()


class AsyncStreamJob(AsyncJob):
    """The asyncio twin of :class:`StreamJob`.

    ``send``, ``feed``, ``close`` and ``result`` are coroutines; ``async for`` yields the
    output of each chunk; ``async with`` closes the input at the end (cancels on error).
    """

    def __init__(self, run: JobRun, stream: InputStream, check_open: Callable[[], object]) -> None:
        super().__init__(run)
        self._stream = stream
        self._check_open = check_open

    async def send(self, *args: Any, **kwargs: Any) -> None:
        """Send the next chunk now (see :meth:`StreamJob.send`)."""
        self._check_open()
        await self._stream.send(bind_arguments(self._stream.endpoint, args, kwargs))

    async def feed(
        self, chunks: Iterable[Any], *, every: float | None = None, close: bool = True
    ) -> int:
        """Send every chunk, paced, then close the input (see :meth:`StreamJob.feed`)."""
        self._check_open()
        return await self._stream.feed(chunks, chunk_binder(self._stream), every, close)

    async def close(self) -> None:
        """End the input; the job then completes with its last output. Safe to call twice."""
        if not self.done():
            self._check_open()
            await self._stream.close()

    async def result(self, timeout: float | None = None) -> Any:
        """Close the input (if still open) and wait for the final output."""
        await self.close()
        return await super().result(timeout)

    async def __aiter__(self) -> AsyncIterator[Any]:
        async for output in self._run.output_feed.follow_async():
            yield output
        for output in final_output(self._run):
            yield output

    async def __aenter__(self) -> AsyncStreamJob:
        return self

    async def __aexit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            await self.close()
        else:
            await self.cancel()


def wav_chunks(path: str | Path, seconds: float, folder: str | Path | None = None) -> Iterator[Any]:
    """Cut a WAV file into consecutive WAV files of ``seconds`` each, as upload values.

    Yields ``handle_file`` values, ready for ``feed()`` (as a microphone would stream).
    The pieces are written to ``folder`` (default: a new temporary folder).

    Raises:
        ValueError: ``seconds`` is not positive.
        wave.Error: The file is not a PCM WAV file.
    """
    if seconds <= 0:
        raise ValueError(f"seconds must be positive, got {seconds!r}.")
    out = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="gradiox-wav-"))
    with wave.open(str(path), "rb") as source:
        params = source.getparams()
        frames = max(1, int(params.framerate * seconds))
        index = 0
        while block := source.readframes(frames):
            piece = out / f"{Path(path).stem}-{index:05d}.wav"
            with wave.open(str(piece), "wb") as target:
                target.setparams(params)
                target.writeframes(block)
            index += 1
            yield handle_file(str(piece))
