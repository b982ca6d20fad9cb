"""Refused requests over real sockets: 429 and 503 with Retry-After, a full queue, /config 500.

The fake server answers with real HTTP/1.1 refusals (statuses and ``Retry-After`` headers on
a keep-alive connection), for the sync ``Client`` and the ``AsyncClient``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import pytest

from gradiox import AsyncClient, Client
from gradiox.exceptions import AppUnavailableError, HTTPStatusError, QueueError

if TYPE_CHECKING:
    from fake_server import FakeGradio

KINDS = ["sync", "async"]
JOIN = "/gradio_api/queue/join"


def predict(kind: str, url: str, *args: Any, **options: Any) -> Any:
    """``predict("/echo")`` through a new Client or AsyncClient; closes it after."""
    if kind == "sync":
        with Client(url, verbose=False, **options) as client:
            return client.predict(*args, api_name="/echo")

    async def main() -> Any:
        async with AsyncClient(url, verbose=False, **options) as client:
            return await client.predict(*args, api_name="/echo")

    return asyncio.run(main())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("status", [429, 503])
def test_join_refused_twice_with_retry_after_then_served(
    kind: str, status: int, fake_gradio: FakeGradio, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gradiox")
    fake_gradio.refusals[JOIN] = [(status, {"Retry-After": "1"})] * 2
    assert predict(kind, fake_gradio.url, "hi") == "fake hi"
    times = [when for path, when in fake_gradio.refused if path == JOIN]
    assert len(times) == 2 and len(fake_gradio.joins) == 1
    assert times[1] - times[0] >= 0.95  # Retry-After was honoured
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2
    assert all(f"HTTP {status}" in line and "1.00 s" in line for line in retries), retries


@pytest.mark.parametrize("kind", KINDS)
def test_a_queue_that_stays_full_ends_in_queue_error_with_retry_after(
    kind: str, fake_gradio: FakeGradio
) -> None:
    fake_gradio.refusals[JOIN] = [(503, {"Retry-After": "0.2"})] * 5
    with pytest.raises(QueueError, match="Queue is full") as info:
        predict(kind, fake_gradio.url, "hi", max_retries=2)
    assert info.value.retry_after == 0.2
    assert len(fake_gradio.refusals[JOIN]) == 2  # one try and two retries
    assert fake_gradio.joins == []


@pytest.mark.parametrize("kind", KINDS)
def test_config_500_is_a_value_error(kind: str, fake_gradio: FakeGradio) -> None:
    fake_gradio.refusals["/config"] = [(500, {})]
    with pytest.raises(AppUnavailableError) as info:
        predict(kind, fake_gradio.url, "hi")
    assert isinstance(info.value, ValueError) and isinstance(info.value, HTTPStatusError)
    assert info.value.status_code == 500 and "logs" in str(info.value)
