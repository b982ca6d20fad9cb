"""Every URL gradiox asks a Gradio app for, and the bodies of the requests it sends there.

The URLs hang off two bases: the app's root (``src``: config, login, the HTML page, stream
files) and the API base (``src`` plus the ``api_prefix`` of 5.x+: everything else). The
bodies are plain dicts, ready to be sent as JSON. Nothing here sends anything.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from typing import Any

__all__ = [
    "GUESSED_API_PREFIX",
    "INFO_PARAMS",
    "PUBLIC_INFO_PARAMS",
    "Routes",
    "cancel_body",
    "event_body",
    "hash_body",
    "join_body",
    "legacy_join_params",
    "login_form",
    "same_origin",
    "send_data_body",
    "stream_params",
]

# Gradio 5+ serves its API under this prefix: connect asks for /info there while the
# config (which says the real prefix) loads.
GUESSED_API_PREFIX = "gradio_api/"
# 3.x takes no serialize=False, so file values are described as the paths gradiox takes.
INFO_PARAMS = {"all_endpoints": "True"}
# What gradio_client asks for (public endpoints only); view_api() shows this form.
PUBLIC_INFO_PARAMS = {"serialize": "False"}

# ``.`` and ``..`` path segments, percent-encoded so no URL normalisation can act on them.
_DOT_SEGMENTS = {".": "%2E", "..": "%2E%2E"}


@dataclass(frozen=True, slots=True)
class Routes:
    """The URLs of one app.

    Attributes:
        src: The app's root URL, with a trailing slash.
        api_base: Where the API routes live: ``src`` plus the api prefix.

    Example:
        >>> routes = Routes.of("http://h:7860/", "gradio_api/")
        >>> routes.queue_join
        'http://h:7860/gradio_api/queue/join'
    """

    src: str
    api_base: str

    @classmethod
    def of(cls, src: str, api_prefix: str = "") -> Routes:
        """The routes of the app at ``src`` whose API lives under ``api_prefix``."""
        return cls(src, src + api_prefix)

    # -- the app's root ----------------------------------------------------------------------

    @property
    def page(self) -> str:
        """The app's HTML page (very old apps embed their config in it)."""
        return self.src

    @property
    def config(self) -> str:
        """``GET``: the app's config."""
        return self.src + "config"

    @property
    def login(self) -> str:
        """``POST`` (form): log in to an app launched with ``auth=``."""
        return self.src + "login"

    def stream(self, url: str) -> str:
        """Resolve a stream FileData's ``url``: relative ones are relative to the app's root."""
        if url.startswith(("http://", "https://")):
            return url
        return self.src + url.lstrip("/")

    # -- the API base ------------------------------------------------------------------------

    @property
    def info(self) -> str:
        """``GET`` (with :data:`INFO_PARAMS`): the endpoints' signatures."""
        return self.api_base + "info"

    @property
    def upload(self) -> str:
        """``POST`` (multipart ``files``): upload input files."""
        return self.api_base + "upload"

    @property
    def queue_join(self) -> str:
        """Join the queue: ``POST`` on 4.9+, a ``GET`` event stream on 4.0-4.8."""
        return self.api_base + "queue/join"

    @property
    def queue_data(self) -> str:
        """The session's event stream (``GET``, 4.9+), or where 4.0-4.8 post inputs."""
        return self.api_base + "queue/data"

    @property
    def cancel(self) -> str:
        """``POST``: stop a job (Gradio newer than 4.29)."""
        return self.api_base + "cancel"

    @property
    def reset(self) -> str:
        """``POST``: stop a job's iterator (servers without ``cancel``)."""
        return self.api_base + "reset"

    @property
    def direct(self) -> str:
        """``POST``: run an event without the queue.

        With a fn_index in the body, the name in the path is ignored: this reaches any event.
        """
        return self.api_base + "api/predict/"

    @property
    def ws_join(self) -> str:
        """The 3.x queue's websocket: :attr:`queue_join` with a ``ws(s)://`` scheme."""
        base = self.api_base
        for http, ws in (("https://", "wss://"), ("http://", "ws://")):
            if base.startswith(http):
                base = ws + base[len(http) :]
                break
        return base + "queue/join"

    def stream_chunk(self, event_id: str) -> str:
        """``POST`` (a join's body): the next input chunk of a streaming job (5.0+)."""
        return f"{self.api_base}stream/{event_id}"

    def stream_close(self, event_id: str) -> str:
        """``POST``: no more input chunks for a streaming job; it then completes (5.0+)."""
        return f"{self.api_base}stream/{event_id}/close"

    def heartbeat(self, session_hash: str) -> str:
        """``GET``: the stream that keeps a session alive (4.25+ apps that ask for it)."""
        return f"{self.api_base}heartbeat/{session_hash}"

    def file(self, path: str) -> str:
        """The ``file=`` URL of a server path (never taken from the server's own ``url``).

        ``.`` and ``..`` segments are percent-encoded, so URL normalisation cannot turn the
        request into one for another route: the server is asked for exactly ``path``.
        """
        segments = urllib.parse.quote(path, safe="/").split("/")
        return self.api_base + "file=" + "/".join(_DOT_SEGMENTS.get(s, s) for s in segments)

    def file_path(self, url: str) -> str | None:
        """The server path in a ``<api_base>file=<path>`` URL of this app, else None."""
        if not same_origin(url, self.api_base):
            return None
        route = urllib.parse.urlsplit(self.api_base).path.rstrip("/") + "/file="
        parts = urllib.parse.urlsplit(url)
        if parts.query or parts.fragment or not parts.path.startswith(route):
            return None
        path = urllib.parse.unquote(parts.path[len(route) :])
        return path or None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        return "", "", None  # an invalid port matches nothing
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, other: str) -> bool:
    """True if both URLs have the same scheme, host and port (credentials go only there)."""
    first = _origin(url)
    return first[1] != "" and first == _origin(other)


