"""Reading what the command line is given: the JSON arguments, headers, logins, endpoints.

Every problem is an :class:`~gradiox.ArgumentError` (exit code 2) that says what was wrong.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any, TextIO

from gradiox._protocol.payload import is_file_data
from gradiox.exceptions import ArgumentError

__all__ = [
    "endpoint_target",
    "load_payload",
    "mark_files",
    "parse_auth",
    "parse_headers",
    "split_payload",
]


def load_payload(text: str, stdin: TextIO | None = None) -> Any:
    """Parse the arguments: a JSON object (by name) or array (positional); ``-`` is stdin."""
    source = "stdin" if text == "-" else "the arguments"
    if text == "-":
        text = (stdin or sys.stdin).read()
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ArgumentError(
            f"{source} are not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}): "
            'pass an object such as \'{"text": "hi"}\' or an array such as \'["hi"]\''
        ) from None
    if not isinstance(value, (dict, list)):
        raise ArgumentError(
            f"{source} must be a JSON object (arguments by name) or array (positional "
            f"arguments), not {type(value).__name__}: {text.strip()[:80]}"
        )
    return value


def split_payload(payload: Any) -> tuple[list[Any], dict[str, Any]]:
    """Positional and keyword arguments from a parsed payload, with file inputs marked."""
    payload = mark_files(payload)
    if isinstance(payload, list):
        return payload, {}
    return [], dict(payload)


def mark_files(value: Any) -> Any:
    """Turn each ``{"path": ..., "meta": {"_type": "gradio.FileData"}}`` into an upload.

    The path may be a local file (uploaded) or an http(s) URL (fetched by the app), at any
    depth (a gallery, a multimodal value). Other keys given with it (``orig_name``) are kept.

    Raises:
        FileNotFoundForUploadError: A local path does not exist (exit code 2).
    """
    if is_file_data(value, strict=True):
        from gradiox.files import handle_file

        handled = handle_file(value["path"])
        handled.update({k: v for k, v in value.items() if k not in ("path", "meta", "url")})
        return handled
    if isinstance(value, Mapping):
        return {key: mark_files(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mark_files(item) for item in value]
    return value


def parse_headers(values: list[str]) -> dict[str, str]:
    """``["K: V", ...]`` as a dict; a value without a colon is an ArgumentError."""
    headers: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise ArgumentError(f"--header wants NAME:VALUE, got {item!r}")
        headers[name.strip()] = value.strip()
    return headers


def parse_auth(text: str | None) -> tuple[str, str] | None:
    """``USER:PASS`` as a tuple (None stays None)."""
    if text is None:
        return None
    user, sep, password = text.partition(":")
    if not sep:
        raise ArgumentError("--auth wants USER:PASS")
    return user, password


def endpoint_target(text: str) -> tuple[str | None, int | None]:
    """``(api_name, fn_index)`` for an endpoint given as ``/name``, ``name`` or a number."""
    if text.isdigit():
        return None, int(text)
    return "/" + text.lstrip("/"), None
