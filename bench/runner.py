"""Run the benchmark: start the Gradio servers, run every client in its own processes, report.

Started by ``bash bench/run.sh`` with the bench venv's Python (it needs psutil). It imports
no client: each measurement runs in a fresh ``bench/worker.py`` process (or, for import
time, a fresh ``python -c``), and this process only schedules them, samples their thread
count and RSS from outside, and writes:

* ``bench/out/results-<time>.json`` (and ``latest.json``): every sample, machine-readable;
* ``bench/out/report-<time>.md`` (and ``latest.md``): the tables;
* ``bench/RESULTS.md``: the same report, after a full run (not after ``--quick``).

Clients run interleaved: for every round, every server configuration and every group of
scenarios, each client runs once, in an order rotated from round to round.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from records import Result, WorkerOutput

if TYPE_CHECKING:
    from collections.abc import Iterator

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(HERE))

from gradio_servers import (  # noqa: E402
    REQUIREMENTS_DIR,
    SERVERS_DIR,
    RunningServer,
    spawn_app,
    stem_version,
)
from report import render  # noqa: E402

APP = HERE / "apps" / "bench_app.py"
OUT = HERE / "out"
CLIENTS = ["raw", "raw_async", "gradiox", "gradiox_async", "gradio_client"]
# The asyncio floor runs only these scenarios (others are skipped for it).
SCENARIOS_OF = {"raw_async": {"connect", "predict", "count"}}
IMPORTS = {  # label -> statement timed in a fresh interpreter
    "httpx": "import httpx",
    "gradiox": "import gradiox",
    "gradiox (from gradiox import Client)": "from gradiox import Client",
    "gradio_client": "import gradio_client",
}
ANALYTICS_OFF = {"GRADIO_ANALYTICS_CACHE_FREQUENCY": str(10**12)}
WARM_EVENTS = 10_000  # gradio's default GRADIO_ANALYTICS_MAX_EVENTS
MB = 1 << 20


@dataclass
class ServerConfig:
    """One server to measure against: a Gradio version and its environment."""

    key: str
    stem: str
    env: dict[str, str]
    groups: list[str]
    server: RunningServer | None = None
    error: str | None = None


@dataclass
class Plan:
    """How much to run (``--quick`` shrinks everything)."""

    quick: bool
    rounds: int
    heavy_rounds: int
    import_repeats: int
    connect: int
    predict: int
    stream_jobs: int
    stream_items: int
    count_items: int
    progress_steps: int
    bursts: list[int]
    files: dict[str, int]
    huge_files: dict[str, int]
    huge_rounds: int
    worker_timeout: float
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def make_plan(args: argparse.Namespace) -> Plan:
    if args.quick:
        plan = Plan(
            quick=True,
            rounds=1,
            heavy_rounds=1,
            import_repeats=3,
            connect=3,
            predict=5,
            stream_jobs=1,
            stream_items=10,
            count_items=200,
            progress_steps=20,
            bursts=[20, 50],
            files={"1MB": 1 * MB, "5MB": 5 * MB},
            huge_files={},
            huge_rounds=0,
            worker_timeout=180,
        )
    else:
        plan = Plan(
            quick=False,
            rounds=5,
            heavy_rounds=3,
            import_repeats=20,
            connect=20,
            predict=40,
            stream_jobs=2,
            stream_items=50,
            count_items=2000,
            progress_steps=20,
            bursts=[100, 500],
            files={"50MB": 50 * MB, "200MB": 200 * MB},
            huge_files={} if args.no_1gb else {"1GB": 1024 * MB},
            huge_rounds=2,
            worker_timeout=900,
        )
    if args.rounds:
        plan.rounds = plan.heavy_rounds = args.rounds
    return plan


def scenario_groups(plan: Plan, files: dict[str, Path], warmup_file: Path) -> dict[str, Any]:
    """Group name -> (rounds, scenarios run together in one worker process)."""
    groups: dict[str, Any] = {
        "latency": (
            plan.rounds,
            [
                {"name": "connect", "n": plan.connect, "warmup": 1 if plan.quick else 2},
                {"name": "predict", "n": plan.predict, "warmup": 1 if plan.quick else 3},
            ],
        ),
        "streaming": (
            plan.rounds,
            [
                {"name": "stream", "jobs": plan.stream_jobs, "items": plan.stream_items},
                {"name": "count", "items": plan.count_items},
                {
                    "name": "progress",
                    "key": "progress_status",
                    "steps": plan.progress_steps,
                    "how": "status",
                },
                {
                    "name": "progress",
                    "key": "progress_aiter",
                    "steps": plan.progress_steps,
                    "how": "aiter",
                },
            ],
        ),
    }
    for jobs in plan.bursts:
        groups[f"burst-{jobs}"] = (
            plan.heavy_rounds,
            [{"name": "burst", "key": f"burst-{jobs}", "jobs": jobs}],
        )
    for label, path in files.items():
        rounds = plan.huge_rounds if label in plan.huge_files else plan.heavy_rounds
        groups[f"file-{label}"] = (
            rounds,
            [
                {
                    "name": "file",
                    "key": f"file-{label}",
                    "path": str(path),
                    "warmup_path": str(warmup_file),
                }
            ],
        )
    return groups


def server_configs(args: argparse.Namespace, group_names: list[str]) -> list[ServerConfig]:
    configs = [
        ServerConfig("g6-defaults", "gradio-6.31.0", {}, list(group_names)),
        ServerConfig("g6-analytics-off", "gradio-6.31.0", dict(ANALYTICS_OFF), list(group_names)),
    ]
    for stem, short in (("gradio-5.50.0", "g5"), ("gradio-4.44.1", "g4")):
        if not (REQUIREMENTS_DIR / f"{stem}.txt").is_file():
            continue
        if not args.quick:
            configs.append(ServerConfig(f"{short}-defaults", stem, {}, ["latency"]))
        configs.append(
            ServerConfig(f"{short}-analytics-off", stem, dict(ANALYTICS_OFF), ["latency"])
        )
    return configs


# -- processes -----------------------------------------------------------------------------


def worker_env(tmp: Path) -> dict[str, str]:
    """The client processes' environment: no Gradio settings, no telemetry, no proxies."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GRADIO_") and k not in {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"}
    }
    env.update(
        {
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "DO_NOT_TRACK": "1",
            "no_proxy": "*",
            "NO_PROXY": "*",
            "TMPDIR": str(tmp),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run_process(cmd: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    """Run ``cmd``; sample its threads and RSS every 10 ms; return its output and the peaks."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        load = os.getloadavg()[0]
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        peak_threads = peak_rss = 0
        try:
            watched = psutil.Process(proc.pid)
            while proc.poll() is None:
                if time.perf_counter() - started > timeout:
                    proc.kill()
                    break
                with contextlib.suppress(psutil.Error), watched.oneshot():
                    peak_threads = max(peak_threads, watched.num_threads())
                    peak_rss = max(peak_rss, watched.memory_info().rss)
                time.sleep(0.01)
        except psutil.Error:
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out.seek(0)
        err.seek(0)
        return {
            "returncode": proc.returncode,
            "stdout": out.read().decode("utf-8", "replace"),
            "stderr": err.read().decode("utf-8", "replace"),
            "wall": time.perf_counter() - started,
            "peak_threads": peak_threads,
            "peak_rss_sampled": peak_rss,
            "timed_out": time.perf_counter() - started > timeout,
            "load": load,
        }


def run_worker(
    client: str, url: str, scenarios: list[dict[str, Any]], timeout: float
) -> tuple[WorkerOutput, float]:
    """Run one worker process; return its results, stamped with what was seen from outside,
    and its wall time."""
    tmp = Path(tempfile.mkdtemp(prefix=f"gradiox-bench-{client}-"))
    try:
        spec = {"client": client, "url": url, "tmp": str(tmp), "scenarios": scenarios}
        cmd = [sys.executable, str(HERE / "worker.py"), json.dumps(spec)]
        proc = run_process(cmd, worker_env(tmp), timeout)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    line = next((ln for ln in proc["stdout"].splitlines() if ln.startswith("BENCH-RESULT ")), None)
    if line is None:
        reason = "timed out" if proc["timed_out"] else f"exited with {proc['returncode']}"
        lines = [ln for ln in proc["stderr"].splitlines() if ln.strip()]
        error = f"worker {reason}: {lines[-1].strip() if lines else 'no output'}"
        tail = proc["stderr"][-1500:]
        failed = {s.get("key", s["name"]): Result.failure(error, tail) for s in scenarios}
        for result in failed.values():
            result.load = proc["load"]
        return WorkerOutput(failed), proc["wall"]
    output = WorkerOutput.from_json(json.loads(line[len("BENCH-RESULT ") :]))
    for result in output.results.values():
        result.peak_threads = proc["peak_threads"]
        result.process_rss_peak = output.rss_peak
        result.load = proc["load"]
    return output, proc["wall"]


def measure_imports(plan: Plan, log: Any) -> dict[str, Any]:
    """Time each import statement in fresh interpreters, interleaved, after one warm-up each."""
    code = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
    env = worker_env(Path(tempfile.gettempdir()))
    pythons = {"bench": sys.executable}
    alone = ROOT / ".servers" / "bench-import" / "bin" / "python"
    if alone.exists():
        pythons["alone"] = str(alone)
    results: dict[str, Any] = {}
    for venv, python in pythons.items():
        labels = [k for k in IMPORTS if venv == "bench" or k != "gradio_client"]
        samples: dict[str, list[float]] = {label: [] for label in labels}
        for repeat in range(plan.import_repeats + 1):
            order = labels[repeat % len(labels) :] + labels[: repeat % len(labels)]
            for label in order:
                proc = subprocess.run(
                    [python, "-c", code.format(stmt=IMPORTS[label])],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if proc.returncode != 0:
                    samples[label] = []
                    results.setdefault("errors", {})[f"{venv}:{label}"] = proc.stderr[-800:]
                    continue
                if repeat:  # the first run of each warms the disk cache
                    samples[label].append(float(proc.stdout.strip()))
        results[venv] = {"python": python, "samples": samples}
        log(f"imports ({venv} venv) measured")
    return results


# -- environment facts ----------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in ("httpx", "anyio", "gradio_client", "gradiox", "psutil"):
        with contextlib.suppress(Exception):
            from importlib.metadata import version

            versions[name] = version(name)
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
        "git": commit + (" (src/ has uncommitted changes)" if dirty else ""),
    }


def file_paths(plan: Plan, folder: Path) -> dict[str, Path]:
    return {label: folder / f"input-{label}.bin" for label in {**plan.files, **plan.huge_files}}


def make_files(plan: Plan, paths: dict[str, Path]) -> None:
    """Random-content input files (they are read from the page cache when timed)."""
    for label, size in {**plan.files, **plan.huge_files}.items():
        path = paths[label]
        with open(path, "wb") as fh:
            left = size
            while left:
                block = os.urandom(min(left, 8 * MB))
                fh.write(block)
                left -= len(block)


# -- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="gradiox benchmark (see bench/README.md)")
    parser.add_argument("--quick", action="store_true", help="a few calls each, small files")
    parser.add_argument("--rounds", type=int, default=0, help="override the number of rounds")
    parser.add_argument("--no-1gb", action="store_true", help="skip the 1 GB round trip")
    parser.add_argument(
        "--no-fill",
        action="store_true",
        help="don't fill gradio's analytics history first (faster; the defaults servers then "
        "slow down as the run goes on)",
    )
    parser.add_argument(
        "--only", default="", help="comma-separated groups to run (e.g. latency,burst-500)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="folder for JSON and reports")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="also write the report here (default: bench/RESULTS.md after a full run)",
    )
    args = parser.parse_args(argv)
    plan = make_plan(args)
    # A terminated run still stops its servers (they run in their own process groups).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()

    def log(message: str) -> None:
        print(f"[bench {time.monotonic() - started:6.0f}s] {message}", flush=True)

    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="gradiox-bench-files-"))
    try:
        return run(args, plan, work, log, started)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, plan: Plan, work: Path, log: Any, started: float) -> int:
    stamp = dt.datetime.now(dt.timezone.utc)
    command = "bash bench/run.sh" + ("".join(f" {a}" for a in sys.argv[1:]))
    files = file_paths(plan, work)
    warmup_file = work / "warmup.bin"
    warmup_file.write_bytes(os.urandom(1024))
    groups = scenario_groups(plan, files, warmup_file)
    only = {g for g in args.only.split(",") if g}
    if only:
        unknown = only - set(groups) - {"imports"}
        if unknown:
            raise SystemExit(f"unknown groups {sorted(unknown)}; known: imports, {sorted(groups)}")
    configs = server_configs(args, list(groups))
    if only:
        for config in configs:
            config.groups = [g for g in config.groups if g in only]
        configs = [c for c in configs if c.groups]

    results: dict[str, Any] = {
        "meta": {
            "date": stamp.isoformat(timespec="seconds"),
            "command": command,
            "mode": "quick" if plan.quick else "full",
            "machine": machine_facts(),
            "load_before": os.getloadavg(),
            "plan": {k: v for k, v in vars(plan).items() if k != "groups"},
            "clients": CLIENTS,
        },
        "servers": {},
        "configs": {},
    }

    # Imports first, on a quiet machine; then the servers boot in parallel.
    if not only or "imports" in only:
        log("measuring import times")
        results["imports"] = measure_imports(plan, log)
    for config in configs:
        spawn(config)
    try:
        if any(g.startswith("file-") for c in configs for g in c.groups):
            log("writing the input files while the servers boot")
            make_files(plan, files)
        for config in configs:
            if config.server is None:
                continue
            try:
                config.server.wait_ready(180)
            except Exception as exc:
                config.error = f"{type(exc).__name__}: {exc}"[:2000]
                config.server = None
        for config in configs:
            results["servers"][config.key] = {
                "stem": config.stem,
                "env": config.env,
                "url": config.server.url if config.server else None,
                "error": config.error,
            }
            if config.error:
                log(f"server {config.key} not available: {config.error.splitlines()[0]}")
        live = [c for c in configs if c.server is not None]
        log(f"servers ready: {', '.join(c.key for c in live)}")
        if not plan.quick and not args.no_fill:
            warm_analytics(live, plan, log)
        run_rounds(plan, groups, live, results, log)
    finally:
        for config in configs:
            if config.server is not None:
                config.server.stop()

    results["meta"]["load_after"] = os.getloadavg()
    results["meta"]["duration_s"] = round(time.monotonic() - started, 1)
    name = stamp.strftime("%Y%m%dT%H%M%SZ") + ("-quick" if plan.quick else "")
    json_path = args.out / f"results-{name}.json"
    json_path.write_text(json.dumps(results, indent=1))
    shutil.copyfile(json_path, args.out / "latest.json")
    notes = HERE / "NOTES.md"
    report = render(results, notes.read_text() if notes.is_file() and not plan.quick else None)
    report_path = args.out / f"report-{name}.md"
    report_path.write_text(report)
    shutil.copyfile(report_path, args.out / "latest.md")
    targets = args.results or (None if plan.quick or only else HERE / "RESULTS.md")
    if targets is not None:
        targets.write_text(report)
    log(f"wrote {json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path}")
    log(f"wrote {report_path}" + (f" and {targets}" if targets else ""))
    return 0


def warm_analytics(configs: list[ServerConfig], plan: Plan, log: Any) -> None:
    """Fill the event history of servers with gradio's default analytics up to its cap.

    Gradio 5 and 6 recompute a summary of up to GRADIO_ANALYTICS_MAX_EVENTS (10 000) past
    events after each event, so a fresh server slows down as a run goes on, and whichever
    client runs later pays more. Filled first, its cost per event is steady for everyone.
    """
    todo = [c for c in configs if not c.env and stem_version(c.stem) >= (5,)]
    if not todo:
        return
    bursts = [{"name": "burst", "key": f"warm-{i}", "jobs": 500} for i in range(WARM_EVENTS // 500)]
    log(f"filling the analytics history of {', '.join(c.key for c in todo)}")

    def warm(config: ServerConfig) -> None:
        assert config.server is not None
        run_worker("raw", config.server.url, bursts, plan.worker_timeout)

    with concurrent.futures.ThreadPoolExecutor(len(todo)) as pool:
        list(pool.map(warm, todo))
    log("analytics history filled")


def spawn(config: ServerConfig) -> None:
    """Launch the server of ``config`` (without waiting); note why if it cannot start."""
    if not (SERVERS_DIR / config.stem / "bin" / "python").exists():
        config.error = f".servers/{config.stem} is missing (run scripts/setup.sh)"
        return
    try:
        config.server = spawn_app(APP, config.stem, env=config.env)
    except Exception as exc:
        config.error = f"{type(exc).__name__}: {exc}"


@contextlib.contextmanager
def unique_inputs(
    scenarios: list[dict[str, Any]], server: RunningServer
) -> Iterator[list[dict[str, Any]]]:
    """Give every file round trip an input file of its own content; clean up after it.

    Gradio caches an output file under the hash of its content, so a second upload of the
    same bytes would skip the server's copy and favour whichever client came second. The
    server's cache is emptied afterwards, so gigabytes do not pile up on disk.
    """
    copies: list[Path] = []
    prepared = []
    for scenario in scenarios:
        if scenario["name"] != "file":
            prepared.append(scenario)
            continue
        source = Path(scenario["path"])
        copy = source.with_name(f"{source.stem}-{os.urandom(4).hex()}{source.suffix}")
        shutil.copyfile(source, copy)
        with open(copy, "r+b") as fh:
            fh.write(os.urandom(64))
        copies.append(copy)
        prepared.append({**scenario, "path": str(copy)})
    try:
        yield prepared
    finally:
        for copy in copies:
            copy.unlink(missing_ok=True)
        if copies:
            cache = server.temp_dir / "gradio"
            for child in cache.iterdir() if cache.is_dir() else ():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)


def run_rounds(
    plan: Plan,
    groups: dict[str, Any],
    configs: list[ServerConfig],
    results: dict[str, Any],
    log: Any,
) -> None:
    """Every round: every config, every group, every client (order rotated per round)."""
    max_rounds = max(rounds for rounds, _ in groups.values())
    for round_no in range(max_rounds):
        shift = round_no % len(CLIENTS)
        order = CLIENTS[shift:] + CLIENTS[:shift]
        if round_no % 2:
            order.reverse()
        for config in configs:
            assert config.server is not None
            store = results["configs"].setdefault(config.key, {})
            for group in config.groups:
                rounds, scenarios = groups[group]
                if round_no >= rounds:
                    continue
                for client in order:
                    mine = [
                        s for s in scenarios if s["name"] in SCENARIOS_OF.get(client, {s["name"]})
                    ]
                    if not mine:
                        continue
                    with unique_inputs(mine, config.server) as run_scenarios:
                        output, wall = run_worker(
                            client, config.server.url, run_scenarios, plan.worker_timeout
                        )
                    for key, result in output.results.items():
                        result.round = round_no
                        store.setdefault(key, {}).setdefault(client, []).append(result.to_json())
                    failed = [k for k, r in output.results.items() if r.error is not None]
                    note = f" (errors: {', '.join(failed)})" if failed else ""
                    log(
                        f"round {round_no + 1}/{max_rounds} {config.key} {group} {client}: "
                        f"{wall:.1f}s{note}"
                    )


if __name__ == "__main__":
    sys.exit(main())
