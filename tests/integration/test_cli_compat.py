"""``gradiox info`` / ``predict`` print byte for byte what the official ``hf-gradio`` prints.

``hf-gradio`` (built on gradio_client) runs from the Gradio 6.31 server venv, never from
gradiox's own; both commands run as subprocesses against the same servers. Only download
folders may differ: each tool downloads into its own, and the folder is masked out.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from cli_helpers import CLI_STEM, HF_GRADIO, Run, gradiox, hf_gradio

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import ServerRegistry

pytestmark = pytest.mark.skipif(
    not HF_GRADIO.exists(), reason=f"hf-gradio missing from .servers/{CLI_STEM}"
)

APPS = ["core_app.py", "files_app.py", "cli_app.py"]


def _url(registry: ServerRegistry, app: str) -> str:
    return registry.get(app, CLI_STEM).url


def _same(ours: Run, theirs: Run) -> None:
    assert theirs.code == 0, theirs.err[-2000:]
    assert ours.code == 0, ours.err
    assert ours.out == theirs.out


@pytest.mark.parametrize("app", APPS)
def test_info_matches_hf_gradio(gradio_servers: ServerRegistry, app: str) -> None:
    url = _url(gradio_servers, app)
    _same(gradiox("info", url), hf_gradio("info", url))


PREDICTIONS = [
    ("core_app.py", "/add", {"b": 2.5}),
    ("core_app.py", "/echo", {"text": "héllo", "suffix": "?"}),
    ("core_app.py", "/multi", {"x": "MiXeD"}),
    ("core_app.py", "/count", {"n": 3}),
    ("cli_app.py", "/shout", {"text": "hi", "times": 3}),
    ("cli_app.py", "/swatch", {"color": "green"}),
    ("files_app.py", "/make_file", {"name": "note.txt", "text": "hello"}),
    ("files_app.py", "/chat_file", {"name": "chat.txt", "text": "hi"}),
    ("files_app.py", "/text_echo", {"s": "a path/like.txt"}),
]


@pytest.mark.parametrize(("app", "endpoint", "payload"), PREDICTIONS)
def test_predict_matches_hf_gradio(
    gradio_servers: ServerRegistry, tmp_path: Path, app: str, endpoint: str, payload: object
) -> None:
    url = _url(gradio_servers, app)
    text = json.dumps(payload)
    ours = gradiox("predict", url, endpoint, text, "--download-files", str(tmp_path / "ours"))
    theirs = hf_gradio("predict", url, endpoint, text, "--download-files", str(tmp_path / "theirs"))
    ours.out = ours.out.replace(str(tmp_path / "ours"), "<downloads>")
    theirs.out = theirs.out.replace(str(tmp_path / "theirs"), "<downloads>")
    _same(ours, theirs)


def test_predict_file_input_matches_hf_gradio(
    gradio_servers: ServerRegistry, tmp_path: Path
) -> None:
    url = _url(gradio_servers, "files_app.py")
    source = tmp_path / "upload me.txt"
    source.write_text("some text\n", encoding="utf-8")
    file_input = {"path": str(source), "meta": {"_type": "gradio.FileData"}}
    text = json.dumps({"f": file_input})
    for download in ("False", str(tmp_path / "dl")):
        ours = gradiox("predict", url, "/file_echo", text, "--download-files", download)
        theirs = hf_gradio("predict", url, "/file_echo", text, "--download-files", download)
        _same(ours, theirs)
