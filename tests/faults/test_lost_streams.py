"""A lost or silent job stream fails its jobs fast with ConnectionLostError; nothing hangs.

Bounds (issue 9): every job in flight fails within 3 s of the loss, or within
``stream_idle`` + 3 s of the last byte on a silent stream; outputs received before the loss
stay in ``outputs()``; the next call works on the same client.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import TYPE_CHECKING

import pytest
from fake_server import Fault
from fault_helpers import cut_mid_generator, log_count, run, wait_until, wait_until_async
from fault_servers import G6, kill

from gradiox import AsyncClient, Client, Status, Timeout
from gradiox.exceptions import ConnectionLostError, TransportError

if TYPE_CHECKING:
    from collections.abc import Callable

    from fake_server import FakeGradio
    from fault_servers import ServerPool
    from gradio_servers import RunningServer
    from proxy import TcpProxy

LOSS_BOUND = 3.0
IDLE = 1.0


def test_killing_the_server_fails_50_jobs_fast(own_server: ServerPool) -> None:
    server = own_server(G6)
    tag = uuid.uuid4().hex[:8]

    async def main() -> None:
        with Client(server.url, verbose=False) as client:
            async with AsyncClient(server.url, verbose=False) as aclient:
                jobs = [client.submit(60, f"{tag}-s{i}", api_name="/long") for i in range(25)]
                ajobs = [aclient.submit(60, f"{tag}-a{i}", api_name="/long") for i in range(25)]
                await wait_until_async(
                    lambda: all(job.status().code is Status.PROCESSING for job in [*jobs, *ajobs]),
                    what="all 50 jobs starting",
                )
                assert log_count(server, f"long start {tag}") == 50
                killed = time.monotonic()
                kill(server)
                results = await asyncio.gather(
                    *(job.result() for job in ajobs),
                    *(asyncio.wrap_future(job) for job in jobs),
                    return_exceptions=True,
                )
                elapsed = time.monotonic() - killed
        assert elapsed < LOSS_BOUND, f"50 jobs failed {elapsed:.2f} s after the kill"
        for result in results:
            assert isinstance(result, ConnectionLostError), repr(result)
            assert isinstance(result, TransportError)
            assert result.may_still_run  # they had started: Gradio can't tell us more

    run(main())


def test_cut_mid_generator_keeps_outputs_and_the_next_call_works(
    fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    with Client(proxy.url, verbose=False) as client:
        job = client.submit(50, api_name="/slow_count")
        assert cut_mid_generator(proxy, job, LOSS_BOUND).may_still_run
        kept = job.outputs()
        assert len(kept) >= 2 and kept[:2] == ["step 0", "step 1"]
        assert client.predict("again", api_name="/echo") == "again"


def test_async_cut_mid_generator_keeps_outputs_and_the_next_call_works(
    fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(fault_g6.port)

    async def main() -> None:
        async with AsyncClient(proxy.url, verbose=False) as client:
            job = client.submit(50, api_name="/slow_count")
            await wait_until_async(lambda: len(job.outputs()) >= 2, what="two outputs")
            cut = time.monotonic()
            proxy.cut()
            with pytest.raises(ConnectionLostError, match="Lost the connection"):
                await job.result(timeout=LOSS_BOUND)
            assert time.monotonic() - cut < LOSS_BOUND
            assert job.outputs()[:2] == ["step 0", "step 1"]
            assert await client.predict("again", api_name="/echo") == "again"

    run(main())


def test_lost_job_with_the_session_kept_alive_fails(fake_gradio: FakeGradio) -> None:
    # The stream breaks after the job started; the session lives on (later streams send
    # heartbeats and run later jobs), but the job's own messages never come.
    fake_gradio.fault = Fault.LOSE_JOB

    async def main() -> None:
        async with AsyncClient(fake_gradio.url, verbose=False) as client:
            started = time.monotonic()
            with pytest.raises(ConnectionLostError) as caught:
                await client.predict("x", api_name="/echo")
            assert time.monotonic() - started < LOSS_BOUND
            assert caught.value.may_still_run  # it had started

    run(main())
    with Client(fake_gradio.url, verbose=False) as client:
        job = client.submit("y", api_name="/echo")
        with pytest.raises(ConnectionLostError):
            job.result(timeout=LOSS_BOUND)
        assert client.predict("z", api_name="/echo") == "fake z"  # the session lives on


def test_silent_stream_fails_after_stream_idle(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.SILENT
    bound = IDLE + LOSS_BOUND
    with Client(fake_gradio.url, verbose=False, timeout=Timeout(stream_idle=IDLE)) as client:
        started = time.monotonic()
        job = client.submit("x", api_name="/echo")
        with pytest.raises(ConnectionLostError, match="silent for 1 s"):
            job.result(timeout=bound)
        assert time.monotonic() - started < bound
        assert not job.outputs()

    async def main() -> None:
        async with AsyncClient(
            fake_gradio.url, verbose=False, timeout=Timeout(stream_idle=IDLE)
        ) as client:
            started = time.monotonic()
            with pytest.raises(ConnectionLostError, match="silent"):
                await asyncio.wait_for(client.predict("x", api_name="/echo"), bound)
            assert time.monotonic() - started < bound
            fake_gradio.fault = Fault.NONE
            assert await client.predict("ok", api_name="/echo") == "fake ok"

    run(main())


def test_stalled_network_fails_after_stream_idle(
    fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    idle = Timeout(stream_idle=2 * IDLE)  # the server's heartbeats come every second
    with Client(proxy.url, verbose=False, timeout=idle) as client:
        job = client.submit(50, api_name="/slow_count")
        wait_until(lambda: len(job.outputs()) >= 1, what="a first output")
        proxy.stall()
        stalled = time.monotonic()
        with pytest.raises(ConnectionLostError, match="silent"):
            job.result(timeout=2 * IDLE + LOSS_BOUND)
        assert time.monotonic() - stalled < 2 * IDLE + LOSS_BOUND
        proxy.resume()
        assert client.predict("again", api_name="/echo") == "again"


def test_heartbeats_keep_a_quiet_job_alive(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.HANG  # the job never ends, heartbeats every 0.2 s
    with Client(fake_gradio.url, verbose=False, timeout=Timeout(stream_idle=IDLE)) as client:
        job = client.submit("x", api_name="/echo")
        time.sleep(3 * IDLE)
        assert not job.done()  # heartbeats count as activity
        assert job.cancel()


def test_lost_job_is_resubmitted_when_the_caller_allows_it(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.LOSE_JOB

    async def main() -> None:
        async with AsyncClient(fake_gradio.url, verbose=False) as client:
            job = client.with_options(resubmit_lost_jobs=True).submit("again", api_name="/echo")
            assert await job.result(timeout=5) == "fake again"
            assert job._run.attempts == 1

    run(main())
