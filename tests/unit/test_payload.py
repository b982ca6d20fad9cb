"""The pure file walks: which values are files, find/replace at any depth, names and URLs."""

from __future__ import annotations

import copy
import json
import os
import pickle
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradiox import handle_file
from gradiox._protocol.payload import (
    MAX_DEPTH,
    HandledFile,
    collect,
    contains,
    download_name,
    is_file_data,
    is_handled_file,
    sanitize_filename,
    server_reference,
    substitute,
)

META = {"_type": "gradio.FileData"}


def fd(path: str, **extra: Any) -> dict[str, Any]:
    """A 4.21+ output FileData."""
    return {
        "path": path,
        "url": f"http://h/gradio_api/file={path}",
        "size": 3,
        "orig_name": os.path.basename(path),
        "mime_type": None,
        "is_stream": False,
        "meta": dict(META),
        **extra,
    }


def old_fd(path: str) -> dict[str, Any]:
    """A 4.0-4.20 output FileData (no meta)."""
    return {"path": path, "url": None, "size": 3, "orig_name": "x", "mime_type": None}


# -- detection -----------------------------------------------------------------------------


def test_strict_rule_needs_the_meta_marker() -> None:
    assert is_file_data(fd("/c/a.txt"), strict=True)
    assert is_file_data({"path": "/c/a", "meta": META}, strict=True)
    assert not is_file_data({"path": "some/where.txt", "note": "not a file"}, strict=True)
    assert not is_file_data(old_fd("/c/a"), strict=True)
    assert not is_file_data({"path": "/c/a", "meta": {"_type": "other"}}, strict=True)
    assert not is_file_data({"path": "/c/a", "meta": "gradio.FileData"}, strict=True)
    assert not is_file_data({"path": 3, "meta": META}, strict=True)
    assert not is_file_data(["/c/a"], strict=True)
    assert not is_file_data("/c/a", strict=True)


def test_loose_rule_for_old_protocols_needs_the_filedata_fields() -> None:
    assert is_file_data(old_fd("/c/a"), strict=False)
    assert is_file_data(fd("/c/a"), strict=False)
    assert not is_file_data({"path": "some/where.txt", "note": "not a file"}, strict=False)
    assert not is_file_data({"path": None, "url": None, "orig_name": None}, strict=False)


def test_only_handle_file_values_are_marked() -> None:
    marked = handle_file(__file__)
    assert is_handled_file(marked)
    assert isinstance(marked, dict)
    assert marked == {"path": __file__, "meta": META, "orig_name": "test_payload.py"}
    # The same content from anywhere else is not marked: JSON, a copy, a hand-written dict.
    assert not is_handled_file(json.loads(json.dumps(marked)))
    assert not is_handled_file(dict(marked))
    assert not is_handled_file({"path": __file__, "meta": META, "orig_name": "x"})
    assert not is_handled_file(__file__)
    # Copies the user makes of the object itself keep the mark.
    assert is_handled_file(copy.deepcopy(marked))
    assert is_handled_file(copy.copy(marked))
    assert is_handled_file(pickle.loads(pickle.dumps(marked)))
    assert not is_handled_file(HandledFile(path=None))


def test_handle_file_accepts_paths_and_urls(tmp_path: Any) -> None:
    target = tmp_path / "a b (1).txt"
    target.write_text("x")
    assert handle_file(target)["path"] == str(target)
    assert handle_file(target)["orig_name"] == "a b (1).txt"
    url = handle_file("https://example.com/a/b.png?x=1")
    assert url == {
        "path": "https://example.com/a/b.png?x=1",
        "meta": META,
        "orig_name": "b.png?x=1",
        "url": "https://example.com/a/b.png?x=1",
    }
    assert json.loads(json.dumps(url)) == url  # serialises like a plain dict


# -- walks ---------------------------------------------------------------------------------

