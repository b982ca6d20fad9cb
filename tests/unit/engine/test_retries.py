"""Retries of refused requests (429, 503, full queue) and the errors of a failed connect."""

from __future__ import annotations

import asyncio
import logging
import time
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.unit.engine.fake import FakeGradio, sse

from gradiox import AsyncClient, Client
from gradiox._engine.retry import MAX_RETRY_AFTER, backoff_delay, parse_retry_after
from gradiox.exceptions import (
    AppUnavailableError,
    GradioxError,
    HTTPStatusError,
    NotAGradioAppError,
    ProtocolError,
    QueueError,
    TooManyRequestsError,
)

if TYPE_CHECKING:
    from collections.abc import Callable


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


def refuse_first(
    fake: FakeGradio,
    path: str,
    times: int,
    status: int,
    headers: dict[str, str] | Callable[[], dict[str, str]],
) -> list[float]:
    """Make ``path`` answer ``status`` the first ``times`` times; return when each came."""
    seen: list[float] = []
    real = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == path:
            seen.append(time.monotonic())
            if len(seen) <= times:
                fake.requests.append(request)
                sent = headers() if callable(headers) else headers
                return httpx.Response(status, headers=sent, json={"detail": "busy"})
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]
    return seen


FILE_OUTPUT = {
    "path": "/srv/out.txt",
    "url": None,
    "orig_name": "out.txt",
    "meta": {"_type": "gradio.FileData"},
}


def completed_with_file(event_id: str) -> list[bytes]:
    """The stream messages of a job that ends with one output file, ``FILE_OUTPUT``."""
    return sse(
        {
            "msg": "process_completed",
            "event_id": event_id,
            "success": True,
            "output": {"data": [FILE_OUTPUT], "is_generating": False},
        }
    )


def aclient(fake: FakeGradio, **kw: Any) -> AsyncClient:
    return AsyncClient(
        "http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()}, **kw
    )


