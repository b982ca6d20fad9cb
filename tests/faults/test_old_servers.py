"""Faults on the transports of old servers: one connection per job (3.x websocket, 4.0-4.8 SSE).

A 3.x job's websocket that breaks mid-job fails the job with ``ConnectionLostError`` (its
messages are gone) saying whether the server may still run it, within 3 s of the loss, and
the next call works. A full queue, which these servers answer on the job's connection, is
retried under the retry policy (nothing was queued), then reported as ``QueueError``.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import pytest
from fault_helpers import cut_mid_generator, wait_until
from gradio_servers import APPS_DIR, spawn_app

from gradiox import Client, Job, Status
from gradiox._engine import per_job
from gradiox.exceptions import ConnectionLostError, QueueError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from gradio_servers import RunningServer
    from proxy import TcpProxy

G3 = "gradio-3.50.2"
G48 = "gradio-4.8.0"
LOSS_BOUND = 3.0
START_TIMEOUT = 120.0


@pytest.fixture(scope="module")
def compat_g3() -> Iterator[RunningServer]:
    """``tests/apps/compat_app.py`` on gradio 3.50 (websocket jobs)."""
    server = spawn_app(APPS_DIR / "compat_app.py", G3).wait_ready(START_TIMEOUT)
    try:
        yield server
    finally:
        server.stop()


def test_a_cut_websocket_loses_the_job_and_the_next_call_works(
    compat_g3: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(compat_g3.port)
    with Client(proxy.url, verbose=False) as client:
        counting = client.submit(400, api_name="/count")  # 20 s of outputs, over a websocket
        error = cut_mid_generator(proxy, counting, LOSS_BOUND)
        assert error.may_still_run and "websocket" in str(error)
        assert counting.outputs()[:2] == ["step 0", "step 1"]
        assert client.predict("again", "?", api_name="/echo") == "again?"


@pytest.fixture(scope="module", params=[G3, G48], ids=["g3.50", "g4.8"])
def queue_small(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    """``tests/apps/queue_small_app.py`` (one worker, one waiting place, a 3 s ``/slow``)."""
    server = spawn_app(APPS_DIR / "queue_small_app.py", request.param).wait_ready(START_TIMEOUT)
    try:
        yield server
    finally:
        server.stop()


def _fill(client: Client) -> tuple[Job, Job]:
    """One job running, one waiting: the queue is full."""
    running = client.submit("a", api_name="/slow")
    wait_until(lambda: running.status().code is Status.PROCESSING, what="the first job running")
    waiting = client.submit("b", api_name="/slow")
    wait_until(lambda: waiting.status().code is Status.IN_QUEUE, what="the second job queued")
    return running, waiting


def test_queue_full_on_the_job_connection_is_retried(
    queue_small: RunningServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gradiox")
    with Client(queue_small.url, verbose=False) as client:
        running, waiting = _fill(client)
        monkeypatch.setattr(per_job, "backoff_delay", lambda attempt: 0.05)
        with pytest.raises(QueueError, match="Queue is full"):
            client.with_options(max_retries=2).predict("c", api_name="/slow")
        assert len(_retries(caplog)) == 2
        caplog.clear()
        with pytest.raises(QueueError, match="Queue is full"):
            client.with_options(max_retries=0).predict("c", api_name="/slow")
        assert not _retries(caplog)
        # Retried until the first job ends and the second starts: the queue has room again.
        monkeypatch.setattr(per_job, "backoff_delay", lambda attempt: 1.2)
        patient = client.with_options(max_retries=8).submit("c", api_name="/slow")
        assert patient.result(timeout=30) == "c"
        assert _retries(caplog)
        assert running.result(timeout=30) == "a" and waiting.result(timeout=30) == "b"


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "queue was full" in r.getMessage()]


def test_a_cut_loses_running_and_queued_jobs_and_says_which_may_still_run(
    queue_small: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(queue_small.port)
    with Client(proxy.url, verbose=False) as client:
        running, waiting = _fill(client)
        cut = time.monotonic()
        assert proxy.cut()
        for job, started in ((running, True), (waiting, False)):
            with pytest.raises(ConnectionLostError, match="Lost the connection") as caught:
                job.result(timeout=LOSS_BOUND)
            assert caught.value.may_still_run is started
        assert time.monotonic() - cut < LOSS_BOUND
