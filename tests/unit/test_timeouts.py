"""The Timeout value and the errors that resilience adds to the tree."""

from __future__ import annotations

import pytest

from gradiox import Timeout
from gradiox.exceptions import (
    ConnectionLostError,
    DeadlineExceededError,
    GradioxError,
    QueueError,
    SessionLostError,
    TooManyRequestsError,
    TransportError,
)


def test_a_number_is_the_total_budget() -> None:
    assert Timeout.coerce(5) == Timeout(total=5.0)
    assert Timeout.coerce(2.5).total == 2.5


def test_none_means_the_defaults() -> None:
    default = Timeout.coerce(None)
    assert default == Timeout()
    assert default.total is None
    assert default.stream_idle == 40.0


def test_a_timeout_passes_through() -> None:
    timeout = Timeout(queue=3, run=4)
    assert Timeout.coerce(timeout) is timeout


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
def test_budgets_must_be_positive(bad: float) -> None:
    with pytest.raises(ValueError, match="more than 0 seconds"):
        Timeout(run=bad)


@pytest.mark.parametrize("bad", ["10", True, [1]])
def test_budgets_must_be_numbers(bad: object) -> None:
    with pytest.raises(TypeError, match="number of seconds"):
        Timeout(queue=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"gradiox\.Timeout"):
        Timeout.coerce(bad)  # type: ignore[arg-type]


def test_new_errors_keep_their_builtin_bases() -> None:
    deadline = DeadlineExceededError("late", phase="queue", seconds=3.0)
    assert isinstance(deadline, GradioxError)
    assert isinstance(deadline, TimeoutError)
    assert (deadline.phase, deadline.seconds) == ("queue", 3.0)
    lost = ConnectionLostError("gone", may_still_run=True)
    assert isinstance(lost, TransportError)
    assert isinstance(lost, ConnectionError)
    assert lost.may_still_run is True
    assert isinstance(SessionLostError("reset"), GradioxError)


def test_rate_limit_errors_carry_retry_after() -> None:
    assert TooManyRequestsError(retry_after=2.0).retry_after == 2.0
    assert TooManyRequestsError().retry_after is None
    assert QueueError("Queue is full!", retry_after=1.0).retry_after == 1.0
    assert QueueError("Queue is full!").args == ("Queue is full!",)
