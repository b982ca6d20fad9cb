"""Progress of a ``map()`` run: counters, a snapshot type, and the bar or line that shows it.

tqdm draws the bar when it is installed (``pip install gradiox[progress]``); otherwise a single
line is rewritten on stderr, only when stderr is a terminal.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from gradiox._types import Status

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gradiox._engine.jobs import JobRun

__all__ = ["BatchProgress", "ProgressTracker", "Reporter", "make_reporter"]

REFRESH_SECONDS = 0.2
SHOW_AFTER_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Where a ``map()`` run stands, passed to ``on_progress`` after every finished item.

    Attributes:
        total: The number of inputs, if the iterable has a length (else None).
        done: Items finished successfully in this run.
        failed: Items that failed in this run (after their retries).
        in_flight: Items running now.
        skipped: Items found already done in the checkpoint.
        elapsed: Seconds since the run started.
        rate: Items finished per second in this run.
        eta: Estimated seconds left, when ``total`` is known and items have finished.
        queue_position: The best queue position among the running items, when the app
            reports one (0 is next).
    """

    total: int | None
    done: int
    failed: int
    in_flight: int
    skipped: int
    elapsed: float
    rate: float
    eta: float | None
    queue_position: int | None


class ProgressTracker:
    """The counters of one run (updated on the engine loop)."""

    def __init__(self, total: int | None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.skipped = 0
        self.started = time.monotonic()

    def snapshot(self, running: Iterable[JobRun]) -> BatchProgress:
        """The current progress; ``running`` are the jobs in flight."""
        elapsed = time.monotonic() - self.started
        finished = self.done + self.failed
        rate = finished / elapsed if elapsed > 0 else 0.0
        left = None if self.total is None else max(0, self.total - finished - self.skipped)
        eta = left / rate if left is not None and rate > 0 else None
        in_flight = 0
        position: int | None = None
        for run in running:
            in_flight += 1
            status = run.status
            if status.code is Status.IN_QUEUE and status.rank is not None:
                position = status.rank if position is None else min(position, status.rank)
        return BatchProgress(
            total=self.total,
            done=self.done,
            failed=self.failed,
            in_flight=in_flight,
            skipped=self.skipped,
            elapsed=elapsed,
            rate=rate,
            eta=eta,
            queue_position=position,
        )


class Reporter(Protocol):
    """Shows progress to a person."""

    def update(self, progress: BatchProgress) -> None:
        """Show ``progress`` (called after every finished item; throttle as needed)."""

    def close(self, progress: BatchProgress) -> None:
        """Show the final state and release the terminal."""


def make_reporter(enabled: bool) -> Reporter | None:
    """A tqdm bar if tqdm is installed, else a stderr line if stderr is a terminal, else nothing."""
    if not enabled:
        return None
    if importlib.util.find_spec("tqdm") is None:
        return LineReporter() if _stderr_is_terminal() else None
    return TqdmReporter()


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def describe(progress: BatchProgress) -> str:
    """One line: ``120/1000 done, 3 failed, 8 in flight, 45.2/s, ETA 19s, queue 3``."""
    total = f"/{progress.total}" if progress.total is not None else ""
    parts = [f"{progress.done + progress.failed + progress.skipped}{total} done"]
    if progress.failed:
        parts.append(f"{progress.failed} failed")
    parts.append(f"{progress.in_flight} in flight")
    parts.append(f"{progress.rate:.1f}/s")
    if progress.eta is not None:
        parts.append(f"ETA {_duration(progress.eta)}")
    if progress.queue_position is not None:
        parts.append(f"queue {progress.queue_position}")
    return ", ".join(parts)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class LineReporter:
    """Rewrites one line on stderr, at most five times a second, after the first second."""

    def __init__(self) -> None:
        self._last = 0.0
        self._shown = False

    def update(self, progress: BatchProgress) -> None:
        """Redraw the line if it is time to."""
        now = time.monotonic()
        if progress.elapsed < SHOW_AFTER_SECONDS or now - self._last < REFRESH_SECONDS:
            return
        self._last = now
        self._shown = True
        sys.stderr.write("\r\x1b[2K" + describe(progress))
        sys.stderr.flush()

    def close(self, progress: BatchProgress) -> None:
        """Draw the final line and end it."""
        if self._shown:
            sys.stderr.write("\r\x1b[2K" + describe(progress) + "\n")
            sys.stderr.flush()


class TqdmReporter:
    """A tqdm bar: position, rate and ETA from tqdm; failed, in flight and queue as postfix."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._count = 0
        self._last = 0.0

    def update(self, progress: BatchProgress) -> None:
        """Advance the bar to the finished count and refresh the postfix."""
        if self._bar is None:
            self._bar = _quiet_tqdm()(
                total=progress.total,
                initial=progress.skipped,
                unit="item",
                delay=SHOW_AFTER_SECONDS,
            )
            self._count = progress.skipped
        count = progress.done + progress.failed + progress.skipped
        self._bar.update(count - self._count)
        self._count = count
        now = time.monotonic()
        if now - self._last >= REFRESH_SECONDS:
            self._last = now
            self._bar.set_postfix(_postfix(progress), refresh=False)

    def close(self, progress: BatchProgress) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self.update(progress)
            self._bar.set_postfix(_postfix(progress), refresh=False)
            self._bar.close()


def _quiet_tqdm() -> Any:
    """The tqdm bar class, without its monitor thread.

    tqdm starts a monitor thread with its first bar, and the thread outlives every bar; the
    bar here is refreshed by each update, so it needs no monitor, and gradiox keeps its
    number of threads constant.
    """
    tqdm = importlib.import_module("tqdm.auto").tqdm
    return type("GradioxTqdm", (tqdm,), {"monitor_interval": 0})


def _postfix(progress: BatchProgress) -> dict[str, Any]:
    postfix: dict[str, Any] = {"failed": progress.failed, "in_flight": progress.in_flight}
    if progress.queue_position is not None:
        postfix["queue"] = progress.queue_position
    return postfix
