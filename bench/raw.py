"""The floor: the least a client can do to call a Gradio app over the sse_v1+ protocol.

One keep-alive ``httpx`` client, one SSL context per process (made at import, never per
request), one session hash per connected client. A call is ``POST queue/join`` then
``GET queue/data`` read until the job's ``process_completed`` (and to the end of the stream,
so the connection goes back to the pool). Concurrent jobs (:func:`burst`) share one session
and one stream, routed by ``event_id``, on one ``httpx.AsyncClient`` in one thread.

No retries, no validation, no file hashing: whatever a real client does on top is its
overhead over this floor. Imports only the standard library and httpx.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import time
import uuid
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from collections.abc import Callable

SSL_CONTEXT = ssl.create_default_context()
TIMEOUT = httpx.Timeout(300.0, pool=None)
LIMITS = httpx.Limits(max_connections=256, max_keepalive_connections=64)
CHUNK = 1 << 20


def apply_diff(value: Any, diff: list[list[Any]]) -> Any:
    """Apply one sse_v2+ streaming diff (``[[action, path, value], ...]``) to ``value``."""
    for action, path, new in diff:
        if not path:
            if action == "replace":
                value = new
            elif action == "append":
                value = value + new
            continue
        target = value
        for key in path[:-1]:
            target = target[key]
        last = path[-1]
        if action == "replace":
            target[last] = new
        elif action == "append":
            target[last] += new
        elif action == "add":
            if isinstance(target, list):
                target.insert(int(last), new)
            else:
                target[last] = new
        elif action == "delete":
            del target[last]
    return value


def api_base(src: str, config: dict[str, Any]) -> str:
    """Where the queue routes live: ``src`` plus the config's ``api_prefix`` (5.x+)."""
    prefix = str(config.get("api_prefix") or "").strip("/")
    return f"{src}{prefix}/" if prefix else src


def endpoint_ids(config: dict[str, Any]) -> dict[str, int]:
    """``"/name"`` -> fn_index (the dependency id) for every named endpoint."""
    ids = {}
    for index, dep in enumerate(config["dependencies"]):
        name = dep.get("api_name")
        if name:
            ids["/" + str(name).lstrip("/")] = dep.get("id", index)
    return ids


