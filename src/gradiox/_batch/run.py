"""The engine of ``map()``: run many inputs with bounded concurrency, retries and a checkpoint.

Runs on the engine loop. Memory is bounded by ``concurrency`` (and, when ``ordered``, by a
reorder window of a few times that), however many inputs there are: inputs are read only
when a slot frees up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gradiox._batch.checkpoint import (
    RERUN_CHOICES,
    Checkpoint,
    RerunFailed,
    input_hash,
    load_checkpoint,
)
from gradiox._batch.items import InputSource, as_call, input_count
from gradiox._batch.progress import BatchProgress, ProgressTracker
from gradiox._batch.retry import backoff, may_retry
from gradiox.exceptions import ArgumentError, GradioxError

if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable

    from gradiox._engine.jobs import JobRun

__all__ = ["BatchResult", "BatchRun", "MapOptions", "map_options"]

DEFAULT_CONCURRENCY = 8
MAX_RETRIES = 2


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What ``map()`` reports for one input.

    Attributes:
        index: The input's position in the inputs (0-based).
        inputs: The input item as given.
        output: The endpoint's result (what ``predict`` returns), or None if it failed.
        error: The failure (after retries), or None if it succeeded.
        attempts: How many times the item was submitted.
        seconds: Wall time from the first submission to the end of the last attempt.
    """

    index: int
    inputs: Any
    output: Any = None
    error: BaseException | None = None
    attempts: int = 1
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True if the item succeeded."""
        return self.error is None


@dataclass(frozen=True)
class MapOptions:
    """The options of one ``map()`` run (validated by :func:`map_options`)."""

    endpoint: str
    concurrency: int
    ordered: bool = True
    errors: Literal["collect", "raise"] = "collect"
    max_retries: int = MAX_RETRIES
    resubmit: bool = False
    checkpoint: Path | None = None
    retry_refused: bool = False
    rerun_failed: RerunFailed = "transient"


def map_options(
    endpoint: str,
    concurrency: int,
    ordered: bool,
    errors: str,
    max_retries: int,
    resubmit: bool,
    checkpoint: str | os.PathLike[str] | None,
    *,
    retry_refused: bool = False,
    rerun_failed: str = "transient",
) -> MapOptions:
    """Check ``map()``'s arguments.

    Raises:
        ValueError: An option is out of range (the message says which and why).
    """
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a positive int, got {concurrency!r}.")
    if errors not in ("collect", "raise"):
        raise ValueError(f"errors must be 'collect' or 'raise', got {errors!r}.")
    if not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}.")
    if rerun_failed not in RERUN_CHOICES:
        raise ValueError(
            f"rerun_failed must be 'transient', 'all' or 'none', got {rerun_failed!r}."
        )
    return MapOptions(
        endpoint=endpoint,
        concurrency=concurrency,
        ordered=ordered,
        errors=errors,  # type: ignore[arg-type]
        max_retries=max_retries,
        resubmit=resubmit,
        checkpoint=Path(checkpoint) if checkpoint is not None else None,
        retry_refused=retry_refused,
        rerun_failed=rerun_failed,  # type: ignore[arg-type]
    )


class BatchRun:
    """One ``map()`` run: reads inputs, runs them, records and reports results.

    The checkpoint is read when the run is created (so a bad one fails before any work).
    """

    def __init__(
        self,
        submit: Callable[[tuple[Any, ...], dict[str, Any]], JobRun],
        items: Iterable[Any] | AsyncIterable[Any],
        options: MapOptions,
        *,
        read_in_thread: bool = False,
    ) -> None:
        self._submit = submit
        self.options = options
        path = options.checkpoint
        state = None
        if path is not None:
            state = load_checkpoint(path, options.endpoint, options.rerun_failed)
        self._state = state
        self._source = InputSource(
            items,
            state.done if state else {},
            path,
            state.recorded if state else None,
            read_in_thread=read_in_thread,
        )
        self.tracker = ProgressTracker(input_count(items))
        self._running: dict[int, JobRun] = {}
        self._window = max(4 * options.concurrency, options.concurrency + 16)

    def progress(self) -> BatchProgress:
        """The run's progress now (on the engine loop)."""
        self.tracker.skipped = self._source.skipped
        return self.tracker.snapshot(self._running.values())

    async def results(self) -> AsyncIterator[tuple[list[BatchResult], BatchProgress]]:
        """Yield the records of every remaining input, in batches of those ready together.

        Each batch comes with the progress after it. Batching keeps the per-record cost low
        when records are consumed from another thread.
        """
        await self._source.verify()
        checkpoint = None
        if self.options.checkpoint is not None and self._state is not None:
            checkpoint = Checkpoint(self.options.checkpoint, self.options.endpoint, self._state)
        finished: asyncio.Queue[tuple[int, asyncio.Task[BatchResult]]] = asyncio.Queue()
        tasks: dict[int, asyncio.Task[BatchResult]] = {}
        buffer: dict[int, BatchResult] = {}
        started = yielded = 0
        exhausted = False
        try:
            while True:
                while (
                    not exhausted
                    and len(tasks) < self.options.concurrency
                    and (not self.options.ordered or started - yielded < self._window)
                ):
                    room = self.options.concurrency - len(tasks)
                    if self.options.ordered:
                        room = min(room, self._window - (started - yielded))
                    entry = await self._source.next(room)
                    if entry is None:
                        exhausted = True
                        break
                    task = asyncio.ensure_future(self._run_item(*entry))
                    task.add_done_callback(_put(finished, started))
                    tasks[started] = task
                    started += 1
                if not tasks:
                    return
                ready = [await finished.get()]
                while not finished.empty():
                    ready.append(finished.get_nowait())
                out: list[BatchResult] = []
                for seq, task in ready:
                    del tasks[seq]
                    record = self._finish(task.result(), checkpoint)
                    if self.options.ordered:
                        buffer[seq] = record
                    else:
                        out.append(record)
                        yielded += 1
                while yielded in buffer:
                    out.append(buffer.pop(yielded))
                    yielded += 1
                if out:
                    yield out, self.progress()
        finally:
            await _cancel_all(tasks.values())
            if checkpoint is not None:
                checkpoint.close()

    def _finish(self, record: BatchResult, checkpoint: Checkpoint | None) -> BatchResult:
        """Count a finished item and write it to the checkpoint (or raise, if asked to)."""
        self._count(record)
        if record.error is not None and self.options.errors == "raise":
            raise record.error
        if checkpoint is not None:
            checkpoint.record(record.index, input_hash(record.inputs), record.output, record.error)
        return record

    def _count(self, record: BatchResult) -> None:
        if record.error is None:
            self.tracker.done += 1
        else:
            self.tracker.failed += 1

    async def _run_item(self, index: int, item: Any) -> BatchResult:
        started = time.monotonic()
        attempts = 0
        while True:
            attempts += 1
            run: JobRun | None = None
            try:
                args, kwargs = as_call(item)
                run = self._submit(args, kwargs)
            except GradioxError as exc:
                error: BaseException = _for_item(exc, index)
            else:
                error = await self._follow(index, run)
                if run.error is None:
                    return BatchResult(
                        index, item, run.result, None, attempts, time.monotonic() - started
                    )
            if attempts > self.options.max_retries or not may_retry(
                error, run, self.options.resubmit, after_refusal=self.options.retry_refused
            ):
                return BatchResult(index, item, None, error, attempts, time.monotonic() - started)
            await asyncio.sleep(backoff(attempts, error))

    async def _follow(self, index: int, run: JobRun) -> BaseException:
        """Start ``run`` and wait for its end; return its error (or a placeholder)."""
        self._running[index] = run
        try:
            run.start()
            await run.wait()
        finally:
            # Leaving the run early abandons the job without cancelling it on the server:
            # Gradio's cancel stops every job of the endpoint in the session, including
            # ones started after it was sent (those then never finish).
            del self._running[index]
        return run.error or GradioxError("no error")


def _put(
    queue: asyncio.Queue[tuple[int, asyncio.Task[BatchResult]]], seq: int
) -> Callable[[asyncio.Task[BatchResult]], None]:
    def done(task: asyncio.Task[BatchResult]) -> None:
        queue.put_nowait((seq, task))

    return done


async def _cancel_all(tasks: Iterable[asyncio.Task[BatchResult]]) -> None:
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait(pending, timeout=10)


def _for_item(error: GradioxError, index: int) -> GradioxError:
    """Name the item in an argument error (the message says what the endpoint takes)."""
    if isinstance(error, ArgumentError):
        named = ArgumentError(f"Item {index}: {error}")
        named.__cause__ = error
        return named
    return error
