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
    CheckpointError,
    CheckpointMismatchError,
    ConnectionLostError,
    DeadlineExceededError,
    EndpointError,
    GradioxError,
    NotAGradioAppError,
    PoolConnectError,
    ProtocolError,
    QueueError,
    ReplicaMismatchError,
    SessionLostError,
    SpaceError,
    StreamClosedError,
    TransportError,
    ValidationError,
)
from gradiox.files import file, handle_file

if TYPE_CHECKING:
    from gradiox._batch.checkpoint import read_checkpoint
    from gradiox._batch.progress import BatchProgress
    from gradiox._batch.run import BatchResult
    from gradiox.async_client import AsyncClient, AsyncJob
    from gradiox.client import Client, Job
    from gradiox.exceptions import FileDownloadError
    from gradiox.pool import AsyncPool, Pool

# The clients pull in the engine (asyncio, httpx); load them on first use so that
# ``import gradiox`` stays cheap for code that only needs the types or handle_file.
_LAZY = {
    "AsyncClient": "gradiox.async_client",
    "AsyncJob": "gradiox.async_client",
    "AsyncPool": "gradiox.pool",
    "BatchProgress": "gradiox._batch.progress",
    "BatchResult": "gradiox._batch.run",
    "Client": "gradiox.client",
    "FileDownloadError": "gradiox.exceptions",
    "Job": "gradiox.client",
    "Pool": "gradiox.pool",
    "read_checkpoint": "gradiox._batch.checkpoint",
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
    "AsyncPool",
    "AuthenticationError",
    "BatchProgress",
    "BatchResult",
    "CheckpointError",
    "CheckpointMismatchError",
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
    "Pool",
    "PoolConnectError",
    "ProgressUnit",
    "ProtocolError",
    "QueueError",
    "ReplicaMismatchError",
    "SessionLostError",
    "SpaceError",
    "Status",
    "StatusUpdate",
    "StreamClosedError",
    "Timeout",
    "TransportError",
    "ValidationError",
    "__version__",
    "file",
    "handle_file",
    "read_checkpoint",
]
