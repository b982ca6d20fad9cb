"""MCP tools from a Gradio app's API info: names, input schemas, file arguments.

Tool names and input schemas follow Gradio's own MCP server (``gradio/mcp.py``): one tool
per named endpoint, names sanitised to ``[a-zA-Z0-9_]``, cut at 120 characters and made
unique with ``_1``, ``_2``...; the input schema is an object of the endpoint's parameters
(component schema, default when truthy, ``required`` for parameters without a default),
and every file sub-schema becomes a string. Here that string may be a local path, an
http(s) URL or a ``data:`` URI. Pure: no I/O, no MCP SDK.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gradiox.cli.apiinfo import is_file_schema, parameter_name, resolve_refs

__all__ = [
    "FILE_FORMAT",
    "LOCAL_FILE_HINT",
    "ToolSpec",
    "derive_tools",
    "file_positions",
    "input_schema",
    "unique_name",
]

MAX_NAME = 120
FILE_FORMAT = "Gradio File Input - a local file path, an http(s) URL or a data: URI"
LOCAL_FILE_HINT = (
    "File inputs take a local file path, an http(s) URL or a data: URI;"
    " file outputs are returned as local paths."
)


@dataclass
class ToolSpec:
    """One MCP tool: which app endpoint it calls and how it is described.

    Attributes:
        name: The tool name.
        endpoint: The app's endpoint, ``"/name"``.
        description: The tool description.
        input_schema: The JSON schema of the tool's arguments.
        parameters: The endpoint's parameter schemas (refs resolved), by parameter name,
            used to find file arguments.
        app: Index of the app (in the order the sources were given).
    """

    name: str
    endpoint: str
    description: str
    input_schema: dict[str, Any]
    parameters: dict[str, Any] = field(default_factory=dict)
    app: int = 0


def unique_name(name: str, taken: set[str]) -> str:
    """Sanitise a tool name as Gradio does and make it unique among ``taken``."""
    base = re.sub(r"[^a-zA-Z0-9]", "_", name)[:MAX_NAME]
    candidate, suffix = base, 1
    while candidate in taken:
        candidate = f"{base}_{suffix}"
        suffix += 1
    return candidate


def input_schema(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """The tool's input schema for one endpoint of ``view_api()``'s dict."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for parameter in endpoint.get("parameters") or []:
        name = parameter_name(parameter)
        schema = dict(_replace_files(resolve_refs(parameter.get("type") or {})))
        default = parameter.get("parameter_default")
        if default:
            schema["default"] = default
        properties[name] = schema
        if not parameter.get("parameter_has_default", False):
            required.append(name)
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    return result


def _replace_files(node: Any) -> Any:
    if is_file_schema(node):
        kept = {k: v for k, v in node.items() if k not in ("properties", "additional_description")}
        return {**kept, "type": "string", "format": FILE_FORMAT}
    if isinstance(node, Mapping):
        return {key: _replace_files(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_files(item) for item in node]
    return node


def derive_tools(
    described: Mapping[str, Any], *, prefix: str = "", taken: set[str] | None = None, app: int = 0
) -> list[ToolSpec]:
    """One tool per named endpoint of ``view_api()``'s dict, for an app without a schema."""
    taken = set() if taken is None else taken
    tools = []
    for endpoint, info in (described.get("named_endpoints") or {}).items():
        name = unique_name(prefix + str(endpoint).lstrip("/"), taken)
        taken.add(name)
        schema = input_schema(info)
        tools.append(
            ToolSpec(
                name=name,
                endpoint=str(endpoint),
                description=describe(info, schema),
                input_schema=schema,
                parameters=parameter_schemas(info),
                app=app,
            )
        )
    return tools


def parameter_schemas(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """Each parameter's component schema, refs resolved, by parameter name."""
    return {
        parameter_name(p): resolve_refs(p.get("type") or {})
        for p in endpoint.get("parameters") or []
    }


def describe(endpoint: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    """The tool description: the endpoint's own, what it returns, and how to pass files."""
    text = str(endpoint.get("description") or "").strip()
    labels = [str(r.get("label")) for r in endpoint.get("returns") or [] if r.get("label")]
    if labels:
        text += ("" if not text or text.endswith(".") else ".") + " Returns: " + ", ".join(labels)
    if file_positions(schema):
        text += " " + LOCAL_FILE_HINT
    return text.strip()


def file_positions(schema: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Where file strings sit in an input schema (for descriptions and tests)."""
    if isinstance(schema, Mapping):
        if schema.get("format") == FILE_FORMAT:
            return [path]
        found = []
        for key, value in schema.items():
            found += file_positions(value, (*path, key))
        return found
    if isinstance(schema, list):
        return [p for i, item in enumerate(schema) for p in file_positions(item, (*path, i))]
    return []


def convert_files(value: Any, schema: Any, to_file: Any) -> Any:
    """Replace each file argument in ``value`` by ``to_file(value)``, guided by ``schema``.

    ``schema`` is the parameter's original component schema (refs resolved): where it is a
    Gradio file, a string (a path, URL or data URI) or a dict with a ``path`` is converted.
    Objects, arrays (``items`` / ``prefixItems``) and ``anyOf`` / ``oneOf`` are followed.
    """
    if not isinstance(schema, Mapping):
        return value
    if is_file_schema(schema) and isinstance(value, (str, Mapping)):
        return to_file(value)
    for union in ("anyOf", "oneOf"):
        for branch in schema.get(union) or []:
            converted = convert_files(value, branch, to_file)
            if converted is not value:
                return converted
    if isinstance(value, Mapping):
        properties = schema.get("properties") or {}
        return {k: convert_files(v, properties.get(k), to_file) for k, v in value.items()}
    if isinstance(value, list):
        items = schema.get("prefixItems") or schema.get("items")
        if isinstance(items, list):
            return [convert_files(v, s, to_file) for v, s in zip(value, items, strict=False)]
        return [convert_files(v, items, to_file) for v in value]
    return value
