"""Marking files for upload: ``handle_file`` (and its old name ``file``).

Only values made by ``handle_file`` are uploaded. A FileData-shaped dict from anywhere else
(JSON from a request, a previous result) is sent to the app as it is, and a plain string is
always sent as text, so forwarding untrusted arguments can never make gradiox read a local file.
"""

from __future__ import annotations

import os
import warnings

from gradiox._protocol.payload import FILE_DATA_TYPE, HandledFile, is_url
from gradiox.exceptions import FileNotFoundForUploadError

__all__ = ["FileNotFoundForUploadError", "file", "handle_file"]


def handle_file(filepath_or_url: str | os.PathLike[str]) -> HandledFile:
    """Mark a local file or a URL as a file input.

    Local files are uploaded to the app when the call is made (streamed from disk, the files
    of one call in parallel); URLs are passed to the app, which downloads them itself. Only
    values made here are uploaded: a plain string that looks like a path is sent as text, and
    a hand-written FileData dict is sent unchanged (useful for files already on the server).

    Args:
        filepath_or_url: A local path (str or pathlib.Path) or an http(s) URL.

    Returns:
        A dict, ``{"path": ..., "meta": {"_type": "gradio.FileData"}, "orig_name": ...}``
        (plus ``"url"`` for a URL), exactly as gradio_client's ``handle_file`` returns. Its
        type marks it as a file to send; ``dict(value)`` or JSON round trips drop the mark.

    Raises:
        FileNotFoundForUploadError: The path is not an existing file (also a ValueError).

    Example:
        >>> client.predict(handle_file("photo.png"), api_name="/classify")
    """
    text = os.fspath(filepath_or_url)
    if not isinstance(text, str):
        raise TypeError(f"handle_file() takes a str or os.PathLike path, got {text!r}")
    meta = {"_type": FILE_DATA_TYPE}
    if is_url(text):
        return HandledFile(path=text, meta=meta, orig_name=text.rsplit("/", 1)[-1], url=text)
    if os.path.isfile(text):
        return HandledFile(path=text, meta=meta, orig_name=os.path.basename(text))
    raise FileNotFoundForUploadError(
        f"File {text} does not exist on local filesystem and is not a valid URL."
    )


def file(filepath_or_url: str | os.PathLike[str]) -> HandledFile:
    """Deprecated name of :func:`handle_file`."""
    warnings.warn(
        "file() is deprecated and will be removed in a future version. Use handle_file() instead.",
        DeprecationWarning,
        stacklevel=2,
    )
    return handle_file(filepath_or_url)
