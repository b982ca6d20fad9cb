"""The sync facade's event-loop thread: refusal from its own thread, stop, exit and fork."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import subprocess
import sys
import textwrap
import threading
from typing import TYPE_CHECKING

import pytest

from gradiox._sync.portal import Portal, get_portal
from gradiox.exceptions import EventLoopStoppedError, GradioxError, LoopThreadCallError

if TYPE_CHECKING:
    from collections.abc import Iterator

WAIT = 10.0


@pytest.fixture
def portal() -> Iterator[Portal]:
    """A private portal (not the process's), stopped at teardown."""
    own = Portal()
    yield own
    own.stop()


async def answer() -> int:
    await asyncio.sleep(0)
    return 42


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_run_returns_the_result_and_raises_the_error(portal: Portal) -> None:
    assert portal.run(answer()) == 42

    async def fail() -> None:
        raise ValueError("from the loop")

    with pytest.raises(ValueError, match="from the loop"):
        portal.run(fail())


def test_run_with_a_timeout_cancels_the_coroutine(portal: Portal) -> None:
    cancelled = threading.Event()

    async def slow() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(concurrent.futures.TimeoutError):
        portal.run(slow(), timeout=0.05)
    assert cancelled.wait(WAIT)


def test_a_blocking_call_from_the_loop_thread_is_refused(portal: Portal) -> None:
    outcome: concurrent.futures.Future[BaseException | None] = concurrent.futures.Future()

    def blocking_call_on_the_loop() -> None:
        coro = answer()
        try:
            portal.run(coro)
        except RuntimeError as exc:
            outcome.set_result(exc)
        else:
            outcome.set_result(None)
        # The refused coroutine was closed, not left to warn "never awaited".
        outcome_closed.set_result(coro.cr_frame is None)

    outcome_closed: concurrent.futures.Future[bool] = concurrent.futures.Future()
    portal.call_soon(blocking_call_on_the_loop)
    error = outcome.result(WAIT)
    assert isinstance(error, RuntimeError)
    assert isinstance(error, LoopThreadCallError) and isinstance(error, GradioxError)
    assert "event loop thread" in str(error) and "AsyncClient" in str(error)
    assert outcome_closed.result(WAIT) is True
    assert portal.run(answer()) == 42  # the loop is still fine


def test_call_soon_runs_on_the_loop_thread(portal: Portal) -> None:
    seen: concurrent.futures.Future[bool] = concurrent.futures.Future()
    portal.call_soon(lambda: seen.set_result(portal.in_loop_thread))
    assert seen.result(WAIT) is True
    assert not portal.in_loop_thread


def test_a_stopped_loop_refuses_new_work(portal: Portal) -> None:
    portal.stop()
    assert not portal.thread.is_alive()
    assert portal.loop.is_closed()
    coro = answer()
    with pytest.raises(RuntimeError, match="event loop has stopped") as info:
        portal.run(coro)
    assert isinstance(info.value, EventLoopStoppedError)
    assert coro.cr_frame is None  # closed: no "coroutine was never awaited" warning
    portal.stop()  # stopping twice is fine


def test_stop_cancels_what_is_still_running(portal: Portal) -> None:
    started = threading.Event()
    cleaned_up = threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        finally:
            cleaned_up.set()

    portal.call_soon(lambda: portal.loop.create_task(forever()))
    assert started.wait(WAIT)
    portal.stop()
    assert cleaned_up.is_set()


def test_the_process_has_one_portal() -> None:
    assert get_portal() is get_portal()
    assert get_portal().thread.name == "gradiox-loop"


def test_the_loop_stops_at_interpreter_exit() -> None:
    result = run_python(
        """
        import asyncio, sys
        from gradiox._sync.portal import get_portal

        portal = get_portal()

        async def forever():
            try:
                await asyncio.sleep(3600)
            finally:
                print("cleaned up", flush=True)

        portal.call_soon(lambda: portal.loop.create_task(forever()))
        portal.run(asyncio.sleep(0))
        print("exiting", flush=True)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["exiting", "cleaned", "up"]
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_forked_child_gets_a_new_loop() -> None:
    result = run_python(
        """
        import asyncio, os, sys
        from gradiox._sync.portal import get_portal

        parent = get_portal()
        assert parent.run(asyncio.sleep(0, "parent")) == "parent"
        pid = os.fork()
        if pid == 0:
            child = get_portal()
            ok = (
                child is not parent
                and child.loop is not parent.loop
                and child.thread.is_alive()
                and child.run(asyncio.sleep(0, "child")) == "child"
            )
            print("child ok" if ok else "child wrong", flush=True)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        print("parent ok" if parent.run(asyncio.sleep(0, 1)) == 1 else "parent wrong")
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    assert result.returncode == 0, result.stderr
    assert sorted(result.stdout.split("\n")[:2]) == ["child ok", "parent ok"]
