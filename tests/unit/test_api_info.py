from __future__ import annotations

from typing import Any

import pytest

from gradiox._protocol.api_info import (
    bind_arguments,
    build_endpoints,
    resolve_endpoint,
    shape_result,
)
from gradiox.exceptions import ArgumentError, EndpointError

COMPONENTS = [
    {"id": 1, "type": "number", "skip_api": False},
    {"id": 2, "type": "number", "skip_api": False},
    {"id": 3, "type": "number", "skip_api": False},
    {"id": 4, "type": "state", "skip_api": True},
    {"id": 5, "type": "textbox", "skip_api": False},
    {"id": 6, "type": "button", "skip_api": True},
]


def dep(
    i: int, name: str | bool | None, inputs: list[int], outputs: list[int], **kw: Any
) -> dict[str, Any]:
    return {
        "id": i,
        "api_name": name,
        "inputs": inputs,
        "outputs": outputs,
        "backend_fn": True,
        "types": {"generator": False},
        **kw,
    }


CONFIG = {
    "components": COMPONENTS,
    "dependencies": [
        dep(0, "add", [1, 2], [3], api_visibility="public"),
        dep(1, "with_state", [5, 4], [5, 4], api_visibility="public"),
        dep(2, "withbtn", [5, 6], [5], api_visibility="public"),
        dep(3, "add_undoc", [1, 2], [3], api_visibility="undocumented"),
        dep(4, "add_private", [1, 2], [3], api_visibility="private"),
        dep(5, "js_only", [], [], api_visibility="private", backend_fn=False),
    ],
}
P_A = {"label": "A", "parameter_name": "a", "parameter_has_default": True, "parameter_default": 1}
P_B = {"label": "B", "parameter_name": "b", "parameter_has_default": False}
P_X = {"label": "x", "parameter_name": "x", "parameter_has_default": False}
INFO = {
    "named_endpoints": {
        "/add": {"parameters": [P_A, P_B], "returns": []},
        "/with_state": {"parameters": [P_X], "returns": []},
        "/withbtn": {"parameters": [P_X], "returns": []},
        "/add_undoc": {"parameters": [P_A, P_B], "returns": []},
    },
    "unnamed_endpoints": {},
}
ENDPOINTS = build_endpoints(CONFIG, INFO)


def find(name: str) -> Any:
    return resolve_endpoint(ENDPOINTS, name, None)


def test_positional_keyword_and_defaults() -> None:
    add = find("/add")
    assert bind_arguments(add, (1, 2), {}) == [1, 2]
    assert bind_arguments(add, (), {"b": 2}) == [1, 2]
    assert bind_arguments(add, (5,), {"b": 2}) == [5, 2]
    assert bind_arguments(add, (), {"a": 7, "b": 2}) == [7, 2]


def test_state_and_button_inputs_get_placeholders() -> None:
    assert bind_arguments(find("/with_state"), ("a",), {}) == ["a", None]
    assert bind_arguments(find("/withbtn"), ("hi",), {}) == ["hi", None]


def test_argument_errors_name_the_parameters() -> None:
    add = find("/add")
    with pytest.raises(
        ArgumentError, match=r"Parameter `c` is not a valid key-word argument.*a, b"
    ):
        bind_arguments(add, (), {"c": 1, "b": 2})
    with pytest.raises(ArgumentError, match="No value provided for required argument: b"):
        bind_arguments(add, (), {})
    with pytest.raises(ArgumentError, match="at most 2 arguments, got 3"):
        bind_arguments(add, (1, 2, 3), {})
    with pytest.raises(ArgumentError, match="already set as a positional argument"):
        bind_arguments(add, (1, 2), {"a": 3})
    # Compat: gradio_client raises TypeError for these; ArgumentError is one (and a ValueError).
    with pytest.raises(TypeError):
        bind_arguments(add, (), {})


