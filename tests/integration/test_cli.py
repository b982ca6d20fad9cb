"""The ``gradiox`` command line against real Gradio 6.31 servers, run as a subprocess."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from cli_helpers import CLI_STEM, assert_one_error_line, cli_env, gradiox

if TYPE_CHECKING:
    from conftest import ServerRegistry

FILE_INPUT = {"type": "filepath"}


@pytest.fixture(scope="module")
def auth6_url(gradio_servers: ServerRegistry) -> str:
    return gradio_servers.get("auth_app.py", CLI_STEM).url


def _walk(value: Any) -> list[Any]:
    found = [value]
    if isinstance(value, dict):
        for item in value.values():
            found += _walk(item)
    elif isinstance(value, list):
        for item in value:
            found += _walk(item)
    return found


# -- info ------------------------------------------------------------------------------------


def test_info_describes_named_endpoints(cli_url: str) -> None:
    run = gradiox("info", cli_url)
    assert run.code == 0, run.err
    assert run.out.startswith("{\n  ")  # indent=2, as hf-gradio prints it
    info = run.json()
    assert list(info)[:3] == ["/shout", "/file_size", "/swatch"]
    shout = info["/shout"]
    assert shout["parameters"] == [
        {"name": "text", "required": True, "default": None, "type": {"type": "string"}},
        {"name": "times", "required": False, "default": 1, "type": {"type": "integer"}},
    ]
    assert shout["returns"] == [{"name": "Shouted", "type": {"type": "string"}}]
    assert shout["description"] == "Shout a text."  # the function's docstring
    assert info["/file_size"]["description"] == ""
    file_param = info["/file_size"]["parameters"][0]["type"]
    assert file_param["type"] == "filepath"
    assert "will be uploaded" in file_param["description"]
    swatch_out = info["/swatch"]["returns"][0]["type"]
    assert swatch_out == {"type": "filepath", "description": "The returned file path on disk."}
    assert not any(isinstance(v, dict) and ("$defs" in v or "$ref" in v) for v in _walk(info))


def test_info_all_and_text(core6_url: str) -> None:
    named = gradiox("info", core6_url).json()
    everything = gradiox("info", core6_url, "--all").json()
    assert set(named) <= set(everything)
    assert "/add_private" not in everything
    text = gradiox("info", core6_url, "--text")
    assert text.code == 0
    assert text.out.startswith("Client.predict() Usage Info\n")
    assert 'api_name="/add"' in text.out


# -- predict ---------------------------------------------------------------------------------


def test_predict_by_name_by_position_and_from_stdin(cli_url: str) -> None:
    by_name = gradiox("predict", cli_url, "/shout", '{"text": "hi", "times": 2}')
    assert by_name.code == 0, by_name.err
    assert by_name.out == '{\n  "Shouted": "HI HI"\n}\n'
    assert gradiox("predict", cli_url, "shout", '["yo"]').json() == {"Shouted": "YO"}
    piped = gradiox("predict", cli_url, "/shout", "-", stdin='{"text": "in"}')
    assert piped.json() == {"Shouted": "IN"}


def test_predict_several_outputs_and_file_upload(cli_url: str, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(b"x" * 1234)
    payload = json.dumps({"f": {"path": str(source), "meta": {"_type": "gradio.FileData"}}})
    run = gradiox("predict", cli_url, "/file_size", payload)
    assert run.code == 0, run.err
    assert run.json() == {"Name": "data.bin", "Bytes": 1234}


def test_predict_downloads_file_outputs(cli_url: str, tmp_path: Path) -> None:
    target = tmp_path / "downloads"
    run = gradiox(
        "predict", cli_url, "/swatch", '{"color": "red"}', "--download-files", str(target)
    )
    assert run.code == 0, run.err
    path = run.json()["Swatch"]
    assert path.startswith(str(target))
    assert Path(path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    default = gradiox("predict", cli_url, "/swatch", '{"color": "blue"}', tmp=tmp_path / "tmpdir")
    assert default.json()["Swatch"].startswith(str(tmp_path / "tmpdir"))

    raw = gradiox("predict", cli_url, "/swatch", '{"color": "red"}', "--download-files", "False")
    file_data = raw.json()["Swatch"]
    assert file_data["meta"] == {"_type": "gradio.FileData"}
    assert file_data["url"].startswith(cli_url.rstrip("/"))


def test_predict_sends_headers(cli_url: str) -> None:
    run = gradiox(
        "predict", cli_url, "/header", '["x-test-one"]', "--header", "X-Test-One: a:b",
        "--header", "x-other:2",
    )  # fmt: skip
    assert run.json() == {"Shouted": "a:b"}
    token = gradiox("predict", cli_url, "/header", '["x-hf-authorization"]', "--token", "hf_abc")
    assert token.json() == {"Shouted": "Bearer hf_abc"}


def test_predict_stream_prints_ndjson(cli_url: str) -> None:
    run = gradiox("predict", cli_url, "/countdown", '{"n": 2}', "--stream")
    assert run.code == 0, run.err
    lines = run.lines()
    outputs = [line["data"]["Step"] for line in lines if line["type"] == "output"]
    assert outputs == ["2", "1", "liftoff"]
    assert lines[-1] == {"type": "result", "data": {"Step": "liftoff"}}
    statuses = [line for line in lines if line["type"] == "status"]
    assert statuses and {"code", "rank", "queue_size", "eta", "progress"} <= set(statuses[0])
    assert "FINISHED" in [s["code"] for s in statuses]

    progress = gradiox("predict", cli_url, "/tally", "[3]", "--stream").lines()
    indices = [
        s["progress"][0]["index"] for s in progress if s["type"] == "status" and s["progress"]
    ]
    assert indices and indices == sorted(indices)
    assert progress[-1] == {"type": "result", "data": {"Step": "ok"}}


def test_predict_stream_lines_arrive_live(cli_url: str) -> None:
    # Each line is flushed as it arrives: the first output is readable while the job runs.
    command = [
        sys.executable,
        "-m",
        "gradiox",
        "predict",
        cli_url,
        "/countdown",
        "[15]",
        "--stream",
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=cli_env()) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if json.loads(line)["type"] == "output":
                break
        assert proc.poll() is None  # 1.4 s of countdown still to go
        rest = proc.stdout.read()
        assert proc.wait(60) == 0
    assert json.loads(rest.splitlines()[-1])["data"] == {"Step": "liftoff"}


def test_predict_timeout_cancels(core6_url: str) -> None:
    started = time.monotonic()
    run = gradiox("predict", core6_url, "/long", '{"seconds": 60}', "--timeout", "5")
    assert time.monotonic() - started < 50
    assert_one_error_line(run, 1, "--timeout 5 s ran out", "cancelled on the server")
    assert "Timeout(" not in run.err  # worded for the command line, not the Python API
    fast = gradiox("predict", core6_url, "/add", '{"b": 1}', "--timeout", "30")
    assert fast.json() == {"Sum": 2}


# -- errors and exit codes -------------------------------------------------------------------


def test_app_error_exit_1(cli_url: str) -> None:
    run = gradiox("predict", cli_url, "/explode", '["now"]')
    assert_one_error_line(run, 1, "exploded: now")
    as_json = gradiox("predict", cli_url, "/explode", '["now"]', "--json-errors")
    assert as_json.code == 1
    assert as_json.json() == {"error": "AppError", "message": "exploded: now"}
    debug = gradiox("predict", cli_url, "/explode", '["now"]', "--debug")
    assert debug.code == 1 and "Traceback" in debug.err
    assert debug.err.rstrip().endswith("gradiox: error: exploded: now")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["/shout", '{"text": '], ["not valid JSON"]),
        (["/shout", '"hi"'], ["must be a JSON object"]),
        (["/nope", "{}"], ["/nope", "/shout", "/countdown"]),
        (["/shout", '{"txt": "a"}'], ["txt", "text, times"]),
        (["/shout", "{}"], ["required argument: text"]),
        (["/shout", '["a", 1, 2]'], ["/shout"]),
        (["/shout", "{}", "--header", "novalue"], ["--header wants NAME:VALUE"]),
        (["/file_size", '{"f": {"path": "/no/such.file", "meta": {"_type": "gradio.FileData"}}}'],
         ["/no/such.file", "does not exist"]),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(cli_url: str, args: list[str], fragments: list[str]) -> None:
    assert_one_error_line(gradiox("predict", cli_url, *args), 2, *fragments)


def test_argparse_errors_exit_2() -> None:
    assert_one_error_line(gradiox("predict"), 2, "required: src, endpoint")
    assert_one_error_line(gradiox("predict", "u", "/e", "--timeout", "-1"), 2, "positive")
    assert_one_error_line(gradiox("frobnicate"), 2, "frobnicate")


def test_connect_errors_exit_3(core6_url: str, auth6_url: str, unused_port: int) -> None:
    unreachable = f"http://127.0.0.1:{unused_port}/"
    assert_one_error_line(gradiox("info", unreachable), 3, "Could not connect")
    assert_one_error_line(gradiox("predict", unreachable, "/x", "{}"), 3, "Could not connect")
    assert_one_error_line(gradiox("info", core6_url + "nothere/"), 3, "not a Gradio app")
    assert_one_error_line(gradiox("info", auth6_url), 3)
    assert_one_error_line(gradiox("info", auth6_url, "--auth", "user:wrong"), 3)
    assert gradiox("info", auth6_url, "--auth", "user:pass").code == 0
    as_json = gradiox("info", unreachable, "--json-errors")
    assert as_json.code == 3
    assert as_json.json()["error"] == "TransportError"


def test_version_and_module_entry_points() -> None:
    from gradiox import __version__

    run = gradiox("--version")
    assert run.code == 0 and run.out.strip() == f"gradiox {__version__}"
    # The CLI must not import the client (httpx, anyio, the engine) before a command runs.
    code = (
        "import sys; from gradiox.cli import build_parser; build_parser(); "
        "print(sorted(m for m in ('httpx', 'anyio', 'gradiox.client') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_ctrl_c_cancels_and_exits_130(core6_url: str) -> None:
    command = [sys.executable, "-m", "gradiox", "predict", core6_url, "/long", "[60]", "--stream"]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for line in proc.stdout:  # wait until the job runs on the server
            if json.loads(line).get("code") == "PROCESSING":
                break
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 130
        assert proc.stderr.read() == "gradiox: error: interrupted\n"
