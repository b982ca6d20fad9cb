"""``gradiox batch`` against a real Gradio 6.31 app: JSONL in, JSONL out, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
from cli_helpers import assert_one_error_line, cli_env, gradiox

if TYPE_CHECKING:
    from pathlib import Path


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_batch_writes_one_record_per_input(cli_url: str, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text('{"text": "a", "times": 2}\n["b"]\n\n{"x": 1}\n["c"]\n')
    out = tmp_path / "out.jsonl"
    run = gradiox("batch", cli_url, "/shout", "--input", str(items), "--output", str(out))
    assert run.code == 1  # one item failed
    assert run.out == ""
    assert (
        run.err.splitlines()[-1]
        == f"gradiox: error: 1 of 4 items failed; their errors are in {out}"
    )
    records = _lines(out)
    assert [r["index"] for r in records] == [0, 1, 2, 3]
    assert records[0] == {"index": 0, "output": {"Shouted": "A A"}}
    assert records[1] == {"index": 1, "output": {"Shouted": "B"}}
    assert records[2]["error"]["type"] == "ArgumentError"  # type: ignore[index]
    assert records[3] == {"index": 3, "output": {"Shouted": "C"}}


def test_batch_resumes_after_a_crash(cli_url: str, tmp_path: Path) -> None:
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps({"n": 6}) + "\n" for _ in range(6)))
    out = tmp_path / "out.jsonl"
    args = ["batch", cli_url, "/countdown", "--input", str(items), "--output", str(out)]
    command = [sys.executable, "-m", "gradiox", *args, "--concurrency", "1", "--quiet"]
    with subprocess.Popen(command, env=cli_env(), stderr=subprocess.DEVNULL) as proc:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not out.exists() or len(_lines(out)) < 2):
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    before = _lines(out)
    assert 2 <= len(before) < 6

    resumed = gradiox(*args, "--concurrency", "1", "--resume")
    assert resumed.code == 0, resumed.err
    records = _lines(out)
    assert sorted(r["index"] for r in records) == list(range(6))
    assert all(r["output"] == {"Step": "liftoff"} for r in records)
    checkpoint = _lines(tmp_path / "out.jsonl.checkpoint")[1:]
    indices = [r["index"] for r in checkpoint]
    assert sorted(indices) == list(range(6))  # nothing done before the crash ran again


@pytest.mark.parametrize(
    ("lines", "endpoint", "fragment"),
    [
        (None, "/shout", "No such file"),
        ('["ok"]\n{"text": \n', "/shout", "line 2 is not valid JSON"),
        ("3\n", "/shout", "line 1 must be a JSON object"),
        ('["x"]\n', "/nope", "/shout"),
    ],
)
def test_batch_usage_errors(
    cli_url: str, tmp_path: Path, lines: str | None, endpoint: str, fragment: str
) -> None:
    items = tmp_path / "items.jsonl"
    if lines is not None:
        items.write_text(lines)
    out = str(tmp_path / "out.jsonl")
    run = gradiox("batch", cli_url, endpoint, "--input", str(items), "--output", out)
    assert_one_error_line(run, 2, fragment)