def test_resolution_by_name_index_and_inference() -> None:
    assert find("/add").fn_index == 0
    assert resolve_endpoint(ENDPOINTS, None, 3).api_name == "/add_undoc"
    with pytest.raises(EndpointError, match="Did you mean to use a leading slash"):
        resolve_endpoint(ENDPOINTS, "add", None)
    with pytest.raises(EndpointError, match="Available endpoints: /add, /with_state"):
        resolve_endpoint(ENDPOINTS, "/nope", None)
    with pytest.raises(EndpointError, match="Cannot find a function"):
        resolve_endpoint(ENDPOINTS, "/add_private", None)
    with pytest.raises(EndpointError, match="Invalid function index: 4"):
        resolve_endpoint(ENDPOINTS, None, 4)
    with pytest.raises(EndpointError, match="Invalid function index: 99"):
        resolve_endpoint(ENDPOINTS, None, 99)
    with pytest.raises(EndpointError, match="multiple endpoints"):
        resolve_endpoint(ENDPOINTS, None, None)
    single = build_endpoints(
        {"components": COMPONENTS, "dependencies": [CONFIG["dependencies"][0]]}, INFO
    )
    assert resolve_endpoint(single, None, None).api_name == "/add"
    with pytest.raises(ValueError):  # compat: gradio_client raises ValueError
        resolve_endpoint(ENDPOINTS, "/nope", None)


def test_undocumented_endpoint_keeps_keywords_with_full_info() -> None:
    # gradio_client can't use keywords here (quirk 13); gradiox reads /info?all_endpoints.
    assert bind_arguments(find("/add_undoc"), (), {"b": 2}) == [1, 2]


def test_no_parameter_info_means_positional_only() -> None:
    eps = build_endpoints(CONFIG, None)
    add = resolve_endpoint(eps, "/add", None)
    assert bind_arguments(add, (1, 2), {}) == [1, 2]
    with pytest.raises(ArgumentError, match="does not support key-word arguments"):
        bind_arguments(add, (), {"a": 1})
    with pytest.raises(ArgumentError, match="at most 2"):
        bind_arguments(add, (1, 2, 3), {})


def test_visibility_from_5x_flags() -> None:
    config = {
        "components": COMPONENTS,
        "dependencies": [
            dep(0, "add", [1, 2], [3]),
            dep(1, False, [1, 2], [3]),
            dep(2, "hidden", [1, 2], [3], show_api=False),
        ],
    }
    eps = build_endpoints(config, None)
    assert [e.visibility for e in eps] == ["public", "private", "undocumented"]
    assert eps[1].api_name is None and not eps[1].is_valid


def test_shape_result_drops_skipped_outputs() -> None:
    assert shape_result(find("/add"), [3]) == 3
    assert shape_result(find("/with_state"), ["a", None]) == "a"
    multi = build_endpoints(
        {"components": COMPONENTS, "dependencies": [dep(0, "m", [1], [1, 2, 3])]}, None
    )[0]
    assert shape_result(multi, [1, 2, 3]) == (1, 2, 3)
    empty = build_endpoints(
        {"components": COMPONENTS, "dependencies": [dep(0, "e", [], [])]}, None
    )[0]
    assert shape_result(empty, []) == ()


def _shared_name_app() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """An Interface rendered into a Blocks: public /go first, undocumented /go later."""
    config = {
        "components": [{"id": 1, "type": "textbox"}, {"id": 2, "type": "textbox"}],
        "dependencies": [
            {"id": 0, "api_name": "go", "inputs": [1], "outputs": [2]},
            {"id": 1, "api_name": "go", "api_visibility": "undocumented", "inputs": [],
             "outputs": [2]},
        ],
    }  # fmt: skip
    public = {"parameters": [{"parameter_name": "name"}], "returns": []}
    hidden = {"parameters": [], "returns": [], "api_visibility": "undocumented"}
    info_all = {"named_endpoints": {"/go": hidden}, "unnamed_endpoints": {}}
    info_public = {"named_endpoints": {"/go": public}, "unnamed_endpoints": {}}
    return config, info_all, info_public


def test_shared_name_resolves_to_the_public_event_with_its_parameters() -> None:
    config, info_all, info_public = _shared_name_app()
    endpoints = build_endpoints(config, info_all, info_public)
    chosen = resolve_endpoint(endpoints, "/go", None)
    assert (chosen.fn_index, chosen.visibility) == (0, "public")
    assert bind_arguments(chosen, ("Ada",), {}) == ["Ada"]
    assert endpoints[1].parameters == ()  # the full form describes the undocumented one


def test_shared_name_prefers_public_even_when_undocumented_comes_first() -> None:
    config, info_all, info_public = _shared_name_app()
    config["dependencies"].reverse()
    info_all["named_endpoints"]["/go"] = info_public["named_endpoints"]["/go"]  # now the last
    chosen = resolve_endpoint(build_endpoints(config, info_all, info_public), "/go", None)
    assert chosen.visibility == "public"
    assert bind_arguments(chosen, (), {"name": "Bo"}) == ["Bo"]
