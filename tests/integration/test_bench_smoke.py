"""Smoke run of the benchmark: ``bash bench/run.sh --quick`` completes and writes its report.

It never asserts on timings (the machines are noisy); it checks that every scenario ran for
every client and that the raw floor and gradiox produced results rather than errors, so the
benchmark keeps working as gradiox changes.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 420  # seconds; the quick mode takes about 2-3 minutes on 2 cores
CLIENTS = ("raw", "gradiox", "gradiox_async", "gradio_client")
ASYNC_FLOOR = {"connect", "predict", "count"}  # the only scenarios raw_async runs
MUST_WORK = ("raw", "raw_async", "gradiox", "gradiox_async")  # not gradio_client's own bugs


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str, str]:
    out = tmp_path_factory.mktemp("bench-out")
    env = dict(os.environ, BENCH_SKIP_SETUP="1")  # scripts/test.sh has run setup already
    proc = subprocess.Popen(
        ["bash", str(ROOT / "bench" / "run.sh"), "--quick", "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        log, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGTERM)  # the runner stops its servers on SIGTERM
        log, _ = proc.communicate(timeout=30)
        pytest.fail(f"bench/run.sh --quick took over {TIMEOUT} s:\n{log[-4000:]}")
    assert proc.returncode == 0, log[-4000:]
    results = json.loads((out / "latest.json").read_text())
    report = (out / "latest.md").read_text()
    return results, report, log


@pytest.mark.timeout(TIMEOUT + 60)
def test_quick_run_writes_json_and_report(quick_run: tuple[dict, str, str]) -> None:
    results, report, _ = quick_run
    assert results["meta"]["mode"] == "quick"
    assert report.startswith("# Benchmark results")
    assert "## Targets at a glance" in report
    for config in ("g6-defaults", "g6-analytics-off"):
        assert config in results["configs"], sorted(results["configs"])
        assert f"## {config}" in report


@pytest.mark.timeout(TIMEOUT + 60)
def test_every_scenario_ran_for_every_client(quick_run: tuple[dict, str, str]) -> None:
    results, _, _ = quick_run
    imports = results["imports"]["bench"]["samples"]
    assert all(imports[label] for label in ("httpx", "gradiox", "gradio_client")), imports
    store = results["configs"]["g6-analytics-off"]
    expected = {"connect", "predict", "stream", "count", "progress_status", "progress_aiter"}
    expected |= {"burst-20", "burst-50", "file-1MB", "file-5MB"}
    assert expected <= set(store), sorted(store)
    for config, per_scenario in results["configs"].items():
        for scenario, per_client in per_scenario.items():
            expected_clients = set(CLIENTS) | ({"raw_async"} if scenario in ASYNC_FLOOR else set())
            assert set(per_client) == expected_clients, (config, scenario, sorted(per_client))
            for client in MUST_WORK:
                for entry in per_client.get(client, []):
                    assert "error" not in entry, (config, scenario, client, entry["error"])
