"""The command line's cost: wall time of one process, start to exit, against a local app.

Three ways to make the same call, each a fresh process, interleaved round by round:

* ``gradiox predict <url> /add '{"a": 1, "b": 2}'`` (the console script, from a venv with
  only gradiox and its dependencies, installed from a wheel with compiled bytecode as
  ``pip install gradiox`` makes it: ``.servers/bench-cli/``, rebuilt by each run);
* ``hf-gradio predict`` (the official CLI on gradio_client, from the Gradio 6.31 venv);
* the floor: ``python -c`` (same venv) with httpx doing only ``POST call/add`` and reading the SSE
  reply of ``GET call/add/<event_id>`` (no config, no API info, no validation).

And the same for ``info`` (floor: ``GET info`` and print it). Also timed, to find where time
goes: ``python -c pass`` (interpreter start), ``import httpx`` (the floor's import),
``import gradiox.cli.commands, gradiox.async_client`` (the CLI and the client), and the
floor plus the two requests gradiox makes before a call (``GET config``, ``GET info``).
Reported as medians, with the ratios the issue sets as targets: gradiox ≤ 1.3x the floor
and ≤ 0.5x hf-gradio.

Usage::

    .venv/bin/python bench/cli.py [--rounds 15] [--write]

``--write`` replaces the "Command line" section of ``bench/RESULTS.md`` with this run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

from gradio_servers import running_app  # noqa: E402

STEM = "gradio-6.31.0"
UV = ROOT / ".venv" / "bin" / "uv"
CLI_VENV = ROOT / ".servers" / "bench-cli"
VENV_PY = CLI_VENV / "bin" / "python"
GRADIOX = CLI_VENV / "bin" / "gradiox"
HF_GRADIO = ROOT / ".servers" / STEM / "bin" / "hf-gradio"
PAYLOAD = '{"a": 1, "b": 2}'
BEGIN = "<!-- cli-bench:begin -->"
END = "<!-- cli-bench:end -->"

FLOOR_PREDICT = """
import json, sys, httpx
api = sys.argv[1].rstrip("/") + "/gradio_api/call/add"
with httpx.Client() as http:
    event = http.post(api, json={"data": [1, 2]}).json()["event_id"]
    with http.stream("GET", f"{api}/{event}") as reply:
        kind = None
        for line in reply.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind == "complete":
                print(json.dumps({"Sum": json.loads(line[5:])[0]}, indent=2))
                break
"""

# The floor plus what gradiox must also do to take arguments by name and name the outputs:
# read the app's config and API info first (two more requests).
FLOOR_DISCOVER = """
import json, sys, httpx
root = sys.argv[1].rstrip("/")
api = root + "/gradio_api/call/add"
with httpx.Client() as http:
    http.get(root + "/config").json()
    http.get(root + "/gradio_api/info").json()
    event = http.post(api, json={"data": [1, 2]}).json()["event_id"]
    with http.stream("GET", f"{api}/{event}") as reply:
        kind = None
        for line in reply.iter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:") and kind == "complete":
                print(json.dumps({"Sum": json.loads(line[5:])[0]}, indent=2))
                break
