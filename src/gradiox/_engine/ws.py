"""The Gradio 3.x transport: one websocket per job on ``queue/join``, over ``websockets``.

``websockets`` is an optional extra (``pip install 'gradiox[ws]'``), imported only when a
job of a 3.x app reaches the queue. The upgrade request carries the client's headers and
cookies (so logins work), and a ``wss://`` socket uses the same TLS settings as the HTTP
requests (``ssl_verify``, ``httpx_kwargs``). Inputs and outputs are converted to and from
the 3.x value formats by :class:`~gradiox._engine.legacy_files.LegacyFileTransfer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from gradiox._engine.per_job import PerJobTransport, refuse_if_full
from gradiox._engine.stream import parse_event
from gradiox._protocol.legacy_files import component_types
from gradiox._protocol.ws import WsConversation, frame_text
from gradiox.exceptions import (
    AuthenticationError,
    ConnectionLostError,
    HTTPStatusError,
    MissingWebsocketsError,
    ProtocolError,
    RequestTimeoutError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._engine.legacy_files import LegacyFileTransfer
    from gradiox._engine.stream import StreamOptions
    from gradiox._engine.transport import QueuedJob
    from gradiox._protocol.messages import Message

__all__ = ["WsTransport"]

OPEN_TIMEOUT = 15.0
MAX_MESSAGE = 1 << 30  # base64 images and files travel inside messages
# Headers the websocket handshake sets itself, or that make no sense on it.
_NOT_FORWARDED = frozenset(
    {"host", "connection", "upgrade", "accept", "accept-encoding", "content-length",
     "content-type", "user-agent", "cookie"}
)  # fmt: skip


def _connect() -> Callable[..., Any]:
    try:
        from websockets.asyncio.client import connect
    except ImportError as exc:
        raise MissingWebsocketsError(
            "This is a Gradio 3.x app, which runs jobs over a websocket: install the "
            "websockets package with pip install 'gradiox[ws]' (websockets 13 or newer)."
        ) from exc
    return connect


class WsTransport(PerJobTransport):
    """One session of a Gradio 3.x app."""

    def __init__(
        self,
        http: HttpSession,
        app: AppDescription,
        files: LegacyFileTransfer,
        options: StreamOptions | None = None,
    ) -> None:
        super().__init__(http, app, options)
        self.files = files

    async def encode(self, run: QueuedJob) -> list[Any]:
        """Convert ``handle_file`` inputs to the 3.x file formats of their components."""
        return await self.files.encode_inputs(run.endpoint.input_types, run.data)

    async def deliver(self, run: QueuedJob, message: Message) -> None:
        """Convert 3.x output files, then hand the message to the job."""
        output = message.output
        if output is not None and isinstance(output.get("data"), list):
            types = component_types(self.app.config, run.endpoint.dependency.get("outputs", []))
            data = await self.files.decode_outputs(types, output["data"])
            message = message.with_output_data(data)
        run.on_message(message)

    async def follow(self, run: QueuedJob, data: list[Any]) -> bool:
        """Run the job over its own websocket."""
        connect = _connect()
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

        url = self.app.routes.ws_join
        talk = WsConversation(fn_index=run.endpoint.fn_index, session_hash=self.hash, data=data)
        opened = False
        try:
            async with connect(
                url,
                additional_headers=self._headers(run),
                user_agent_header=self.http.client.headers.get("user-agent"),
                open_timeout=OPEN_TIMEOUT,
                max_size=MAX_MESSAGE,
                ssl=self.http.ssl_context() if url.startswith("wss://") else None,
            ) as socket:
                opened = True
                async for frame in socket:
                    step = talk.step(await parse_event((frame_text(frame),)))
                    if step.reply is not None:
                        await socket.send(step.reply)
                    if step.message is not None:
                        refuse_if_full(step.message)
                        await self.deliver(run, step.message)
                    if step.is_over or run.done:
                        return True
        except InvalidStatus as exc:
            raise _status_error(url, exc.response.status_code) from exc
        except InvalidHandshake as exc:
            raise ProtocolError(f"The websocket handshake with {url} failed: {exc}") from exc
        except ConnectionClosed as exc:
            raise _lost(url, exc) from exc
        except TimeoutError as exc:
            if opened:
                raise _lost(url, exc) from exc
            raise RequestTimeoutError(f"Timed out opening a websocket to {url}.") from exc
        except OSError as exc:
            if opened:
                raise _lost(url, exc) from exc
            raise TransportError(f"Could not open a websocket to {url}: {exc}") from exc
        return talk.is_over

    def _headers(self, run: QueuedJob) -> dict[str, str]:
        """The client's headers and this call's, plus the cookies for the app's URL."""
        headers = {
            key: value
            for key, value in self.http.client.headers.items()
            if key.lower() not in _NOT_FORWARDED
        }
        headers.update({k: v for k, v in (run.headers or {}).items() if k.lower() != "cookie"})
        request = httpx.Request("GET", self.app.api_base)
        self.http.client.cookies.set_cookie_header(request)
        cookie = request.headers.get("cookie")
        if cookie:
            headers["cookie"] = cookie
        return headers


def _lost(url: str, cause: BaseException) -> ConnectionLostError:
    """The job's socket broke: its messages are lost (the job then says whether it ran)."""
    return ConnectionLostError(f"the websocket to {url} broke: {cause or type(cause).__name__}")


def _status_error(url: str, status: int) -> HTTPStatusError:
    if status in (401, 403):
        return AuthenticationError(
            f"The app refused the websocket at {url} (HTTP {status}): log in with "
            "Client(..., auth=(username, password)).",
            status_code=status,
            url=url,
        )
    return HTTPStatusError(
        f"The app refused the websocket at {url} (HTTP {status}).", status_code=status, url=url
    )
