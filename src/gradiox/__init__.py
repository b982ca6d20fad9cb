"""gradiox: a fast, asyncio-native client for Gradio apps, call-compatible with gradio_client.

Example:
    >>> from gradiox import Client
    >>> client = Client("http://127.0.0.1:7860/")
    >>> client.predict("World", api_name="/greet")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._timeouts import Timeout
from gradiox._types import FileData, OutputUpdate, ProgressUnit, Status, StatusUpdate
from gradiox._version import __version__
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    AuthenticationError,
    ConnectionLostError,
    DeadlineExceededError,
    EndpointError,
    GradioxError,
    NotAGradioAppError,
    ProtocolError,
    QueueError,
    SessionLostError,
    SpaceError,
    TransportError,
    ValidationError,
)
from gradiox.files import file, handle_file

if TYPE_CHECKING:
    from gradiox.async_client import AsyncClient, AsyncJob
    from gradiox.client import Client, Job
    from gradiox.exceptions import FileDownloadError

# The clients pull in the engine (asyncio, httpx); load them on first use so that
# ``import gradiox`` stays cheap for code that only needs the types or handle_file.
_LAZY = {
    "AsyncClient": "gradiox.async_client",
    "AsyncJob": "gradiox.async_client",
    "Client": "gradiox.client",
    "FileDownloadError": "gradiox.exceptions",
    "Job": "gradiox.client",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gradiox' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AppError",
    "ArgumentError",
    "AsyncClient",
    "AsyncJob",
    "AuthenticationError",
    "Client",
    "ConnectionLostError",
    "DeadlineExceededError",
    "EndpointError",
    "FileData",
    "FileDownloadError",
    "GradioxError",
    "Job",
    "NotAGradioAppError",
    "OutputUpdate",
    "ProgressUnit",
    "ProtocolError",
    "QueueError",
    "SessionLostError",
    "SpaceError",
    "Status",
    "StatusUpdate",
    "Timeout",
    "TransportError",
    "ValidationError",
    "__version__",
    "file",
    "handle_file",
]