"""

FLOOR_INFO = """
import json, sys, httpx
print(json.dumps(httpx.get(sys.argv[1].rstrip("/") + "/gradio_api/info").json(), indent=2))
"""


def commands(url: str) -> dict[str, list[str]]:
    """Every timed command, by name."""
    py = str(VENV_PY)
    return {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import httpx'": [py, "-c", "import httpx"],
        "python -c 'import gradiox.cli.commands, gradiox.async_client'": [
            py,
            "-c",
            "import gradiox.cli.commands, gradiox.async_client",
        ],
        "floor predict": [py, "-c", FLOOR_PREDICT, url],
        "floor predict + config + info": [py, "-c", FLOOR_DISCOVER, url],
        "gradiox predict": [str(GRADIOX), "predict", url, "/add", PAYLOAD],
        "hf-gradio predict": [str(HF_GRADIO), "predict", url, "/add", PAYLOAD],
        "floor info": [py, "-c", FLOOR_INFO, url],
        "gradiox info": [str(GRADIOX), "info", url],
        "hf-gradio info": [str(HF_GRADIO), "info", url],
    }


def build_venv() -> None:
    """(Re)build ``.servers/bench-cli/``: gradiox from a wheel, pinned as the bench venv."""
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"}
    base = subprocess.run(
        ["python3", "-c", "import sys; print(sys.executable)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    subprocess.run(
        [str(UV), "venv", "--quiet", "--clear", "--python", base, str(CLI_VENV)],
        env=env,
        check=True,
    )
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(VENV_PY), "--compile-bytecode",
         "--reinstall-package", "gradiox", "--constraint", str(ROOT / "bench" / "requirements.txt"),
         str(ROOT)],
        env=env, check=True,
    )  # fmt: skip


def environment() -> dict[str, str]:
    """No proxy, no telemetry, no Hub: every process only talks to the local app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADIO_")}
    env.update({"no_proxy": "*", "NO_PROXY": "*", "HF_HUB_OFFLINE": "1"})
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds from spawning ``command`` to its exit, and its CPU seconds (user+sys).

    The CPU time hardly depends on how busy the machine is; the wall time does.
    """
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{command[:3]} failed: {done.stderr.decode()[-500:]}")
    return elapsed, _children_cpu() - cpu


def measure(url: str, rounds: int) -> dict[str, list[tuple[float, float]]]:
    """Run every command once as a warm-up, then ``rounds`` interleaved rounds."""
    env = environment()
    table = commands(url)
    for command in table.values():
        time_once(command, env)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in table}
    for _ in range(rounds):
        for name, command in table.items():
            samples[name].append(time_once(command, env))
    return samples


def report(samples: dict[str, list[tuple[float, float]]], rounds: int) -> str:
    """The Markdown section: medians, and the ratios against the targets."""
    med = {name: statistics.median(w for w, _ in values) for name, values in samples.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in samples.items()}
    lines = [
        "## Command line (`bench/cli.py`)",
        "",
        (
            "Wall time of one process, start to exit, against `tests/apps/core_app.py` on "
            f"gradio 6.31.0 (local), median of {rounds} interleaved rounds after a warm-up; "
            f"load average at the end {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores."
        ),
        "",
        "| command | wall, median | wall, p90 | CPU (user+sys), median |",
        "|---|---|---|---|",
    ]
    for name, values in samples.items():
        walls = sorted(w for w, _ in values)
        p90 = walls[max(0, int(len(walls) * 0.9) - 1)]
        lines.append(
            f"| {name} | {med[name] * 1000:.0f} ms | {p90 * 1000:.0f} ms | "
            f"{cpu[name] * 1000:.0f} ms |"
        )
    lines += ["", "| target | wall ratio | met | CPU ratio |", "|---|---|---|---|"]
    for what in ("predict", "info"):
        ours = f"gradiox {what}"
        for other, limit in (("floor", 1.3), ("hf-gradio", 0.5)):
            ratio = med[ours] / med[f"{other} {what}"]
            cpu_ratio = cpu[ours] / cpu[f"{other} {what}"]
            verdict = "yes" if ratio <= limit else "**no**"
            lines.append(
                f"| gradiox {what} ≤ {limit}x {other} | {ratio:.2f}x | {verdict} | "
                f"{cpu_ratio:.2f}x |"
            )
    lines += ["", *breakdown(cpu)]
    return "\n".join(lines) + "\n"


def breakdown(cpu: dict[str, float]) -> list[str]:
    """Where gradiox's extra CPU over the floor goes, from the measured medians."""
    extra = cpu["gradiox predict"] - cpu["floor predict"]
    imports = (
        cpu["python -c 'import gradiox.cli.commands, gradiox.async_client'"]
        - cpu["python -c 'import httpx'"]
    )
    discovery = cpu["floor predict + config + info"] - cpu["floor predict"]
    rest = extra - imports - discovery
    text = (
        f"Where `gradiox predict`'s extra CPU over the floor goes ({extra * 1000:.0f} ms, "
        "from the medians above): importing the CLI and the client beyond httpx (asyncio, "
        f"the gradiox package, the engine) {imports * 1000:.0f} ms; the two requests it "
        f"needs before a call (config, API info) {discovery * 1000:.0f} ms; the rest, "
        f"{rest * 1000:.0f} ms, is the asyncio event loop and the engine's own work (the "
        "async httpx stack, the queue protocol's session stream, binding the arguments by "
        "name). The floor is a sync script that knows the endpoint's positions and output "
        "label in advance, so the import and the loop are the cost of a general client; "
        "the wall ratios follow the CPU ones, inflated by the machine's load."
    )
    return [text]


def write_section(section: str) -> None:
    """Put the section into bench/RESULTS.md between its markers (appended the first time)."""
    path = ROOT / "bench" / "RESULTS.md"
    text = path.read_text() if path.exists() else ""
    block = f"{BEGIN}\n{section}{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + block
    path.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    build_venv()
    with running_app(ROOT / "tests" / "apps" / "core_app.py", STEM) as server:
        samples = measure(server.url, args.rounds)
    section = report(samples, args.rounds)
    sys.stdout.write(section)
    print(json.dumps(samples), file=sys.stderr)
    if args.write:
        write_section(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
