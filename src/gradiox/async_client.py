"""``AsyncClient`` and ``AsyncJob``: the native asyncio API."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from gradiox._base import DEFAULT_TEMP_DIR, ClientCore, as_callbacks, duplicate_to_space_id
from gradiox._options import DEFAULT_MAX_RETRIES
from gradiox._protocol.sse import DEFAULT_MAX_EVENT_SIZE
from gradiox.exceptions import DeadlineExceededError

if TYPE_CHECKING:
    import os
    from collections.abc import AsyncIterable, AsyncIterator, Callable, Generator, Iterable

    from gradiox._batch.progress import BatchProgress
    from gradiox._batch.run import BatchResult
    from gradiox._engine.jobs import JobRun
    from gradiox._timeouts import TimeoutTypes
    from gradiox._types import StatusUpdate, Update
    from gradiox.streaming import AsyncStreamJob

__all__ = ["AsyncClient", "AsyncJob"]


class AsyncJob:
    """A running prediction, followed on the caller's event loop.

    Await it (or ``await job.result()``) for the final value; iterate it with ``async for``
    for every status and output update in order.

    Example:
        >>> job = client.submit(3, api_name="/count")
        >>> async for update in job:
        ...     print(update)
        >>> await job.result()
    """

    def __init__(self, run: JobRun) -> None:
        self._run = run

    async def result(self, timeout: float | None = None) -> Any:
        """Wait for the final value.

        For generator endpoints this is the last value yielded.

        Args:
            timeout: Seconds to wait; None waits until the job ends.

        Raises:
            TimeoutError: The timeout passed first (the job keeps running).
            AppError: The app raised an error.
            JobCancelledError: The job was cancelled.
        """
        if timeout is None:
            await self._run.wait()
        else:
            await asyncio.wait_for(asyncio.shield(self._run.wait()), timeout)
        if isinstance(self._run.error, DeadlineExceededError):
            # Let the cancel request reach the server before the caller moves on (and
            # perhaps closes the client).
            await self._run.stopped_on_server()
        if self._run.error is not None:
            raise self._run.error
        return self._run.result

    def __await__(self) -> Generator[Any, None, Any]:
        return self.result().__await__()

    def status(self) -> StatusUpdate:
        """The latest status: queue position, progress, or the final state."""
        return self._run.status

    def outputs(self) -> list[Any]:
        """Every output received so far (a generator's intermediate values, in order)."""
        return self._run.outputs

    def done(self) -> bool:
        """True once the job has ended (result, error or cancel)."""
        return self._run.done

    def cancelled(self) -> bool:
        """True if the job was cancelled."""
        return self._run.cancelled

    async def cancel(self) -> bool:
        """Cancel the job here and on the server.

        A generator stops at its current iteration; outputs received so far are kept. While
        other jobs of the same endpoint are queued or running in this session, the job is
        cancelled only here (with a warning) and the server finishes it: Gradio's cancel
        would stop those too.

        Returns:
            False if the job had already ended.
        """
        return self._run.cancel()

    @property
    def event_id(self) -> str | None:
        """The server's id for this job, once it has joined the queue."""
        return self._run.event_id

    async def __aiter__(self) -> AsyncIterator[Update]:
        async for update in iterate_updates(self._run):
            yield update


async def iterate_updates(run: JobRun) -> AsyncIterator[Update]:
    """Yield every update of ``run`` in order, on the caller's event loop."""
    async for update in run.updates.follow_async():
        yield update


class AsyncClient(ClientCore):
    """Call a Gradio app from asyncio code.

    Args:
        src: The app's URL, e.g. ``"http://127.0.0.1:7860/"`` (a path prefix is kept), or a
            Hugging Face Space id such as ``"owner/name"`` (resolved through the Hub).
        token: A Hugging Face token. For a Space id it defaults to ``HF_TOKEN`` or the saved
            token, and goes only to the Hub and the Space's host; for a URL only a token
            passed here is sent (as ``x-hf-authorization``).
        max_workers: Accepted for compatibility; gradiox needs no worker threads.
        verbose: Print "Loaded as API" when connected.
        auth: ``(username, password)`` for apps launched with ``auth=``.
        httpx_kwargs: Extra ``httpx.AsyncClient`` options (proxy, cookies, ...). A
            ``timeout`` here applies to each single request, never to a job's event stream.
        headers: Headers sent with every request to the app.
        download_files: Folder for downloaded output files, or False to return file dicts.
        ssl_verify: Verify TLS certificates.
        analytics_enabled: Accepted for compatibility; gradiox sends no telemetry.
        oauth_token: A token passed to endpoints that take ``gr.OAuthToken``.
        timeout: Deadlines (a :class:`gradiox.Timeout`, or seconds for the ``total``), as for
            :class:`gradiox.Client`; per call with ``with_options(timeout=...)``.
        max_retries: Retries of a refused request (429, 503, full queue), as for ``Client``.
        max_event_size: The largest server event accepted, in bytes.

    Raises:
        DeadlineExceededError: (from ``connect()``) Connecting took longer than the connect
            budget.

    Example:
        >>> async with AsyncClient("http://127.0.0.1:7860/", timeout=60) as client:
        ...     print(await client.predict(1, 2, api_name="/add"))
        ...     print(await client.with_options(timeout=5).predict(3, 4, api_name="/add"))
    """

    def __init__(
        self,
        src: str,
        token: str | None = None,
        max_workers: int = 40,
        verbose: bool = True,
        auth: tuple[str, str] | None = None,
        httpx_kwargs: dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        download_files: str | bool = DEFAULT_TEMP_DIR,
        ssl_verify: bool = True,
        analytics_enabled: bool = True,
        oauth_token: str | None = None,
        timeout: TimeoutTypes = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self._configure(
            src, token, max_workers, verbose, auth, httpx_kwargs, headers, download_files,
            ssl_verify, analytics_enabled, oauth_token, timeout, max_retries, max_event_size,
        )  # fmt: skip

    @classmethod
    async def create(cls, src: str, **kwargs: Any) -> AsyncClient:
        """Create and connect a client (pair with ``await client.aclose()``)."""
        client = cls(src, **kwargs)
        await client.connect()
        return client

    async def connect(self) -> None:
        """Fetch the app's config and API info. ``async with`` calls this for you.

        On a ``with_options`` view, this connects the client it came from.

        Raises:
            NotAGradioAppError: The URL is not a Gradio app.
            AppUnavailableError: The app answered its config (or API info) with HTTP 5xx.
            AuthenticationError: The app needs a login, or the login failed.
            DeadlineExceededError: Connecting took longer than the connect budget.
            TransportError: The host cannot be reached.
        """
        if isinstance(self._parent, AsyncClient):
            await self._parent.connect()
            return
        if self._conn is not None:
            return
        self._connected(await self._connect())

    async def __aenter__(self) -> AsyncClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Cancel running jobs' streams and close every connection.

        On a ``with_options`` view this does nothing: close the client it came from.
        """
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.aclose()

    @classmethod
    async def duplicate(
        cls,
        from_id: str,
        to_id: str | None = None,
        token: str | None = None,
        private: bool = True,
        hardware: str | None = None,
        secrets: dict[str, str] | None = None,
        sleep_timeout: int = 5,
        max_workers: int = 40,
        verbose: bool = True,
        **kwargs: Any,
    ) -> AsyncClient:
        """Duplicate a Space to your account (or reuse your copy) and connect to it.

        Arguments and errors as for ``Client.duplicate``; returns a connected AsyncClient.
        """
        space_id = await duplicate_to_space_id(
            from_id, to_id=to_id, token=token, private=private, hardware=hardware,
            secrets=secrets, sleep_timeout=sleep_timeout, verbose=verbose,
            httpx_kwargs=kwargs.get("httpx_kwargs"), ssl_verify=kwargs.get("ssl_verify", True),
        )  # fmt: skip
        return await cls.create(
            space_id, token=token, max_workers=max_workers, verbose=verbose, **kwargs
        )

    def submit(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        result_callbacks: Callable[..., Any] | list[Callable[..., Any]] | None = None,
        **kwargs: Any,
    ) -> AsyncJob:
        """Start a prediction on the running event loop and return its job at once.

        Args:
            *args: Inputs in the order of the endpoint's parameters.
            api_name: The endpoint, e.g. ``"/predict"``; optional if the app has only one.
            fn_index: The endpoint by index, if it has no name.
            headers: Extra headers for this call's queue request.
            result_callbacks: Functions called with the result when the job succeeds.
            **kwargs: Inputs by parameter name; omitted ones take their defaults.

        Returns:
            An AsyncJob.

        Raises:
            EndpointError: Unknown api_name or fn_index.
            ArgumentError: The arguments don't fit the endpoint.
        """
        run = self._prepare(args, kwargs, api_name, fn_index, headers)
        callbacks = as_callbacks(result_callbacks)
        if callbacks:
            run.add_listener(_callback_runner(callbacks))
        run.start()
        return AsyncJob(run)

    def stream(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> AsyncStreamJob:
        """Start a job on a streaming endpoint with its first chunk; see ``Client.stream``.

        Returns:
            An AsyncStreamJob: ``send``, ``feed``, ``close`` and ``result`` are coroutines.
        """
        from gradiox.streaming import AsyncStreamJob

        run = self._prepare(args, kwargs, api_name, fn_index, headers, streamed=True)
        stream = self._input_stream(run)
        run.start()
        return AsyncStreamJob(run, stream, self._connection)

    async def predict(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Run a prediction and return its result (a generator's last value).

        Args:
            *args: Inputs in the order of the endpoint's parameters.
            api_name: The endpoint, e.g. ``"/predict"``; optional if the app has only one.
            fn_index: The endpoint by index, if it has no name.
            headers: Extra headers for this call's queue request.
            **kwargs: Inputs by parameter name; omitted ones take their defaults.

        Raises:
            EndpointError: Unknown api_name or fn_index.
            ArgumentError: The arguments don't fit the endpoint.
            AppError: The app raised an error.
            DeadlineExceededError: A budget of the client's ``timeout`` ran out (the job
                was cancelled on the server).
        """
        job = self.submit(*args, api_name=api_name, fn_index=fn_index, headers=headers, **kwargs)
        try:
            return await job.result()
        except asyncio.CancelledError:
            await job.cancel()
            raise

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
        max_retries: int | None = None,
        resubmit_lost_jobs: bool | None = None,
        checkpoint: str | os.PathLike[str] | None = None,
        rerun_failed: Literal["transient", "all", "none"] = "transient",
        progress: bool = True,
        on_progress: Callable[[BatchProgress], None] | None = None,
    ) -> AsyncIterator[BatchResult]:
        """Run the endpoint over many inputs, a few at a time; yield one record per input.

        Takes the same arguments as :meth:`gradiox.Client.map` (see there); ``inputs`` may
        also be an async iterable. Use with ``async for``; leaving the loop early stops
        submitting items.

        Returns:
            An async iterator of ``BatchResult`` (``index``, ``inputs``, ``output``,
            ``error``, ``attempts``, ``seconds``).

        Raises:
            EndpointError: Unknown api_name or fn_index (before any work).
            CheckpointError: The checkpoint can't be read, or was written for other inputs
                (CheckpointMismatchError), before any work.

        Example:
            >>> async for r in client.map(range(100), api_name="/square"):
            ...     print(r.index, r.output if r.ok else r.error)
        """
        from gradiox._batch.api import client_batch, iterate_async

        call = client_batch(
            self, inputs, api_name=api_name, fn_index=fn_index, headers=headers,
            concurrency=concurrency, ordered=ordered, errors=errors, max_retries=max_retries,
            resubmit_lost_jobs=resubmit_lost_jobs, checkpoint=checkpoint,
            rerun_failed=rerun_failed, progress=progress, on_progress=on_progress,
        )  # fmt: skip
        return iterate_async(call)

    def reset_session(self) -> None:
        """Start a new session: the app's State values start fresh."""
        self._connection().reset_session()


def _callback_runner(callbacks: list[Callable[..., Any]]) -> Callable[[JobRun], None]:
    def run_callbacks(run: JobRun) -> None:
        if run.error is not None:
            return
        args = run.result if isinstance(run.result, tuple) else (run.result,)
        loop = asyncio.get_running_loop()
        for callback in callbacks:
            # Never on the loop itself: a callback may block.
            loop.run_in_executor(None, _call_with, callback, args)

    return run_callbacks


def _call_with(callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
    callback(*args)
