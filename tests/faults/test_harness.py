"""The fault harness itself: the fake server runs jobs, the proxy forwards, stalls and switches."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import pytest

from gradiox import AsyncClient, Client

if TYPE_CHECKING:
    from collections.abc import Callable

    from fake_server import FakeGradio
    from gradio_servers import RunningServer
    from proxy import TcpProxy


def test_fake_server_runs_jobs_for_both_clients(fake_gradio: FakeGradio) -> None:
    with Client(fake_gradio.url, verbose=False) as client:
        assert client.predict("hi", api_name="/echo") == "fake hi"

    async def main() -> str:
        async with AsyncClient(fake_gradio.url, verbose=False) as client:
            return str(await client.predict("there", api_name="/echo"))

    assert asyncio.run(main()) == "fake there"
    assert [join["data"] for join in fake_gradio.joins] == [["hi"], ["there"]]


def test_proxy_forwards_delays_and_switches(
    fault_g6: RunningServer,
    fake_gradio: FakeGradio,
    tcp_proxy: Callable[[int], TcpProxy],
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    with Client(proxy.url, verbose=False) as client:
        assert client.predict("hi", api_name="/echo") == "hi"
        assert proxy.accepted >= 1
        proxy.delay(0.3)
        started = time.monotonic()
        assert client.predict("slow", api_name="/echo") == "slow"
        assert time.monotonic() - started >= 0.3
        proxy.delay(0)
    proxy.switch(fake_gradio.port, cut=True)
    with Client(proxy.url, verbose=False) as client:
        assert client.predict("hi", api_name="/echo") == "fake hi"


def test_proxy_stall_holds_bytes_until_resumed(
    fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy]
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    with Client(proxy.url, verbose=False) as client:
        proxy.stall()
        job = client.submit("held", api_name="/echo")
        time.sleep(0.5)
        assert not job.done()
        proxy.resume()
        assert job.result(timeout=10) == "held"


@pytest.mark.parametrize("cut", [True, False])
def test_proxy_cut_resets_open_connections(
    fault_g6: RunningServer, tcp_proxy: Callable[[int], TcpProxy], cut: bool
) -> None:
    proxy = tcp_proxy(fault_g6.port)
    with Client(proxy.url, verbose=False) as client:
        assert client.predict("a", api_name="/echo") == "a"
        if cut:
            proxy.cut()
            assert proxy.open_connections == 0
            # The session's stream may still have been open when it was cut. Wait until the
            # client has seen that, as a caller would between calls: a job that joins while
            # the break is noticed counts as lost, since the server may have dropped it.
            session = client._connection().session
            deadline = time.monotonic() + 5
            while getattr(session, "_reader", None) is not None and time.monotonic() < deadline:
                time.sleep(0.01)
        assert client.predict("b", api_name="/echo") == "b"
