"""A local stand-in for the Hugging Face Hub's Space API, and for the Spaces' hosts.

``HubStandin.handle`` is an ``httpx.MockTransport`` handler: requests to the Hub's origin
get ``/api/spaces/{id}`` and ``/api/spaces/{id}/runtime``; requests to a Space's host go
to that Space's ``FakeGradio``. ``serve()`` puts the same handler behind a real HTTP server
on 127.0.0.1, so a test can point ``HF_ENDPOINT`` at it.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
from tests.unit.engine.fake import FakeGradio

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


@dataclass
class StandinSpace:
    """One Space as the stand-in sees it.

    Attributes:
        stages: What successive runtime look-ups answer; the last one repeats.
        on_wake: Stages that replace ``stages`` once its host gets a request while the
            current stage is SLEEPING or STOPPED (how a real Space wakes).
        token: If set, the Space is private: the Hub and the host want this token.
        embed_runtime: Include ``runtime`` in ``/api/spaces/{id}`` (the real Hub does).
        config_failures: How many ``/config`` requests answer 503 (a proxy still starting).
    """

    space_id: str
    host: str | None
    app: FakeGradio = field(default_factory=FakeGradio)
    stages: list[str] = field(default_factory=lambda: ["RUNNING"])
    on_wake: list[str] = field(default_factory=lambda: ["APP_STARTING", "RUNNING"])
    token: str | None = None
    sdk: str = "gradio"
    error_message: str | None = None
    embed_runtime: bool = True
    config_failures: int = 0
    runtime_polls: int = 0
    wake_requests: int = 0
    hardware: str = "cpu-basic"
    secrets: dict[str, str] = field(default_factory=dict)
    sleep_seconds: int | None = None
    duplicated_from: str | None = None

    @property
    def stage(self) -> str:
        return self.stages[0]

    def next_stage(self) -> str:
        stage = self.stages[0]
        if len(self.stages) > 1:
            self.stages.pop(0)
        return stage

    def runtime(self) -> dict[str, Any]:
        body: dict[str, Any] = {"stage": self.stage, "hardware": {"current": self.hardware}}
        if self.error_message:
            body["errorMessage"] = self.error_message
        return body


class HubStandin:
    """The Hub's Space API plus every Space's host, behind one handler.

    Attributes:
        hub: The Hub's base URL (what ``HF_ENDPOINT`` points to).
        requests: Every request seen, in order, on any host.
        redirects: Hub paths that answer with a redirect to the given URL.
    """

    def __init__(self, hub: str = "http://hub.test", user: str = "me") -> None:
        self.hub = hub
        self.user = user
        self.spaces: dict[str, StandinSpace] = {}
        self.requests: list[httpx.Request] = []
        self.redirects: dict[str, str] = {}
        self._lock = threading.Lock()

    def add(self, space_id: str, host: str | None = None, **kwargs: Any) -> StandinSpace:
        if host is None:
            host = "http://" + space_id.replace("/", "-").lower() + ".hf.test"
        space = StandinSpace(space_id, host, **kwargs)
        self.spaces[space_id] = space
        return space

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            if _origin(request.url) == _origin(httpx.URL(self.hub)):
                return self._hub(request)
            for space in self.spaces.values():
                if space.host and _origin(request.url) == _origin(httpx.URL(space.host)):
                    return self._host(space, request)
        raise httpx.ConnectError(f"stand-in: no such host {request.url.host}", request=request)

    # -- what each side sees -----------------------------------------------------------------

    def hub_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if _origin(r.url) == _origin(httpx.URL(self.hub))]

    def host_requests(self, space_id: str) -> list[httpx.Request]:
        host = self.spaces[space_id].host
        assert host is not None
        return [r for r in self.requests if _origin(r.url) == _origin(httpx.URL(host))]

    # -- the Hub -------------------------------------------------------------------------------

    def _hub(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path in self.redirects:
            return httpx.Response(307, headers={"location": self.redirects[path]})
        if request.method == "POST" or path == "/api/whoami-v2":
            return self._hub_account(request)
        prefix = "/api/spaces/"
        if request.method != "GET" or not path.startswith(prefix):
            return httpx.Response(404, json={"error": "Not Found"})
        rest = path[len(prefix) :]
        want_runtime = rest.endswith("/runtime")
        space_id = rest.removesuffix("/runtime")
        space = self.spaces.get(space_id)
        given = request.headers.get("authorization")
        if given is not None and given.startswith("Bearer hf_invalid"):
            return httpx.Response(
                401, json={"error": "Invalid credentials in Authorization header"}
            )
        if space is None or (space.token and given != f"Bearer {space.token}"):
            # Like the real Hub: 401 without a token, 404 with one, same message.
            return httpx.Response(404 if given else 401, json={"error": "Repository not found"})
        if want_runtime:
            space.runtime_polls += 1
            body = space.runtime()
            space.next_stage()
            return httpx.Response(200, json=body)
        info: dict[str, Any] = {
            "id": space_id,
            "host": space.host,
            "private": bool(space.token),
            "sdk": space.sdk,
            "subdomain": space_id.replace("/", "-"),
        }
        if space.embed_runtime:
            info["runtime"] = space.runtime()
            space.next_stage()
        return httpx.Response(200, json=info)

    def _hub_account(self, request: httpx.Request) -> httpx.Response:
        """``whoami-v2`` and the write API of the caller's Spaces (duplicate and settings)."""
        given = request.headers.get("authorization") or ""
        if not given.startswith("Bearer hf_") or given.startswith("Bearer hf_invalid"):
            return httpx.Response(401, json={"error": "Invalid credentials"})
        path = request.url.path
        if path == "/api/whoami-v2" and request.method == "GET":
            return httpx.Response(200, json={"name": self.user, "type": "user"})
        body = json.loads(request.content or b"{}")
        parts = path.removeprefix("/api/spaces/").split("/")
        space_id, action = "/".join(parts[:2]), "/".join(parts[2:])
        space = self.spaces.get(space_id)
        if space is None:
            return httpx.Response(404, json={"error": "Repository not found"})
        if action == "duplicate":
            new_id = body["repository"]
            if new_id in self.spaces:
                return httpx.Response(409, json={"error": "You already created this space repo"})
            copy = self.add(
                new_id,
                token=given.removeprefix("Bearer ") if body.get("private") else None,
                hardware=space.hardware,
                duplicated_from=space_id,
            )
            return httpx.Response(200, json={"url": f"{self.hub}/spaces/{copy.space_id}"})
        if not space_id.startswith(self.user + "/"):
            return httpx.Response(403, json={"error": "You don't have the rights"})
        if action == "secrets":
            space.secrets[body["key"]] = body["value"]
        elif action == "hardware":
            space.hardware = body["flavor"]
        elif action == "sleeptime":
            space.sleep_seconds = body["seconds"]
        else:
            return httpx.Response(404, json={"error": "Not Found"})
        return httpx.Response(200, json={})

    # -- a Space's host --------------------------------------------------------------------------

    def _host(self, space: StandinSpace, request: httpx.Request) -> httpx.Response:
        if space.token and request.headers.get("x-hf-authorization") != f"Bearer {space.token}":
            return httpx.Response(404, text="<html>Not found</html>")
        if space.stage in ("SLEEPING", "STOPPED"):
            space.wake_requests += 1
            space.stages = list(space.on_wake)
            return httpx.Response(
                503, headers={"content-type": "text/html"}, text="<html>zzz</html>"
            )
        if space.stage not in ("RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"):
            return httpx.Response(
                503, headers={"content-type": "text/html"}, text="<html>..</html>"
            )
        if request.url.path == "/config" and space.config_failures > 0:
            space.config_failures -= 1
            return httpx.Response(
                503, headers={"content-type": "text/html"}, text="<html>..</html>"
            )
        return space.app.handle(request)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


# -- a real server ---------------------------------------------------------------------------


@contextlib.contextmanager
def serve(handler: Callable[[httpx.Request], httpx.Response]) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (a free port) in a thread; yield the base URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
            request = httpx.Request(
                self.command, host + self.path, headers=dict(self.headers.items()), content=body
            )
            try:
                response = handler(request)
            except httpx.ConnectError:
                response = httpx.Response(502, text="stand-in: no such host")
            content = _read(response)
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def _read(response: httpx.Response) -> bytes:
    try:
        return response.content
    except httpx.ResponseNotRead:
        return asyncio.run(response.aread())
