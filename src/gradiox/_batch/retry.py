"""Which failed items ``map()`` may run again, and how long to wait first.

A client already retries a join the server refused (429, 503, full queue) under its own
``max_retries``, so ``map()`` adds retries only for what that does not cover: a connection
that could not be opened, or a stream lost before the job started. Jobs that may have run
are submitted again only when the caller opted in with ``resubmit_lost_jobs=True`` (for
apps where running an input twice is harmless). A :class:`~gradiox.Pool` also moves a
refused item to another replica. Errors of the app itself (``AppError``, validation, bad
arguments) are final.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import httpx

from gradiox.exceptions import (
    ConnectionLostError,
    DeadlineExceededError,
    HTTPStatusError,
    ProtocolError,
    QueueError,
    SessionLostError,
    TooManyRequestsError,
    TransportError,
)

if TYPE_CHECKING:
    from gradiox._engine.jobs import JobRun

__all__ = ["backoff", "may_retry", "replica_failed", "transient"]

BASE_DELAY = 0.25
MAX_DELAY = 10.0
RETRY_STATUSES = frozenset({429, 503})


def refused(error: BaseException) -> bool:
    """True if the server refused the job (rate limit, full queue): it never ran."""
    if isinstance(error, (TooManyRequestsError, QueueError)):
        return True
    return isinstance(error, HTTPStatusError) and error.status_code in RETRY_STATUSES


def never_ran(error: BaseException, run: JobRun | None) -> bool:
    """True if ``error`` proves the job never reached the app, other than by a refusal."""
    if isinstance(error, ConnectionLostError):
        return not error.may_still_run
    if isinstance(error, TransportError) and (run is None or run.event_id is None):
        # The join was never sent if the connection could not even be opened.
        return isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
    return False


def may_have_run_elsewhere(error: BaseException) -> bool:
    """True for failures of the connection or the server, not of the app or the input."""
    return isinstance(error, (TransportError, SessionLostError, ProtocolError)) or (
        isinstance(error, HTTPStatusError) and error.status_code >= 500
    )


def may_retry(
    error: BaseException, run: JobRun | None, resubmit: bool, *, after_refusal: bool = False
) -> bool:
    """Whether a failed item may run again.

    Args:
        error: The item's failure.
        run: Its last run, if it got one.
        resubmit: Also allow jobs that may have run.
        after_refusal: Also allow jobs the server refused (a pool's other replicas may not).
    """
    if refused(error):
        return after_refusal
    if isinstance(error, HTTPStatusError):
        return resubmit and error.status_code >= 500
    return never_ran(error, run) or (resubmit and may_have_run_elsewhere(error))


def replica_failed(error: BaseException) -> bool:
    """True if ``error`` says the server (not the app's code or the input) is in trouble."""
    if isinstance(error, (TooManyRequestsError, QueueError)):
        return False  # busy, not broken
    return may_have_run_elsewhere(error)


def transient(error: BaseException) -> bool:
    """True if a later run may succeed: the connection, the server or a deadline failed.

    False for failures of the app or the input (``AppError``, validation, bad arguments),
    which a re-run would repeat.
    """
    return (
        refused(error)
        or may_have_run_elsewhere(error)
        or isinstance(error, (DeadlineExceededError, TimeoutError))
    )


def backoff(attempt: int, error: BaseException) -> float:
    """Seconds to wait before attempt ``attempt + 1``: ``Retry-After`` if sent, else jittered."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, (int, float)) and retry_after >= 0:
        return float(min(retry_after, 60.0))
    delay: float = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    return delay * (0.5 + random.random() / 2)
