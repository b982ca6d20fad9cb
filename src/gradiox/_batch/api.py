"""``map()`` for the clients: argument checks up front, then the run as a (sync) iterator."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from gradiox._batch.progress import BatchProgress, make_reporter
from gradiox._batch.run import DEFAULT_CONCURRENCY, BatchRun, map_options
from gradiox._protocol.api_info import resolve_endpoint

if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator

    from gradiox._base import ClientCore
    from gradiox._batch.run import BatchResult
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox._sync.portal import Portal

__all__ = ["BatchCall", "client_batch", "default_concurrency", "iterate_async", "iterate_sync"]


def default_concurrency(endpoint: EndpointInfo) -> int:
    """The endpoint's concurrency limit if the app's config states one, else 8."""
    limit = endpoint.dependency.get("concurrency_limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return limit
    return DEFAULT_CONCURRENCY


class BatchCall:
    """Everything ``map()`` was given, checked; ``run`` is created before any work."""

    def __init__(
        self,
        run: BatchRun,
        progress: bool,
        on_progress: Callable[[BatchProgress], None] | None,
    ) -> None:
        self.run = run
        self.progress = progress
        self.on_progress = on_progress


def client_batch(
    client: ClientCore,
    items: Iterable[Any] | AsyncIterable[Any],
    *,
    api_name: str | None,
    fn_index: int | None,
    headers: dict[str, str] | None,
    concurrency: int | None,
    ordered: bool,
    errors: str,
    max_retries: int | None,
    resubmit_lost_jobs: bool | None,
    checkpoint: str | os.PathLike[str] | None,
    progress: bool,
    on_progress: Callable[[BatchProgress], None] | None,
    rerun_failed: str = "transient",
    read_in_thread: bool = False,
) -> BatchCall:
    """Check a client's ``map()`` arguments and read its checkpoint (no network I/O).

    ``read_in_thread``: read a sync iterable in a worker thread (the sync client's loop is
    shared by every client of the process, so a slow generator must not block it).

    Raises:
        EndpointError: Unknown api_name or fn_index.
        ValueError: A bad option.
        CheckpointError: The checkpoint can't be read, or is for another endpoint.
    """
    endpoint = resolve_endpoint(client._connection().app.endpoints, api_name, fn_index)
    options = map_options(
        endpoint.label,
        default_concurrency(endpoint) if concurrency is None else concurrency,
        ordered,
        errors,
        client.max_retries if max_retries is None else max_retries,
        client._options.resubmit_lost_jobs if resubmit_lost_jobs is None else resubmit_lost_jobs,
        checkpoint,
        rerun_failed=rerun_failed,
    )

    def submit(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return client._prepare(args, kwargs, api_name, fn_index, headers)

    run = BatchRun(submit, items, options, read_in_thread=read_in_thread)
    return BatchCall(run, progress, on_progress)


async def iterate_async(call: BatchCall) -> AsyncIterator[BatchResult]:
    """Run the batch on the running loop, reporting progress after each record."""
    reporter = make_reporter(call.progress)
    last: BatchProgress | None = None
    try:
        async for records, snapshot in call.run.results():
            last = snapshot
            _report(call, reporter, snapshot)
            for record in records:
                yield record
    finally:
        if reporter is not None and last is not None:
            reporter.close(call.run.progress())


def iterate_sync(portal: Portal, call: BatchCall) -> Iterator[BatchResult]:
    """Run the batch on gradiox's loop thread; records come back to the caller's thread.

    Progress is drawn and ``on_progress`` is called in the caller's thread.
    """
    reporter = make_reporter(call.progress)
    results = call.run.results()
    last: BatchProgress | None = None
    try:
        while True:
            try:
                records, snapshot = portal.run(_step(results))
            except StopAsyncIteration:
                return
            last = snapshot
            _report(call, reporter, snapshot)
            yield from records
    finally:
        portal.run(_close(results), timeout=60)
        if reporter is not None and last is not None:
            reporter.close(portal.run(_snapshot(call.run)))


def _report(call: BatchCall, reporter: Any, snapshot: BatchProgress) -> None:
    if reporter is not None:
        reporter.update(snapshot)
    if call.on_progress is not None:
        call.on_progress(snapshot)


async def _step(results: AsyncIterator[tuple[list[BatchResult], BatchProgress]]) -> Any:
    return await anext(results)


async def _snapshot(run: BatchRun) -> BatchProgress:
    return run.progress()


async def _close(results: Any) -> None:
    # After an interrupt the step that was cancelled may still be unwinding.
    for _ in range(100):
        if await _try_close(results):
            return
        await asyncio.sleep(0.05)


async def _try_close(results: Any) -> bool:
    try:
        await results.aclose()
    except RuntimeError:  # "asynchronous generator is already running"
        return False
    return True