SHAPES: list[tuple[str, Any, int]] = [
    ("top level", "F", 1),
    ("list", ["a", "F", 3], 1),
    ("tuple", ("F", "F2"), 2),
    ("multimodal textbox", {"text": "hi", "files": ["F", "F2"]}, 2),
    ("gallery", [{"image": "F", "caption": "c"}, {"image": "F2", "caption": None}], 2),
    (
        "chatbot messages",
        [
            {"role": "user", "content": [{"type": "text", "text": "x"}]},
            {"role": "assistant", "content": [{"type": "file", "file": "F"}]},
        ],
        1,
    ),
    ("5.x video", {"video": "F", "subtitles": None}, 1),
    ("nothing", {"path": "some/where.txt", "note": "not a file"}, 0),
    ("deep", [[[[{"a": [{"b": "F"}]}]]]], 1),
]


def materialise(shape: Any, make: Any) -> Any:
    if shape == "F":
        return make("/srv/one.txt")
    if shape == "F2":
        return make("/srv/two.png")
    if isinstance(shape, dict):
        return {k: materialise(v, make) for k, v in shape.items()}
    if isinstance(shape, list):
        return [materialise(v, make) for v in shape]
    if isinstance(shape, tuple):
        return tuple(materialise(v, make) for v in shape)
    return shape


@pytest.mark.parametrize(
    ("shape", "count"), [(s, n) for _, s, n in SHAPES], ids=[i for i, *_ in SHAPES]
)
def test_outputs_are_found_and_replaced_in_every_shape(shape: Any, count: int) -> None:
    data = [materialise(shape, fd), "tail"]
    frozen = json.dumps(data)

    def pred(v: Any) -> bool:
        return is_file_data(v, strict=True)

    assert contains(data, pred) == (count > 0)
    found = collect(data, pred)
    assert len(found) == count
    replaced = substitute(data, pred, lambda v: "LOCAL:" + v["path"])
    assert replaced == [materialise(shape, lambda p: "LOCAL:" + p), "tail"]
    assert json.dumps(data) == frozen  # the input is never modified


@pytest.mark.parametrize(
    ("shape", "count"), [(s, n) for _, s, n in SHAPES], ids=[i for i, *_ in SHAPES]
)
def test_inputs_found_only_when_made_by_handle_file(shape: Any, count: int) -> None:
    marked = materialise(shape, lambda p: HandledFile(path=p, meta=dict(META)))
    forged = materialise(shape, lambda p: {"path": p, "meta": dict(META)})
    assert len(collect([marked], is_handled_file)) == count
    assert not contains([forged], is_handled_file)
    assert collect([forged], is_handled_file) == []


def test_collect_keeps_document_order_and_does_not_descend_into_files() -> None:
    inner = fd("/srv/inner")
    outer = fd("/srv/outer", extra={"nested": inner})
    data = [fd("/srv/1"), {"k": [fd("/srv/2"), outer]}, (fd("/srv/3"),)]
    paths = [v["path"] for v in collect(data, lambda v: is_file_data(v, strict=True))]
    assert paths == ["/srv/1", "/srv/2", "/srv/outer", "/srv/3"]


def test_substitute_keeps_container_types_and_order() -> None:
    data = {"b": (1, fd("/x")), "a": [fd("/y"), {"z": 2}]}
    out = substitute(data, lambda v: is_file_data(v, strict=True), lambda v: v["path"])
    assert out == {"b": (1, "/x"), "a": ["/y", {"z": 2}]}
    assert isinstance(out["b"], tuple) and list(out) == ["b", "a"]


def test_walks_stop_at_a_depth_limit() -> None:
    deep: Any = fd("/deep")
    for _ in range(MAX_DEPTH + 50):
        deep = [deep]
    pred = lambda v: is_file_data(v, strict=True)  # noqa: E731
    assert not contains(deep, pred)
    assert collect(deep, pred) == []
    assert substitute(deep, pred, lambda v: "x") == deep
    shallow: Any = fd("/shallow")
    for _ in range(MAX_DEPTH):
        shallow = [shallow]
    assert contains(shallow, pred)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["path", "meta", "url", "a", "orig_name"]), children, max_size=4
        )
    ),
    max_leaves=30,
)


