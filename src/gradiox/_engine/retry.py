"""Sending a request again when the server refused it: HTTP 429, 503 and Gradio's full queue.

Only requests that are safe to repeat are retried (config, API info, uploads, downloads,
and a queue join the server refused, which created no job): the caller opts in per request
by passing a :class:`RetryPolicy`. The wait before each retry is the server's
``Retry-After`` (seconds or an HTTP date, capped at ``MAX_RETRY_AFTER``) or else an
exponential backoff with full jitter. Every retry is logged at INFO on the ``gradiox``
logger with the reason and the wait.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from gradiox._options import DEFAULT_MAX_RETRIES

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    import httpx

__all__ = [
    "MAX_RETRY_AFTER",
    "RETRY_STATUSES",
    "RetryPolicy",
    "backoff_delay",
    "parse_retry_after",
    "send_with_retries",
]

logger = logging.getLogger("gradiox")

RETRY_STATUSES = frozenset({429, 503})
"""Answers that mean "not now": the server did not act on the request."""
BASE_DELAY = 0.5
"""Seconds: the backoff before the first retry is up to this, doubling each time."""
MAX_DELAY = 8.0
"""Seconds: the longest backoff between two retries (when the server gave no Retry-After)."""
MAX_RETRY_AFTER = 60.0
"""Seconds: a longer ``Retry-After`` is cut to this (deadlines bound the wait too)."""


async def _sleep(delay: float) -> bool:
    await asyncio.sleep(delay)
    return True


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, a refused request is sent again.

    Attributes:
        max_retries: Retries after the first attempt (0: never retry).
        pause: Waits the given seconds before a retry; returns False to give up instead
            (a job's pause ends early when the job has ended, e.g. at its deadline).
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    pause: Callable[[float], Awaitable[bool]] = _sleep


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date).

    Returns:
        The wait, at least 0 and at most ``MAX_RETRY_AFTER``; None if absent or unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is always GMT
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def backoff_delay(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential backoff before retry number ``attempt + 1``."""
    return rand() * min(MAX_DELAY, BASE_DELAY * 2.0**attempt)


async def send_with_retries(
    send: Callable[[], Awaitable[httpx.Response]], policy: RetryPolicy | None, what: str
) -> httpx.Response:
    """Call ``send()`` until its answer is not a refusal or the retries are spent.

    Args:
        send: Sends the request once (a fresh body each time) and returns the response.
        policy: The retry policy; None sends once.
        what: The request, for the log, e.g. "POST http://host/gradio_api/queue/join".

    Returns:
        The last response: a refusal when the retries ran out (or the pause gave up), which
        the caller turns into its usual typed error.
    """
    attempt = 0
    while True:
        response = await send()
        code = response.status_code
        if policy is None or code not in RETRY_STATUSES or attempt >= policy.max_retries:
            return response
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        delay = backoff_delay(attempt) if retry_after is None else retry_after
        await response.aread()  # a refusal is small; keep it readable for the caller
        await response.aclose()
        attempt += 1
        logger.info(
            "gradiox: %s was refused with HTTP %d (%s); retry %d of %d in %.2f s%s.",
            what,
            code,
            _reason(response),
            attempt,
            policy.max_retries,
            delay,
            " as Retry-After asked" if retry_after is not None else "",
        )
        if not await policy.pause(delay):
            return response


def _reason(response: httpx.Response) -> str:
    if response.status_code == 429:
        return "too many requests"
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail)[:200] if detail else "service unavailable"
