"""Tool names, input schemas and file arguments of the MCP bridge (pure parts)."""

from __future__ import annotations

from typing import Any

import pytest

from gradiox.cli.mcp_server import published_tools, save_data_uri
from gradiox.cli.mcp_tools import (
    FILE_FORMAT,
    convert_files,
    derive_tools,
    file_positions,
    unique_name,
)

FILE = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "meta": {"default": {"_type": "gradio.FileData"}},
    },
    "additional_description": "x",
}


def _endpoint(*params: dict[str, Any]) -> dict[str, Any]:
    return {"parameters": list(params), "returns": [{"label": "Out", "type": {}}]}


def test_names_are_sanitised_cut_and_unique() -> None:
    taken: set[str] = set()
    first = unique_name("my-tool.v2", taken)
    taken.add(first)
    assert first == "my_tool_v2"
    assert unique_name("my tool v2", taken) == "my_tool_v2_1"
    assert len(unique_name("x" * 300, set())) == 120


def test_derived_schema_like_gradio() -> None:
    described = {
        "named_endpoints": {
            "/up-load": _endpoint(
                {"parameter_name": "f", "parameter_has_default": False, "type": FILE},
                {"parameter_name": "n", "parameter_has_default": True, "parameter_default": 0,
                 "type": {"type": "number"}},
                {"parameter_name": "k", "parameter_has_default": True, "parameter_default": 2,
                 "type": {"type": "number"}},
            ),
            "/up_load": _endpoint(),
        }
    }  # fmt: skip
    tools = derive_tools(described, prefix="app_")
    assert [t.name for t in tools] == ["app_up_load", "app_up_load_1"]
    schema = tools[0].input_schema
    assert schema == {
        "type": "object",
        "properties": {
            "f": {"type": "string", "format": FILE_FORMAT},
            "n": {"type": "number"},  # a falsy default is left out, as Gradio does
            "k": {"type": "number", "default": 2},
        },
        "required": ["f"],
    }
    assert file_positions(schema) == [("properties", "f")]
    assert "local file path" in tools[0].description
    assert tools[1].input_schema == {"type": "object", "properties": {}}


def test_file_arguments_are_found_through_arrays_objects_and_unions() -> None:
    schema = {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [FILE, {"type": "null"}]}},
            {"type": "null"},
        ]
    }
    converted = convert_files(["a.png", None], schema, lambda v: ("FILE", v))
    assert converted == [("FILE", "a.png"), None]
    gallery = {"type": "object", "properties": {"image": FILE, "caption": {"type": "string"}}}
    assert convert_files({"image": "b", "caption": "c"}, gallery, lambda v: "F") == {
        "image": "F",
        "caption": "c",
    }
    assert convert_files("text", {"type": "string"}, lambda v: "F") == "text"


def test_published_schema_is_used_with_local_file_wording() -> None:
    described = {"named_endpoints": {"/predict": _endpoint(
        {"parameter_name": "image", "parameter_has_default": False, "type": FILE})}}  # fmt: skip
    published = [
        {
            "name": "classify_image",
            "description": "Classify.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "image": {
                        "type": "string",
                        "format": "Gradio File Input - a http or https url to a file",
                    }
                },
            },
            "meta": {"endpoint_name": "predict", "mcp_type": "tool", "file_data_present": True},
        },
        {"name": "res", "inputSchema": {}, "meta": {"endpoint_name": "predict",
                                                    "mcp_type": "resource"}},
    ]  # fmt: skip
    (tool,) = published_tools(published, described, "", set(), 0)
    assert (tool.name, tool.endpoint, tool.description) == (
        "classify_image",
        "/predict",
        "Classify.",
    )
    assert tool.input_schema["properties"]["image"]["format"] == FILE_FORMAT
    assert tool.parameters["image"] == FILE


def test_data_uris(tmp_path: Any) -> None:
    path = save_data_uri("data:image/png;base64,iVBORw0KGgo=", str(tmp_path))
    assert path.endswith(".png")
    with open(path, "rb") as fh:
        assert fh.read() == b"\x89PNG\r\n\x1a\n"
    plain = save_data_uri("data:,hello%20world", str(tmp_path))
    with open(plain, "rb") as fh:
        assert fh.read() == b"hello world"
    with pytest.raises(ValueError, match="comma"):
        save_data_uri("data:text/plain;base64", str(tmp_path))
    with pytest.raises(ValueError, match="base64"):
        save_data_uri("data:text/plain;base64,***", str(tmp_path))
