"""Files inside call payloads: which values are files, tree walks that find and replace them, names.

Inputs: only :class:`HandledFile` values (what ``handle_file`` returns) are uploaded. It is a
``dict`` subclass, so it serialises like the FileData dict gradio_client sends, but JSON
decoding can never produce one: a FileData-shaped dict that came from anywhere else (a
request body, a previous result) is sent to the server unchanged and never makes gradiox read
a local file.

Outputs: on ``strict_file_meta`` servers (4.21+) a file is a dict with a string ``path`` and
``meta._type == "gradio.FileData"``; on older ones, a dict with a string ``path`` and the other
FileData keys (``url``, ``orig_name``).

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import os
import re
import unicodedata
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = [
    "FILE_DATA_TYPE",
    "HandledFile",
    "collect",
    "contains",
    "download_name",
    "is_file_data",
    "is_handled_file",
    "is_url",
    "sanitize_filename",
    "server_reference",
    "substitute",
]

FILE_DATA_TYPE = "gradio.FileData"

# Gradio payloads are shallow (a chatbot message is ~5 levels). Walks stop this deep, so a
# hostile server's deeply nested JSON cannot exhaust the stack.
MAX_DEPTH = 100

# gradio_client's set (strip_invalid_filename_characters), plus every character that Unicode
# classes as control, format (bidi overrides, zero-width), surrogate or line/paragraph
# separator: those are removed separately, by category.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f`$!{}]')
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in "123456789\xb9\xb2\xb3"}
)
MAX_NAME_BYTES = 200
_FALLBACK_NAME = "file"


class HandledFile(dict[str, Any]):
    """A FileData dict made by ``handle_file``: the only kind of value gradiox uploads.

    It behaves exactly like the plain dict gradio_client's ``handle_file`` returns
    (``{"path", "meta", "orig_name"}``, plus ``url`` for URLs). Being a distinct type is what
    marks it as the user's own request to send that file; ``dict(value)`` or a JSON round
    trip removes the mark.
    """

    __slots__ = ()


def is_url(text: str) -> bool:
    """True for an http(s) URL."""
    return text.startswith(("http://", "https://"))


def is_handled_file(value: Any) -> bool:
    """True for a value made by ``handle_file`` (with a string ``path``)."""
    return isinstance(value, HandledFile) and isinstance(value.get("path"), str)


def is_file_data(value: Any, *, strict: bool) -> bool:
    """True if an output value is a server file.

    Args:
        value: Any output value.
        strict: The server marks files with ``meta._type`` (4.21+, ``strict_file_meta``).
    """
    if not isinstance(value, dict) or not isinstance(value.get("path"), str):
        return False
    if strict:
        meta = value.get("meta")
        return isinstance(meta, dict) and meta.get("_type") == FILE_DATA_TYPE
    # 4.0-4.20 FileData has no meta, but pydantic always dumps all its fields.
    return "url" in value and "orig_name" in value


# -- walks ---------------------------------------------------------------------------------


def contains(data: Any, predicate: Callable[[Any], bool]) -> bool:
    """True if ``predicate`` holds for ``data`` or any value nested in its lists/tuples/dicts."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if predicate(value):
            return True
        if depth < MAX_DEPTH:
            stack.extend((child, depth + 1) for child in _children(value))
    return False


def collect(data: Any, predicate: Callable[[Any], bool]) -> list[Any]:
    """Every nested value for which ``predicate`` holds, in document order (not descended into)."""
    found: list[Any] = []
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if predicate(value):
            found.append(value)
        elif depth < MAX_DEPTH:
            stack.extend((child, depth + 1) for child in reversed(_children(value)))
    return found


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, (list, tuple)):
        return list(value)
    return []


