"""How jobs reach the server and come back: the transport interface, and the choice of one.

A transport is one session of an app. ``Session`` (sse_v1 to sse_v3: one shared stream per
session) is the main one; older servers get their own transports with the same interface
(``WsTransport`` for 3.x, ``LegacySSETransport`` for 4.0-4.8), chosen once per session from
the app's features. Transports see a job only through :class:`QueuedJob`, never the
engine's ``JobRun`` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from gradiox._engine.files import FileTransfer

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Coroutine

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._engine.retry import RetryPolicy
    from gradiox._engine.stream import StreamOptions
    from gradiox._engine.tasks import TaskGroup
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox._protocol.messages import Message
    from gradiox.exceptions import GradioxError

__all__ = ["QueuedJob", "Sink", "Transport", "file_transfer_for", "open_transport"]


class Sink(Protocol):
    """Where a transport delivers one job's messages."""

    def on_message(self, message: Message) -> None:
        """Handle one message of this job."""

    def fail(self, error: GradioxError) -> None:
        """End the job with ``error`` (its connection broke, or the server failed it)."""

    def lost(self, cause: GradioxError) -> None:
        """The stream carrying the job broke: fail the job (or resubmit it)."""

    def may_run_on_server(self, fn_index: int) -> bool:
        """True if this is a job of ``fn_index`` that is joining, queued or running."""


class QueuedJob(Sink, Protocol):
    """A job as a transport sees it: what to submit, and where its messages go."""

    endpoint: EndpointInfo
    data: list[Any]
    headers: dict[str, str] | None
    extra: dict[str, Any] | None
    retry: RetryPolicy

    @property
    def event_id(self) -> str | None:
        """The server's id for the job, once the transport has named it."""

    @property
    def done(self) -> bool:
        """The job has ended here (finished, failed or cancelled)."""

    @property
    def is_over(self) -> bool:
        """The server sent the job's last message, or the job has ended here."""

    def set_event_id(self, event_id: str | None) -> None:
        """Record the server's id for the job (a transport calls it once it knows it)."""

    def add_listener(self, listener: Callable[[Any], None]) -> None:
        """Call ``listener(job)`` when the job ends (now, if it has)."""


class Transport(Protocol):
    """One session of an app, as the engine uses it."""

    app: AppDescription
    hash: str
    tasks: TaskGroup

    async def start(self, job: QueuedJob) -> None:
        """Submit ``job`` and arrange for its messages to reach ``job.on_message``.

        Calls ``job.set_event_id`` when the server names the job. If ``job`` was cancelled
        meanwhile (``job.done``), stop it on the server instead.
        """

    async def cancel(self, job: QueuedJob) -> None:
        """Stop ``job`` on the server; it has already ended locally."""

    def release(self, event_id: str | None) -> None:
        """The job ``event_id`` has ended locally: stop routing its messages."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run a task owned by this session (cancelled and awaited when it closes)."""

    @property
    def has_pending(self) -> bool:
        """True while some job of this session has not ended."""

    def start_heartbeat(self) -> None:
        """Keep the session alive on the server, if the app wants that."""

    def retire(self) -> None:
        """Take no new jobs; wind down when the pending ones end."""

    async def aclose(self, error: GradioxError | None = None) -> None:
        """Settle every pending job (with ``error``, else ClientClosedError), stop everything."""


# The transports and file format of old servers (3.x, 4.0-4.8) are imported only when an
# app needs them, which keeps ``from gradiox import Client`` light.


def file_transfer_for(http: HttpSession, app: AppDescription, download_dir: Any) -> FileTransfer:
    """The file handling the app's value format needs (3.x apps have their own)."""
    if app.features.legacy_files:
        from gradiox._engine.legacy_files import LegacyFileTransfer

        return LegacyFileTransfer(http, app, download_dir)
    return FileTransfer(http, app, download_dir)


def open_transport(
    http: HttpSession,
    app: AppDescription,
    files: FileTransfer | None,
    options: StreamOptions | None = None,
    on_trouble: Callable[[bool], None] | None = None,
) -> Transport:
    """A new session of the app, on the transport its features name.

    ``options`` say how to read event streams; ``on_trouble`` hears of lost streams (see
    :class:`~gradiox._engine.session.Session`).

    ``ws`` (3.x): a websocket per job; ``sse_v0`` (4.0-4.8): a stream per job;
    ``sse_session`` (4.9+): one shared stream per session.
    """
    transport = app.features.transport
    if transport == "ws":
        from gradiox._engine.legacy_files import LegacyFileTransfer
        from gradiox._engine.ws import WsTransport

        if not isinstance(files, LegacyFileTransfer):
            files = LegacyFileTransfer(http, app, False)
        return WsTransport(http, app, files, options)
    if transport == "sse_v0":
        from gradiox._engine.legacy_sse import LegacySSETransport

        return LegacySSETransport(http, app, options)
    from gradiox._engine.session import Session

    return Session(http, app, options, on_trouble)
