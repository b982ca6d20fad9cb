"""Compatibility re-exports of what users import from ``gradio_client.utils``. No logic here."""

from __future__ import annotations

from gradiox._types import OutputUpdate, ProgressUnit, ServerMessage, Status, StatusUpdate, Update
from gradiox.exceptions import (
    APIInfoParseError,
    InvalidAPIEndpointError,
    QueueError,
    SpaceDuplicationError,
    TooManyRequestsError,
)
from gradiox.files import file, handle_file

__all__ = [
    "APIInfoParseError",
    "InvalidAPIEndpointError",
    "OutputUpdate",
    "ProgressUnit",
    "QueueError",
    "ServerMessage",
    "SpaceDuplicationError",
    "Status",
    "StatusUpdate",
    "TooManyRequestsError",
    "Update",
    "file",
    "handle_file",
]
