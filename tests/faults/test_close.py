"""Closing a client settles every job within 2 s, cancels it on the server, and leaks nothing."""

from __future__ import annotations

import asyncio
import gc
import os
import threading
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from fault_helpers import log_count, run, wait_until, wait_until_async

from gradiox import AsyncClient, Client
from gradiox._sync.portal import get_portal
from gradiox.exceptions import ClientClosedError

if TYPE_CHECKING:
    from gradio_servers import RunningServer

SETTLE_BOUND = 2.0
JOBS = 3


def _tags() -> list[str]:
    prefix = uuid.uuid4().hex[:8]
    return [f"{prefix}-{i}" for i in range(JOBS)]


def _assert_cancelled_on_server(server: RunningServer, tags: list[str]) -> None:
    for tag in tags:
        wait_until(
            lambda tag=tag: log_count(server, f"long cancelled {tag}") == 1,
            timeout=10,
            what=f"the server cancelling job {tag}",
        )
    time.sleep(0.5)
    assert all(log_count(server, f"long finished {tag}") == 0 for tag in tags)


def test_leaving_with_settles_jobs_and_cancels_them_on_the_server(
    fault_g6: RunningServer,
) -> None:
    tags = _tags()
    with Client(fault_g6.url, verbose=False) as client:
        jobs = [client.submit(30, tag, api_name="/long") for tag in tags]
        wait_until(
            lambda: all(log_count(fault_g6, f"long start {tag}") for tag in tags),
            what="every job starting on the server",
        )
        started = time.monotonic()
    for job in jobs:
        with pytest.raises(ClientClosedError, match="closed while the job ran"):
            job.result(timeout=SETTLE_BOUND)
    settled = time.monotonic() - started
    assert settled < SETTLE_BOUND, f"jobs settled {settled:.2f} s after the close"
    _assert_cancelled_on_server(fault_g6, tags)


def test_async_close_settles_jobs_and_cancels_them_on_the_server(
    fault_g6: RunningServer,
) -> None:
    tags = _tags()

    async def main() -> float:
        async with AsyncClient(fault_g6.url, verbose=False) as client:
            jobs = [client.submit(30, tag, api_name="/long") for tag in tags]
            await wait_until_async(
                lambda: all(log_count(fault_g6, f"long start {tag}") for tag in tags),
                what="every job starting on the server",
            )
            started = time.monotonic()
        for job in jobs:
            with pytest.raises(ClientClosedError, match="closed while the job ran"):
                await job.result(timeout=SETTLE_BOUND)
        return time.monotonic() - started

    settled = run(main())
    assert settled < SETTLE_BOUND, f"jobs settled {settled:.2f} s after the close"
    _assert_cancelled_on_server(fault_g6, tags)


# The process-wide threads of gradiox: its loop thread and that loop's bounded pools (for
# callbacks and blocking file work), which start lazily and live until the process exits.
PROCESS_WIDE = ("gradiox-loop", "gradiox-callback", "gradiox-io")


def _threads() -> list[str]:
    """Names of the live threads that are not gradiox's process-wide ones."""
    names = [thread.name for thread in threading.enumerate()]
    assert sum(name.startswith("gradiox-") for name in names) <= 1 + 4 + 2
    return sorted(name for name in names if not name.startswith(PROCESS_WIDE))


def _fds() -> tuple[int, int]:
    """(open file descriptors, of which sockets) of this process."""
    names = os.listdir("/proc/self/fd")
    sockets = sum(_link(f"/proc/self/fd/{name}").startswith("socket:") for name in names)
    return len(names), sockets


def _link(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:  # the descriptor of the listdir itself, closed by now
        return ""


async def _loop_tasks() -> list[str]:
    """The tasks of the running loop, but this one and the one awaiting it."""
    mine = asyncio.current_task()
    return sorted(
        repr(task.get_coro())
        for task in asyncio.all_tasks()
        if task is not mine and getattr(task.get_coro(), "__name__", "") != "wait_for"
    )


def _portal_tasks() -> list[str]:
    tasks: list[str] = get_portal().run(_loop_tasks())
    return tasks


def _sync_round(url: str) -> None:
    client = Client(url, verbose=False)
    jobs = [client.submit(30, "leak", api_name="/long"), client.submit("x", api_name="/echo")]
    wait_until(lambda: jobs[0].event_id is not None, what="the job reaching the server")
    client.close()
    assert all(job.done() for job in jobs)


async def _async_rounds(url: str, rounds: int) -> list[str]:
    for _ in range(rounds):
        client = AsyncClient(url, verbose=False)
        await client.connect()
        jobs = [client.submit(30, "leak", api_name="/long"), client.submit("x", api_name="/echo")]
        await wait_until_async(
            lambda first=jobs[0]: first.event_id is not None, what="the job joining"
        )
        await client.aclose()
        assert all(job.done() for job in jobs)
    return await _loop_tasks()


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="counts descriptors in /proc")
def test_closing_20_clients_with_jobs_in_flight_leaks_nothing(fault_g6: RunningServer) -> None:
    _sync_round(fault_g6.url)  # warm up: the loop thread and its pools exist from now on
    run(_async_rounds(fault_g6.url, 1))
    gc.collect()
    threads, (fds, sockets), tasks = _threads(), _fds(), _portal_tasks()

    for _ in range(10):
        _sync_round(fault_g6.url)
    left_on_async_loop = run(_async_rounds(fault_g6.url, 10))
    gc.collect()

    after = _threads(), _fds(), _portal_tasks()
    assert left_on_async_loop == []
    assert after == (threads, (fds, sockets), tasks), (
        f"threads, (fds, sockets), loop tasks: {(threads, (fds, sockets), tasks)} before, "
        f"{after} after 20 clients"
    )
