"""``Client``: the sync API, a thin facade over the async engine.

Each ``Client`` runs its engine on gradiox's one event-loop thread per process; its jobs
are ``Job``s (``gradiox._sync.job``), real ``concurrent.futures.Future``s completed from
that loop.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING, Any, Literal

from gradiox._base import DEFAULT_TEMP_DIR, ClientCore, as_callbacks, duplicate_to_space_id
from gradiox._options import DEFAULT_MAX_RETRIES
from gradiox._protocol.api_info import EndpointInfo
from gradiox._protocol.sse import DEFAULT_MAX_EVENT_SIZE
from gradiox._sync import portal as _portal
from gradiox._sync.job import Job
from gradiox.exceptions import DeadlineExceededError

if TYPE_CHECKING:
    import concurrent.futures
    import os
    from collections.abc import Callable, Iterable, Iterator

    from gradiox._batch.progress import BatchProgress
    from gradiox._batch.run import BatchResult
    from gradiox._timeouts import TimeoutTypes
    from gradiox.streaming import StreamJob

__all__ = ["Client", "Endpoint", "Job"]

Endpoint = EndpointInfo


class Client(ClientCore):
    """Call a Gradio app as an API, from ordinary (blocking) Python.

    Args:
        src: The app's URL, e.g. ``"http://127.0.0.1:7860/"`` (a path prefix is kept), or a
            Hugging Face Space id such as ``"owner/name"`` (resolved through the Hub).
        token: A Hugging Face token. For a Space id it defaults to ``HF_TOKEN`` or the saved
            token, and goes only to the Hub and the Space's host; for a URL only a token
            passed here is sent (as ``x-hf-authorization``).
        max_workers: Accepted for compatibility; gradiox needs no worker threads.
        verbose: Print "Loaded as API" when connected.
        auth: ``(username, password)`` for apps launched with ``auth=``.
        httpx_kwargs: Extra ``httpx`` client options (proxy, cookies, ...). A
            ``timeout`` here applies to each single request, never to a job's event stream.
        headers: Headers sent with every request to the app.
        download_files: Folder for downloaded output files, or False to return file dicts.
        ssl_verify: Verify TLS certificates.
        analytics_enabled: Accepted for compatibility; gradiox sends no telemetry.
        oauth_token: A token passed to endpoints that take ``gr.OAuthToken``.
        timeout: Deadlines: a :class:`gradiox.Timeout` (per phase: connect, upload, queue,
            run, total, stream_idle), a number of seconds (the ``total`` budget of each
            call, which also bounds connecting), or None (no deadlines; streams still count
            as lost after ``stream_idle``). A call whose budget runs out raises
            ``DeadlineExceededError`` and is cancelled on the server. Change it per call
            with ``with_options(timeout=...)``.
        max_retries: How often a request the server refused (HTTP 429, 503, a full queue) is
            sent again, after ``Retry-After`` or an exponential backoff. Only requests that
            are safe to repeat are retried: config, API info, uploads, downloads, and a
            queue join that created no job.
        max_event_size: The largest server event accepted, in bytes (a bigger one fails
            the job with ``ProtocolError``).

    Raises:
        NotAGradioAppError: The URL is not a Gradio app.
        AppUnavailableError: The app answered its config (or API info) with HTTP 5xx.
        AuthenticationError: The app needs a login, or the login failed.
        DeadlineExceededError: Connecting took longer than the connect budget.
        TransportError: The host cannot be reached.

    Example:
        >>> with Client("http://127.0.0.1:7860/", timeout=Timeout(queue=60)) as client:
        ...     client.predict(1, 2, api_name="/add")
        ...     client.with_options(timeout=5).predict(3, 4, api_name="/add")
        3
        7
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
        self._close_lock = threading.Lock()
        self._portal = _portal.get_portal()
        self._connected(self._portal.run(self._connect()))

    @classmethod
    def duplicate(
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
    ) -> Client:
        """Duplicate a Hugging Face Space to your account (or reuse your copy) and connect.

        Same behaviour as gradio_client: the copy is named ``<your user>/<name of
        from_id>`` (or ``to_id``'s name), private by default, with ``from_id``'s hardware
        unless ``hardware`` says otherwise; ``secrets`` are set only when it is created;
        on upgraded hardware the Space sleeps after ``sleep_timeout`` idle minutes. Talks
        to the Hub's HTTP API (``HF_ENDPOINT``); ``huggingface_hub`` is not needed.

        Args:
            from_id: The Space to duplicate, "owner/name".
            to_id: The new Space's name ("name" or "you/name").
            token: A token with write access (default: ``HF_TOKEN`` or the saved token).
            private: Make a new duplicate private.
            hardware: Hardware flavor, e.g. "t4-small" (default: the original's).
            secrets: Secrets to set on a new duplicate.
            sleep_timeout: Minutes of inactivity before an upgraded Space sleeps.
            max_workers: Passed to the client.
            verbose: Print what happens.
            **kwargs: More client options (``httpx_kwargs``, ``download_files``, ...).

        Raises:
            SpaceNotFoundError: ``from_id`` does not exist or the token cannot read it.
            SpaceDuplicationError: No token, or the Hub refused a step.
        """
        space_id = _portal.get_portal().run(
            duplicate_to_space_id(
                from_id, to_id=to_id, token=token, private=private, hardware=hardware,
                secrets=secrets, sleep_timeout=sleep_timeout, verbose=verbose,
                httpx_kwargs=kwargs.get("httpx_kwargs"),
                ssl_verify=kwargs.get("ssl_verify", True),
            )
        )  # fmt: skip
        return cls(space_id, token=token, max_workers=max_workers, verbose=verbose, **kwargs)

    def submit(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        result_callbacks: Callable[..., Any] | list[Callable[..., Any]] | None = None,
        **kwargs: Any,
    ) -> Job:
        """Start a prediction in the background and return its Job at once.

        Args:
            *args: Inputs in the order of the endpoint's parameters.
            api_name: The endpoint, e.g. ``"/predict"``; optional if the app has only one.
            fn_index: The endpoint by index, if it has no name.
            headers: Extra headers for this call's queue request (they win over the
                client's headers).
            result_callbacks: Functions called with the result when the job succeeds
                (a tuple result is passed as several arguments).
            **kwargs: Inputs by parameter name; omitted ones take their defaults.

        Returns:
            A Job (a ``concurrent.futures.Future``).

        Raises:
            EndpointError: Unknown api_name or fn_index (the message lists valid ones).
            ArgumentError: The arguments don't fit the endpoint.

        Example:
            >>> job = client.submit("hello", api_name="/predict")
            >>> job.result(timeout=30)
        """
        run = self._prepare(args, kwargs, api_name, fn_index, headers)
        job = Job(run, self._portal, verbose=self.verbose, space_id=self.space_id)
        for callback in as_callbacks(result_callbacks):
            job.add_done_callback(_result_callback(callback))
        self._portal.call_soon(run.start)
        return job

    def stream(
        self,
        *args: Any,
        api_name: str | None = None,
        fn_index: int | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> StreamJob:
        """Start a job on an endpoint whose inputs are streamed, with its first chunk.

        Args:
            *args: The first chunk: inputs in the order of the endpoint's parameters.
            api_name: The streaming endpoint (an app's ``.stream()`` event).
            fn_index: The endpoint by index, if it has no name.
            headers: Extra headers for this call's requests.
            **kwargs: Inputs by parameter name; omitted ones take their defaults.

        Returns:
            A StreamJob (send, feed, close, iterate, result, cancel).

        Raises:
            InvalidAPIEndpointError: The endpoint does not stream its inputs.
            EndpointError: Unknown api_name or fn_index.
            ArgumentError: The arguments don't fit the endpoint.
        """
        from gradiox.streaming import StreamJob

        run = self._prepare(args, kwargs, api_name, fn_index, headers, streamed=True)
        stream = self._input_stream(run)
        job = StreamJob(
            run, self._portal, stream, self._connection, verbose=self.verbose,
            space_id=self.space_id,
        )  # fmt: skip
        self._portal.call_soon(run.start)
        return job

    def predict(
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

        Returns:
            The output: one value, or a tuple for several output components.

        Raises:
            EndpointError: Unknown api_name or fn_index.
            ArgumentError: The arguments don't fit the endpoint.
            AppError: The app raised an error.
            DeadlineExceededError: A budget of the client's ``timeout`` ran out (the job
                was cancelled on the server).
            KeyboardInterrupt: Ctrl-C: the job is cancelled on the server first (waiting
                at most about 2 s for the cancel request).

        Example:
            >>> client.predict(1, 2, api_name="/add")
            3
        """
        job = self.submit(*args, api_name=api_name, fn_index=fn_index, headers=headers, **kwargs)
        try:
            return job.result()  # Ctrl-C there cancels the job on the server
        except DeadlineExceededError:
            job._cancel_and_wait()  # the process may exit right after: let the cancel out
            raise

    def map(
        self,
        inputs: Iterable[Any],
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
    ) -> Iterator[BatchResult]:
        """Run the endpoint over many inputs, a few at a time; yield one record per input.

        Args:
            inputs: The inputs, read lazily (a generator is fine). Each item is a tuple or
                list of positional arguments, a dict of keyword arguments, or one value for a
                one-parameter endpoint (``handle_file`` values work anywhere in an item).
            api_name: The endpoint, as for ``predict``.
            fn_index: The endpoint by index, as for ``predict``.
            headers: Extra headers for every item's queue request.
            concurrency: Items in flight at once (default: the endpoint's concurrency limit
                when the app's config states it, else 8).
            ordered: Yield records in input order (True) or as items finish (False).
            errors: ``"collect"`` makes failures records; ``"raise"`` raises the first one
                (after its retries) and stops the run.
            max_retries: Further attempts per item whose job never started (a connection
                that could not be opened, a stream lost before the job began); refused joins
                (429, 503, full queue) are already retried by the client. None: the
                client's ``max_retries``.
            resubmit_lost_jobs: Also retry items whose job may already have run on the
                server (lost connection, app restart); only for apps where a second run is
                harmless. None: the client's setting (see ``with_options``).
            checkpoint: A JSON-lines file: each finished item is appended (and flushed)
                before it is reported, and a re-run with the same file and inputs skips the
                items it holds (except the failed ones ``rerun_failed`` selects).
            rerun_failed: Which items the checkpoint records as failed a re-run runs again:
                ``"transient"`` (default: those whose connection, server or deadline failed,
                not the app's own errors), ``"all"``, or ``"none"``.
            progress: Show a progress bar (tqdm if installed, else a line on a terminal).
            on_progress: Called with a ``BatchProgress`` as records arrive.

        Returns:
            An iterator of ``BatchResult`` (``index``, ``inputs``, ``output``, ``error``,
            ``attempts``, ``seconds``). Leaving it early stops submitting items; those in
            flight finish on the server unobserved (Gradio's cancel would also stop other
            jobs of the endpoint).

        Raises:
            EndpointError: Unknown api_name or fn_index (before any work).
            CheckpointError: The checkpoint can't be read, or was written for other inputs
                (CheckpointMismatchError), before any work.

        Example:
            >>> for r in client.map(range(100), api_name="/square", checkpoint="out.jsonl"):
            ...     print(r.index, r.output if r.ok else r.error)
        """
        from gradiox._batch.api import client_batch, iterate_sync

        call = client_batch(
            self, inputs, api_name=api_name, fn_index=fn_index, headers=headers,
            concurrency=concurrency, ordered=ordered, errors=errors, max_retries=max_retries,
            resubmit_lost_jobs=resubmit_lost_jobs, checkpoint=checkpoint,
            rerun_failed=rerun_failed, progress=progress, on_progress=on_progress,
            read_in_thread=True,
        )  # fmt: skip
        return iterate_sync(self._portal, call)

    def reset_session(self) -> None:
        """Start a new session: the app's State values start fresh."""
        conn = self._connection()
        self._portal.call_soon(conn.reset_session)
        # Wait for the swap so the next submit uses the new session.
        self._portal.run(_noop())

    def close(self) -> None:
        """Close the connections; running jobs stop being followed. Safe to call twice.

        On a ``with_options`` view this does nothing: close the client it came from.
        """
        if self._parent is not None:
            return
        with self._close_lock:
            conn, self._conn = self._conn, None
        if conn is None:
            return
        self._portal.run(conn.aclose(), timeout=10)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_conn", None) is not None:
            with contextlib.suppress(Exception):  # best effort at garbage collection
                self.close()


async def _noop() -> None:
    return None


def _result_callback(
    callback: Callable[..., Any],
) -> Callable[[concurrent.futures.Future[Any]], None]:
    def on_done(future: concurrent.futures.Future[Any]) -> None:
        if future.cancelled() or future.exception() is not None:
            return
        result = future.result()
        if isinstance(result, tuple):
            callback(*result)
        else:
            callback(result)

    return on_done
