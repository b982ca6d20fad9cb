"""Marking files for upload: ``handle_file`` (and its old name ``file``)."""

from __future__ import annotations

import os
import warnings
from typing import Any

from gradiox.exceptions import GradioxError

__all__ = ["FileNotFoundForUploadError", "file", "handle_file"]

FILE_META = {"_type": "gradio.FileData"}


class FileNotFoundForUploadError(GradioxError, ValueError, FileNotFoundError):
    """``handle_file`` was given a path that does not exist and is not a URL."""


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def handle_file(filepath_or_url: str | os.PathLike[str]) -> dict[str, Any]:
    """Mark a local file or a URL as a file input.

    Only values wrapped this way are uploaded: a plain string that looks like a path is
    sent as text.

    Args:
        filepath_or_url: A local path (str or pathlib.Path) or an http(s) URL.

    Returns:
        A FileData dict that predict() and submit() upload (local files) or pass on (URLs).

    Raises:
        FileNotFoundForUploadError: The path does not exist (also a ValueError).

    Example:
        >>> client.predict(handle_file("photo.png"), api_name="/classify")
    """
    text = os.fspath(filepath_or_url)
    if not isinstance(text, str):
        raise TypeError(f"handle_file() takes a str or os.PathLike path, got {text!r}")
    if _is_url(text):
        return {
            "path": text,
            "meta": dict(FILE_META),
            "orig_name": text.rsplit("/", 1)[-1],
            "url": text,
        }
    if os.path.isfile(text):
        return {"path": text, "meta": dict(FILE_META), "orig_name": os.path.basename(text)}
    raise FileNotFoundForUploadError(
        f"File {text} does not exist on local filesystem and is not a valid URL."
    )


def file(filepath_or_url: str | os.PathLike[str]) -> dict[str, Any]:
    """Deprecated name of :func:`handle_file`."""
    warnings.warn(
        "file() is deprecated and will be removed in a future version. Use handle_file() instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return handle_file(filepath_or_url)
