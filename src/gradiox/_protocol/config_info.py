"""API info for apps too old to serve ``/info`` (Gradio 3.36 and older), built from the config.

gradio_client sent such configs to a third-party Space to have them described; gradiox
never contacts another host and describes the endpoints from the config alone: labels,
component names and, where the config has them, JSON types. There are no parameter names,
so these endpoints take positional arguments only.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._protocol.api_info import SKIP_COMPONENTS

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["info_from_config"]

_PYTHON_TYPES = {
    "string": "str",
    "number": "float",
    "integer": "int",
    "boolean": "bool",
    "array": "list[Any]",
    "object": "dict[str, Any]",
    "null": "None",
}


def info_from_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Describe the config's endpoints in the shape of a ``/info`` answer.

    Named events go under ``named_endpoints`` (``"/name"``), others under
    ``unnamed_endpoints`` (their fn_index as a string). Frontend-only and private events
    are left out.

    Example:
        >>> config = {"components": [{"id": 1, "type": "textbox", "props": {"label": "T"}}],
        ...           "dependencies": [{"api_name": "echo", "inputs": [1], "outputs": [1]}]}
        >>> info_from_config(config)["named_endpoints"]["/echo"]["parameters"][0]["label"]
        'T'
    """
    components = {c.get("id"): c for c in config.get("components") or [] if isinstance(c, dict)}
    named: dict[str, Any] = {}
    unnamed: dict[str, Any] = {}
    for position, dep in enumerate(config.get("dependencies") or []):
        if not isinstance(dep, dict) or dep.get("backend_fn") is False:
            continue
        api_name = dep.get("api_name")
        if api_name is False:
            continue
        entry = {
            "parameters": _describe_all(components, dep.get("inputs") or []),
            "returns": _describe_all(components, dep.get("outputs") or []),
        }
        if isinstance(api_name, str) and api_name:
            named["/" + api_name] = entry
        else:
            unnamed[str(dep.get("id", position))] = entry
    return {"named_endpoints": named, "unnamed_endpoints": unnamed}


def _describe_all(components: Mapping[Any, Any], ids: list[Any]) -> list[dict[str, Any]]:
    described = []
    for component_id in ids:
        component = components.get(component_id) or {}
        kind = str(component.get("type", "")).lower()
        if component.get("skip_api", kind in SKIP_COMPONENTS):
            continue
        described.append(_describe(component, kind))
    return described


def _describe(component: Mapping[str, Any], kind: str) -> dict[str, Any]:
    props = component.get("props") or {}
    api_info = component.get("api_info") or {}
    info = api_info.get("info")
    schema: dict[str, Any] = info if isinstance(info, dict) else {}
    return {
        "label": props.get("label"),
        "type": schema,
        "python_type": {"type": _python_type(schema), "description": ""},
        "component": kind.capitalize(),
    }


def _python_type(schema: Mapping[str, Any]) -> str:
    kind = schema.get("type")
    return _PYTHON_TYPES.get(kind, "Any") if isinstance(kind, str) else "Any"
