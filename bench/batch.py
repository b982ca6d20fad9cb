"""Batch benchmark: ``map()`` against a hand-written asyncio + httpx loop, gradio_client with a
thread pool, and ``Pool`` throughput over 1, 2 and 4 replicas.

    .venv/bin/python bench/batch.py          # 10,000 inputs; writes bench/out/batch-*.json
    .venv/bin/python bench/batch.py --quick  # 500 inputs, for a smoke run

Every client runs in a fresh process. gradiox and the floor run with ``.venv``'s Python;
gradio_client runs in the bench venv ``.servers/bench`` (built by ``bench/run.sh``) and is
skipped, with a note, if that venv is missing. The servers are Gradio 6.31:
``bench/apps/bench_app.py`` (``/sleep50``: async 50 ms sleep, no concurrency limit) for the
map figures, and four ``tests/apps/replica_app.py`` (``/sleep50``: a blocking 50 ms sleep, one
at a time) for the pool.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(HERE))

STEM = "gradio-6.31.0"
DEV_PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH_PYTHON = ROOT / ".servers" / "bench" / "bin" / "python"


def rss_kib() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def report(seconds: float, count: int, failures: int, rss_start: int) -> None:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "count": count,
                "failures": failures,
                "throughput": count / seconds,
                "rss_start_kib": rss_start,
                "rss_end_kib": rss_kib(),
                "rss_peak_kib": peak,
                "threads": len(os.listdir("/proc/self/task")),
            }
        )
    )


# -- children: one measurement each, in a fresh process --------------------------------------


async def floor_child(url: str, count: int, width: int) -> None:
    """The floor: ``width`` asyncio workers on one httpx.AsyncClient, a session each."""
    import httpx
    from raw import LIMITS, SSL_CONTEXT, TIMEOUT, AsyncRawClient, api_base

    async with httpx.AsyncClient(verify=SSL_CONTEXT, timeout=TIMEOUT, limits=LIMITS) as http:
        config = (await http.get(url + "config")).raise_for_status().json()
        api = api_base(url, config)
        workers = [AsyncRawClient(http, api, config) for _ in range(width)]
        for worker in workers:
            worker.session = str(uuid.uuid4())
        await workers[0].predict("/sleep50", 1)  # warm-up
        failures = 0
        next_item = iter(range(count))

        async def one(worker: AsyncRawClient, i: int) -> bool:
            try:
                return bool(await worker.predict("/sleep50", i) == i)
            except Exception as exc:
                print(f"floor item {i} failed: {exc!r}", file=sys.stderr)
                return False

        async def work(worker: AsyncRawClient) -> None:
            nonlocal failures
            for i in next_item:
                failures += not await one(worker, i)

        rss = rss_kib()
        started = time.perf_counter()
        await asyncio.gather(*(work(w) for w in workers))
        report(time.perf_counter() - started, count, failures, rss)


async def async_map_child(url: str, count: int, width: int) -> None:
    from gradiox import AsyncClient

    async with AsyncClient(url, verbose=False) as client:
        await client.predict(1, api_name="/sleep50")
        rss = rss_kib()
        started = time.perf_counter()
        failures = 0
        items = (i for i in range(count))
        async for record in client.map(
            items, api_name="/sleep50", concurrency=width, ordered=False, progress=False
        ):
            failures += not record.ok or record.output != record.index
        report(time.perf_counter() - started, count, failures, rss)


def sync_map_child(url: str, count: int, width: int) -> None:
    from gradiox import Client

    with Client(url, verbose=False) as client:
        client.predict(1, api_name="/sleep50")
        rss = rss_kib()
        started = time.perf_counter()
        failures = 0
        items = (i for i in range(count))
        for record in client.map(items, api_name="/sleep50", concurrency=width, progress=False):
            failures += not record.ok or record.output != record.index
        report(time.perf_counter() - started, count, failures, rss)


def gradio_client_child(url: str, count: int, width: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    client = Client(url, verbose=False)
    client.predict(1, api_name="/sleep50")
    rss = rss_kib()
    failures = 0

    def one(i: int) -> bool:
        try:
            return bool(client.predict(i, api_name="/sleep50") == i)
        except Exception:
            return False

    started = time.perf_counter()
    with ThreadPoolExecutor(width) as pool:
        failures = sum(not ok for ok in pool.map(one, range(count)))
    report(time.perf_counter() - started, count, failures, rss)


def pool_child(urls: list[str], count: int) -> None:
    from gradiox import Pool

    with Pool(urls) as pool:
        pool.predict("warm", api_name="/sleep50")
        rss = rss_kib()
        started = time.perf_counter()
        failures = 0
        for record in pool.map(
            (str(i) for i in range(count)), api_name="/sleep50", ordered=False, progress=False
        ):
            failures += not record.ok or record.output != str(record.index)
        report(time.perf_counter() - started, count, failures, rss)


def child(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "pool":
        pool_child(argv[2].split(","), int(argv[1]))
        return
    url, count, width = argv[1], int(argv[2]), int(argv[3])
    if kind == "floor":
        asyncio.run(floor_child(url, count, width))
    elif kind == "async_map":
        asyncio.run(async_map_child(url, count, width))
    elif kind == "sync_map":
        sync_map_child(url, count, width)
    elif kind == "gradio_client":
        gradio_client_child(url, count, width)


# -- the orchestrator -------------------------------------------------------------------------


def measure(python: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [str(python), __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    result = dict(runs[len(runs) // 2])
    result["throughput"] = statistics.median(r["throughput"] for r in runs)
    result["failures"] = sum(r["failures"] for r in runs)
    result["rounds"] = [round(r["throughput"], 1) for r in runs]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gc-items", type=int, default=2_000, help="gradio_client's inputs")
    parser.add_argument("--pool-items", type=int, default=200, help="per replica")
    args = parser.parse_args()
    if args.quick:
        args.items, args.rounds, args.gc_items, args.pool_items = 500, 1, 200, 20
    from gradio_servers import APPS_DIR, spawn_app

    servers = [spawn_app(HERE / "apps" / "bench_app.py", STEM)]
    servers += [
        spawn_app(APPS_DIR / "replica_app.py", STEM, env={"REPLICA": str(i)}) for i in range(4)
    ]
    results: dict[str, Any] = {"items": args.items, "width": args.width, "time": time.time()}
    try:
        for server in servers:
            server.wait_ready(300)
        url = servers[0].url
        common = [str(args.items), str(args.width)]
        runs: dict[str, list[dict[str, Any]]] = {"floor": [], "async_map": [], "sync_map": []}
        for _ in range(args.rounds):  # interleaved, so drifting load hits every client alike
            for kind in runs:
                runs[kind].append(measure(DEV_PYTHON, kind, url, *common))
                print(kind, runs[kind][-1], file=sys.stderr)
        for kind, samples in runs.items():
            results[kind] = median_of(samples)
        if BENCH_PYTHON.exists():
            gc_args = [str(args.gc_items), str(args.width)]
            results["gradio_client"] = measure(BENCH_PYTHON, "gradio_client", url, *gc_args)
            print("gradio_client", results["gradio_client"], file=sys.stderr)
        else:
            results["gradio_client"] = {"skipped": f"{BENCH_PYTHON} missing: run bench/run.sh"}
        replica_urls = [s.url for s in servers[1:]]
        for n in (1, 2, 4):
            samples = [
                measure(DEV_PYTHON, "pool", str(args.pool_items * n), ",".join(replica_urls[:n]))
                for _ in range(args.rounds)
            ]
            results[f"pool_{n}"] = median_of(samples)
            print(f"pool_{n}", results[f"pool_{n}"], file=sys.stderr)
    finally:
        for server in servers:
            server.stop()
    out = HERE / "out" / f"batch-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(render(results))
    print(f"\nsaved {out}", file=sys.stderr)


def render(results: dict[str, Any]) -> str:
    floor = results["floor"]["throughput"]
    lines = [
        f"`map()` over {results['items']:,} inputs of `/sleep50`, {results['width']} in flight:",
        "",
        "| client | items/s (median) | x floor | failures | RSS growth (peak - start) |",
        "|---|---|---|---|---|",
    ]
    names = {
        "floor": "asyncio + httpx loop (floor)",
        "async_map": "gradiox `AsyncClient.map`",
        "sync_map": "gradiox `Client.map`",
        "gradio_client": "gradio_client + ThreadPoolExecutor",
    }
    for kind, name in names.items():
        r = results.get(kind, {})
        if "skipped" in r or not r:
            lines.append(f"| {name} | skipped: {r.get('skipped', 'not run')} | | | |")
            continue
        growth = (r["rss_peak_kib"] - r["rss_start_kib"]) / 1024
        lines.append(
            f"| {name} | {r['throughput']:.0f} | {r['throughput'] / floor:.2f}x | "
            f"{r['failures']} of {r['count']:,} | {growth:.1f} MiB |"
        )
    base = results["pool_1"]["throughput"]
    lines += ["", "| `Pool` replicas | items/s | scaling |", "|---|---|---|"]
    for n in (1, 2, 4):
        r = results[f"pool_{n}"]
        lines.append(f"| {n} | {r['throughput']:.1f} | {r['throughput'] / base:.2f}x |")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
    else:
        main()