def substitute(
    data: Any, predicate: Callable[[Any], bool], replace: Callable[[Any], Any], depth: int = 0
) -> Any:
    """Return a copy of ``data`` with every value matching ``predicate`` replaced.

    Lists, tuples and dicts are rebuilt (same types, same keys and order); everything else is
    shared with ``data``, which is never modified.
    """
    if predicate(data):
        return replace(data)
    if depth >= MAX_DEPTH:
        return data
    if isinstance(data, dict):
        return {key: substitute(v, predicate, replace, depth + 1) for key, v in data.items()}
    if isinstance(data, list):
        return [substitute(v, predicate, replace, depth + 1) for v in data]
    if isinstance(data, tuple):
        return tuple(substitute(v, predicate, replace, depth + 1) for v in data)
    return data


# -- names ---------------------------------------------------------------------------------


def sanitize_filename(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    r"""Make ``name`` a safe single path component on every OS, keeping what can be kept.

    Like gradio_client's ``strip_invalid_filename_characters``: removes path separators,
    ``< > : " | ? * ` $ ! { }``, control and invisible (bidi, zero-width) characters; keeps
    spaces, parentheses and non-ASCII letters; keeps the extension; trims trailing dots and
    spaces; prefixes Windows device names (``CON``, ``NUL.txt``...) with ``_``; truncates to
    ``max_bytes`` UTF-8 bytes. Unlike it, never returns ``""``, ``"."`` or ``".."``.

    Example:
        >>> sanitize_filename("../../etc/pass\x00wd (1).txt")
        '....etcpasswd (1).txt'
    """
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) not in _REMOVED_CATEGORIES)
    stem, ext = os.path.splitext(cleaned)
    stem = _FORBIDDEN.sub("", stem)
    ext = "." + _FORBIDDEN.sub("", ext[1:]) if ext else ""
    if not stem and ext:
        stem = _FALLBACK_NAME  # "#.txt" must not turn into the dotfile ".txt"
    text = (stem + ext).rstrip(" .")
    if not text.strip(" ."):
        text = _FALLBACK_NAME
    stem, ext = os.path.splitext(text)
    if text.partition(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
        stem = "_" + stem
    return _truncate(stem, ext, max_bytes)


def _truncate(stem: str, ext: str, max_bytes: int) -> str:
    def size(text: str) -> int:
        return len(text.encode("utf-8"))

    while size(stem + ext) > max_bytes and stem:
        stem = stem[:-1]
    if stem.strip(" .") and size(stem + ext) <= max_bytes:
        return stem + ext
    # The extension alone is too long (or the stem vanished): keep a usable stem.
    stem = _FALLBACK_NAME
    while size(stem + ext) > max_bytes and ext:
        ext = ext[:-1]
    return (stem + ext).rstrip(" .") or _FALLBACK_NAME


def _basename(path: str) -> str:
    """The last segment of a server path, whichever separator the server's OS uses."""
    if is_url(path):
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
    return re.split(r"[/\\]", path.rstrip("/\\"))[-1]


def download_name(file_data: Mapping[str, Any]) -> str:
    """The local name for a downloaded FileData: safe, and as close to the original as possible.

    The name is the basename of the server ``path`` (as in gradio_client), or of the ``url``
    for streams. If the FileData's ``orig_name`` has the same extension, it is used instead:
    servers such as 5.x strip parentheses from the names they store, while ``orig_name``
    keeps the name the app gave the file. Either way the result is sanitised.
    """
    if file_data.get("is_stream") and isinstance(file_data.get("url"), str):
        served = _basename(file_data["url"])
    else:
        served = _basename(str(file_data.get("path", "")))
    name = sanitize_filename(served)
    orig = file_data.get("orig_name")
    if isinstance(orig, str) and orig:
        original = sanitize_filename(_basename(orig))
        if original != _FALLBACK_NAME and _suffix(original) == _suffix(name):
            return original
    return name


def _suffix(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def server_reference(path: str, orig_name: str | None) -> dict[str, Any]:
    """The FileData an input sends for a file the server has (uploaded) or fetches (URL)."""
    return {
        "path": path,
        "orig_name": sanitize_filename(orig_name or _basename(path)),
        "meta": {"_type": FILE_DATA_TYPE},
    }
