"""``Pool`` and ``AsyncPool``: one app served by several replicas, used as one client.

Each job goes to the replica with the fewest jobs ahead of it (the pool's in flight there,
plus other users' jobs its server reports queued). A replica whose server fails
leaves the rotation until a probe finds it answering again, and a job it failed is moved to
another replica when that is safe (the job never started there, or ``resubmit_lost_jobs``).
A replica that can't be reached at connect is left out the same way (with a warning) as
long as one replica answers.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from gradiox._batch.api import BatchCall, default_concurrency, iterate_async, iterate_sync
from gradiox._batch.replicas import Replica, ReplicaSet, check_same_api, connect_replicas
from gradiox._batch.retry import backoff, may_retry
from gradiox._batch.run import BatchRun, map_options
from gradiox._protocol.api_info import resolve_endpoint
from gradiox.async_client import AsyncClient

if TYPE_CHECKING:
    import concurrent.futures
    import os
    from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Iterator

    from gradiox._batch.progress import BatchProgress
    from gradiox._batch.run import BatchResult
    from gradiox._engine.jobs import JobRun

__all__ = ["AsyncPool", "Pool"]

DEFAULT_MAX_RETRIES = 2


class AsyncPool:
    """Several replicas of one Gradio app (URLs or Space ids), called like one ``AsyncClient``.

    Args:
        srcs: The replicas: URLs or Hugging Face Space ids of the same app.
        max_retries: How often a job is moved to another replica after its replica failed
            before the job started (or, with ``resubmit_lost_jobs``, at any point).
        resubmit_lost_jobs: Also move jobs that may already have run on a replica that
            failed (the app may then run them twice: only for idempotent apps).
        probe_interval: Seconds before the first probe of a failed replica (then doubling,
            up to 15 s).
        **client_kwargs: Options for every replica's ``AsyncClient`` (token, headers, ...).

    Raises:
        ReplicaMismatchError: At connect, if the replicas don't expose the same endpoints.
        PoolConnectError: At connect, if no replica could be reached.

    Example:
        >>> async with AsyncPool(["http://a:7860/", "http://b:7860/"]) as pool:
        ...     async for r in pool.map(texts, api_name="/embed"):
        ...         print(r.index, r.output)
    """

    def __init__(
        self,
        srcs: Iterable[str],
        *,
        max_retries: int = DEFAULT_MAX_RETRIES,
        resubmit_lost_jobs: bool = False,
        probe_interval: float = 1.0,
        **client_kwargs: Any,
    ) -> None:
        self.srcs = list(srcs)
        if not self.srcs:
            raise ValueError("A pool needs at least one replica URL or Space id.")
        client_kwargs.setdefault("verbose", False)
        self._clients = [AsyncClient(src, **client_kwargs) for src in self.srcs]
        self.max_retries = max_retries
        self.resubmit_lost_jobs = resubmit_lost_jobs
        self._set = ReplicaSet(
            [Replica(c) for c in self._clients],
            probe_interval,
            lambda src: AsyncClient(src, **client_kwargs),
        )

    async def connect(self) -> None:
        """Connect to every replica and check they expose the same endpoints.

        A replica that can't be reached (down, 5xx, timed out) is left out of rotation with
        a warning and probed like one that failed mid-batch; it joins once it answers and
        exposes the same endpoints as the others.

        Raises:
            ReplicaMismatchError: The connected replicas differ (the message names how).
            PoolConnectError: No replica could be reached (the message names each and why).
            GradioxError: A replica refused in a way waiting won't fix (a bad login, not a
                Gradio app). On any error every client is closed.
        """
        try:
            failed = await connect_replicas(self._set.replicas)
            check_same_api([r.client for r in self._set.replicas if r not in failed])
        except BaseException:
            await self.aclose()
            raise
        for replica, error in failed.items():
            self._set.mark_down(replica, error)

    async def __aenter__(self) -> AsyncPool:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop probing and close every replica's client."""
        await self._set.aclose()

    @property
    def replicas(self) -> list[dict[str, Any]]:
        """Each replica's URL, whether it is in rotation and connected, jobs in flight and sent."""
        return [
            {
                "src": r.src,
                "up": r.up,
                "connected": r.connected,
                "retired": r.retired,
                "in_flight": r.in_flight,
                "jobs": r.jobs,
            }
            for r in self._set.replicas
        ]

    def submit(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> asyncio.Task[Any]:
        """Start a prediction on the least-loaded replica; await the task for its result."""
        self._endpoint(api_name, fn_index)  # bad endpoint: raise now, not in the task
        return asyncio.ensure_future(self._call(args, kwargs, api_name, fn_index, headers))

    async def predict(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run a prediction on the least-loaded replica (moved if its replica fails).

        Raises:
            EndpointError: Unknown api_name or fn_index.
            AppError: The app raised an error.
            TransportError: Every attempt's replica failed.
        """
        return await self._call(args, kwargs, api_name, fn_index, headers)

    async def _call(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        api_name: str | None,
        fn_index: int | None,
        headers: dict[str, str] | None,
    ) -> Any:
        attempt = 0
        while True:
            attempt += 1
            run = self._set.submit(args, kwargs, api_name, fn_index, headers)
            run.start()
            try:
                await run.wait()
            except asyncio.CancelledError:
                run.cancel()
                raise
            if run.error is None:
                return run.result
            error = run.error
            if attempt > self.max_retries or not may_retry(
                error, run, self.resubmit_lost_jobs, after_refusal=True
            ):
                raise error
            await asyncio.sleep(backoff(attempt, error) if self._all_down() else 0)

    def _all_down(self) -> bool:
        return not any(r.up for r in self._set.replicas)

    def _endpoint(self, api_name: str | None, fn_index: int | None) -> Any:
        reference = self._set.reference
        return resolve_endpoint(reference._connection().app.endpoints, api_name, fn_index)

    def _batch(
        self,
        items: Iterable[Any] | AsyncIterable[Any],
        api_name: str | None,
        fn_index: int | None,
        headers: dict[str, str] | None,
        concurrency: int | None,
        ordered: bool,
        errors: str,
        checkpoint: str | os.PathLike[str] | None,
        progress: bool,
        on_progress: Callable[[BatchProgress], None] | None,
        rerun_failed: str = "transient",
        read_in_thread: bool = False,
    ) -> BatchCall:
        endpoint = self._endpoint(api_name, fn_index)
        width = default_concurrency(endpoint) * len(self._clients)
        options = map_options(
            endpoint.label,
            width if concurrency is None else concurrency,
            ordered,
            errors,
            self.max_retries,
            self.resubmit_lost_jobs,
            checkpoint,
            retry_refused=True,
            rerun_failed=rerun_failed,
        )

        def submit(args: tuple[Any, ...], kwargs: dict[str, Any]) -> JobRun:
            return self._set.submit(args, kwargs, api_name, fn_index, headers)

        run = BatchRun(submit, items, options, read_in_thread=read_in_thread)
        return BatchCall(run, progress, on_progress)

    def map(
        self,
        inputs: Iterable[Any] | AsyncIterable[Any],
        *,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        concurrency: int | None = None,
        ordered: bool = True,
        errors: Literal["collect", "raise"] = "collect",
        checkpoint: str | os.PathLike[str] | None = None,
        rerun_failed: Literal["transient", "all", "none"] = "transient",
        progress: bool = True,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> AsyncIterator[BatchResult]:
        """``AsyncClient.map`` over the replicas (default concurrency: 8 per replica).

        Retries follow the pool's ``max_retries`` and ``resubmit_lost_jobs``; an item whose
        replica failed or refused it moves to another replica.
        """
        call = self._batch(
            inputs, api_name, fn_index, headers, concurrency, ordered, errors, checkpoint,
            progress, on_progress, rerun_failed,
        )  # fmt: skip
        return iterate_async(call)


class Pool:
    """The blocking flavour of :class:`AsyncPool` (same arguments), for ordinary Python.

    Example:
        >>> with Pool(["http://a:7860/", "http://b:7860/"]) as pool:
        ...     for r in pool.map(texts, api_name="/embed"):
        ...         print(r.index, r.output)
    """

    def __init__(self, srcs: Iterable[str], **kwargs: Any) -> None:
        from gradiox._sync import portal as _portal

        self._portal = _portal.get_portal()
        self._pool = AsyncPool(srcs, **kwargs)
        self._portal.run(self._pool.connect())

    @property
    def replicas(self) -> list[dict[str, Any]]:
        """Each replica's URL, whether it is in rotation and connected, jobs in flight and sent."""
        return self._pool.replicas

    def submit(self, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        """Start a prediction; returns a ``concurrent.futures.Future`` of its result."""
        self._pool._endpoint(kwargs.get("api_name"), kwargs.get("fn_index"))
        return asyncio.run_coroutine_threadsafe(
            self._pool.predict(*args, **kwargs), self._portal.loop
        )

    def predict(self, *args: Any, **kwargs: Any) -> Any:
        """Run a prediction on the least-loaded replica; see ``AsyncPool.predict``."""
        return self._portal.run(self._pool.predict(*args, **kwargs))

    def map(self, inputs: Iterable[Any], **kwargs: Any) -> Iterator[BatchResult]:
        """``Client.map`` over the replicas; see ``AsyncPool.map`` for the arguments."""
        call = self._pool._batch(
            inputs,
            kwargs.pop("api_name", None),
            kwargs.pop("fn_index", None),
            kwargs.pop("headers", None),
            kwargs.pop("concurrency", None),
            kwargs.pop("ordered", True),
            kwargs.pop("errors", "collect"),
            kwargs.pop("checkpoint", None),
            kwargs.pop("progress", True),
            kwargs.pop("on_progress", None),
            kwargs.pop("rerun_failed", "transient"),
            read_in_thread=True,
        )
        if kwargs:
            raise TypeError(f"Pool.map() got unexpected arguments: {', '.join(kwargs)}")
        return iterate_sync(self._portal, call)

    def close(self) -> None:
        """Close every replica's client."""
        self._portal.run(self._pool.aclose(), timeout=30)

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
