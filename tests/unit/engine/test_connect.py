"""Discovery's requests: what connecting asks the server, and that nothing is asked twice."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import httpx
import pytest
from tests.unit.engine.fake import CONFIG, INFO
from tests.unit.helpers import run

from gradiox import AsyncClient, AuthenticationError
from gradiox._engine import connect

# Gradio 4: no api prefix, /info at the app's root.
GRADIO_4_CONFIG = {k: v for k, v in CONFIG.items() if k != "api_prefix"} | {"version": "4.44.1"}


@pytest.fixture(autouse=True)
def forget_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connect, "_info_prefixes", {})


def app(config: dict[str, Any], info_path: str | None) -> tuple[httpx.MockTransport, list[str]]:
    """A fake app serving ``config`` and, at ``info_path``, its info; 404 elsewhere.

    Returns the transport and the ``"<path> <status>"`` of every request answered (each
    connect asks for two forms of /info: all endpoints, and gradio_client's).
    """
    seen: list[str] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/config":
            await asyncio.sleep(0.02)  # the server builds it: the early /info goes out first
            response = httpx.Response(200, json=config)
        elif path == info_path:
            response = httpx.Response(200, json=INFO)
        else:
            response = httpx.Response(404, json={"detail": "Not Found"})
        seen.append(f"{path} {response.status_code}")
        return response

    return httpx.MockTransport(handle), seen


def connect_to(transport: httpx.MockTransport, src: str = "http://app.local/") -> None:
    async def main() -> None:
        client = AsyncClient(src, verbose=False, httpx_kwargs={"transport": transport})
        async with client:
            assert client.endpoints[0].api_name == "/add"

    run(main())


def test_gradio_5_and_later_get_config_and_info_in_parallel() -> None:
    transport, seen = app(CONFIG, "/gradio_api/info")
    connect_to(transport)
    connect_to(transport)
    assert sorted(seen) == ["/config 200"] * 2 + ["/gradio_api/info 200"] * 4


def test_gradio_4_is_asked_the_guessed_route_once_per_process() -> None:
    transport, seen = app(GRADIO_4_CONFIG, "/info")
    connect_to(transport)
    assert sorted(seen) == sorted(["/config 200"] + ["/gradio_api/info 404", "/info 200"] * 2)
    seen.clear()
    connect_to(transport)
    connect_to(transport)
    assert sorted(seen) == ["/config 200"] * 2 + ["/info 200"] * 4
    # Another app at another URL is a first contact again.
    other, seen_other = app(GRADIO_4_CONFIG, "/info")
    connect_to(other, "http://other.local/")
    assert "/gradio_api/info 404" in seen_other


def test_an_app_that_moved_on_is_still_described() -> None:
    old, _ = app(GRADIO_4_CONFIG, "/info")
    connect_to(old)
    upgraded, seen = app(CONFIG, "/gradio_api/info")  # same URL, now gradio 6
    connect_to(upgraded)
    assert sorted(seen) == sorted(["/config 200"] + ["/gradio_api/info 200", "/info 404"] * 2)


def test_the_memory_is_bounded() -> None:
    for i in range(connect.MAX_REMEMBERED_APPS + 10):
        connect._remember_info_prefix(f"http://app{i}.local/", "")
    assert len(connect._info_prefixes) == connect.MAX_REMEMBERED_APPS
    assert "http://app0.local/" not in connect._info_prefixes
    assert f"http://app{connect.MAX_REMEMBERED_APPS + 9}.local/" in connect._info_prefixes


def test_a_failed_connect_leaves_no_unretrieved_task_error() -> None:
    # The early /info fails (401) before the config does: nobody awaits it, yet its error
    # must not surface as asyncio's "Task exception was never retrieved" log.
    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/config":
            await asyncio.sleep(0.05)
        return httpx.Response(401, json={"detail": "Not authenticated"})

    reported: list[dict[str, Any]] = []

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, ctx: reported.append(ctx))
        client = AsyncClient(
            "http://app.local/",
            verbose=False,
            httpx_kwargs={"transport": httpx.MockTransport(handle)},
        )
        with pytest.raises(AuthenticationError):
            await client.__aenter__()
        gc.collect()
        await asyncio.sleep(0)

    run(main())
    assert reported == []