class JobLines:
    """Picks one job's messages out of a session stream's lines."""

    def __init__(
        self, event_id: str, on_message: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.event_id = event_id
        self.on_message = on_message
        self.completed: dict[str, Any] | None = None

    def feed(self, line: str) -> None:
        if not line.startswith("data:"):
            return
        message = json.loads(line[5:])
        if message.get("event_id") != self.event_id:
            return
        if self.on_message is not None:
            self.on_message(message)
        if message["msg"] == "process_completed":
            self.completed = message


class Yields:
    """Collects a generator job's values as they arrive (applying sse_v2+ diffs)."""

    def __init__(self, has_diffs: bool) -> None:
        self.has_diffs = has_diffs
        self.items: list[tuple[Any, float]] = []
        self._value: Any = None

    def on_message(self, message: dict[str, Any]) -> None:
        if message["msg"] != "process_generating":
            return
        raw = message["output"]["data"][0]
        if self.has_diffs and self.items:
            self._value = apply_diff(self._value, raw)
        else:
            self._value = raw
        self.items.append((self._value, time.time()))


def has_diffs(config: dict[str, Any]) -> bool:
    """Whether generator outputs after the first arrive as diffs (sse_v2 and later)."""
    return config.get("protocol") in ("sse_v2", "sse_v2.1", "sse_v3")


class RawClient:
    """A connected raw client (sync): config and info fetched, one session."""

    def __init__(self, src: str) -> None:
        self.src = src
        self.http = httpx.Client(verify=SSL_CONTEXT, timeout=TIMEOUT)
        config = self.http.get(src + "config").raise_for_status().json()
        self.api = api_base(src, config)
        self.info = self.http.get(self.api + "info").raise_for_status().json()
        self.ids = endpoint_ids(config)
        self.session = str(uuid.uuid4())
        self.has_diffs = has_diffs(config)

    def close(self) -> None:
        self.http.close()

    def run(
        self,
        api_name: str,
        data: list[Any],
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Run one job; return its ``process_completed`` message."""
        body = {"data": data, "fn_index": self.ids[api_name], "session_hash": self.session}
        event_id = self.http.post(self.api + "queue/join", json=body).raise_for_status().json()
        job = JobLines(event_id["event_id"], on_message)
        while job.completed is None:
            with self.http.stream(
                "GET", self.api + "queue/data", params={"session_hash": self.session}
            ) as response:
                for line in response.iter_lines():
                    job.feed(line)  # read on to close_stream: the connection is reused
        return job.completed

    def predict(self, api_name: str, *data: Any) -> Any:
        """Run one job and return its first output value."""
        completed = self.run(api_name, list(data))
        if not completed.get("success"):
            raise RuntimeError(f"job failed: {completed.get('output')}")
        return completed["output"]["data"][0]

    def stream(self, api_name: str, *data: Any) -> list[tuple[Any, float]]:
        """Run a generator job; return ``(value, time.time() at arrival)`` per yield."""
        collect = Yields(self.has_diffs)
        completed = self.run(api_name, list(data), collect.on_message)
        if not completed.get("success"):
            raise RuntimeError(f"job failed: {completed.get('output')}")
        return collect.items

    def progress_indices(self, api_name: str, *data: Any) -> list[int]:
        """Run a ``gr.Progress`` job; return the progress ``index`` of every update sent."""
        seen: list[int] = []

        def on_message(message: dict[str, Any]) -> None:
            if message["msg"] == "progress" and message.get("progress_data"):
                seen.append(message["progress_data"][0]["index"])

        self.run(api_name, list(data), on_message)
        return seen

    def file_roundtrip(self, path: str, out_dir: str) -> str:
        """Upload ``path``, echo it through ``/file_echo``, download the result to ``out_dir``."""
        name = os.path.basename(path)
        with open(path, "rb") as fh:
            uploaded = self.http.post(self.api + "upload", files=[("files", (name, fh))])
        server_path = uploaded.raise_for_status().json()[0]
        value = {"path": server_path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}
        output = self.predict("/file_echo", value)
        url = output.get("url") or f"{self.api}file={output['path']}"
        target = os.path.join(out_dir, f"raw-{uuid.uuid4().hex}-{name}")
        with self.http.stream("GET", url) as response, open(target, "wb") as out:
            response.raise_for_status()
            for chunk in response.iter_bytes(CHUNK):
                out.write(chunk)
        return target


class AsyncRawClient:
    """The asyncio floor: what :class:`RawClient` does, on one ``httpx.AsyncClient``.

    gradiox's engine is asyncio, so its sequential calls go through httpx's async stack
    (httpcore's async pool, anyio streams). This floor pays exactly that stack and nothing
    else, to show how much of a gap to the sync floor is the stack's and how much gradiox's.
    """

    def __init__(self, http: httpx.AsyncClient, api: str, config: dict[str, Any]) -> None:
        self.http = http
        self.api = api
        self.ids = endpoint_ids(config)
        self.has_diffs = has_diffs(config)
        self.session = str(uuid.uuid4())

    @classmethod
    async def connect(cls, src: str) -> AsyncRawClient:
        """A new pool, ``GET config``, ``GET info``."""
        http = httpx.AsyncClient(verify=SSL_CONTEXT, timeout=TIMEOUT)
        config = (await http.get(src + "config")).raise_for_status().json()
        api = api_base(src, config)
        (await http.get(api + "info")).raise_for_status()
        return cls(http, api, config)

    async def close(self) -> None:
        await self.http.aclose()

    async def run(
        self,
        api_name: str,
        data: list[Any],
        on_message: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Run one job (join, then read the stream to its end); return its completion."""
        body = {"data": data, "fn_index": self.ids[api_name], "session_hash": self.session}
        joined = (await self.http.post(self.api + "queue/join", json=body)).raise_for_status()
        job = JobLines(joined.json()["event_id"], on_message)
        while job.completed is None:
            async with self.http.stream(
                "GET", self.api + "queue/data", params={"session_hash": self.session}
            ) as response:
                async for line in response.aiter_lines():
                    job.feed(line)  # read on to the end: the connection is reused
        completed = job.completed
        if not completed.get("success"):
            raise RuntimeError(f"job failed: {completed.get('output')}")
        return completed

    async def predict(self, api_name: str, *data: Any) -> Any:
        """Run one job; return its first output value."""
        return (await self.run(api_name, list(data)))["output"]["data"][0]

    async def stream(self, api_name: str, *data: Any) -> tuple[list[tuple[Any, float]], Any]:
        """Run a generator job; return its ``(value, arrival time)`` items and final value."""
        collect = Yields(self.has_diffs)
        completed = await self.run(api_name, list(data), collect.on_message)
        return collect.items, completed["output"]["data"][0]


def connect_once(src: str) -> RawClient:
    """What ``Client(src)`` costs at the floor: a new pool, ``GET config``, ``GET info``."""
    return RawClient(src)


async def burst(src: str, api_name: str, count: int) -> tuple[int, float, list[str]]:
    """Run ``count`` jobs at once on one session and one stream.

    Returns:
        How many succeeded, the seconds they took, and the errors of failed joins.
    """
    async with httpx.AsyncClient(verify=SSL_CONTEXT, timeout=TIMEOUT, limits=LIMITS) as http:
        config = (await http.get(src + "config")).raise_for_status().json()
        api = api_base(src, config)
        (await http.get(api + "info")).raise_for_status()
        fn_index = endpoint_ids(config)[api_name]
        session = str(uuid.uuid4())
        finished: dict[str, bool] = {}
        errors: list[str] = []

        async def join(i: int) -> str | None:
            body = {"data": [i], "fn_index": fn_index, "session_hash": session}
            try:
                response = await http.post(api + "queue/join", json=body)
                return str(response.raise_for_status().json()["event_id"])
            except (httpx.HTTPError, KeyError, ValueError) as exc:
                errors.append(repr(exc))
                return None

        started = time.perf_counter()
        joins = [asyncio.ensure_future(join(i)) for i in range(count)]
        await asyncio.wait(joins, return_when=asyncio.FIRST_COMPLETED)

        def all_done() -> bool:
            if not all(task.done() for task in joins):
                return False
            return all(t.result() is None or t.result() in finished for t in joins)

        while not all_done():
            async with http.stream(
                "GET", api + "queue/data", params={"session_hash": session}
            ) as response:
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    message = json.loads(line[5:])
                    if message["msg"] == "process_completed":
                        finished[message["event_id"]] = bool(message.get("success"))
                        if all_done():
                            break
                    elif message.get("session_not_found"):
                        await asyncio.sleep(0.005)  # every job so far ended; more are joining
                        break
        elapsed = time.perf_counter() - started
        return sum(1 for success in finished.values() if success), elapsed, errors
