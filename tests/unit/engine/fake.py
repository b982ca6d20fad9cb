"""A scriptable fake Gradio 6 server as an httpx.MockTransport handler."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

CONFIG: dict[str, Any] = {
    "version": "6.31.0",
    "protocol": "sse_v3",
    "api_prefix": "/gradio_api",
    "connect_heartbeat": False,
    "components": [
        {"id": 1, "type": "number", "skip_api": False},
        {"id": 2, "type": "number", "skip_api": False},
        {"id": 3, "type": "number", "skip_api": False},
    ],
    "dependencies": [
        {
            "id": 0,
            "api_name": "add",
            "inputs": [1, 2],
            "outputs": [3],
            "backend_fn": True,
            "types": {"generator": False},
            "api_visibility": "public",
            "queue": True,
        },
        {
            "id": 1,
            "api_name": "count",
            "inputs": [1],
            "outputs": [3],
            "backend_fn": True,
            "types": {"generator": True},
            "api_visibility": "public",
            "queue": True,
        },
    ],
}
P = {
    "parameter_has_default": False,
    "type": {"type": "number"},
    "python_type": {"type": "float", "description": ""},
    "component": "Number",
}
INFO: dict[str, Any] = {
    "named_endpoints": {
        "/add": {
            "parameters": [
                {**P, "label": "a", "parameter_name": "a"},
                {**P, "label": "b", "parameter_name": "b"},
            ],
            "returns": [
                {
                    "label": "sum",
                    "type": {"type": "number"},
                    "python_type": {"type": "float", "description": ""},
                    "component": "Number",
                }
            ],
        },
        "/count": {"parameters": [{**P, "label": "n", "parameter_name": "n"}], "returns": []},
    },
    "unnamed_endpoints": {},
}

Script = Callable[[str, dict[str, Any]], list[bytes]]


def sse(*messages: dict[str, Any]) -> list[bytes]:
    return [f"data: {json.dumps(m)}\n\n".encode() for m in messages]


def add_script(event_id: str, body: dict[str, Any]) -> list[bytes]:
    a, b = body["data"]
    return sse(
        {"msg": "estimation", "event_id": event_id, "rank": 0, "queue_size": 1, "rank_eta": None},
        {"msg": "process_starts", "event_id": event_id, "eta": None},
        {
            "msg": "process_completed",
            "event_id": event_id,
            "success": True,
            "output": {"data": [a + b], "is_generating": False},
        },
    )


def counting_generator(event_id: str, body: dict[str, Any]) -> list[bytes]:
    """A generator endpoint: ``n`` outputs "step 0".. (diffs after the first), then done."""
    n = body["data"][0]
    msgs: list[dict[str, Any]] = [{"msg": "process_starts", "event_id": event_id}]
    for i in range(n):
        data = [f"step {i}"] if i == 0 else [[["replace", [], f"step {i}"]]]
        msgs.append(
            {
                "msg": "process_generating",
                "event_id": event_id,
                "success": True,
                "output": {"data": data, "is_generating": True},
            }
        )
    msgs.append(
        {
            "msg": "process_completed",
            "event_id": event_id,
            "success": True,
            "output": {"data": [f"step {n - 1}"]},
        }
    )
    return sse(*msgs)


class FakeGradio:
    """Serves config and info, accepts joins, and streams what ``script`` says per job.

    Attributes:
        joins: Bodies of every queue/join, in order.
        streams_opened: How many times queue/data was opened.
        requests: Every request seen.
    """

    def __init__(self, script: Script = add_script, *, close: bool = True) -> None:
        self.script = script
        self.close = close
        self.joins: list[dict[str, Any]] = []
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.streams_opened = 0
        self.requests: list[httpx.Request] = []
        self.config: Any = CONFIG
        self.config_status = 200
        self.join_response: Callable[[dict[str, Any]], httpx.Response] | None = None
        self.stream_override: Callable[[int], httpx.Response] | None = None

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/config":
            return httpx.Response(self.config_status, json=self.config)
        if path == "/gradio_api/info":
            return httpx.Response(200, json=INFO)
        if path == "/gradio_api/queue/join":
            body = json.loads(request.content)
            self.joins.append(body)
            if self.join_response is not None:
                return self.join_response(body)
            event_id = f"ev{len(self.joins)}"
            self.pending.append((event_id, body))
            return httpx.Response(200, json={"event_id": event_id})
        if path == "/gradio_api/queue/data":
            self.streams_opened += 1
            if self.stream_override is not None:
                return self.stream_override(self.streams_opened)
            pending, self.pending = self.pending, []
            chunks = [c for event_id, body in pending for c in self.script(event_id, body)]
            if self.close:
                chunks += sse({"msg": "close_stream", "event_id": None})
            return stream_response(chunks)
        if path == "/gradio_api/cancel":
            return httpx.Response(200, json={"success": True})
        return httpx.Response(404, json={"detail": "Not Found"})


def stream_response(chunks: list[bytes], content_type: str = "text/event-stream") -> httpx.Response:
    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    return httpx.Response(200, headers={"content-type": content_type}, content=body())
