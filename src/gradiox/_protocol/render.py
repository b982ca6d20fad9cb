"""The ``view_api()`` report: the cleaned ``/info`` dict and its text rendering.

Output matches gradio_client 2.7.2 byte for byte, trailing spaces included.
Must not import httpx, anyio or any gradiox I/O module: stdlib only, no I/O.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["clean_api_info", "render_api_info"]

_GROUPS = ("named_endpoints", "unnamed_endpoints")
_DROPPED_KEYS = frozenset({"code_snippets", "api_visibility", "show_api"})
_HEADER = "Client.predict() Usage Info\n---------------------------\n"
_ITEM = "     - "


def clean_api_info(info: Mapping[str, Any], *, hidden: Collection[str] = ()) -> dict[str, Any]:
    """Build the dict that ``view_api(return_format="dict")`` returns.

    The result is a deep copy of the ``/info`` JSON in which every endpoint loses its
    ``code_snippets`` and visibility keys (``api_visibility`` on 6.x, ``show_api`` on
    4.x/5.x). Endpoints whose key is in ``hidden`` are dropped, and so are endpoints the
    payload itself marks as not public. The official client never lists those because it
    asks ``/info`` without ``all_endpoints``, where the server leaves them out; dropping
    them here gives the same dict from an ``?all_endpoints=True`` payload. (Its own
    filter keeps a 6.x ``"undocumented"`` or ``"private"`` entry and drops only
    ``show_api: false``, but no server lists those in the payload it asks for.)

    Args:
        info: The parsed ``/info`` response. It is not modified.
        hidden: Endpoint keys to drop, e.g. ``"/add_undoc"`` or, for unnamed
            endpoints, ``"3"``.

    Returns:
        A new dict with ``named_endpoints`` and ``unnamed_endpoints`` (both always
        present) and any other top-level keys of ``info`` unchanged.

    Example:
        >>> raw = {"named_endpoints": {"/a": {"parameters": [], "returns": [],
        ...     "api_visibility": "public", "code_snippets": {}}}, "unnamed_endpoints": {}}
        >>> clean_api_info(raw)
        {'named_endpoints': {'/a': {'parameters': [], 'returns': []}}, 'unnamed_endpoints': {}}
    """
    cleaned: dict[str, Any] = copy.deepcopy(dict(info))
    drop = frozenset(hidden)
    for group in _GROUPS:
        endpoints: Mapping[str, Any] = cleaned.get(group) or {}
        cleaned[group] = {
            key: {name: value for name, value in endpoint.items() if name not in _DROPPED_KEYS}
            for key, endpoint in endpoints.items()
            if key not in drop and _is_listed(endpoint)
        }
    return cleaned


def render_api_info(info: Mapping[str, Any], *, all_endpoints: bool | None = None) -> str:
    """Render the usage text that ``view_api()`` prints.

    ``view_api()`` passes this text to ``print``, which adds one more newline.

    Args:
        info: A cleaned info dict (the output of :func:`clean_api_info`). Every
            endpoint in it is rendered; filtering is the cleaner's job.
        all_endpoints: True also lists the unnamed endpoints; False only counts
            them. None (the official default) acts as True when there are no named
            endpoints and as False otherwise.

    Returns:
        The report, ending in a newline.

    Example:
        >>> print(render_api_info({"named_endpoints": {}, "unnamed_endpoints": {}}))
        Client.predict() Usage Info
        ---------------------------
        Named API endpoints: 0
        <BLANKLINE>
        Unnamed API endpoints: 0
        <BLANKLINE>
    """
    named: Mapping[str, Any] = info.get("named_endpoints") or {}
    unnamed: Mapping[str, Any] = info.get("unnamed_endpoints") or {}
    if all_endpoints is None:
        all_endpoints = not named
    parts = [_HEADER, f"Named API endpoints: {len(named)}\n"]
    parts.extend(_render_endpoint(f'api_name="{key}"', ep) for key, ep in named.items())
    if all_endpoints:
        parts.append(f"\nUnnamed API endpoints: {len(unnamed)}\n")
        parts.extend(
            _render_endpoint(f"fn_index={_fn_index(key)}", ep) for key, ep in unnamed.items()
        )
    elif unnamed:
        # Only the count, and a hint; named endpoints are always listed in full.
        parts.append(
            f"\nUnnamed API endpoints: {len(unnamed)}, "
            "to view, run Client.view_api(all_endpoints=True)\n"
        )
    return "".join(parts)


def _is_listed(endpoint: Mapping[str, Any]) -> bool:
    """Whether the endpoint's own flags make it public (no flags: public)."""
    visibility = endpoint.get("api_visibility")
    if visibility is not None:
        return bool(visibility == "public")
    return endpoint.get("show_api", True) is not False


