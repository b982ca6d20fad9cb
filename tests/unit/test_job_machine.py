from __future__ import annotations

from datetime import datetime
from typing import Any

from gradiox._protocol.job import Cancelled, Failed, Finished, JobMachine, Output
from gradiox._protocol.messages import message_from_dict
from gradiox._types import Status, StatusUpdate
from gradiox.exceptions import AppError, ProtocolError, QueueError

NOW = datetime(2026, 1, 1)


def feed(machine: JobMachine, **body: Any) -> list[Any]:
    return machine.feed(message_from_dict({"event_id": "e1", **body}), now=NOW)


def test_queue_progress_log_and_completion() -> None:
    m = JobMachine(has_diffs=True)
    (est,) = feed(m, msg="estimation", rank=2, queue_size=3, rank_eta=1.5)
    assert isinstance(est, StatusUpdate)
    assert (est.code, est.rank, est.queue_size, est.eta) == (Status.IN_QUEUE, 2, 3, 1.5)
    assert not m.started  # queued: the server is not running it yet
    (start,) = feed(m, msg="process_starts", eta=8.0)
    assert start.code is Status.PROCESSING and start.eta is None
    assert m.started
    (prog,) = feed(
        m,
        msg="progress",
        progress_data=[{"index": 1, "length": 20, "unit": "steps", "progress": None, "desc": "w"}],
    )
    assert prog.code is Status.PROGRESS
    assert prog.progress_data[0].index == 1 and prog.progress_data[0].length == 20
    (log,) = feed(m, msg="log", log="starting x", level="info", duration=10, visible=True)
    assert log.code is Status.LOG and log.log == ("starting x", "info")
    status, done = feed(
        m, msg="process_completed", success=True, output={"data": [3], "is_generating": False}
    )
    assert status.code is Status.FINISHED and status.success is True
    assert isinstance(done, Finished) and done.data == [3]
    assert m.is_terminal
    assert feed(m, msg="process_completed", success=True, output={"data": [4]}) == []


def test_generator_diffs_are_applied() -> None:
    m = JobMachine(has_diffs=True)
    _, first = feed(m, msg="process_generating", success=True, output={"data": ["step 0", None]})
    assert isinstance(first, Output) and first.data == ["step 0", None]
    _, second = feed(
        m,
        msg="process_generating",
        success=True,
        output={"data": [[["replace", [], "step 1"]], []]},
    )
    assert second.data == ["step 1", None]
    _, third = feed(
        m, msg="process_generating", success=True, output={"data": [[["append", [], "!"]], []]}
    )
    assert third.data == ["step 1!", None]


def test_a_generator_output_alone_means_the_job_runs() -> None:
    m = JobMachine(has_diffs=False)
    feed(m, msg="send_data")
    assert not m.started
    feed(m, msg="process_generating", success=True, output={"data": ["a"]})
    assert m.started


def test_full_values_without_diffs() -> None:
    m = JobMachine(has_diffs=False)
    feed(m, msg="process_generating", success=True, output={"data": ["a"]})
    _, out = feed(m, msg="process_generating", success=True, output={"data": ["b"]})
    assert out.data == ["b"]


def test_app_error_carries_title_and_duration() -> None:
    m = JobMachine(has_diffs=True)
    (failed,) = feed(
        m,
        msg="process_completed",
        success=False,
        title="Oops",
        output={"error": "custom failure: x", "duration": 5, "visible": True, "title": "Oops"},
    )
    assert isinstance(failed, Failed) and isinstance(failed.error, AppError)
    err = failed.error
    assert (err.message, err.title, err.duration, err.visible) == (
        "custom failure: x",
        "Oops",
        5,
        True,
    )


def test_hidden_error_gets_the_explanation() -> None:
    (failed,) = feed(
        JobMachine(has_diffs=True), msg="process_completed", success=False, output={"error": None}
    )
    assert "show_error=True" in str(failed.error)


def test_server_cancel_completion_has_no_data() -> None:
    (event,) = feed(JobMachine(has_diffs=True), msg="process_completed", success=True, output={})
    assert isinstance(event, Cancelled)


def test_streaming_message_does_not_crash() -> None:
    status, out = feed(
        JobMachine(has_diffs=True), msg="process_streaming", success=True, output={"data": [1]}
    )
    assert status.code is Status.ITERATING and out.data == [1]


def test_streaming_outputs_are_full_values_never_diffs() -> None:
    # Each chunk's answer replaces the previous one: applying it as a diff would corrupt it.
    m = JobMachine(has_diffs=True)
    feed(m, msg="process_streaming", success=True, output={"data": [["a"], "x"]})
    _, out = feed(m, msg="process_streaming", success=True, output={"data": [["b"], "y"]})
    assert out.data == [["b"], "y"]
    (failed,) = feed(m, msg="process_streaming", success=True, output={"data": "no"})
    assert isinstance(failed, Failed) and isinstance(failed.error, ProtocolError)


def test_queue_full_and_unexpected_error() -> None:
    _, failed = feed(JobMachine(has_diffs=False), msg="queue_full")
    assert isinstance(failed.error, QueueError)
    (failed,) = feed(
        JobMachine(has_diffs=True),
        msg="unexpected_error",
        message="Server stopped unexpectedly.",
        success=False,
    )
    assert isinstance(failed.error, ProtocolError)


def test_bad_diff_fails_the_job_with_protocol_error() -> None:
    m = JobMachine(has_diffs=True)
    feed(m, msg="process_generating", success=True, output={"data": [{"a": 1}]})
    (failed,) = feed(
        m, msg="process_generating", success=True, output={"data": [[["explode", ["a"], 1]]]}
    )
    assert isinstance(failed.error, ProtocolError)


def test_unknown_kinds_are_ignored() -> None:
    assert feed(JobMachine(has_diffs=True), msg="something_new") == []
