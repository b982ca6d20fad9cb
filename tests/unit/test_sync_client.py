"""The sync ``Client`` and its ``Job`` (a ``concurrent.futures.Future``) against the fake app."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.unit.engine.fake import FakeGradio, counting_generator, sse

from gradiox import Status
from gradiox.exceptions import AppError, ClientClosedError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from gradiox import Client

WAIT = 10.0  # seconds: every wait is bounded, so a broken job fails instead of hanging


def hold_jobs(fake: FakeGradio) -> asyncio.Event:
    """Make the fake's stream stay open with no message until the returned event is set."""
    release = asyncio.Event()

    def stream(n: int) -> httpx.Response:
        async def body() -> AsyncIterator[bytes]:
            yield b": heartbeat\n\n"
            await release.wait()

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    fake.stream_override = stream
    return release


def test_predict_submit_and_context_manager(fake: FakeGradio, client: Client) -> None:
    assert client.predict(1, b=2, api_name="/add") == 3
    job = client.submit(2, 3, api_name="/add")
    assert job.result(timeout=WAIT) == 5
    assert job.done() and not job.cancelled()
    assert job.status().code is Status.FINISHED
    assert job.outputs() == [5]
    assert job.event_id == "ev2"
    assert [j["session_hash"] for j in fake.joins] == [client.session_hash] * 2


def test_sync_iteration_yields_outputs_and_waits_for_outputs_only(
    make_client: Callable[..., Client],
) -> None:
    client = make_client(FakeGradio(counting_generator))
    job = client.submit(4, api_name="/count")
    assert list(job) == ["step 0", "step 1", "step 2", "step 3"]
    run = job._run
    # Status updates go to `updates` only; the iterator's feed holds outputs alone.
    assert run.output_feed.items is job.outputs()
    assert run.output_feed.closed
    assert len(run.updates.items) > len(run.output_feed.items)
    assert list(job) == job.outputs()  # iterating a finished job replays its outputs


def test_sync_job_is_a_future_and_callbacks_leave_the_loop(client: Client) -> None:
    seen: list[tuple[str, Any]] = []
    jobs = [
        client.submit(
            i,
            1,
            api_name="/add",
            result_callbacks=lambda r: seen.append((threading.current_thread().name, r)),
        )
        for i in range(20)
    ]
    _, not_done = concurrent.futures.wait(jobs, timeout=20)
    assert not not_done
    assert sorted(j.result() for j in concurrent.futures.as_completed(jobs)) == list(range(1, 21))
    threads: list[str] = []
    jobs[0].add_done_callback(lambda f: threads.append(threading.current_thread().name))
    assert threads == [threading.current_thread().name]  # already done: runs right here
    deadline = 50
    while len(seen) < 20 and deadline:
        threading.Event().wait(0.1)
        deadline -= 1
    assert sorted(r for _, r in seen) == list(range(1, 21))
    assert all(name != "gradiox-loop" for name, _ in seen)


def test_done_callbacks_added_before_the_end_run_off_the_loop(
    fake: FakeGradio, client: Client
) -> None:
    release = hold_jobs(fake)
    job = client.submit(1, 2, api_name="/add")
    ran = threading.Event()
    names: list[str] = []

    def on_done(future: concurrent.futures.Future[Any]) -> None:
        names.append(threading.current_thread().name)
        ran.set()

    job.add_done_callback(on_done)
    assert not ran.is_set()
    client._portal.call_soon(job._run.cancel)  # ends the job on the loop thread
    assert ran.wait(WAIT)
    assert names and names[0].startswith("gradiox-callback")
    client._portal.call_soon(release.set)


def test_a_failing_callback_is_logged_and_the_others_still_run(
    fake: FakeGradio, client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    release = hold_jobs(fake)
    job = client.submit(1, 2, api_name="/add")
    ran = threading.Event()

    def broken(future: concurrent.futures.Future[Any]) -> None:
        raise ValueError("callback bug")

    job.add_done_callback(broken)
    job.add_done_callback(lambda f: ran.set())
    client._portal.call_soon(job._run.cancel)
    assert ran.wait(WAIT)
    client._portal.call_soon(release.set)
    deadline = 50
    while "callback bug" not in caplog.text and deadline:
        threading.Event().wait(0.1)
        deadline -= 1
    assert "exception calling callback" in caplog.text and "callback bug" in caplog.text


def test_result_timeout_keeps_the_job_running(fake: FakeGradio, client: Client) -> None:
    release = hold_jobs(fake)
    job = client.submit(1, 2, api_name="/add")
    with pytest.raises(concurrent.futures.TimeoutError):
        job.result(timeout=0.05)
    assert not job.done()
    assert job.status().code is not Status.FINISHED
    client._portal.call_soon(release.set)
    job.cancel()


def test_cancel_semantics(fake: FakeGradio, client: Client) -> None:
    release = hold_jobs(fake)
    job = client.submit(1, 2, api_name="/add")
    assert job.cancel() is True
    assert job.cancelled() and job.done()
    assert job.cancel() is False  # already ended
    with pytest.raises(concurrent.futures.CancelledError):
        job.result(timeout=WAIT)
    assert job.status().code is Status.CANCELLED
    # The engine's own run ends too, and its late completion doesn't touch the Future.
    deadline = 50
    while not job._run.done and deadline:
        threading.Event().wait(0.1)
        deadline -= 1
    assert job._run.cancelled
    assert job.cancelled()
    client._portal.call_soon(release.set)
    finished = client.submit(1, 2, api_name="/add")
    client._portal.call_soon(finished._run.cancel)
    with pytest.raises(concurrent.futures.CancelledError):
        finished.result(timeout=WAIT)
    assert finished.cancel() is False


def test_cancel_after_the_end_returns_false(client: Client) -> None:
    job = client.submit(1, 2, api_name="/add")
    assert job.result(timeout=WAIT) == 3
    assert job.cancel() is False
    assert not job.cancelled()


def test_app_errors_are_raised_by_result(make_client: Callable[..., Client]) -> None:
    def failing(event_id: str, body: dict[str, Any]) -> list[bytes]:
        return sse(
            {
                "msg": "process_completed",
                "event_id": event_id,
                "success": False,
                "output": {"error": "bad input"},
            }
        )

    client = make_client(FakeGradio(failing))
    job = client.submit(1, 2, api_name="/add")
    with pytest.raises(AppError, match="bad input"):
        job.result(timeout=WAIT)
    assert isinstance(job.exception(), AppError)
    with pytest.raises(AppError):
        client.predict(1, 2, api_name="/add")


def test_reset_session_uses_a_new_session_hash(fake: FakeGradio, client: Client) -> None:
    first = client.session_hash
    assert client.predict(1, 2, api_name="/add") == 3
    client.reset_session()
    assert client.session_hash != first
    assert client.predict(1, 2, api_name="/add") == 3
    assert [j["session_hash"] for j in fake.joins] == [first, client.session_hash]


def test_use_after_close(client: Client) -> None:
    client.close()
    client.close()  # twice is fine
    with pytest.raises(RuntimeError, match="not connected") as info:
        client.predict(1, 2, api_name="/add")
    assert isinstance(info.value, ClientClosedError)
    assert "Create a new one: Client(src)" in str(info.value)
