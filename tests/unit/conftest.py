"""Fixtures shared by the unit tests: the fake Gradio 6 server and clients connected to it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from tests.unit.engine.fake import FakeGradio

from gradiox import Client

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@pytest.fixture
def fake() -> FakeGradio:
    """A fake Gradio 6 app (an httpx MockTransport handler) running ``add_script``."""
    return FakeGradio()


@pytest.fixture
def make_client() -> Iterator[Callable[..., Client]]:
    """A factory of sync ``Client``s connected to a fake app; all are closed at teardown."""
    clients: list[Client] = []

    def make(fake: FakeGradio, **kw: Any) -> Client:
        client = Client(
            "http://fake.local/",
            verbose=False,
            httpx_kwargs={"transport": fake.transport()},
            **kw,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(fake: FakeGradio, make_client: Callable[..., Client]) -> Client:
    """A sync ``Client`` connected to the ``fake`` app."""
    return make_client(fake)
