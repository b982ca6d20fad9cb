"""The engine against fake Gradio 3.x and 4.0-4.8 servers: direct route, 3.x files, sse v0,
cancel through the app's cancel event. No sockets."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import ssl
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.unit.engine.fake import sse
from tests.unit.helpers import run, until

import gradiox._engine.cancel
import gradiox._engine.ws
from gradiox import AsyncClient, Status, handle_file
from gradiox._engine.http import default_ssl_context
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    ConnectionLostError,
    JobCancelledError,
    ProtocolError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

PNG = b"\x89PNG\r\n\x1a\nfake"
PNG_URL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def component(cid: int, kind: str, label: str = "") -> dict[str, Any]:
    return {"id": cid, "type": kind, "props": {"label": label or kind}}


def dep(name: Any, inputs: list[int], outputs: list[int], **kw: Any) -> dict[str, Any]:
    return {
        "api_name": name,
        "inputs": inputs,
        "outputs": outputs,
        "backend_fn": True,
        "queue": None,
        "cancels": [],
        "types": {"continuous": False, "generator": False},
        **kw,
    }


# A Gradio 3.30 app without .queue(): everything goes through POST api/predict/, and it is
# too old for /info.
CONFIG3 = {
    "version": "3.30.0",
    "enable_queue": False,
    "components": [
        component(1, "textbox", "Text"),
        component(2, "image", "Img"),
        component(3, "file", "F"),
        component(4, "textbox", "Out"),
        component(5, "image", "Mirrored"),
        component(6, "file", "Result"),
        component(7, "state"),
    ],
    "dependencies": [
        dep("echo", [1, 7], [4, 7]),
        dep("files", [2, 3], [5, 6]),
        dep(None, [1], [4]),
        dep("fail", [1], [4]),
    ],
}


class Fake3:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.predicts: list[dict[str, Any]] = []
        self.config: dict[str, Any] = CONFIG3

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/config":
            return httpx.Response(200, json=self.config)
        if path == "/upload":
            return httpx.Response(200, json=["/srv/up/a.txt"])
        if path == "/file=/srv/out/o.txt":
            return httpx.Response(200, content=b"ok")
        if path == "/api/predict/":
            body = json.loads(request.content)
            self.predicts.append(body)
            return self.predict(body)
        return httpx.Response(404, json={"detail": "Not Found"})

    def predict(self, body: dict[str, Any]) -> httpx.Response:
        fn, data = body["fn_index"], body["data"]
        if fn == 0:
            return httpx.Response(200, json={"data": [data[0] + "!", None]})
        if fn == 1:
            out = {"name": "/srv/out/o.txt", "orig_name": "o.txt", "size": 2, "is_file": True}
            return httpx.Response(200, json={"data": [PNG_URL, out]})
        if fn == 2:
            return httpx.Response(200, json={"data": [data[0].upper()]})
        return httpx.Response(500, json={"error": "'bad input'"})


def client_for(handler: Any, **kw: Any) -> AsyncClient:
    transport = httpx.MockTransport(handler)
    return AsyncClient(
        "http://fake.local/", verbose=False, httpx_kwargs={"transport": transport}, **kw
    )


def test_3x_without_queue_uses_the_direct_route_and_no_info() -> None:
    fake = Fake3()

    async def main() -> Any:
        async with client_for(fake.handle) as client:
            assert client.protocol == "ws"
            first = await client.predict("hi", api_name="/echo")
            unnamed = await client.predict("yo", fn_index=2)
            with pytest.raises(ArgumentError, match="not a valid key-word argument"):
                client.submit(text="x", api_name="/echo")
            with pytest.raises(AppError, match="bad input"):
                await client.predict("x", api_name="/fail")
            api = client.view_api(print_info=False, return_format="dict")
            return first, unnamed, api, client.session_hash

    first, unnamed, api, session = run(main())
    assert (first, unnamed) == ("hi!", "YO")
    assert fake.predicts[0] == {
        "data": ["hi", None],
        "fn_index": 0,
        "session_hash": session,
        "event_data": None,
    }
    assert not any(r.url.path == "/info" for r in fake.requests)  # too old: from the config
    assert "/echo" in api["named_endpoints"] and "2" in api["unnamed_endpoints"]


def test_3x_file_formats_both_ways(tmp_path: Path) -> None:
    fake = Fake3()
    image = tmp_path / "red.png"
    image.write_bytes(PNG)
    text = tmp_path / "a.txt"
    text.write_text("hi")
    out = tmp_path / "out"

    async def main() -> Any:
        async with client_for(fake.handle, download_files=str(out)) as client:
            return await client.predict(
                handle_file(str(image)), handle_file(str(text)), api_name="/files"
            )

    mirrored, result = run(main())
    image_in, file_in = fake.predicts[0]["data"]
    assert image_in == PNG_URL  # images inline, never uploaded
    assert file_in == {"name": "/srv/up/a.txt", "orig_name": "a.txt", "data": None, "is_file": True}
    uploads = [r for r in fake.requests if r.url.path == "/upload"]
    assert len(uploads) == 1 and b'filename="a.txt"' in uploads[0].content
    assert Path(mirrored).read_bytes() == PNG and Path(mirrored).name == "image.png"
    assert Path(mirrored).is_relative_to(out)
    assert Path(result).read_bytes() == b"ok" and Path(result).name == "o.txt"


def test_3x_outputs_without_downloads() -> None:
    fake = Fake3()

    async def main() -> Any:
        async with client_for(fake.handle, download_files=False) as client:
            return await client.predict(PNG_URL, handle_file(__file__), api_name="/files")

    mirrored, result = run(main())
    assert mirrored == PNG_URL
    assert (
        result["path"] == "/srv/out/o.txt"
        and result["url"] == "http://fake.local/file=/srv/out/o.txt"
    )


def test_3x_queue_needs_the_websockets_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = Fake3()
    fake.config = {**CONFIG3, "version": "3.50.2", "enable_queue": True}
    monkeypatch.setitem(sys.modules, "websockets.asyncio.client", None)

    async def main() -> None:
        async with client_for(fake.handle) as client:
            with pytest.raises(ImportError, match=r"gradiox\[ws\]") as info:
                await client.predict("hi", api_name="/echo")
            assert isinstance(info.value, ProtocolError)

    run(main())


@pytest.mark.parametrize("ssl_verify", [True, False])
def test_3x_websocket_uses_the_clients_tls_settings(
    monkeypatch: pytest.MonkeyPatch, ssl_verify: bool
) -> None:
    fake = Fake3()
    fake.config = {**CONFIG3, "version": "3.50.2", "enable_queue": True}
    opened: list[dict[str, Any]] = []

    def refuse(url: str, **kwargs: Any) -> Any:
        opened.append({"url": url, **kwargs})
        raise OSError("refused")

    monkeypatch.setattr(gradiox._engine.ws, "_connect", lambda: refuse)

    async def main() -> None:
        transport = httpx.MockTransport(fake.handle)
        async with AsyncClient(
            "https://fake.local/",
            verbose=False,
            ssl_verify=ssl_verify,
            httpx_kwargs={"transport": transport},
        ) as client:
            with pytest.raises(TransportError, match="refused"):
                await client.predict("hi", api_name="/echo")

    run(main())
    [call] = opened
    assert call["url"].startswith("wss://fake.local/")
    context = call["ssl"]
    assert isinstance(context, ssl.SSLContext)
    if ssl_verify:
        assert context is default_ssl_context()  # shared, never rebuilt per job
    else:
        assert context.verify_mode == ssl.CERT_NONE and not context.check_hostname


# -- Gradio 4.0-4.8: protocol "sse" -------------------------------------------------------

CONFIG48 = {
    "version": "4.8.0",
    "protocol": "sse",
    "enable_queue": True,
    "components": [component(1, "textbox", "Text"), component(2, "textbox", "Out")],
    "dependencies": [
        dep("count", [1], [2], types={"continuous": False, "generator": True}),
        dep("long", [1], [2]),
        dep(False, [], [], cancels=[1], queue=False),
        dep("other", [1], [2]),
    ],
}
INFO48 = {
    "named_endpoints": {
        name: {"parameters": [{"label": "Text", "component": "Textbox"}], "returns": []}
        for name in ("/count", "/long", "/other")
    },
    "unnamed_endpoints": {},
}


class Fake48:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.bodies: dict[str, list[dict[str, Any]]] = {}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "POST":
            self.bodies.setdefault(path, []).append(json.loads(await request.aread()))
        if path == "/config":
            return httpx.Response(200, json=CONFIG48)
        if path == "/info":
            return httpx.Response(200, json=INFO48)
        if path == "/queue/join" and request.method == "GET":
            fn = int(request.url.params["fn_index"])
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=self.stream(fn)
            )
        if path in ("/queue/data", "/api/predict/", "/reset"):
            return httpx.Response(200, json={"data": [], "success": True})
        return httpx.Response(404, json={"detail": "Not Found"})

    async def stream(self, fn: int) -> AsyncIterator[bytes]:
        for chunk in sse(
            {"msg": "estimation", "rank": 0, "queue_size": 1, "rank_eta": None},
            {"msg": "send_data", "event_id": f"ev{fn}"},
            {"msg": "process_starts"},
        ):
            yield chunk
        if fn != 0:
            await asyncio.sleep(3600)  # a long job: only a cancel ends it
        for chunk in sse(
            {"msg": "process_generating", "output": {"data": ["a"]}, "success": True},
            {"msg": "heartbeat"},
            {"msg": "process_completed", "output": {"data": ["b"]}, "success": True},
        ):
            yield chunk


def test_sse_v0_job() -> None:
    fake = Fake48()

    async def main() -> Any:
        async with client_for(fake.handle) as client:
            job = client.submit("x", api_name="/count")
            result = await job.result()
            return result, job.outputs(), job.event_id, client.session_hash

    result, outputs, event_id, session = run(main())
    assert (result, outputs, event_id) == ("b", ["a"], "ev0")
    (data_body,) = fake.bodies["/queue/data"]
    assert data_body == {
        "data": ["x"],
        "event_data": None,
        "fn_index": 0,
        "session_hash": session,
        "event_id": "ev0",
    }
    join = next(r for r in fake.requests if r.url.path == "/queue/join")
    assert join.url.params["session_hash"] == session and join.headers["x-gradio-user"] == "api"


class Broken48(Fake48):
    """A 4.0-4.8 app whose job stream breaks once the job started."""

    async def stream(self, fn: int) -> AsyncIterator[bytes]:
        for chunk in sse(
            {"msg": "send_data", "event_id": f"ev{fn}"},
            {"msg": "process_starts"},
            {"msg": "process_generating", "output": {"data": ["a"]}, "success": True},
        ):
            yield chunk
        raise httpx.ReadError("connection reset by peer")


def test_sse_v0_stream_broken_mid_job_is_a_lost_connection() -> None:
    fake = Broken48()

    async def main() -> Any:
        async with client_for(fake.handle) as client:
            job = client.submit("x", api_name="/count")
            with pytest.raises(ConnectionLostError) as caught:
                await job.result()
            return caught.value, job.outputs()

    error, outputs = run(main())
    assert error.may_still_run and "Lost the connection" in str(error)
    assert outputs == ["a"]


def test_cancel_calls_the_apps_cancel_event_and_resets(caplog: pytest.LogCaptureFixture) -> None:
    fake = Fake48()
    gradiox._engine.cancel._warned.clear()

    async def main() -> str:
        async with client_for(fake.handle) as client:
            job = client.submit("x", api_name="/long")
            await until(lambda: job.event_id is not None)
            assert await job.cancel()
            with pytest.raises(JobCancelledError):
                await job.result()
            await until(lambda: "/reset" in fake.bodies)
            for resets in (2, 3):  # no cancel event for /other: warned about once
                other = client.submit("y", api_name="/other")
                await until(lambda o=other: o.event_id is not None)  # type: ignore[misc]
                await other.cancel()
                # One at a time: a cancel while another /other runs would stay local.
                await until(lambda n=resets: len(fake.bodies.get("/reset", [])) == n)  # type: ignore[misc]
            return client.session_hash

    with caplog.at_level(logging.WARNING, logger="gradiox"):
        session = run(main())
    assert fake.bodies["/api/predict/"] == [
        {"data": [], "fn_index": 2, "session_hash": session, "event_data": None}
    ]
    assert fake.bodies["/reset"] == [{"event_id": "ev1"}, {"event_id": "ev3"}, {"event_id": "ev3"}]
    warnings = [r.getMessage() for r in caplog.records if "no cancel event" in r.getMessage()]
    assert len(warnings) == 1 and "/other" in warnings[0]


def test_cancel_spares_other_running_jobs_of_the_endpoint(caplog: pytest.LogCaptureFixture) -> None:
    # The app's cancel event (and the reset) stop every running job of the endpoint in the
    # session: while another one runs, a cancel stays local.
    fake = Fake48()

    async def main() -> None:
        async with client_for(fake.handle) as client:
            first = client.submit("x", api_name="/long")
            second = client.submit("y", api_name="/long")
            await until(lambda: all(j.status().code is Status.PROCESSING for j in (first, second)))
            assert await first.cancel()
            await asyncio.sleep(0.1)
            assert not second.done()
            assert "/api/predict/" not in fake.bodies and "/reset" not in fake.bodies
            assert await second.cancel()  # alone now: stopped on the server
            await until(lambda: "/reset" in fake.bodies)

    with caplog.at_level(logging.WARNING, logger="gradiox"):
        run(main())
    assert len(fake.bodies["/api/predict/"]) == 1 and len(fake.bodies["/reset"]) == 1
    assert "left to finish on the server" in caplog.text
