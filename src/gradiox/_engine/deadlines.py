"""Deadlines: the connect budget, and one timer per job that watches its phase budgets.

A job's phases follow each other: ``upload`` (its input files, if any), ``queue`` (until
the server starts it), ``run`` (until its last output); ``total`` spans all three. A
:class:`DeadlineWatch` holds a single ``loop.call_at`` handle per job, set for whichever
budget ends first and re-armed when the phase changes: no task and no polling per job.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from gradiox._engine.tasks import TaskGroup
from gradiox.exceptions import DeadlineExceededError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

    from gradiox._timeouts import Timeout

__all__ = ["JOB_PHASES", "DeadlineWatch", "deadline_error", "within_connect_budget"]

T = TypeVar("T")

JOB_PHASES = ("upload", "queue", "run")

_WHAT = {
    "connect": "connecting to the app (config and API info) took longer than",
    "upload": "uploading its input files took longer than",
    "queue": "waited in the app's queue longer than",
    "run": "ran longer than",
    "total": "took longer than",
}


def deadline_error(
    phase: str, seconds: float, subject: str, cancelled: bool
) -> DeadlineExceededError:
    """The error for a budget that ran out, saying what happened and how to allow more time."""
    outcome = " It was cancelled on the server." if cancelled else ""
    return DeadlineExceededError(
        f"{subject} {_WHAT[phase]} its {phase} budget of {seconds:g} s.{outcome} "
        f"Allow more time with timeout=gradiox.Timeout({phase}=...) on the client or "
        "through client.with_options(timeout=...).",
        phase=phase,
        seconds=seconds,
    )


async def within_connect_budget(coro: Coroutine[Any, Any, T], timeout: Timeout, src: str) -> T:
    """Run ``coro`` (login and discovery) within ``timeout.connect`` (or ``timeout.total``).

    Raises:
        DeadlineExceededError: The budget ran out (phase "connect"); ``coro`` was cancelled.
    """
    budgets = [b for b in (timeout.connect, timeout.total) if b is not None]
    if not budgets:
        return await coro
    budget = min(budgets)
    group = TaskGroup()
    task = group.spawn(coro)
    try:
        done, _ = await asyncio.wait({task}, timeout=budget)
    finally:
        await group.aclose()
    if not done:
        raise deadline_error("connect", budget, f"The client of {src}:", cancelled=False)
    return task.result()


class DeadlineWatch:
    """The phase budgets of one job, watched with one timer handle on the running loop.

    Args:
        timeout: The job's budgets.
        on_expire: Called on the loop as ``on_expire(phase, seconds)`` when a budget runs out
            (at most once, unless re-armed by :meth:`enter`).

    Example:
        >>> watch = DeadlineWatch(Timeout(total=30, queue=5), run.expire)
        >>> watch.enter("queue")
        >>> watch.enter("run")  # the job started: the queue budget no longer applies
        >>> watch.stop()
    """

    def __init__(self, timeout: Timeout, on_expire: Callable[[str, float], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._timeout = timeout
        self._on_expire = on_expire
        self._total_at = None if timeout.total is None else self._loop.time() + timeout.total
        self._handle: asyncio.TimerHandle | None = None
        self._arm(None)

    @staticmethod
    def needed(timeout: Timeout) -> bool:
        """True if ``timeout`` limits a job at all (``stream_idle`` is watched elsewhere)."""
        return any(getattr(timeout, phase) is not None for phase in (*JOB_PHASES, "total"))

    def enter(self, phase: str) -> None:
        """The job entered ``phase`` ("upload", "queue" or "run"): its budget starts now."""
        budget: float | None = getattr(self._timeout, phase)
        self._arm(None if budget is None else (self._loop.time() + budget, phase, budget))

    def stop(self) -> None:
        """The job ended: no budget applies any more."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _arm(self, phase_end: tuple[float, str, float] | None) -> None:
        self.stop()
        ends = [phase_end] if phase_end is not None else []
        if self._total_at is not None and self._timeout.total is not None:
            ends.append((self._total_at, "total", self._timeout.total))
        if ends:
            when, phase, seconds = min(ends)
            self._handle = self._loop.call_at(when, self._fire, phase, seconds)

    def _fire(self, phase: str, seconds: float) -> None:
        self._handle = None
        self._on_expire(phase, seconds)
