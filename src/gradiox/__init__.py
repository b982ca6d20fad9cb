"""gradiox: a fast, asyncio-native client for Gradio apps, call-compatible with gradio_client.

Example:
    >>> from gradiox import Client
    >>> client = Client("http://127.0.0.1:7860/")
    >>> client.predict("World", api_name="/greet")
"""

from __future__ import annotations

from gradiox._types import FileData, OutputUpdate, ProgressUnit, Status, StatusUpdate
from gradiox._version import __version__
from gradiox.async_client import AsyncClient, AsyncJob
from gradiox.client import Client, Job
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    AuthenticationError,
    EndpointError,
    GradioxError,
    NotAGradioAppError,
    ProtocolError,
    QueueError,
    SpaceError,
    TransportError,
    ValidationError,
)
from gradiox.files import file, handle_file

__all__ = [
    "AppError",
    "ArgumentError",
    "AsyncClient",
    "AsyncJob",
    "AuthenticationError",
    "Client",
    "EndpointError",
    "FileData",
    "GradioxError",
    "Job",
    "NotAGradioAppError",
    "OutputUpdate",
    "ProgressUnit",
    "ProtocolError",
    "QueueError",
    "SpaceError",
    "Status",
    "StatusUpdate",
    "TransportError",
    "ValidationError",
    "__version__",
    "file",
    "handle_file",
]
