"""The typed records the benchmark passes between worker, runner and report.

A worker measures one client in one process and prints a :class:`WorkerOutput`; the runner
stamps each :class:`Result` with what it observed from outside (round, threads, RSS, load)
and saves them in the results JSON; the report reads them back. Field names are defined
here once: the JSON is only their serialised form (fields that are None are left out).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """One scenario's outcome in one worker process (one round of one client).

    Each scenario fills the fields it measures; the rest stay None.
    """

    # Timings: connect, predict and stream samples (seconds), and single figures.
    samples: list[float] = field(default_factory=list)
    first: float | None = None  # connect: the process's first connect
    cpu_per_call: float | None = None  # predict: process CPU seconds per call
    seconds: float | None = None  # count, burst, file: wall time of the whole run
    cpu: float | None = None  # count, file: process CPU seconds
    # The 2000-item generator.
    received: int | None = None
    complete: bool | None = None
    in_order: bool | None = None
    final_ok: bool | None = None
    # Progress updates.
    seen: int | None = None
    of: int | None = None
    missing: list[int] | None = None
    # Bursts of jobs.
    jobs: int | None = None
    ok: int | None = None
    failed: int | None = None
    first_error: str | None = None
    throughput: float | None = None
    # File round trips (bytes).
    bytes: int | None = None
    rss_before: int | None = None
    rss_peak: int | None = None
    rss_growth: int | None = None
    # Why there is no measurement.
    skipped: str | None = None
    error: str | None = None
    traceback: str | None = None
    # Stamped by the runner.
    round: int | None = None
    peak_threads: int | None = None
    process_rss_peak: int | None = None
    load: float | None = None

    @property
    def good(self) -> bool:
        """True if this run measured something (no error, not skipped)."""
        return self.error is None and self.skipped is None

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        return cls(**data)  # an unknown key is a TypeError: the names live here only

    @classmethod
    def failure(cls, error: str, traceback: str | None = None) -> Result:
        return cls(error=error, traceback=traceback)


@dataclass
class WorkerOutput:
    """What one worker process reports: a Result per scenario key, and its own peaks."""

    results: dict[str, Result]
    rss_peak: int | None = None
    threads_at_end: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "results": {k: r.to_json() for k, r in self.results.items()},
            "rss_peak": self.rss_peak,
            "threads_at_end": self.threads_at_end,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkerOutput:
        results = {k: Result.from_json(v) for k, v in data["results"].items()}
        return cls(results, data.get("rss_peak"), data.get("threads_at_end"))
