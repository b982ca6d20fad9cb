"""Deadlines per phase against a real gradio 6 app, checked in the app's own log.

A budget that runs out fails the call with ``DeadlineExceededError`` naming the phase, and
the job is stopped on the server: the app's log shows it cancelled (or never started).
Also: Ctrl-C during a sync ``predict`` cancels the job on the server, and a request timeout
in ``httpx_kwargs`` never cuts a longer job's event stream.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from typing import TYPE_CHECKING, Any

import pytest

from gradiox import AsyncClient, Client, Timeout, handle_file
from gradiox.exceptions import DeadlineExceededError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from gradio_servers import RunningServer
    from proxy import TcpProxy

KINDS = ["sync", "async"]


def new_tag() -> str:
    return uuid.uuid4().hex[:10]


def wait_for_log(server: RunningServer, text: str, timeout: float = 15.0) -> None:
    """Wait until ``text`` appears in the server's log (fail after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while text not in server.log_text():
        if time.monotonic() > deadline:
            pytest.fail(f"{text!r} not in the app's log after {timeout} s:\n{server.log_tail(20)}")
        time.sleep(0.05)


def call(kind: str, url: str, api_name: str, *args: Any, **options: Any) -> Any:
    """``predict`` through a new Client or AsyncClient with ``options``; closes it after."""
    if kind == "sync":
        with Client(url, verbose=False, **options) as client:
            return client.predict(*args, api_name=api_name)

    async def main() -> Any:
        async with AsyncClient(url, verbose=False, **options) as client:
            return await client.predict(*args, api_name=api_name)

    return asyncio.run(main())


def expect_deadline(phase: str, fn: Callable[[], Any], within: float) -> DeadlineExceededError:
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError) as info:
        fn()
    elapsed = time.monotonic() - started
    assert info.value.phase == phase, info.value
    assert elapsed < within, f"took {elapsed:.1f} s"
    assert f"{phase} budget" in str(info.value)
    return info.value


@pytest.mark.parametrize("kind", KINDS)
def test_run_deadline_cancels_the_job_on_the_server(kind: str, fault_g6: RunningServer) -> None:
    tag = new_tag()
    expect_deadline(
        "run",
        lambda: call(kind, fault_g6.url, "/long", 20, tag, timeout=Timeout(queue=30, run=1.5)),
        within=10,
    )
    wait_for_log(fault_g6, f"long cancelled {tag}")
    assert f"long start {tag}" in fault_g6.log_text()
    assert f"long finished {tag}" not in fault_g6.log_text()


@pytest.mark.parametrize("kind", KINDS)
def test_total_deadline_cancels_the_job_on_the_server(kind: str, fault_g6: RunningServer) -> None:
    tag = new_tag()
    error = expect_deadline(
        "total", lambda: call(kind, fault_g6.url, "/long", 20, tag, timeout=2), within=10
    )
    assert error.seconds == 2 and "cancelled on the server" in str(error)
    wait_for_log(fault_g6, f"long cancelled {tag}")
    assert f"long finished {tag}" not in fault_g6.log_text()


@pytest.mark.parametrize("kind", KINDS)
def test_queue_deadline_takes_the_job_out_of_the_queue(kind: str, fault_g6: RunningServer) -> None:
    blocker_tag, tag = new_tag(), new_tag()
    with Client(fault_g6.url, verbose=False) as other:  # another session keeps the slot busy
        blocker = other.submit(4, blocker_tag, api_name="/long_single")
        wait_for_log(fault_g6, f"long start {blocker_tag}")
        expect_deadline(
            "queue",
            lambda: call(
                kind, fault_g6.url, "/long_single", 1, tag, timeout=Timeout(queue=1, run=30)
            ),
            within=10,
        )
        assert f"long start {tag}" not in fault_g6.log_text()  # it never left the queue
        assert blocker.result(timeout=30) == f"finished {blocker_tag}"
    time.sleep(1.5)  # the slot is free: a job still queued would start now
    assert f"long start {tag}" not in fault_g6.log_text()


@pytest.mark.parametrize("kind", KINDS)
def test_upload_deadline_never_joins(
    kind: str, fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy], tmp_path: Path
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    path = tmp_path / "input.txt"
    path.write_bytes(b"0123456789" * 1000)
    tag = new_tag()

    async def upload_async(client: AsyncClient) -> Any:
        return await client.predict(handle_file(str(path)), tag, api_name="/file_size")

    def upload() -> Any:
        options: dict[str, Any] = {"timeout": Timeout(upload=0.5)}
        if kind == "sync":
            with Client(proxy.url, verbose=False, **options) as client:
                assert client.with_options(timeout=None).predict("x", api_name="/echo") == "x"
                proxy.delay(2.0)  # every byte now takes 2 s to cross: the upload is slow
                return client.predict(handle_file(str(path)), tag, api_name="/file_size")

        async def main() -> Any:
            async with AsyncClient(proxy.url, verbose=False, **options) as client:
                proxy.delay(2.0)
                return await upload_async(client)

        return asyncio.run(main())

    expect_deadline("upload", upload, within=15)
    proxy.delay(0)
    time.sleep(2.5)  # what was in flight has arrived by now
    assert f"file start {tag}" not in fault_g6.log_text()
    with Client(fault_g6.url, verbose=False) as client:  # and the app is fine
        assert client.predict(handle_file(str(path)), tag, api_name="/file_size") == "10000"


@pytest.mark.parametrize("kind", KINDS)
def test_connect_deadline_against_a_stalled_server(
    kind: str, fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    proxy.stall()  # connections open, nothing ever answers
    error = expect_deadline(
        "connect",
        lambda: call(kind, proxy.url, "/echo", "x", timeout=Timeout(connect=1)),
        within=6,
    )
    assert error.seconds == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_request_timeout_in_httpx_kwargs_never_cuts_a_longer_job(
    kind: str, fault_g6: RunningServer
) -> None:
    tag = new_tag()
    answer = call(kind, fault_g6.url, "/long", 5, tag, httpx_kwargs={"timeout": 2})
    assert answer == f"finished {tag}"


SIGINT_SCRIPT = """
import sys
from gradiox import Client

client = Client(sys.argv[1], verbose=False)
"""
WAITS = {
    "predict": 'client.predict(60, sys.argv[2], api_name="/long")',
    "submit-result": 'job = client.submit(60, sys.argv[2], api_name="/long")\njob.result()',
}


@pytest.mark.parametrize("wait", WAITS)
def test_ctrl_c_during_a_sync_predict_cancels_the_job_on_the_server(
    wait: str, fault_g6: RunningServer
) -> None:
    tag = new_tag()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSTARTUP"}
    process = subprocess.Popen(
        [sys.executable, "-c", SIGINT_SCRIPT + WAITS[wait], fault_g6.url, tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        wait_for_log(fault_g6, f"long start {tag}", timeout=60)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0
    assert "KeyboardInterrupt" in stderr, stderr
    wait_for_log(fault_g6, f"long cancelled {tag}", timeout=10)
    assert f"long finished {tag}" not in fault_g6.log_text()
