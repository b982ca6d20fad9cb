"""view_api() rendering, checked against output captured from gradio_client 2.7.2.

Fixtures in tests/unit/data (see the README there): live captures from gradio 6.31.0 and
5.50.0 apps, and synthetic edge cases rendered by the official client.
"""

from __future__ import annotations

import ast
import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gradiox._protocol import render
from gradiox._protocol.render import clean_api_info, render_api_info

DATA = Path(__file__).parent / "data"
LINES = ("gradio6", "gradio5")


def load_json(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def load_text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def hidden_from_config(config: dict[str, Any]) -> set[str]:
    """Endpoints a config marks as not public (6.x api_visibility, 5.x show_api)."""
    hidden = set()
    for dep in config["dependencies"]:
        if not dep.get("api_name"):
            continue
        if dep.get("api_visibility", "public") != "public" or dep.get("show_api") is False:
            hidden.add("/" + dep["api_name"])
    return hidden


# --- live captures ----------------------------------------------------------------------


@pytest.mark.parametrize("line", LINES)
def test_clean_matches_official_dict(line: str) -> None:
    info = load_json(f"{line}_info.json")
    assert clean_api_info(info) == load_json(f"{line}_view_api.json")


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("all_endpoints", [None, False])
def test_render_matches_official_text(line: str, all_endpoints: bool | None) -> None:
    cleaned = clean_api_info(load_json(f"{line}_info.json"))
    expected = load_text(f"{line}_view_api.txt")
    assert render_api_info(cleaned, all_endpoints=all_endpoints) == expected


@pytest.mark.parametrize("line", LINES)
def test_render_all_endpoints_matches_official_text(line: str) -> None:
    cleaned = clean_api_info(load_json(f"{line}_info.json"))
    expected = load_text(f"{line}_view_api_all_endpoints.txt")
    assert render_api_info(cleaned, all_endpoints=True) == expected


def test_default_all_endpoints_is_official_none() -> None:
    cleaned = clean_api_info(load_json("gradio6_info.json"))
    assert render_api_info(cleaned) == load_text("gradio6_view_api.txt")


def as_plain_info(info_all: dict[str, Any]) -> dict[str, Any]:
    """Undo the one server-side difference between ?all_endpoints=True and plain /info.

    Plain /info rewrites example files to public URLs after a deepcopy that keeps shared
    references, and a File's default is the same object as its example: there the
    default of /echo_file shows the example's GitHub URL. ?all_endpoints=True skips that
    step, so the default keeps its real /gradio_api/file= URL. The renderer prints
    whatever the payload says; this helper only lets the tests compare with the capture.
    """
    param = info_all["named_endpoints"]["/echo_file"]["parameters"][0]
    param["parameter_default"]["url"] = param["example_input"]["url"]
    return info_all


@pytest.mark.parametrize("line", LINES)
def test_all_endpoints_payload_gives_the_same_view(line: str) -> None:
    # The official client asks /info without all_endpoints, so it never sees /add_undoc.
    # From an ?all_endpoints=True payload, the endpoint's own flag is enough to drop it.
    info_all = load_json(f"{line}_info_all_endpoints.json")
    assert "/add_undoc" in info_all["named_endpoints"]
    cleaned = clean_api_info(as_plain_info(info_all))
    assert cleaned == load_json(f"{line}_view_api.json")
    assert render_api_info(cleaned, all_endpoints=True) == load_text(
        f"{line}_view_api_all_endpoints.txt"
    )


@pytest.mark.parametrize("line", LINES)
def test_file_default_is_rendered_from_the_payload(line: str) -> None:
    text = render_api_info(clean_api_info(load_json(f"{line}_info_all_endpoints.json")))
    [f_line] = [ln for ln in text.splitlines() if ln.startswith("     - [File] f: ")]
    assert 'defaults to:   handle_file("/gradio_api/file=' in f_line
    assert 'sample.txt"))  (The FileData class' in f_line


@pytest.mark.parametrize("line", LINES)
def test_hidden_from_config_gives_the_same_view(line: str) -> None:
    hidden = hidden_from_config(load_json(f"{line}_config.json"))
    # 6.x configs name private events too (5.x: api_name=False); /info never lists them.
    assert hidden == ({"/add_undoc", "/add_private"} if line == "gradio6" else {"/add_undoc"})
    info_all = as_plain_info(load_json(f"{line}_info_all_endpoints.json"))
    for endpoint in info_all["named_endpoints"].values():
        endpoint.pop("api_visibility", None)
        endpoint.pop("show_api", None)
    assert clean_api_info(info_all, hidden=hidden) == load_json(f"{line}_view_api.json")


def test_fixtures_exercise_what_they_should() -> None:
    info6 = load_json("gradio6_info.json")["named_endpoints"]
    assert "code_snippets" in info6["/whoami"]
    assert info6["/whoami"]["oauth_token"] == "optional"
    assert all(ep["api_visibility"] == "public" for ep in info6.values())
    info5 = load_json("gradio5_info.json")["named_endpoints"]
    assert all(ep["show_api"] is True for ep in info5.values())
    assert "oauth_token" not in info5["/whoami"]
    text = load_text("gradio6_view_api.txt")
    assert "Acts on your behalf" in text
    assert "handle_file(" in text


# --- clean_api_info ---------------------------------------------------------------------


def test_clean_does_not_touch_its_input() -> None:
    info = load_json("gradio6_info.json")
    before = copy.deepcopy(info)
    cleaned = clean_api_info(info)
    cleaned["named_endpoints"]["/add"]["parameters"][0]["label"] = "changed"
    assert info == before


def test_clean_drops_hidden_and_non_public() -> None:
    def ep(**flags: Any) -> dict[str, Any]:
        return {"parameters": [], "returns": [], "code_snippets": {"python": "x"}, **flags}

    info = {
        "named_endpoints": {
            "/pub": ep(api_visibility="public"),
            "/undoc": ep(api_visibility="undocumented"),
            "/priv": ep(api_visibility="private"),
            "/old_hidden": ep(show_api=False),
            "/old_shown": ep(show_api=True),
            "/plain": ep(),
            "/by_name": ep(),
        },
        "unnamed_endpoints": {"1": ep(show_api=False), "2": ep(), "3": ep()},
        "extra": [1],
    }
    cleaned = clean_api_info(info, hidden=["/by_name", "3"])
    bare = {"parameters": [], "returns": []}
    assert cleaned == {
        "named_endpoints": {"/pub": bare, "/old_shown": bare, "/plain": bare},
        "unnamed_endpoints": {"2": bare},
        "extra": [1],
    }


def test_clean_adds_missing_groups() -> None:
    assert clean_api_info({"named_endpoints": {}}) == {
        "named_endpoints": {},
        "unnamed_endpoints": {},
    }


# --- render_api_info edge cases (rendered by the official client) -----------------------

EDGE = load_json("render_edge_cases.json")


@pytest.mark.parametrize(
    "case",
    EDGE["cases"],
    ids=[f"{c['info']}-{c['all_endpoints']}" for c in EDGE["cases"]],
)
def test_render_edge_cases(case: dict[str, Any]) -> None:
    info = EDGE["infos"][case["info"]]
    assert render_api_info(info, all_endpoints=case["all_endpoints"]) == case["expected"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Expected values from gradio_client.utils.sanitize_parameter_names (2.7.2).
        ("ΟΣ", "ος"),
        ("Input Image (RGB)", "input_image_rgb"),
        ("a-b c_d", "ab_c_d"),
        ("x²", "x²"),
        ("İstanbul", "i̇stanbul"),
        ("  lead", "__lead"),
        ("Tab\tsep", "tabsep"),
    ],
)
def test_identifier_matches_official_sanitiser(raw: str, expected: str) -> None:
    assert render._identifier(raw) == expected


def test_file_defaults_become_handles_at_any_depth() -> None:
    file = {"path": "/p", "url": "http://u/f", "meta": {"_type": "gradio.FileData"}}
    not_file = {"path": "/p", "url": "http://u/f"}  # no meta: pre-4.x shape, left alone
    value = {"a": (file, not_file), "b": file}
    assert render._files_as_handles(value) == {
        "a": ['handle_file("http://u/f")', not_file],
        "b": 'handle_file("http://u/f")',
    }
    assert render._files_as_handles(file) == 'handle_file("http://u/f")'
    assert render._files_as_handles({"path": "/p", "meta": "odd"}) == {"path": "/p", "meta": "odd"}


# --- purity -----------------------------------------------------------------------------


def test_render_imports_only_the_stdlib() -> None:
    tree = ast.parse(Path(render.__file__).read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0
            modules.add((node.module or "").split(".")[0])
    assert modules <= set(sys.stdlib_module_names) | {"__future__"}
