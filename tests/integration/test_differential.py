"""Differential test: every endpoint of ``tests/apps/corpus_app.py`` with gradiox and with
gradio_client (run in the server's own venv, never in this process), results compared.

Two modes: ``download_files=False`` (the raw file values must be identical), and downloads
on (each downloaded file is compared by name and SHA-256, since the folders differ).
``view_api()`` is compared as a dict and as text. Intended differences are listed in the
README's "Differences from gradio_client" section; none shows up on this corpus.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from gradio_servers import stem_version
from tests.integration.helpers import png
from tests.integration.test_fidelity import official

from gradiox import Client, handle_file

DATA = Path(__file__).resolve().parent.parent / "data"

# (api_name, arguments); "@file" stands for handle_file() of a small PNG, "@video" for the
# Video component's value of tests/data/clip.mp4 (see video_value).
CASES: list[tuple[str, list[Any]]] = [
    ("/gallery", [2]),
    ("/chat_file", ["hi"]),
    ("/editor", [3]),
    ("/annotated", [3]),
    ("/table", [2]),
    ("/line", [3]),
    ("/highlight", ["a longer one"]),
    ("/model", ["m"]),
    ("/multimodal", [{"text": "look", "files": ["@file"]}]),
    ("/tab_echo", ["x"]),
    ("/tab_echo_1", ["y"]),
    ("/render_count", [2]),
    ("/video", ["@video"]),
    ("/subtitled", ["@video"]),
    ("/subtitled", []),  # the input's default: a video with subtitles
]


def video_value(stem: str) -> Any:
    """A Video input as gradio_client takes it: Gradio 5 wraps the file in a VideoData dict."""
    if stem_version(stem) >= (6,):
        return "@file:clip.mp4"
    return {"video": "@file:clip.mp4", "subtitles": None}


def cases(stem: str) -> list[tuple[str, list[Any]]]:
    """CASES with "@video" spelled for ``stem``'s Video component."""
    video = video_value(stem)
    return [(name, [video if a == "@video" else a for a in args]) for name, args in CASES]


# Shared by both sides: files the client downloaded become ["file", name, sha256].
NORMALISE = """
import hashlib, os
def normalise(value, folder):
    if isinstance(value, (list, tuple)):
        return [normalise(v, folder) for v in value]
    if isinstance(value, dict):
        return {k: normalise(v, folder) for k, v in value.items()}
    if isinstance(value, str) and folder and value.startswith(folder) and os.path.isfile(value):
        with open(value, "rb") as f:
            return ["file", os.path.basename(value), hashlib.sha256(f.read()).hexdigest()]
    return value
def with_files(value, path):
    if value == "@file":
        return handle_file(path)
    if isinstance(value, str) and value.startswith("@file:"):
        return handle_file(os.path.join(DATA, value[6:]))
    if isinstance(value, list):
        return [with_files(v, path) for v in value]
    if isinstance(value, dict):
        return {k: with_files(v, path) for k, v in value.items()}
    return value
"""
namespace: dict[str, Any] = {"handle_file": handle_file, "DATA": str(DATA)}
exec(NORMALISE, namespace)
normalise = namespace["normalise"]
with_files = namespace["with_files"]


@pytest.fixture(scope="module")
def corpus_url(gradio_servers: Any, server_stem: str) -> str:
    return str(gradio_servers.get("corpus_app.py", server_stem).url)


@pytest.fixture(scope="module")
def picture(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("corpus") / "picture.png"
    path.write_bytes(png(3, 2))
    return str(path)


def theirs(stem: str, url: str, folder: str | None, picture: str) -> list[Any]:
    download = repr(folder) if folder else "False"
    body = (
        f"from gradio_client import handle_file\nDATA = {str(DATA)!r}\n{NORMALISE}\n"
        f"client = Client({url!r}, verbose=False, download_files={download})\n"
        "result = []\n"
        f"for name, args in {cases(stem)!r}:\n"
        "    try:\n"
        f"        out = client.predict(*with_files(args, {picture!r}), api_name=name)\n"
        f"        result.append(normalise(out, {folder!r}))\n"
        "    except Exception as e:\n"
        "        result.append(['error', type(e).__name__])\n"
    )
    # official() binds its own client; this body makes one with the download folder.
    answer: list[Any] = official(stem, url, body)
    return answer


def ours(stem: str, url: str, folder: str | None, picture: str) -> list[Any]:
    with Client(url, verbose=False, download_files=folder or False) as client:
        result = [
            _call(client, name, with_files(args, picture), folder) for name, args in cases(stem)
        ]
    return json.loads(json.dumps(result))  # tuples as lists, like the other side's JSON


def _call(client: Client, name: str, args: list[Any], folder: str | None) -> Any:
    try:
        return normalise(client.predict(*args, api_name=name), folder)
    except Exception as e:  # any error: compared with the official side's
        return ["error", type(e).__name__]


@pytest.mark.parametrize("downloads", [False, True], ids=["raw", "downloaded"])
def test_every_endpoint_agrees(
    corpus_url: str, server_stem: str, picture: str, tmp_path: Path, downloads: bool
) -> None:
    folder_ours = str(tmp_path / "ours") if downloads else None
    folder_theirs = str(tmp_path / "theirs") if downloads else None
    mine = ours(server_stem, corpus_url, folder_ours, picture)
    official_result = theirs(server_stem, corpus_url, folder_theirs, picture)
    for (name, _), a, b in zip(CASES, mine, official_result, strict=True):
        assert a == b, f"{name} differs:\n gradiox:       {a}\n gradio_client: {b}"
        assert not (isinstance(a, list) and a[:1] == ["error"]), f"{name} failed: {a}"
    if downloads:
        assert any(os.scandir(folder_ours or ""))  # files were really downloaded


def test_view_api_agrees(corpus_url: str, server_stem: str) -> None:
    official_result = official(
        server_stem,
        corpus_url,
        "result = [client.view_api(print_info=False, return_format=f) for f in ('dict', 'str')]",
    )
    with Client(corpus_url, verbose=False) as client:
        mine = [client.view_api(print_info=False, return_format=f) for f in ("dict", "str")]
    assert mine == official_result


# Every test app (its environment, its login), for view_api().
APPS: list[tuple[str, dict[str, str], tuple[str, str] | None]] = [
    ("core_app.py", {}, None),
    ("queue_small_app.py", {}, None),
    ("hidden_errors_app.py", {}, None),
    ("auth_app.py", {}, ("user", "pass")),
    ("files_app.py", {"FILES_APP_AUTH": "user:pass"}, ("user", "pass")),
    ("fidelity_app.py", {}, None),
    ("streaming_app.py", {}, None),
    ("zerogpu_app.py", {}, None),
]


@pytest.mark.parametrize(("app", "env", "auth"), APPS, ids=[a for a, _, _ in APPS])
def test_view_api_agrees_on_every_app(
    gradio_servers: Any,
    server_stem: str,
    app: str,
    env: dict[str, str],
    auth: tuple[str, str] | None,
) -> None:
    url = gradio_servers.get(app, server_stem, env=env, ready_any_status=auth is not None).url
    official_result = official(
        server_stem,
        url,
        "result = [client.view_api(all_endpoints=a, print_info=False, return_format=f)"
        " for a in (None, True) for f in ('dict', 'str')]",
        auth=auth,
    )
    with Client(url, verbose=False, auth=auth) as client:
        mine = [
            client.view_api(all_endpoints=a, print_info=False, return_format=f)
            for a in (None, True)
            for f in ("dict", "str")
        ]
    assert mine == official_result
