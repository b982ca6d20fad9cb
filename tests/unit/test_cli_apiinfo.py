"""The pure parts of the command line: the condensed API info and the argument parsing."""

from __future__ import annotations

import io

import pytest

from gradiox import ArgumentError
from gradiox.cli.apiinfo import (
    FILE_INPUT_DESCRIPTION,
    FILE_OUTPUT_DESCRIPTION,
    condense_info,
    resolve_refs,
    simplify_schema,
)
from gradiox.cli.payload import endpoint_target, load_payload, mark_files, parse_headers

FILE_SCHEMA = {
    "type": "object",
    "properties": {
        "path": {"type": "string"},
        "meta": {"properties": {"_type": {"const": "gradio.FileData"}}},
    },
}


def test_refs_are_inlined_and_defs_dropped() -> None:
    schema = {
        "$defs": {"Item": {"type": "string"}, "Pair": {"items": {"$ref": "#/$defs/Item"}}},
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/Pair"}, "b": {"$ref": "#/$defs/Missing"}},
    }
    assert resolve_refs(schema) == {
        "type": "object",
        "properties": {"a": {"items": {"type": "string"}}, "b": {"$ref": "#/$defs/Missing"}},
    }


def test_a_recursive_ref_stops_instead_of_recursing_forever() -> None:
    schema = {"$defs": {"Node": {"items": {"$ref": "#/$defs/Node"}}}, "$ref": "#/$defs/Node"}
    assert resolve_refs(schema) == {"items": {"$ref": "#/$defs/Node"}}


def test_file_schemas_are_replaced_at_any_depth() -> None:
    by_default = {
        "properties": {"path": {}, "meta": {"default": {"_type": "gradio.FileData"}}},
    }
    schema = {"type": "array", "items": [FILE_SCHEMA, {"anyOf": [by_default, {"type": "null"}]}]}
    as_input = {"type": "filepath", "description": FILE_INPUT_DESCRIPTION}
    assert simplify_schema(schema, is_input=True) == {
        "type": "array",
        "items": [as_input, {"anyOf": [as_input, {"type": "null"}]}],
    }
    assert simplify_schema(FILE_SCHEMA, is_input=False) == {
        "type": "filepath",
        "description": FILE_OUTPUT_DESCRIPTION,
    }
    not_a_file = {"properties": {"path": {}, "meta": {"properties": {"_type": {"const": "x"}}}}}
    assert simplify_schema(not_a_file, is_input=True) == not_a_file


def test_condense_info_named_and_all() -> None:
    info = {
        "named_endpoints": {
            "/f": {
                "parameters": [
                    {"label": "My Input", "parameter_has_default": True,
                     "parameter_default": 3, "type": {"type": "number"}},
                ],
                "returns": [{"label": "Out", "type": FILE_SCHEMA}],
            }
        },
        "unnamed_endpoints": {"4": {"parameters": [], "returns": [], "description": "d"}},
    }  # fmt: skip
    condensed = condense_info(info)
    assert condensed == {
        "/f": {
            "parameters": [
                {"name": "my_input", "required": False, "default": 3, "type": {"type": "number"}}
            ],
            "returns": [
                {
                    "name": "Out",
                    "type": {"type": "filepath", "description": FILE_OUTPUT_DESCRIPTION},
                }
            ],
            "description": "",
        }
    }
    assert list(condense_info(info, all_endpoints=True)) == ["/f", "4"]


def test_payload_parsing() -> None:
    assert load_payload('{"a": 1}') == {"a": 1}
    assert load_payload("-", stdin=io.StringIO("[1, 2]")) == [1, 2]
    with pytest.raises(ArgumentError, match="not valid JSON"):
        load_payload("{")
    with pytest.raises(ArgumentError, match="must be a JSON object"):
        load_payload("3")
    assert parse_headers(["A: b:c", "x:"]) == {"A": "b:c", "x": ""}
    with pytest.raises(ArgumentError, match="NAME:VALUE"):
        parse_headers(["nocolon"])
    assert endpoint_target("predict") == ("/predict", None)
    assert endpoint_target("/predict") == ("/predict", None)
    assert endpoint_target("3") == (None, 3)


def test_file_inputs_are_marked_for_upload(tmp_path: object) -> None:
    from pathlib import Path

    from gradiox._protocol.payload import HandledFile

    source = Path(str(tmp_path)) / "a.txt"
    source.write_text("x")
    meta = {"_type": "gradio.FileData"}
    marked = mark_files({"files": [{"path": str(source), "meta": meta, "orig_name": "b.txt"}]})
    handled = marked["files"][0]
    assert isinstance(handled, HandledFile)
    assert handled["path"] == str(source) and handled["orig_name"] == "b.txt"
    plain = {"path": str(source), "meta": {"_type": "other"}}
    assert not isinstance(mark_files(plain), HandledFile)
    with pytest.raises(FileNotFoundError):
        mark_files({"path": "/no/such", "meta": meta})
