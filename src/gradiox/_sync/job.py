"""``Job``: a running prediction of the sync ``Client``, a real ``concurrent.futures.Future``.

The engine completes it from its loop thread (through a listener on the job's run);
status, outputs and iteration read state the engine publishes, without a thread hop.
Built on ``Future``'s public API only.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from gradiox._engine.jobs import STOP_GRACE
from gradiox._types import Status, StatusUpdate, Update
from gradiox.async_client import iterate_updates

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from gradiox._engine.jobs import JobRun
    from gradiox._sync import portal as _portal

__all__ = ["Job"]

_logger = logging.getLogger("concurrent.futures")


class Job(concurrent.futures.Future[Any]):
    """A prediction running in the background; a ``concurrent.futures.Future``.

    Works with ``concurrent.futures.wait()``, ``as_completed()`` and
    ``add_done_callback()``. Done-callbacks never run on gradiox's event-loop thread.

    Example:
        >>> job = client.submit(3, api_name="/count")
        >>> for output in job:
        ...     print(output)
        >>> job.result()
        'step 2'
    """

    def __init__(
        self,
        run: JobRun,
        portal: _portal.Portal,
        verbose: bool = True,
        space_id: str | None = None,
    ) -> None:
        super().__init__()
        self._run = run
        self._portal = portal
        self.verbose = verbose
        self.space_id = space_id
        run.add_listener(self._complete)

    # -- completion (on the loop thread) ---------------------------------------------------

    def _complete(self, run: JobRun) -> None:
        if self.done():
            return  # cancelled by the user already
        # A user's cancel() may still win the race between done() and here: the Future then
        # refuses the outcome, and the job stays cancelled.
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            if run.cancelled:
                super().cancel()
            elif run.error is not None:
                self.set_exception(run.error)
            else:
                self.set_result(run.result)

    def add_done_callback(self, fn: Callable[[concurrent.futures.Future[Any]], object]) -> None:
        """Call ``fn(job)`` when the job ends (at once, in this thread, if it has).

        A Future runs its callbacks in the thread that completes it. The engine completes
        jobs on its loop thread, where a blocking callback would stall every job, so from
        there callbacks are handed to a small pool of callback threads.
        """
        portal = self._portal

        def run_off_the_loop(future: concurrent.futures.Future[Any]) -> None:
            if portal.in_loop_thread:
                portal.callbacks.submit(_call_logged, fn, future)
            else:
                fn(future)

        super().add_done_callback(run_off_the_loop)

    # -- gradio_client's Job API -----------------------------------------------------------

    def result(self, timeout: float | None = None) -> Any:
        """Wait for the final value (for generators, the last value yielded).

        Args:
            timeout: Seconds to wait; None waits until the job ends.

        Raises:
            concurrent.futures.TimeoutError: The timeout passed first (the job keeps running).
            concurrent.futures.CancelledError: The job was cancelled.
            AppError: The app raised an error.
            KeyboardInterrupt: Ctrl-C while waiting: the job is cancelled on the server first
                (waiting at most about 2 s for the cancel request to go out).
        """
        try:
            return super().result(timeout)
        except KeyboardInterrupt:
            self._cancel_and_wait()
            raise

    def _cancel_and_wait(self) -> None:
        """Cancel the job, and wait briefly for the cancel request to reach the server.

        For a caller that gives up on the job and may exit (or close the client) right after.
        """
        self.cancel()
        with contextlib.suppress(Exception):
            self._portal.run(self._run.stopped_on_server(), timeout=STOP_GRACE + 1)

    def cancel(self) -> bool:
        """Cancel the job here and on the server.

        A generator stops at its current iteration; outputs received so far are kept. While
        other jobs of the same endpoint are queued or running in this session, the job is
        cancelled only here (with a warning) and the server finishes it: Gradio's cancel
        would stop those too.

        Returns:
            False if the job had already ended.
        """
        if self.done():
            return False
        self._portal.call_soon(self._run.cancel)
        return super().cancel()

    def status(self) -> StatusUpdate:
        """The latest status: queue position and ETA, progress, log line, or final state."""
        if self.cancelled():
            status = self._run.status
            return StatusUpdate(
                code=Status.CANCELLED,
                rank=0,
                queue_size=None,
                eta=None,
                success=False,
                time=status.time,
                progress_data=None,
            )
        return self._run.status

    def outputs(self) -> list[Any]:
        """Every output received so far (a generator's intermediate values, in order)."""
        return self._run.outputs

    @property
    def event_id(self) -> str | None:
        """The server's id for this job, once it has joined the queue."""
        return self._run.event_id

    def __iter__(self) -> Iterator[Any]:
        # Wakes for outputs only: status updates (a generator sends one per item) don't
        # need this thread.
        return self._run.output_feed.follow_sync(self.cancelled)

    async def __aiter__(self) -> AsyncIterator[Update]:
        async for update in iterate_updates(self._run):
            yield update


def _call_logged(fn: Callable[[Any], object], future: concurrent.futures.Future[Any]) -> None:
    # As Future does for its callbacks: an error in one is logged, not raised.
    try:
        fn(future)
    except Exception:
        _logger.exception("exception calling callback for %r", future)
