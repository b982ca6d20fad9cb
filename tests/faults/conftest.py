"""Fixtures for the fault-injection tests: a TCP proxy, a fake server and real servers to break.

Fixtures:

* ``tcp_proxy`` — a factory: ``tcp_proxy(upstream_port)`` returns a running
  :class:`~proxy.TcpProxy` (cut, stall, delay, switch); every proxy stops after the test.
* ``fake_gradio`` — a running :class:`~fake_server.FakeGradio` (a fake gradio 6.31 app with
  fault modes), stopped after the test.
* ``fault_g6`` — a real ``tests/apps/fault_app.py`` on gradio 6.31, shared by the session
  (heartbeats every second). Don't kill it: use ``own_server`` for that.
* ``own_server`` — a :class:`ServerPool`: ``own_server(stem)`` starts a private
  ``fault_app.py`` server that the test may kill (``kill(server)``) or restart
  (``own_server.restart(server)`` brings it back on the same port); all stop after the test.

Everything under ``tests/faults`` is marked ``faults``: run them alone with ``-m faults``.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tools"))
sys.path.insert(0, str(HERE))

from fake_server import FakeGradio  # noqa: E402
from gradio_servers import APPS_DIR, RunningServer, spawn_app  # noqa: E402
from proxy import TcpProxy  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

G6 = "gradio-6.31.0"
G5 = "gradio-5.50.0"
FAULT_APP = APPS_DIR / "fault_app.py"
START_TIMEOUT = 120.0
# Heartbeats every second (Gradio's default is 15 s) so that "heartbeats flow" quickly.
SERVER_ENV = {"GRADIO_HEARTBEAT_INTERVAL": "1"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/faults with ``faults``."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def tcp_proxy() -> Iterator[Callable[[int], TcpProxy]]:
    """``tcp_proxy(upstream_port)``: a proxy in front of a port, closed after the test."""
    proxies: list[TcpProxy] = []

    def make(upstream_port: int) -> TcpProxy:
        proxy = TcpProxy(upstream_port)
        proxies.append(proxy)
        return proxy

    yield make
    for proxy in proxies:
        proxy.close()


@pytest.fixture
def fake_gradio() -> Iterator[FakeGradio]:
    """A fake gradio 6.31 app with fault modes."""
    with FakeGradio() as server:
        yield server


def start_fault_app(stem: str, port: int | None = None) -> RunningServer:
    """Start ``fault_app.py`` on ``stem`` (on ``port`` if given) and wait until it answers."""
    return spawn_app(FAULT_APP, stem, env=SERVER_ENV, port=port).wait_ready(START_TIMEOUT)


@pytest.fixture(scope="session")
def fault_g6() -> Iterator[RunningServer]:
    """``fault_app.py`` on gradio 6.31, shared by the session (never kill it)."""
    server = start_fault_app(G6)
    try:
        yield server
    finally:
        server.stop()


class ServerPool:
    """Private ``fault_app.py`` servers of one test, which it may kill and restart."""

    def __init__(self) -> None:
        self.servers: list[RunningServer] = []

    def __call__(self, stem: str) -> RunningServer:
        """Start a private server on ``stem``."""
        server = start_fault_app(stem)
        self.servers.append(server)
        return server

    def restart(self, server: RunningServer) -> RunningServer:
        """Kill ``server`` if alive and start the same app again on the same port."""
        if server.process.poll() is None:
            kill(server)
        server.stop()
        again = start_fault_app(server.stem, port=server.port)
        self.servers.append(again)
        return again

    def stop_all(self) -> None:
        """Stop every server of the pool."""
        for server in self.servers:
            server.stop()


@pytest.fixture
def own_server() -> Iterator[ServerPool]:
    """``own_server(stem)``: a private server the test may kill; ``own_server.restart(s)``."""
    pool = ServerPool()
    try:
        yield pool
    finally:
        pool.stop_all()


def kill(server: RunningServer) -> None:
    """SIGKILL the server (no goodbye on any connection) and wait for it to be gone."""
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
