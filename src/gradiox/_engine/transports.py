"""Choose, once per app, how its jobs travel (the transport) and how its files are encoded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._engine.files import FileTransfer
from gradiox._engine.session import Session

# The transports and file format of old servers (3.x, 4.0-4.8) are imported only when an
# app needs them, which keeps ``from gradiox import Client`` light.

if TYPE_CHECKING:
    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._engine.transport import Transport

__all__ = ["file_transfer_for", "open_transport"]


def file_transfer_for(http: HttpSession, app: AppDescription, download_dir: Any) -> FileTransfer:
    """The file handling the app's value format needs (3.x apps have their own)."""
    if app.features.legacy_files:
        from gradiox._engine.legacy_files import LegacyFileTransfer

        return LegacyFileTransfer(http, app, download_dir)
    return FileTransfer(http, app, download_dir)


def open_transport(http: HttpSession, app: AppDescription, files: FileTransfer | None) -> Transport:
    """A new session of the app, on the transport its features name.

    ``ws`` (3.x): a websocket per job; ``sse_v0`` (4.0-4.8): a stream per job;
    ``sse_session`` (4.9+): one shared stream per session.
    """
    transport = app.features.transport
    if transport == "ws":
        from gradiox._engine.legacy_files import LegacyFileTransfer
        from gradiox._engine.ws import WsTransport

        if not isinstance(files, LegacyFileTransfer):
            files = LegacyFileTransfer(http, app, False)
        return WsTransport(http, app, files)
    if transport == "sse_v0":
        from gradiox._engine.legacy_sse import LegacySSETransport

        return LegacySSETransport(http, app)
    return Session(http, app)
