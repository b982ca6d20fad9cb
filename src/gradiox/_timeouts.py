"""``Timeout``: the per-phase time budgets of a client or of one call (no I/O here)."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import TypeAlias

__all__ = ["DEFAULT_STREAM_IDLE", "Timeout", "TimeoutTypes"]

DEFAULT_STREAM_IDLE = 40.0
"""Longest silence on an event stream: above two of Gradio's 15 s heartbeats."""


@dataclass(frozen=True)
class Timeout:
    """How long each phase of a call may take, in seconds (None: no limit).

    A plain number wherever a timeout is accepted means ``Timeout(total=number)``.

    Args:
        total: The whole call, from submit to the last output.
        connect: Connecting to the app (config and API info).
        upload: Uploading the call's input files.
        queue: Waiting in the app's queue until the job starts.
        run: From the job's start to its last output.
        stream_idle: The longest silence on an event stream, heartbeats included, before
            the stream counts as lost.

    Example:
        >>> Client(url, timeout=Timeout(total=60, queue=30))
        >>> client.with_options(timeout=10).predict("hi", api_name="/chat")
    """

    total: float | None = None
    connect: float | None = None
    upload: float | None = None
    queue: float | None = None
    run: float | None = None
    stream_idle: float | None = DEFAULT_STREAM_IDLE

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"Timeout({field.name}=...) must be a number of seconds or None, got {value!r}."
                )
            if math.isnan(value) or value <= 0:
                raise ValueError(
                    f"Timeout({field.name}=...) must be more than 0 seconds (or None for no "
                    f"limit), got {value!r}."
                )

    @classmethod
    def coerce(cls, value: TimeoutTypes) -> Timeout:
        """Turn what users pass as ``timeout=`` into a Timeout.

        Args:
            value: A Timeout, a number of seconds (the ``total`` budget), or None (the
                defaults: no limit but ``stream_idle``).

        Raises:
            TypeError: For anything else.
        """
        if isinstance(value, Timeout):
            return value
        if value is None:
            return cls()
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(
                f"timeout must be a gradiox.Timeout, a number of seconds or None, got {value!r}."
            )
        return cls(total=float(value))


TimeoutTypes: TypeAlias = "Timeout | float | int | None"
"""What ``timeout=`` accepts."""