def _fn_index(key: str) -> str:
    """The fn_index as the official client prints it (JSON keys are strings; it uses int)."""
    try:
        return str(int(key))
    except ValueError:
        return key


def _render_endpoint(target: str, endpoint: Mapping[str, Any]) -> str:
    """One endpoint block: signature line, optional OAuth note, parameters and returns."""
    parameters: list[Mapping[str, Any]] = endpoint.get("parameters") or []
    returns: list[Mapping[str, Any]] = endpoint.get("returns") or []
    arguments = ", ".join(_parameter_name(p) for p in parameters)
    if arguments:  # not merely "if parameters": a lone name that sanitises to "" adds no comma
        arguments += ", "
    result = ", ".join(_identifier(r.get("label")) for r in returns)
    if len(returns) > 1:
        result = f"({result})"
    lines = [f"\n - predict({arguments}{target}) -> {result}\n"]
    oauth = endpoint.get("oauth_token")
    if oauth:
        lines.append(
            f"    Acts on your behalf: this endpoint takes your Hugging Face token ({oauth})."
            " Pass it with Client(..., oauth_token=...) to grant it.\n"
        )
    lines.append("    Parameters:\n")
    lines.extend([_parameter_line(p) for p in parameters] or [f"{_ITEM}None\n"])
    lines.append("    Returns:\n")
    lines.extend([_return_line(r) for r in returns] or [f"{_ITEM}None\n"])
    return "".join(lines)


def _parameter_line(parameter: Mapping[str, Any]) -> str:
    """A parameter bullet; note the two spaces before the description and the trailing one."""
    python_type = parameter.get("python_type") or {}
    type_text = str(python_type.get("type"))
    if parameter.get("parameter_has_default", False):
        default = _files_as_handles(parameter.get("parameter_default"))
        if default is None:
            type_text += " | None"
        requirement = f"(not required, defaults to:   {default})"
    else:
        requirement = "(required)"
    head = f"{_ITEM}[{parameter.get('component')}] {_parameter_name(parameter)}"
    return f"{head}: {type_text} {requirement} {_description(python_type)} \n"


def _return_line(output: Mapping[str, Any]) -> str:
    """A return-value bullet: always named by label, never by parameter name."""
    python_type = output.get("python_type") or {}
    head = f"{_ITEM}[{output.get('component')}] {_identifier(output.get('label'))}"
    return f"{head}: {python_type.get('type')}{_description(python_type)} \n"


def _description(python_type: Mapping[str, Any]) -> str:
    """`` (text)`` for a non-empty python_type description, else nothing."""
    text = python_type.get("description")
    return f" ({text})" if text else ""


def _parameter_name(parameter: Mapping[str, Any]) -> str:
    """The keyword a caller would use: ``parameter_name`` (4.23+), else the label."""
    return _identifier(parameter.get("parameter_name") or parameter.get("label"))


def _identifier(text: object) -> str:
    """Keep letters, digits and underscores; spaces become underscores; lower-case it.

    Unicode letters and digits count (``str.isalnum``), and the case folding is applied
    to the whole string, as the official client does.
    """
    kept = "".join(ch for ch in str(text or "") if ch.isalnum() or ch in " _")
    return kept.replace(" ", "_").lower()


def _files_as_handles(value: Any) -> Any:
    """Replace FileData dicts, at any depth, by ``handle_file("<url>")`` strings.

    The result is printed with ``str()``, so nested handles show up quoted, as Python
    reprs (``['handle_file("…")']``). Tuples become lists, as in the official client.
    """
    if _is_file_data(value):
        return f'handle_file("{value.get("url")}")'
    if isinstance(value, Mapping):
        return {key: _files_as_handles(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_files_as_handles(item) for item in value]
    return value


def _is_file_data(value: Any) -> bool:
    """A 4.x+ FileData payload: a str ``path`` and ``meta._type == "gradio.FileData"``."""
    if not isinstance(value, Mapping) or not isinstance(value.get("path"), str):
        return False
    meta = value.get("meta")
    return isinstance(meta, Mapping) and meta.get("_type") == "gradio.FileData"