# -- request bodies ----------------------------------------------------------------------------


def join_body(
    fn_index: int, data: list[Any], session_hash: str, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """``POST queue/join`` (4.9+): ``extra`` adds fields such as ``oauth_token``."""
    body: dict[str, Any] = {"data": data, "fn_index": fn_index}
    if extra:
        body.update(extra)
    body["session_hash"] = session_hash
    return body


def send_data_body(
    fn_index: int,
    data: list[Any],
    session_hash: str,
    event_id: str | None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``POST queue/data`` (4.0-4.8), answering the job stream's ``send_data``."""
    body: dict[str, Any] = {"data": data, "event_data": None}
    if extra:
        body.update(extra)
    body.update(fn_index=fn_index, session_hash=session_hash, event_id=event_id)
    return body


def event_body(fn_index: int, session_hash: str, data: list[Any]) -> dict[str, Any]:
    """One event's inputs: the direct route's body, and the 3.x websocket's ``send_data``.

    State lives under ``session_hash``, as on the queue.
    """
    return {"data": data, "fn_index": fn_index, "session_hash": session_hash, "event_data": None}


def hash_body(fn_index: int, session_hash: str) -> dict[str, Any]:
    """The 3.x websocket's answer to ``send_hash``."""
    return {"fn_index": fn_index, "session_hash": session_hash}


def cancel_body(fn_index: int, session_hash: str, event_id: str) -> dict[str, Any]:
    """``POST cancel`` (Gradio newer than 4.29)."""
    return {"fn_index": fn_index, "session_hash": session_hash, "event_id": event_id}


def stream_params(session_hash: str) -> dict[str, str]:
    """The query of ``GET queue/data`` (4.9+): the session whose jobs to follow."""
    return {"session_hash": session_hash}


def legacy_join_params(fn_index: int, session_hash: str) -> dict[str, Any]:
    """The query of ``GET queue/join`` (4.0-4.8), which opens one job's stream."""
    return {"fn_index": fn_index, "session_hash": session_hash}


def login_form(username: str, password: str) -> dict[str, str]:
    """``POST login``, sent as a form."""
    return {"username": username, "password": password}
