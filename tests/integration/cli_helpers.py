"""Running the ``gradiox`` command line as a subprocess, for the CLI and MCP tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
CLI_STEM = "gradio-6.31.0"
"""The server version the command line is tested on (and whose venv has hf-gradio)."""
HF_GRADIO = REPO_ROOT / ".servers" / CLI_STEM / "bin" / "hf-gradio"


@dataclass
class Run:
    """A finished command: exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.out.splitlines()]


def cli_env(tmp: Path | None = None) -> dict[str, str]:
    """The environment of a CLI subprocess: no proxy, downloads under ``tmp``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADIO_")}
    env.update({"no_proxy": "*", "NO_PROXY": "*", "HF_HUB_OFFLINE": "1"})
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    if tmp is not None:
        env["GRADIO_TEMP_DIR"] = str(tmp)
    return env


def gradiox(
    *args: str, stdin: str | None = None, tmp: Path | None = None, timeout: float = 90
) -> Run:
    """Run ``python -m gradiox ARGS`` with the test process's Python (the dev venv's)."""
    return _run([sys.executable, "-m", "gradiox", *args], stdin, tmp, timeout)


def hf_gradio(*args: str, tmp: Path | None = None, timeout: float = 90) -> Run:
    """Run the official ``hf-gradio`` from the server venv (never installed in ours)."""
    return _run([str(HF_GRADIO), *args], None, tmp, timeout)


def _run(command: list[str], stdin: str | None, tmp: Path | None, timeout: float) -> Run:
    done = subprocess.run(
        command,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=cli_env(tmp),
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_error_line(run: Run, code: int, *fragments: str) -> None:
    """The run failed with ``code``: nothing on stdout, one error line naming the fragments."""
    assert run.code == code, (run.code, run.out, run.err)
    assert run.out == ""
    lines = run.err.splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("gradiox: error: ")
    assert "Traceback" not in run.err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
