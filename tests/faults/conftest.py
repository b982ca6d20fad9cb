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

The helpers live in ``fault_servers.py`` and ``fault_helpers.py`` (never import from a
conftest: ``tests/integration`` has one too).

Everything under ``tests/faults`` is marked ``faults``: run them alone with ``-m faults``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "tools"))
sys.path.insert(0, str(HERE))

from fake_server import FakeGradio  # noqa: E402
from fault_servers import G6, ServerPool, start_fault_app  # noqa: E402
from proxy import TcpProxy  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from gradio_servers import RunningServer


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


@pytest.fixture(scope="session")
def fault_g6() -> Iterator[RunningServer]:
    """``fault_app.py`` on gradio 6.31, shared by the session (never kill it)."""
    server = start_fault_app(G6)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def own_server() -> Iterator[ServerPool]:
    """``own_server(stem)``: a private server the test may kill; ``own_server.restart(s)``."""
    pool = ServerPool()
    try:
        yield pool
    finally:
        pool.stop_all()
