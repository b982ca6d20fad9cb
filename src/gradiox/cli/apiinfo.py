"""The JSON that ``gradiox info`` prints: each endpoint's parameters and returns, condensed.

The format is the one ``hf-gradio info`` prints, so scripts written against one work with
the other: ``$ref`` pointers inlined from the schema's top-level ``$defs`` (which are then
dropped), and every file sub-schema replaced by a short ``"filepath"`` description.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "FILE_INPUT_DESCRIPTION",
    "FILE_OUTPUT_DESCRIPTION",
    "condense_info",
    "is_file_schema",
    "parameter_name",
    "resolve_refs",
    "simplify_schema",
]

FILE_DATA_TYPE = "gradio.FileData"
FILE_INPUT_DESCRIPTION = (
    'Must include {"path": "<local path or url>", "meta": {"_type": "gradio.FileData"}}. '
    "The meta key signals that the file will be uploaded to the remote server."
)
FILE_OUTPUT_DESCRIPTION = "The returned file path on disk."


def resolve_refs(schema: Any, defs: Mapping[str, Any] | None = None) -> Any:
    """Inline ``$ref`` pointers to the schema's ``$defs`` and drop every ``$defs`` key.

    Only the outermost ``$defs`` are looked up (by the last segment of the pointer); a
    pointer to an unknown name is left as it is, and so is one that would recurse forever
    (a recursive definition such as a JSON value's).

    Args:
        schema: A JSON schema (or any JSON value inside one).
        defs: The definitions to use; None takes them from ``schema`` itself.

    Returns:
        A new schema; ``schema`` is not modified.
    """
    if defs is None:
        defs = schema.get("$defs", {}) if isinstance(schema, Mapping) else {}
    return _resolve(schema, defs, ())


def _resolve(schema: Any, defs: Mapping[str, Any], active: tuple[str, ...]) -> Any:
    if isinstance(schema, list):
        return [_resolve(item, defs, active) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    if "$ref" in schema:
        name = str(schema["$ref"]).split("/")[-1]
        if name in defs and name not in active:
            return _resolve(defs[name], defs, (*active, name))
        return dict(schema)
    return {key: _resolve(value, defs, active) for key, value in schema.items() if key != "$defs"}


def is_file_schema(schema: Any) -> bool:
    """Whether ``schema`` describes a Gradio file: ``path`` and ``meta`` of type FileData."""
    if not isinstance(schema, Mapping):
        return False
    properties = schema.get("properties", {})
    if not isinstance(properties, Mapping) or "path" not in properties:
        return False
    meta = properties.get("meta")
    if not isinstance(meta, Mapping):
        return False
    meta_properties = meta.get("properties", {})
    if isinstance(meta_properties, Mapping) and "_type" in meta_properties:
        type_schema = meta_properties["_type"]
        return isinstance(type_schema, Mapping) and type_schema.get("const") == FILE_DATA_TYPE
    default = meta.get("default", {})
    return isinstance(default, Mapping) and default.get("_type") == FILE_DATA_TYPE


def simplify_schema(schema: Any, *, is_input: bool) -> Any:
    """Resolve ``schema``'s references and replace each file sub-schema by a short one.

    Args:
        schema: A component's JSON schema from the app's API info.
        is_input: Describe files as inputs (a path or URL to upload) or outputs (a path on
            disk).

    Returns:
        A new schema.
    """
    replacement = {
        "type": "filepath",
        "description": FILE_INPUT_DESCRIPTION if is_input else FILE_OUTPUT_DESCRIPTION,
    }
    return _replace_files(resolve_refs(schema), replacement)


def _replace_files(node: Any, replacement: Mapping[str, Any]) -> Any:
    if is_file_schema(node):
        return dict(replacement)
    if isinstance(node, Mapping):
        return {key: _replace_files(value, replacement) for key, value in node.items()}
    if isinstance(node, (list, tuple)):
        return [_replace_files(item, replacement) for item in node]
    return node


def parameter_name(parameter: Mapping[str, Any]) -> str:
    """The keyword of a parameter: ``parameter_name``, else (Gradio < 4.23) its label."""
    name = parameter.get("parameter_name")
    if isinstance(name, str) and name:
        return name
    label = str(parameter.get("label") or "")
    return "".join(ch for ch in label if ch.isalnum() or ch in " _").replace(" ", "_").lower()


def condense_info(info: Mapping[str, Any], *, all_endpoints: bool = False) -> dict[str, Any]:
    """Build the ``gradiox info`` / ``hf-gradio info`` object from ``view_api()``'s dict.

    Args:
        info: What ``client.view_api(return_format="dict", print_info=False)`` returns.
        all_endpoints: Also describe unnamed endpoints, keyed by their fn_index (as a
            string); by default only named endpoints are, as ``hf-gradio`` does.

    Returns:
        ``{"/name": {"parameters": [...], "returns": [...], "description": ...}, ...}``.
    """
    groups = ["named_endpoints", "unnamed_endpoints"] if all_endpoints else ["named_endpoints"]
    condensed: dict[str, Any] = {}
    for group in groups:
        endpoints: Mapping[str, Any] = info.get(group) or {}
        for key, endpoint in endpoints.items():
            condensed[str(key)] = condense_endpoint(endpoint)
    return condensed


def condense_endpoint(endpoint: Mapping[str, Any]) -> dict[str, Any]:
    """One endpoint's entry: parameters, returns and description."""
    parameters = [
        {
            "name": parameter_name(p),
            "required": not p.get("parameter_has_default", False),
            "default": p.get("parameter_default"),
            "type": simplify_schema(p.get("type", {}), is_input=True),
        }
        for p in endpoint.get("parameters") or []
    ]
    returns = [
        {"name": r.get("label"), "type": simplify_schema(r.get("type", {}), is_input=False)}
        for r in endpoint.get("returns") or []
    ]
    return {
        "parameters": parameters,
        "returns": returns,
        "description": endpoint.get("description", ""),
    }
