"""Gradio 3.x file values: ``{name, data, is_file}`` dicts and base64 data URLs.

3.x servers take file inputs as ``{"name": <server path>, "is_file": true}`` after an upload
(or inline, with a base64 ``data`` URL) and image inputs only as a base64 data URL. They
send files back the same way. gradiox turns 3.x output files into the FileData dicts 4.0
sends (``path``, ``url``, ``orig_name``...), so the usual download code fetches them, and
decodes data URLs itself.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import posixpath
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from gradiox._protocol.routes import Routes

__all__ = [
    "IMAGE_INPUTS",
    "component_types",
    "data_url",
    "decode_data_url",
    "inline_file",
    "is_data_url",
    "is_legacy_file",
    "legacy_file_ref",
    "name_for_data_url",
    "output_file_data",
    "outputs_may_hold_data_urls",
]

# Inputs these components take only as a base64 data URL (never as an uploaded file).
IMAGE_INPUTS = frozenset({"image", "sketchpad", "paint", "imagemask", "imageeditor"})
# Outputs of these components may be bare data URL strings that stand for a file. Text
# components may hold strings that merely look like data URLs: those are left alone.
DATA_URL_OUTPUTS = frozenset(
    {"image", "annotatedimage", "gallery", "audio", "video", "file", "model3d", "uploadbutton"}
)

_DATA_URL = re.compile(r"^data:([\w.+/-]*)((?:;[\w=.+-]+)*);base64,", re.ASCII)


def component_types(config: Mapping[str, Any], ids: Sequence[Any]) -> tuple[str, ...]:
    """The lower-case component type of each id (``""`` for an unknown id)."""
    types = {
        c.get("id"): str(c.get("type", "")).lower()
        for c in config.get("components") or []
        if isinstance(c, dict)
    }
    return tuple(types.get(i, "") for i in ids)


def outputs_may_hold_data_urls(component_type: str) -> bool:
    """True if a bare data URL in this output component's value stands for a file."""
    return component_type in DATA_URL_OUTPUTS


def is_data_url(value: Any) -> bool:
    """True for a ``data:<mime>;base64,...`` string."""
    return isinstance(value, str) and _DATA_URL.match(value) is not None


def decode_data_url(value: str) -> tuple[str, bytes]:
    """Split a base64 data URL into its MIME type and its bytes.

    Raises:
        ValueError: It is not a base64 data URL.
    """
    match = _DATA_URL.match(value)
    if match is None:
        raise ValueError("not a base64 data URL")
    try:
        content = base64.b64decode(value[match.end() :], validate=False)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"bad base64 in a data URL: {exc}") from exc
    return match.group(1) or "application/octet-stream", content


def data_url(content: bytes, mime_type: str | None) -> str:
    """Encode bytes as a base64 data URL."""
    encoded = base64.b64encode(content).decode("ascii")
    return f"data:{mime_type or 'application/octet-stream'};base64,{encoded}"


def name_for_data_url(mime_type: str, stem: str = "file") -> str:
    """A file name for decoded data: ``stem`` plus the extension of ``mime_type``."""
    extension = mimetypes.guess_extension(mime_type, strict=False) or ""
    return stem + extension


def legacy_file_ref(server_path: str, orig_name: str | None) -> dict[str, Any]:
    """The 3.x input value of a file the server already has (after ``POST upload``)."""
    return {
        "name": server_path,
        "orig_name": orig_name or posixpath.basename(server_path),
        "data": None,
        "is_file": True,
    }


def inline_file(name: str, content: bytes, mime_type: str | None) -> dict[str, Any]:
    """The 3.x input value of a file sent inline (base64) rather than uploaded."""
    return {
        "name": name,
        "orig_name": name,
        "data": data_url(content, mime_type),
        "size": len(content),
        "is_file": False,
    }


def is_legacy_file(value: Any) -> bool:
    """True for a 3.x output file dict the server keeps (``is_file`` with a ``name``)."""
    return (
        isinstance(value, dict)
        and bool(value.get("is_file"))
        and isinstance(value.get("name"), str)
    )


def output_file_data(value: Mapping[str, Any], routes: Routes) -> dict[str, Any]:
    """Turn a 3.x output file dict into the FileData dict Gradio 4.0 would send.

    The ``url`` is built from the client's own API base (as for every download).
    """
    path = str(value["name"])
    orig = value.get("orig_name")
    return {
        "path": path,
        "url": routes.file(path),
        "size": value.get("size"),
        "orig_name": orig if isinstance(orig, str) and orig else posixpath.basename(path),
        "mime_type": None,
        "is_stream": bool(value.get("is_stream", False)),
    }