def retry_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "gradiox" and r.levelno == logging.INFO and "retry" in r.getMessage()
    ]


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("status", [429, 503])
def test_join_refused_twice_with_retry_after_then_accepted(
    status: int, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gradiox")
    fake = FakeGradio()
    seen = refuse_first(fake, "/gradio_api/queue/join", 2, status, {"Retry-After": "1"})
    if kind == "sync":
        with Client(
            "http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()}
        ) as client:
            assert client.predict(1, 2, api_name="/add") == 3
    else:

        async def main() -> Any:
            async with aclient(fake) as client:
                return await client.predict(1, 2, api_name="/add")

        assert run(main()) == 3
    assert len(seen) == 3 and len(fake.joins) == 1
    # The server's Retry-After was honoured before each retry.
    assert seen[1] - seen[0] >= 0.95 and seen[2] - seen[1] >= 0.95
    lines = retry_lines(caplog)
    assert len(lines) == 2, lines
    assert all(f"HTTP {status}" in line and "in 1.00 s" in line for line in lines)
    assert "Retry-After" in lines[0] and "retry 1 of 2" in lines[0] and "retry 2 of 2" in lines[1]


def test_async_client_retries_a_config_503_with_an_http_date() -> None:
    fake = FakeGradio()
    seen = refuse_first(
        fake, "/config", 2, 503, lambda: {"Retry-After": formatdate(time.time() + 2, usegmt=True)}
    )

    async def main() -> Any:
        async with aclient(fake) as client:
            return await client.predict(2, 3, api_name="/add")

    assert run(main()) == 5
    assert len(seen) == 3
    # An HTTP date two seconds ahead, cut to the whole second: more than one second each.
    assert seen[1] - seen[0] >= 0.95 and seen[2] - seen[1] >= 0.95


def test_retries_run_out_and_the_error_carries_retry_after() -> None:
    fake = FakeGradio()
    seen = refuse_first(fake, "/gradio_api/queue/join", 99, 429, {"Retry-After": "0.2"})

    async def main() -> None:
        async with aclient(fake, max_retries=1) as client:
            with pytest.raises(TooManyRequestsError) as info:
                await client.predict(1, 2, api_name="/add")
            assert info.value.retry_after == 0.2
            assert len(seen) == 2
            with pytest.raises(TooManyRequestsError):
                await client.with_options(max_retries=0).predict(1, 2, api_name="/add")
            assert len(seen) == 3

    run(main())


def test_queue_full_is_retried_with_backoff_then_reported_with_retry_after() -> None:
    fake = FakeGradio()
    seen: list[float] = []

    def full(body: dict[str, Any]) -> httpx.Response:
        seen.append(time.monotonic())
        return httpx.Response(
            503,
            headers={"Retry-After": "0.3"} if len(seen) > 2 else {},
            json={"detail": "Queue is full. Max size is 1 and size is 1."},
        )

    fake.join_response = full

    async def main() -> None:
        async with aclient(fake, max_retries=3) as client:
            with pytest.raises(QueueError, match="Queue is full") as info:
                await client.predict(1, 2, api_name="/add")
            assert info.value.retry_after == 0.3

    run(main())
    assert len(seen) == 4
    assert seen[3] - seen[2] >= 0.28


def test_a_join_that_may_have_created_a_job_is_never_resent() -> None:
    fake = FakeGradio()
    fake.join_response = lambda body: httpx.Response(500, text="Internal Server Error")

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(HTTPStatusError, match="HTTP 500"):
                await client.predict(1, 2, api_name="/add")

    run(main())
    assert len(fake.joins) == 1


def test_config_500_is_a_value_error_that_says_what_to_check() -> None:
    fake = FakeGradio()
    fake.config_status = 500
    fake.config = {"detail": "boom"}
    with pytest.raises(AppUnavailableError) as info:
        Client("http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()})
    error = info.value
    assert isinstance(error, ValueError) and isinstance(error, HTTPStatusError)
    assert error.status_code == 500 and "HTTP 500" in str(error) and "logs" in str(error)
    assert "Could not get Gradio config from" in str(error)  # gradio_client's wording


def test_an_api_info_failure_at_connect_is_a_value_error() -> None:
    fake = FakeGradio()
    real = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gradio_api/info":
            return httpx.Response(502, text="Bad Gateway")
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]
    with pytest.raises(AppUnavailableError, match="Could not fetch api info"):
        Client("http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()})


@pytest.mark.parametrize(
    "failure",
    [
        httpx.DecodingError("bad gzip"),
        httpx.TooManyRedirects("loop"),
        httpx.RemoteProtocolError("peer closed"),
    ],
)
def test_the_speculative_info_request_never_surfaces_an_httpx_error(
    failure: Exception,
) -> None:
    fake = FakeGradio()
    real = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gradio_api/info":
            raise failure
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]
    with pytest.raises(GradioxError) as info:
        Client("http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()})
    assert not isinstance(info.value, httpx.HTTPError)
    assert info.value.__cause__ is failure


def test_a_page_that_is_not_gradio_is_still_not_a_gradio_app() -> None:
    fake = FakeGradio()
    fake.config_status = 404
    with pytest.raises(NotAGradioAppError):
        Client("http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()})


def test_parse_retry_after() -> None:
    now = 1_000_000.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 1.5 ") == 1.5
    assert parse_retry_after("-4") == 0.0
    assert parse_retry_after("86400") == MAX_RETRY_AFTER
    assert parse_retry_after(formatdate(now + 7, usegmt=True), now=now) == 7.0
    assert parse_retry_after(formatdate(now - 7, usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None


def test_backoff_is_exponential_with_full_jitter() -> None:
    assert [backoff_delay(n, rand=lambda: 1.0) for n in range(6)] == [0.5, 1, 2, 4, 8, 8]
    assert backoff_delay(3, rand=lambda: 0.0) == 0.0
    assert all(0 <= backoff_delay(2) <= 2 for _ in range(100))


def test_uploads_and_downloads_are_retried_with_a_fresh_body(tmp_path: Any) -> None:
    from gradiox import handle_file

    source = tmp_path / "in.txt"
    source.write_bytes(b"hello upload")
    uploads: list[bytes] = []
    downloads: list[str] = []

    def echo_file(event_id: str, body: dict[str, Any]) -> list[bytes]:
        assert body["data"][0]["path"] == "/srv/in.txt"
        return completed_with_file(event_id)

    fake = FakeGradio(echo_file)
    real = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/gradio_api/upload":
            uploads.append(request.read())
            if len(uploads) == 1:
                return httpx.Response(503, headers={"Retry-After": "0.1"})
            return httpx.Response(200, json=["/srv/in.txt"])
        if path.startswith("/gradio_api/file="):
            downloads.append(path)
            if len(downloads) == 1:
                return httpx.Response(429, headers={"Retry-After": "0.1"}, text="slow down")
            return httpx.Response(200, content=b"hello download")
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]

    async def main() -> Any:
        async with aclient(fake, download_files=str(tmp_path / "out")) as client:
            return await client.predict(handle_file(str(source)), 1, api_name="/add")

    saved = run(main())
    # The whole file again (a streamed body can't be replayed: it is read afresh).
    assert len(uploads) == 2 and len(uploads[0]) == len(uploads[1])
    assert all(b"\r\n\r\nhello upload\r\n" in body for body in uploads)
    assert downloads == ["/gradio_api/file=/srv/out.txt"] * 2
    with open(saved, "rb") as fh:
        assert fh.read() == b"hello download"


@pytest.mark.parametrize(
    ("config", "info"),
    [
        ({"dependencies": [{"id": "x", "inputs": "a"}], "components": 5}, None),
        (
            {
                "dependencies": [{"id": 0, "inputs": [1], "outputs": [2], "api_name": "x"}],
                "components": [{"id": 1}],
                "protocol": "sse_v3",
                "api_prefix": "/gradio_api",
            },
            {"named_endpoints": 5},
        ),
    ],
)
def test_a_config_or_info_of_a_hostile_shape_is_a_protocol_error(
    config: dict[str, Any], info: Any
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/config":
            return httpx.Response(200, json=config)
        if request.url.path.endswith("/info") and info is not None:
            return httpx.Response(200, json=info)
        return httpx.Response(404, json={"detail": "Not Found"})

    with pytest.raises(ProtocolError, match="shape gradiox cannot read") as caught:
        Client(
            "http://fake.local/",
            verbose=False,
            httpx_kwargs={"transport": httpx.MockTransport(handle)},
        )
    assert isinstance(caught.value.__cause__, (TypeError, AttributeError))


def test_a_finished_job_downloading_its_files_does_not_hold_the_stream(tmp_path: Path) -> None:
    # The job's last message is in; only its output file is still downloading (here slowed
    # by a refusal and its Retry-After). The stream must not be reopened meanwhile: it used
    # to be reopened in a tight loop (over 100,000 times on Python 3.12) until the download
    # ended, starving the download itself.
    fake = FakeGradio(lambda event_id, body: completed_with_file(event_id))
    real = fake.handle
    streams: list[str] = []
    downloads: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/gradio_api/queue/data":
            streams.append(path)
        if path.startswith("/gradio_api/file="):
            downloads.append(path)
            if len(downloads) == 1:
                return httpx.Response(429, headers={"Retry-After": "0.3"}, text="slow down")
            return httpx.Response(200, content=b"hello download")
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]

    async def main() -> Any:
        async with aclient(fake, download_files=str(tmp_path / "out")) as client:
            return await client.predict(1, 1, api_name="/add")

    saved = run(main())
    assert Path(saved).read_bytes() == b"hello download"
    assert len(downloads) == 2
    assert len(streams) == 1