@given(json_values)
def test_walks_agree_on_arbitrary_json(value: Any) -> None:
    pred = lambda v: is_file_data(v, strict=False)  # noqa: E731
    found = collect(value, pred)
    assert contains(value, pred) == bool(found)
    # Each found file becomes one marker, and none is left. (The marker is not a string: a
    # string replacement could make the dict around a file look like a file itself, e.g.
    # {"path": <file>, "url": None, "orig_name": None}; a single pass rightly leaves it.)
    marker = ["<file>"]
    out = substitute(value, pred, lambda v: marker)
    assert not contains(out, pred)
    assert len(collect(out, lambda v: v is marker)) == len(found)
    assert not contains(value, is_handled_file)  # JSON never carries the upload mark


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.txt", "report.txt"),
        ("my report (1) é.txt", "my report (1) é.txt"),
        ("日本語 ファイル.png", "日本語 ファイル.png"),
        ('a<b>c:d"e|f?g*h.txt', "abcdefgh.txt"),
        ("x`$!{}.md", "x.md"),
        ("../../etc/passwd", "....etcpasswd"),
        ("..", "file"),
        (".", "file"),
        ("", "file"),
        ("/", "file"),
        ("\\..\\", "file"),
        (" . ", "file"),
        ("name. . ", "name"),
        ("#.txt", "#.txt"),
        ("?.txt", "file.txt"),
        ("CON", "_CON"),
        ("nul.tar.gz", "_nul.tar.gz"),
        ("com1.txt", "_com1.txt"),
        ("console.txt", "console.txt"),
        ("tab\there\nnew\x00line\x7f.txt", "tabherenewline.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        ("zero\u200bwidth.txt", "zerowidth.txt"),
        ("lone\ud800surrogate.txt", "lonesurrogate.txt"),
    ],
)
def test_sanitize_filename(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_sanitize_filename_truncates_by_utf8_bytes_and_keeps_the_extension() -> None:
    long = sanitize_filename("é" * 300 + ".txt")
    assert long.endswith(".txt") and len(long.encode()) <= 200
    assert long.encode().decode() == long  # never cuts a character in half
    huge_ext = sanitize_filename("a." + "x" * 400)
    assert huge_ext.startswith("file.") and len(huge_ext.encode()) <= 200
    assert len(sanitize_filename("a" * 1000, max_bytes=20)) == 20


@given(st.text())
def test_sanitized_names_are_one_safe_path_component(raw: str) -> None:
    name = sanitize_filename(raw)
    assert name not in ("", ".", "..")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert 0 < len(name.encode("utf-8")) <= 200
    assert os.path.basename(name) == name
    assert sanitize_filename(name) == name  # idempotent


@pytest.mark.parametrize(
    ("file_data", "expected"),
    [
        (fd("/tmp/gradio/abc/my report (1).txt"), "my report (1).txt"),
        # 5.x stores "x 1.txt" but orig_name keeps the app's name: prefer it (same extension).
        ({**fd("/c/h/x 1 ü.txt"), "orig_name": "x (1) ü.txt"}, "x (1) ü.txt"),
        # A differing extension means the server converted the file: keep the served name.
        ({**fd("/c/h/image.webp"), "orig_name": "photo.png"}, "image.webp"),
        ({**fd("/c/h/c.txt"), "orig_name": None}, "c.txt"),
        ({**fd("/c/h/c.txt"), "orig_name": "../../../../.txt"}, "c.txt"),
        ({**fd("/c/h/c.txt"), "orig_name": "../../evil.txt"}, "evil.txt"),
        (fd("../../x"), "x"),
        (fd("/"), "file"),
        (fd(".."), "file"),
        (fd("C:\\Users\\me\\..\\evil.txt"), "evil.txt"),
        (fd("https://cdn.example.com/a/b%20c.png?sig=1"), "b c.png"),
        (
            fd("x", is_stream=True, url="http://h/stream/s/1/2/playlist.m3u8?__sign=x"),
            "playlist.m3u8",
        ),
    ],
)
def test_download_name(file_data: dict[str, Any], expected: str) -> None:
    assert download_name(file_data) == expected


# -- references -------------------------------------------------------------------


def test_server_reference_shape() -> None:
    assert server_reference("/srv/ab/f (1).txt", "f (1).txt") == {
        "path": "/srv/ab/f (1).txt",
        "orig_name": "f (1).txt",
        "meta": META,
    }
    assert server_reference("https://x/y/b.png?q=1", None)["orig_name"] == "b.png"
