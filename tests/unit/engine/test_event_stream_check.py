"""The one check that a streamed response is an event stream, for every SSE transport."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gradiox._engine.http import expect_event_stream
from gradiox.exceptions import AuthenticationError, HTTPStatusError, ProtocolError

URL = "http://h/gradio_api/queue/data"


def response(status: int, content_type: str, body: bytes = b"") -> httpx.Response:
    request = httpx.Request("GET", URL)
    return httpx.Response(
        status, headers={"content-type": content_type}, content=body, request=request
    )


def check(resp: httpx.Response) -> None:
    asyncio.run(expect_event_stream(resp, URL, "open the job stream"))


def test_an_event_stream_passes() -> None:
    check(response(200, "text/event-stream; charset=utf-8"))


def test_another_content_type_is_named() -> None:
    with pytest.raises(ProtocolError, match=r"Expected an event stream from .*'text/html'"):
        check(response(200, "text/html"))


def test_refusals_are_typed_and_say_what_was_tried() -> None:
    with pytest.raises(AuthenticationError, match="Could not open the job stream"):
        check(response(401, "application/json", b'{"detail": "Not authenticated"}'))
    with pytest.raises(HTTPStatusError, match=r"HTTP 404 .*no such session"):
        check(response(404, "text/plain", b"no such session"))


def test_an_unexpected_success_status_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError, match=f"Unexpected HTTP 204 from {URL}"):
        check(response(204, "text/event-stream"))
