"""Cancelling a job never stops another job of its endpoint.

Gradio's ``/cancel`` stops every job of the endpoint that is running in the session when
the request arrives, and sends those jobs nothing more: a job that starts while a cancel
is on its way, or that was queued when gradiox decided to cancel, would never end.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

import httpx
from tests.unit.engine.fake import CONFIG, INFO, sse
from tests.unit.helpers import run, until

from gradiox import AsyncClient

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import pytest

RUN_FOR = 0.4  # how long a job runs on the server unless a cancel stops it
CANCEL_DELAY = 0.2  # how long a cancel takes to reach the server


class Server:
    """A Gradio 6 app whose ``/cancel`` stops jobs as Gradio's does.

    Args:
        start: Start each job as it joins (else jobs stay queued).
    """

    def __init__(self, *, start: bool = True) -> None:
        self.start = start
        self.stream: asyncio.Queue[bytes] = asyncio.Queue()
        self.running: dict[str, int] = {}  # event id -> fn_index, for jobs that run
        self.log: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/config":
            return httpx.Response(200, json=CONFIG)
        if path == "/gradio_api/info":
            return httpx.Response(200, json=INFO)
        if path == "/gradio_api/queue/data":
            return httpx.Response(
                200, headers={"content-type": "text/event-stream"}, content=self._events()
            )
        body = json.loads(request.content)
        if path == "/gradio_api/queue/join":
            return self._join(body)
        if path == "/gradio_api/cancel":
            self.log.append(f"cancel {body['event_id']}")
            await asyncio.sleep(CANCEL_DELAY)
            for event_id, fn_index in list(self.running.items()):
                if fn_index == body["fn_index"]:
                    del self.running[event_id]  # stopped, and told nothing
            self._send({"msg": "process_completed", "event_id": body["event_id"], "output": {}})
            self.log.append("cancelled")
            return httpx.Response(200, json={"success": True})
        return httpx.Response(404)

    def _join(self, body: dict[str, Any]) -> httpx.Response:
        event_id = f"ev{len(self.log)}"
        self.log.append(f"join {event_id}")
        if self.start:
            self.running[event_id] = body["fn_index"]
            self._send({"msg": "process_starts", "event_id": event_id})
            task = asyncio.get_running_loop().create_task(self._finish(event_id, body["data"]))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            self._send({"msg": "estimation", "event_id": event_id, "rank": 3, "queue_size": 5})
        return httpx.Response(200, json={"event_id": event_id})

    async def _finish(self, event_id: str, data: list[Any]) -> None:
        await asyncio.sleep(RUN_FOR)
        if self.running.pop(event_id, None) is not None:
            output = {"data": [sum(data)]}
            message = {"msg": "process_completed", "event_id": event_id, "output": output}
            self._send({**message, "success": True})

    def _send(self, message: dict[str, Any]) -> None:
        for chunk in sse(message):
            self.stream.put_nowait(chunk)

    async def _events(self) -> AsyncIterator[bytes]:
        while True:
            yield await self.stream.get()


def test_a_job_submitted_while_a_cancel_is_on_its_way_still_ends() -> None:
    async def main() -> None:
        server = Server()
        async with AsyncClient(
            "http://app.local/", verbose=False, httpx_kwargs={"transport": server.transport()}
        ) as client:
            first = client.submit(1, 2, api_name="/add")
            await until(lambda: first.status().code.name == "PROCESSING")
            cancelling = asyncio.ensure_future(first.cancel())
            await until(lambda: "cancel ev0" in server.log)
            second = client.submit(3, 4, api_name="/add")
            assert await cancelling is True
            # Held until the cancel was done, so that the cancel could not stop it.
            assert await asyncio.wait_for(second.result(), 5) == 7
            assert server.log == ["join ev0", "cancel ev0", "cancelled", "join ev3"]

    run(main())


def test_a_queued_sibling_spares_the_job_a_cancel_on_the_server(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The sibling may start before the cancel arrives; the cancel would then stop it too.
    async def main() -> None:
        server = Server(start=False)
        async with AsyncClient(
            "http://app.local/", verbose=False, httpx_kwargs={"transport": server.transport()}
        ) as client:
            first = client.submit(1, 2, api_name="/add")
            second = client.submit(3, 4, api_name="/add")
            await until(lambda: first.event_id and second.event_id)
            with caplog.at_level(logging.WARNING, logger="gradiox"):
                assert await second.cancel() is True
            assert not any(line.startswith("cancel") for line in server.log)
            assert not first.done()

    run(main())
    assert "left to finish on the server" in caplog.text
