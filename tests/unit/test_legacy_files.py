"""3.x file values: data URLs, ``{name, data, is_file}`` dicts, output conversion."""

from __future__ import annotations

import pytest

from gradiox._protocol.legacy_files import (
    component_types,
    data_url,
    decode_data_url,
    inline_file,
    is_data_url,
    is_legacy_file,
    legacy_file_ref,
    name_for_data_url,
    output_file_data,
    outputs_may_hold_data_urls,
)
from gradiox._protocol.routes import Routes


def test_data_url_round_trip() -> None:
    url = data_url(b"\x89PNG\x00\xff", "image/png")
    assert url.startswith("data:image/png;base64,")
    assert is_data_url(url)
    assert decode_data_url(url) == ("image/png", b"\x89PNG\x00\xff")
    assert data_url(b"x", None).startswith("data:application/octet-stream;base64,")


def test_data_url_with_parameters_and_without_mime() -> None:
    assert decode_data_url("data:text/plain;charset=utf-8;base64,aGk=") == ("text/plain", b"hi")
    assert decode_data_url("data:;base64,aGk=") == ("application/octet-stream", b"hi")


@pytest.mark.parametrize("value", ["hello", "data:image/png,notbase64", "", None, 3, {"a": 1}])
def test_not_data_urls(value: object) -> None:
    assert not is_data_url(value)


def test_decode_rejects_non_data_urls() -> None:
    with pytest.raises(ValueError, match="data URL"):
        decode_data_url("https://example.com/a.png")


def test_names_for_decoded_data() -> None:
    assert name_for_data_url("image/png", "image") == "image.png"
    assert name_for_data_url("application/x-unknown-thing") == "file"


def test_input_values() -> None:
    assert legacy_file_ref("/tmp/up/abc/a.txt", "a.txt") == {
        "name": "/tmp/up/abc/a.txt",
        "orig_name": "a.txt",
        "data": None,
        "is_file": True,
    }
    assert legacy_file_ref("/tmp/up/abc/a.txt", None)["orig_name"] == "a.txt"
    inline = inline_file("a.txt", b"hi", "text/plain")
    assert inline["data"] == "data:text/plain;base64,aGk=" and inline["size"] == 2
    assert inline["is_file"] is False


def test_output_files_become_file_data() -> None:
    value = {"name": "/tmp/gradio/x y/out.txt", "orig_name": "out.txt", "size": 3, "is_file": True}
    assert is_legacy_file(value)
    assert output_file_data(value, Routes.of("http://h/sub/app/")) == {
        "path": "/tmp/gradio/x y/out.txt",
        "url": "http://h/sub/app/file=/tmp/gradio/x%20y/out.txt",
        "size": 3,
        "orig_name": "out.txt",
        "mime_type": None,
        "is_stream": False,
    }
    assert output_file_data({"name": "/a/b.bin", "is_file": True}, Routes.of("http://h/"))[
        "orig_name"
    ] == ("b.bin")


@pytest.mark.parametrize(
    "value",
    [
        {"name": "/a", "is_file": False, "data": "data:;base64,"},
        {"name": 3, "is_file": True},
        {"path": "/a"},
        "/a",
    ],
)
def test_not_legacy_files(value: object) -> None:
    assert not is_legacy_file(value)


def test_component_types() -> None:
    config = {"components": [{"id": 1, "type": "Image"}, {"id": 2, "type": "textbox"}]}
    assert component_types(config, [2, 1, 9]) == ("textbox", "image", "")
    assert outputs_may_hold_data_urls("image") and outputs_may_hold_data_urls("gallery")
    assert not outputs_may_hold_data_urls("textbox")
