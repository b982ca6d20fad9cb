"""API info built from the config, for apps without ``/info`` (Gradio <= 3.36)."""

from __future__ import annotations

import pytest

from gradiox._protocol.api_info import bind_arguments, build_endpoints, resolve_endpoint
from gradiox._protocol.config_info import info_from_config
from gradiox._protocol.render import clean_api_info, render_api_info
from gradiox.exceptions import ArgumentError

CONFIG = {
    "version": "3.30.0",
    "components": [
        {
            "id": 1,
            "type": "number",
            "props": {"label": "A"},
            "api_info": {"info": {"type": "number"}},
        },
        {"id": 2, "type": "textbox", "props": {"label": "T"}},
        {"id": 3, "type": "state", "props": {}},
        {"id": 4, "type": "number", "props": {"label": "Sum"}},
    ],
    "dependencies": [
        {"api_name": "add", "inputs": [1, 3], "outputs": [4, 3]},
        {"api_name": None, "inputs": [2], "outputs": [2]},
        {"api_name": None, "inputs": [], "outputs": [], "backend_fn": False},
        {"api_name": False, "inputs": [2], "outputs": [2]},
    ],
}


def test_named_and_unnamed_endpoints() -> None:
    info = info_from_config(CONFIG)
    add = info["named_endpoints"]["/add"]
    assert add["parameters"] == [
        {
            "label": "A",
            "type": {"type": "number"},
            "python_type": {"type": "float", "description": ""},
            "component": "Number",
        }
    ]
    assert [r["label"] for r in add["returns"]] == ["Sum"]  # the State output is skipped
    assert list(info["unnamed_endpoints"]) == ["1"]
    text_param = info["unnamed_endpoints"]["1"]["parameters"][0]
    assert text_param["python_type"]["type"] == "Any" and text_param["component"] == "Textbox"


def test_endpoints_from_it_take_positional_arguments_only() -> None:
    endpoints = build_endpoints(CONFIG, info_from_config(CONFIG))
    add = resolve_endpoint(endpoints, "/add", None)
    assert bind_arguments(add, (2,), {}) == [2, None]
    unnamed = resolve_endpoint(endpoints, None, 1)
    assert bind_arguments(unnamed, ("x",), {}) == ["x"]
    with pytest.raises(ArgumentError, match="not a valid key-word argument"):
        bind_arguments(add, (), {"a": 1})


def test_it_renders_like_info() -> None:
    text = render_api_info(clean_api_info(info_from_config(CONFIG)), all_endpoints=True)
    assert 'predict(a, api_name="/add") -> sum' in text
    assert "Unnamed API endpoints: 1" in text and "fn_index=1" in text
