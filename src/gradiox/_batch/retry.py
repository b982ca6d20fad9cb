"""Which failed items ``map()`` may run again, and how long to wait first.

An item is retried only if its job certainly did not run on the server (rate-limited, queue
full, the connection could not be opened, or the stream was lost before the job started),
unless the caller opted in with ``resubmit=True`` (for apps where running an input twice is
harmless). Errors of the app itself (``AppError``, validation, bad arguments) are final.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import httpx

from gradiox.exceptions import (
    ConnectionLostError,
    HTTPStatusError,
    QueueError,
    SessionLostError,
    TooManyRequestsError,
    TransportError,
)

if TYPE_CHECKING:
    from gradiox._engine.jobs import JobRun

__all__ = ["backoff", "may_retry", "replica_failed"]

BASE_DELAY = 0.25
MAX_DELAY = 10.0
RETRY_STATUSES = frozenset({429, 503})


def never_ran(error: BaseException, run: JobRun | None) -> bool:
    """True if ``error`` proves the job never reached the app (so running it again is safe)."""
    if isinstance(error, (TooManyRequestsError, QueueError)):
        return True
    if isinstance(error, HTTPStatusError):
        return error.status_code in RETRY_STATUSES
    if isinstance(error, ConnectionLostError):
        return not error.may_still_run
    if isinstance(error, TransportError) and (run is None or run.event_id is None):
        # The join was never sent if the connection could not even be opened.
        return isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
    return False


def may_have_run_elsewhere(error: BaseException) -> bool:
    """True for failures of the connection or the server, not of the app or the input."""
    return isinstance(error, (TransportError, SessionLostError)) or (
        isinstance(error, HTTPStatusError) and error.status_code >= 500
    )


def may_retry(error: BaseException, run: JobRun | None, resubmit: bool) -> bool:
    """Whether a failed item may run again (``resubmit`` allows jobs that may have run)."""
    return never_ran(error, run) or (resubmit and may_have_run_elsewhere(error))


def replica_failed(error: BaseException) -> bool:
    """True if ``error`` says the server (not the app's code or the input) is in trouble."""
    if isinstance(error, (TooManyRequestsError, QueueError)):
        return False  # busy, not broken
    return may_have_run_elsewhere(error)


def backoff(attempt: int, error: BaseException) -> float:
    """Seconds to wait before attempt ``attempt + 1``: ``Retry-After`` if sent, else jittered."""
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, (int, float)) and retry_after >= 0:
        return float(min(retry_after, 60.0))
    delay: float = min(MAX_DELAY, BASE_DELAY * 2 ** (attempt - 1))
    return delay * (0.5 + random.random() / 2)
