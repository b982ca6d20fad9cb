"""The engine against a fake server: joins, routing, faults, bad input. No sockets."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx
import pytest
from tests.unit.engine.fake import FakeGradio, counting_generator, sse, stream_response
from tests.unit.helpers import run

from gradiox import AsyncClient, Client
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    AuthenticationError,
    EndpointError,
    HTTPStatusError,
    NotAGradioAppError,
    ProtocolError,
    QueueError,
    SessionLostError,
    TransportError,
    ValidationError,
)


def aclient(fake: FakeGradio, **kw: Any) -> AsyncClient:
    return AsyncClient(
        "http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()}, **kw
    )


def test_predict_and_join_body() -> None:
    fake = FakeGradio()

    async def main() -> Any:
        async with aclient(fake) as client:
            return await client.predict(1, b=2, api_name="/add")

    assert run(main()) == 3
    (body,) = fake.joins
    assert body["data"] == [1, 2] and body["fn_index"] == 0 and body["session_hash"]
    join = next(r for r in fake.requests if r.url.path.endswith("queue/join"))
    assert join.headers["x-gradio-user"] == "api"


def test_concurrent_jobs_share_one_session_and_are_routed() -> None:
    fake = FakeGradio()

    async def main() -> list[Any]:
        async with aclient(fake) as client:
            return await asyncio.gather(*[client.predict(i, 1, api_name="/add") for i in range(50)])

    assert run(main()) == [i + 1 for i in range(50)]
    assert len({j["session_hash"] for j in fake.joins}) == 1


def test_messages_for_other_jobs_interleave() -> None:
    def script(event_id: str, body: dict[str, Any]) -> list[bytes]:
        return sse(
            {"msg": "process_starts", "event_id": event_id},
            {
                "msg": "process_completed",
                "event_id": event_id,
                "success": True,
                "output": {"data": [sum(body["data"])]},
            },
        )

    fake = FakeGradio(script)

    async def main() -> list[Any]:
        async with aclient(fake) as client:
            jobs = [client.submit(i, i, api_name="/add") for i in range(5)]
            return [await j for j in jobs]

    assert run(main()) == [0, 2, 4, 6, 8]


def test_per_call_headers_win_and_are_not_mutated() -> None:
    fake = FakeGradio()
    mine = {"x-gradio-user": "me", "x-trace": "1"}

    async def main() -> None:
        async with aclient(fake, headers={"x-trace": "client"}) as client:
            await client.predict(1, 2, api_name="/add", headers=mine)

    run(main())
    join = next(r for r in fake.requests if r.url.path.endswith("queue/join"))
    assert join.headers["x-trace"] == "1" and join.headers["x-gradio-user"] == "me"
    assert mine == {"x-gradio-user": "me", "x-trace": "1"}


def test_bad_arguments_fail_before_any_request() -> None:
    fake = FakeGradio()

    async def main() -> None:
        async with aclient(fake) as client:
            before = len(fake.requests)
            with pytest.raises(EndpointError, match="leading slash"):
                client.submit(1, 2, api_name="add")
            with pytest.raises(EndpointError, match="Invalid function index"):
                client.submit(1, 2, fn_index=7)
            with pytest.raises(ArgumentError, match="at most 2"):
                client.submit(1, 2, 3, api_name="/add")
            with pytest.raises(ArgumentError, match=r"valid key-word.*a, b"):
                client.submit(1, c=2, api_name="/add")
            with pytest.raises(ArgumentError, match="required argument: b"):
                client.submit(1, api_name="/add")
            assert len(fake.requests) == before

    run(main())


def test_generator_outputs_and_updates_in_order() -> None:
    fake = FakeGradio(counting_generator)

    async def main() -> tuple[Any, ...]:
        async with aclient(fake) as client:
            job = client.submit(3, api_name="/count")
            updates = [u async for u in job]
            return updates, job.outputs(), await job.result()

    updates, outputs, result = run(main())
    assert outputs == ["step 0", "step 1", "step 2"] and result == "step 2"
    out = [u for u in updates if u.type == "output"]
    assert [u.outputs for u in out] == ["step 0", "step 1", "step 2", "step 2"]
    assert out[-1].final and not any(u.final for u in out[:-1])


def test_app_error_validation_and_queue_full() -> None:
    def failing(event_id: str, body: dict[str, Any]) -> list[bytes]:
        return sse(
            {
                "msg": "process_completed",
                "event_id": event_id,
                "success": False,
                "output": {"error": "bad", "title": "T", "duration": 3, "visible": True},
            }
        )

    fake = FakeGradio(failing)

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(AppError) as info:
                await client.predict(1, 2, api_name="/add")
            assert (info.value.title, info.value.duration) == ("T", 3)
            fake.join_response = lambda body: httpx.Response(
                422,
                json={
                    "detail": [
                        {
                            "__type__": "validate",
                            "is_valid": False,
                            "message": "must be positive",
                            "parameter_name": "a",
                        }
                    ]
                },
            )
            with pytest.raises(ValidationError, match=r"1 parameter.*\n- a: must be positive"):
                await client.predict(1, 2, api_name="/add")
            fake.join_response = lambda body: httpx.Response(
                503, json={"detail": "Queue is full. Max size is 1 and size is 1."}
            )
            with pytest.raises(QueueError, match="Queue is full"):
                await client.predict(1, 2, api_name="/add")
            fake.join_response = lambda body: httpx.Response(500, text="Internal Server Error")
            with pytest.raises(HTTPStatusError, match="HTTP 500"):
                await client.predict(1, 2, api_name="/add")

    run(main())


def test_garbled_stream_fails_jobs_with_protocol_error() -> None:
    fake = FakeGradio()
    fake.stream_override = lambda n: stream_response([b"data: {this is not json\n\n"])

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(ProtocolError, match="not valid JSON"):
                await client.predict(1, 2, api_name="/add")

    run(main())


def test_truncated_stream_fails_after_bounded_retries() -> None:
    fake = FakeGradio()
    fake.stream_override = lambda n: stream_response([b'data: {"msg": "process_sta'])

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(ProtocolError, match="ended before the job finished"):
                await client.predict(1, 2, api_name="/add")

    run(main())
    assert fake.streams_opened == 3


def test_wrong_content_type_is_a_protocol_error() -> None:
    fake = FakeGradio()
    fake.stream_override = lambda n: stream_response([b"<html>proxy page</html>"], "text/html")

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(ProtocolError, match="event stream"):
                await client.predict(1, 2, api_name="/add")

    run(main())


def test_lost_session_fails_pending_jobs() -> None:
    fake = FakeGradio()
    fake.stream_override = lambda n: stream_response(
        sse(
            {
                "msg": "unexpected_error",
                "event_id": None,
                "message": "404: Not Found",
                "session_not_found": True,
                "success": False,
            }
        )
    )

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(SessionLostError, match="no longer knows this session"):
                await client.predict(1, 2, api_name="/add")

    run(main())


def test_stream_that_drops_is_reopened() -> None:
    fake = FakeGradio(close=False)
    real = fake.handle

    def flaky(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("queue/data") and fake.streams_opened == 0:
            fake.streams_opened += 1
            return stream_response(sse({"msg": "heartbeat", "event_id": None}))
        return real(request)

    async def main() -> Any:
        client = AsyncClient(
            "http://fake.local/",
            verbose=False,
            httpx_kwargs={"transport": httpx.MockTransport(flaky)},
        )
        async with client:
            return await client.predict(2, 3, api_name="/add")

    assert run(main()) == 5
    assert fake.streams_opened == 2


def test_not_a_gradio_app() -> None:
    def html(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/":
            return httpx.Response(200, html="<html><body>hello</body></html>")
        return httpx.Response(404, html="<html>Not Found</html>")

    async def main() -> None:
        client = AsyncClient(
            "http://fake.local/",
            verbose=False,
            httpx_kwargs={"transport": httpx.MockTransport(html)},
        )
        with pytest.raises(NotAGradioAppError, match=r"Could not get Gradio config.*HTTP 404"):
            await client.connect()

    run(main())


def test_config_500_and_401() -> None:
    fake = FakeGradio()
    fake.config_status = 500
    fake.config = {"detail": "boom"}
    with pytest.raises(HTTPStatusError, match="HTTP 500"):
        run(aclient(fake).connect())
    fake.config_status = 401
    with pytest.raises(AuthenticationError, match="Please login"):
        run(aclient(fake).connect())


def test_bad_src_values() -> None:
    with pytest.raises(NotAGradioAppError, match="not an http"):
        AsyncClient("ftp://x/")
    with pytest.raises(ValueError):  # compat: the official client raises ValueError too
        AsyncClient("")


def test_unreachable_host_is_a_transport_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(TransportError, match="Could not connect"):
        Client(f"http://127.0.0.1:{port}/", verbose=False)
    with pytest.raises(ConnectionError):  # TransportError is also a ConnectionError
        Client(f"http://127.0.0.1:{port}/", verbose=False)


def test_a_bug_in_file_handling_fails_the_job_instead_of_hanging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gradiox._engine.files import FileTransfer
    from gradiox.exceptions import GradioxError

    async def broken(self: object, data: list[Any], retry: object = None) -> list[Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(FileTransfer, "input_has_files", lambda self, data: True)
    monkeypatch.setattr(FileTransfer, "upload_inputs", broken)
    fake = FakeGradio()

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(GradioxError, match="Unexpected error") as info:
                await client.predict(1, 2, api_name="/add")
            assert isinstance(info.value.__cause__, RuntimeError)

    run(main())


def test_clients_share_one_tls_context() -> None:
    from gradiox._engine.http import HttpSession, default_ssl_context

    first = HttpSession(headers={})
    second = HttpSession(headers={})
    unverified = HttpSession(headers={}, verify=False)
    shared = default_ssl_context()
    # httpx internals: the transport's connection pool holds the context it will use.
    assert first.client._transport._pool._ssl_context is shared  # type: ignore[attr-defined]
    assert second.client._transport._pool._ssl_context is shared  # type: ignore[attr-defined]
    assert unverified.client._transport._pool._ssl_context is not shared  # type: ignore[attr-defined]
    for session in (first, second, unverified):
        asyncio.run(session.aclose())


def test_oauth_token_is_sent_only_to_endpoints_that_declare_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import copy

    from tests.unit.engine import fake as fake_module

    info = copy.deepcopy(fake_module.INFO)
    info["named_endpoints"]["/count"]["oauth_token"] = "optional"
    monkeypatch.setattr(fake_module, "INFO", info)

    def script(event_id: str, body: dict[str, Any]) -> list[bytes]:
        return sse(
            {
                "msg": "process_completed",
                "event_id": event_id,
                "success": True,
                "output": {"data": [sum(body["data"])]},
            }
        )

    fake = FakeGradio(script)

    async def main() -> None:
        async with aclient(fake, oauth_token="tokABC") as client:
            await client.predict(1, 2, api_name="/add")
            await client.submit(1, api_name="/count").result()

    run(main())
    add_body, count_body = fake.joins
    assert "oauth_token" not in add_body
    assert count_body["oauth_token"] == "tokABC"


def test_an_unexpected_error_while_reading_fails_jobs_instead_of_hanging() -> None:
    fake = FakeGradio()

    def broken(n: int) -> httpx.Response:
        raise RuntimeError("bug in the stream")

    fake.stream_override = broken

    async def main() -> None:
        async with aclient(fake) as client:
            with pytest.raises(ProtocolError, match="failed unexpectedly"):
                await client.predict(1, 2, api_name="/add")

    run(main())
    assert fake.streams_opened == 1
