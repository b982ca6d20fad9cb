"""Apply the streaming diffs that sse_v2+ servers send for generator outputs.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["apply_diff"]


def apply_diff(previous: Any, diff: list[Any]) -> Any:
    """Return ``previous`` with the ``[action, path, value]`` edits of ``diff`` applied.

    ``previous`` is not modified. Actions are ``replace``, ``append``, ``add`` and
    ``delete``; an empty ``path`` targets the whole value.

    Raises:
        ValueError: If an edit is malformed or names an unknown action.
    """
    value = copy.deepcopy(previous)
    for edit in diff:
        if not isinstance(edit, (list, tuple)) or len(edit) != 3:
            raise ValueError(f"Malformed diff edit: {edit!r}")
        action, path, new = edit
        if not isinstance(path, list):
            raise ValueError(f"Malformed diff path: {path!r}")
        value = _apply_one(value, action, path, new)
    return value


def _apply_one(value: Any, action: str, path: list[Any], new: Any) -> Any:
    if not path:
        if action == "replace":
            return new
        if action == "append":
            return value + new
        raise ValueError(f"Unsupported diff action at the root: {action!r}")
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if action == "replace":
        parent[key] = new
    elif action == "append":
        parent[key] += new
    elif action == "add":
        if isinstance(parent, list):
            parent.insert(int(key), new)
        else:
            parent[key] = new
    elif action == "delete":
        del parent[key]
    else:
        raise ValueError(f"Unknown diff action: {action!r}")
    return value
