"""Per-client and per-call options (deadlines, retries) and ``with_options`` views of a client.

No I/O here: a view shares its parent's connection, session and HTTP pool.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

from gradiox._timeouts import Timeout, TimeoutTypes

if TYPE_CHECKING:
    from gradiox._engine.app import AppConnection

__all__ = ["DEFAULT_MAX_RETRIES", "NOT_GIVEN", "CallOptions", "OptionsHolder", "check_retries"]

DEFAULT_MAX_RETRIES = 2
"""Retries of a request the server refused (429, 503, queue full) before giving up."""


class _NotGiven:
    """The default of ``with_options`` arguments: keep the client's value."""

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    def __bool__(self) -> bool:
        return False


NOT_GIVEN: Any = _NotGiven()


def check_retries(max_retries: object) -> int:
    """Validate ``max_retries`` (a whole number >= 0).

    Raises:
        TypeError: Not an int.
        ValueError: Negative.
    """
    if isinstance(max_retries, bool) or not isinstance(max_retries, int):
        raise TypeError(f"max_retries must be a whole number >= 0, got {max_retries!r}.")
    if max_retries < 0:
        raise ValueError(f"max_retries must be 0 or more (0: never retry), got {max_retries}.")
    return max_retries


@dataclass(frozen=True)
class CallOptions:
    """What ``with_options`` can change for the calls made through a client.

    Attributes:
        timeout: The deadlines of each call (and of connecting, for the client itself).
        max_retries: How often a refused request (429, 503, queue full) is sent again.
        resubmit_lost_jobs: Submit a job again when its event stream was lost after it may
            have started on the server (the app then runs it twice: only for idempotent apps).
    """

    timeout: Timeout = field(default_factory=Timeout)
    max_retries: int = DEFAULT_MAX_RETRIES
    resubmit_lost_jobs: bool = False

    def derive(
        self, timeout: TimeoutTypes | Any, max_retries: int | Any, resubmit_lost_jobs: bool | Any
    ) -> CallOptions:
        """These options with the given ones replaced (``NOT_GIVEN`` keeps a value)."""
        changes: dict[str, Any] = {}
        if timeout is not NOT_GIVEN:
            changes["timeout"] = Timeout.coerce(timeout)
        if max_retries is not NOT_GIVEN:
            changes["max_retries"] = check_retries(max_retries)
        if resubmit_lost_jobs is not NOT_GIVEN:
            if not isinstance(resubmit_lost_jobs, bool):
                raise TypeError(
                    f"resubmit_lost_jobs must be True or False, got {resubmit_lost_jobs!r}."
                )
            changes["resubmit_lost_jobs"] = resubmit_lost_jobs
        return replace(self, **changes)


V = TypeVar("V", bound="OptionsHolder")


class OptionsHolder:
    """The option-handling half of a client: its options, and views with other options.

    A view is a shallow copy of the client that uses the parent's connection (so the same
    session, connection pool and files) with different options. Closing a view does nothing;
    closing the parent ends every view's calls.
    """

    _conn: AppConnection | None
    _options: CallOptions
    _parent: OptionsHolder | None = None

    def _connection(self) -> AppConnection:
        raise NotImplementedError

    @property
    def timeout(self) -> Timeout:
        """The deadlines this client (or view) gives each call."""
        return self._options.timeout

    @property
    def max_retries(self) -> int:
        """How often a refused request (429, 503, queue full) is sent again."""
        return self._options.max_retries

    def with_options(
        self: V,
        *,
        timeout: TimeoutTypes | Any = NOT_GIVEN,
        max_retries: int | Any = NOT_GIVEN,
        resubmit_lost_jobs: bool | Any = NOT_GIVEN,
    ) -> V:
        """A view of this client whose calls use other options; same connection and session.

        Args:
            timeout: A :class:`gradiox.Timeout`, a number of seconds (the ``total`` budget of
                each call), or None (no deadlines but ``stream_idle``).
            max_retries: Retries of a request the server refused (429, 503, queue full).
            resubmit_lost_jobs: Submit a job again if its event stream is lost after it may
                have started; the app may then run it twice, so only for idempotent apps.

        Returns:
            A client of the same type. Closing it does nothing; close the original client.

        Example:
            >>> client.with_options(timeout=10).predict("hi", api_name="/chat")
            >>> fast = client.with_options(timeout=Timeout(queue=5), max_retries=0)
        """
        options = self._options.derive(timeout, max_retries, resubmit_lost_jobs)
        view = copy.copy(self)
        view._parent = self._parent if self._parent is not None else self
        view._conn = None  # the view never owns (or closes) the connection
        view._options = options
        return view
