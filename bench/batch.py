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
# The two floors first: every map() figure is compared with the same round's shared floor.
MAP_KINDS = ("shared_floor", "floor", "async_map", "sync_map")
DEV_PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH_PYTHON = ROOT / ".servers" / "bench" / "bin" / "python"


def rss_kib() -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def report(seconds: float, count: int, failures: int, rss_start: int, cpu_start: float) -> None:
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
                "cpu_seconds": time.process_time() - cpu_start,
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
                ok = await one(worker, i)  # not `failures += ...`: it reads before the await
                failures += not ok

        rss, cpu = rss_kib(), time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(work(w) for w in workers))
        report(time.perf_counter() - started, count, failures, rss, cpu)


async def shared_floor_child(url: str, count: int, width: int) -> None:
    """The floor in gradiox's shape: ``width`` workers on ONE session and ONE event stream.

    A reader holds ``GET queue/data`` open while any job is pending and routes each
    ``process_completed`` to its job by ``event_id`` (a completion can arrive before its
    join's reply, so unclaimed ones are kept until claimed).
    """
    import httpx
    from raw import LIMITS, SSL_CONTEXT, TIMEOUT, api_base, endpoint_ids

    async with httpx.AsyncClient(verify=SSL_CONTEXT, timeout=TIMEOUT, limits=LIMITS) as http:
        config = (await http.get(url + "config")).raise_for_status().json()
        api = api_base(url, config)
        fn_index = endpoint_ids(config)["/sleep50"]
        session = str(uuid.uuid4())
        loop = asyncio.get_running_loop()
        waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        early: dict[str, dict[str, Any]] = {}
        pending = 0
        wake = asyncio.Event()

        async def reader() -> None:
            while True:
                while pending == 0:
                    wake.clear()
                    await wake.wait()
                params = {"session_hash": session}
                async with http.stream("GET", api + "queue/data", params=params) as response:
                    async for line in response.aiter_lines():
                        if not line.startswith("data:"):
                            continue
                        message = json.loads(line[5:])
                        if message.get("msg") != "process_completed":
                            continue
                        future = waiting.pop(message["event_id"], None)
                        if future is None:
                            early[message["event_id"]] = message
                        else:
                            future.set_result(message)

        async def predict(i: int) -> Any:
            nonlocal pending
            pending += 1
            wake.set()
            try:
                body = {"data": [i], "fn_index": fn_index, "session_hash": session}
                joined = (await http.post(api + "queue/join", json=body)).raise_for_status()
                event_id = joined.json()["event_id"]
                message = early.pop(event_id, None)
                if message is None:
                    waiting[event_id] = loop.create_future()
                    message = await waiting[event_id]
            finally:
                pending -= 1
            if not message.get("success"):
                raise RuntimeError(f"job failed: {message.get('output')}")
            return message["output"]["data"][0]

        reading = asyncio.ensure_future(reader())
        await predict(1)  # warm-up
        failures = 0
        next_item = iter(range(count))

        async def one(i: int) -> bool:
            try:
                return bool(await predict(i) == i)
            except Exception as exc:
                print(f"shared floor item {i} failed: {exc!r}", file=sys.stderr)
                return False

        async def work() -> None:
            nonlocal failures
            for i in next_item:
                ok = await one(i)
                failures += not ok

        rss, cpu = rss_kib(), time.process_time()
        started = time.perf_counter()
        await asyncio.gather(*(work() for _ in range(width)))
        report(time.perf_counter() - started, count, failures, rss, cpu)
        reading.cancel()


async def async_map_child(url: str, count: int, width: int) -> None:
    from gradiox import AsyncClient

    async with AsyncClient(url, verbose=False) as client:
        await client.predict(1, api_name="/sleep50")
        rss, cpu = rss_kib(), time.process_time()
        started = time.perf_counter()
        failures = 0
        items = (i for i in range(count))
        async for record in client.map(
            items, api_name="/sleep50", concurrency=width, ordered=False, progress=False
        ):
            failures += not record.ok or record.output != record.index
        report(time.perf_counter() - started, count, failures, rss, cpu)


def sync_map_child(url: str, count: int, width: int) -> None:
    from gradiox import Client

    with Client(url, verbose=False) as client:
        client.predict(1, api_name="/sleep50")
        rss, cpu = rss_kib(), time.process_time()
        started = time.perf_counter()
        failures = 0
        items = (i for i in range(count))
        for record in client.map(items, api_name="/sleep50", concurrency=width, progress=False):
            failures += not record.ok or record.output != record.index
        report(time.perf_counter() - started, count, failures, rss, cpu)


def gradio_client_child(url: str, count: int, width: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    client = Client(url, verbose=False)
    client.predict(1, api_name="/sleep50")
    rss, cpu = rss_kib(), time.process_time()
    failures = 0

    def one(i: int) -> bool:
        try:
            return bool(client.predict(i, api_name="/sleep50") == i)
        except Exception:
            return False

    started = time.perf_counter()
    with ThreadPoolExecutor(width) as pool:
        failures = sum(not ok for ok in pool.map(one, range(count)))
    report(time.perf_counter() - started, count, failures, rss, cpu)


def pool_child(urls: list[str], count: int) -> None:
    from gradiox import Pool

    with Pool(urls) as pool:
        pool.predict("warm", api_name="/sleep50")
        rss, cpu = rss_kib(), time.process_time()
        started = time.perf_counter()
        failures = 0
        for record in pool.map(
            (str(i) for i in range(count)), api_name="/sleep50", ordered=False, progress=False
        ):
            failures += not record.ok or record.output != str(record.index)
        report(time.perf_counter() - started, count, failures, rss, cpu)


def child(argv: list[str]) -> None:
    kind = argv[0]
    if kind == "pool":
        pool_child(argv[2].split(","), int(argv[1]))
        return
    url, count, width = argv[1], int(argv[2]), int(argv[3])
    if kind == "floor":
        asyncio.run(floor_child(url, count, width))
    elif kind == "shared_floor":
        asyncio.run(shared_floor_child(url, count, width))
    elif kind == "async_map":
        asyncio.run(async_map_child(url, count, width))
    elif kind == "sync_map":
        sync_map_child(url, count, width)
    elif kind == "gradio_client":
        gradio_client_child(url, count, width)


# -- the orchestrator -------------------------------------------------------------------------


def server_cpu(pid: int) -> float:
    """CPU seconds the server process has used so far (every thread, living or ended)."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(python: Path, *args: str, server_pid: int | None = None) -> dict[str, Any]:
    """Run one child; its figures, plus the load average and the server's CPU during it."""
    load = os.getloadavg()[0]
    before = server_cpu(server_pid) if server_pid else 0.0
    out = subprocess.run(
        [str(python), __file__, "--child", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.stderr.strip():  # the children name each failed item there
        print(out.stderr.strip()[-2000:], file=sys.stderr)
    out.check_returncode()
    result = dict(json.loads(out.stdout.strip().splitlines()[-1]))
    result["load"] = load
    if server_pid:
        result["server_cpu_seconds"] = server_cpu(server_pid) - before
    return result


def median_of(
    runs: list[dict[str, Any]], floors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The median run; with ``floors`` (the same rounds' floor), the median per-round ratio."""
    result = dict(runs[len(runs) // 2])
    result["throughput"] = statistics.median(r["throughput"] for r in runs)
    result["failures"] = sum(r["failures"] for r in runs)
    result["rounds"] = [round(r["throughput"], 1) for r in runs]
    result["loads"] = [round(r.get("load", 0.0), 1) for r in runs]
    result["cpu_ms_per_item"] = statistics.median(
        1000 * r["cpu_seconds"] / r["count"] for r in runs
    )
    if floors is not None:
        ratios = [r["throughput"] / f["throughput"] for r, f in zip(runs, floors, strict=True)]
        result["ratio"] = statistics.median(ratios)
        result["ratios"] = [round(x, 2) for x in ratios]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--gc-items", type=int, default=2_000, help="gradio_client's inputs")
    parser.add_argument("--pool-items", type=int, default=200, help="per replica")
    parser.add_argument("--map-only", action="store_true", help="skip gradio_client and Pool")
    args = parser.parse_args()
    if args.quick:
        args.items, args.rounds, args.gc_items, args.pool_items = 500, 1, 200, 20
    from gradio_servers import APPS_DIR, spawn_app

    servers = [spawn_app(HERE / "apps" / "bench_app.py", STEM)]
    if not args.map_only:
        servers += [
            spawn_app(APPS_DIR / "replica_app.py", STEM, env={"REPLICA": str(i)}) for i in range(4)
        ]
    results: dict[str, Any] = {"items": args.items, "width": args.width, "time": time.time()}
    try:
        for server in servers:
            server.wait_ready(300)
        url = servers[0].url
        common = [str(args.items), str(args.width)]
        pid = servers[0].process.pid
        runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in MAP_KINDS}
        for _ in range(args.rounds):  # interleaved, so drifting load hits every client alike
            for kind in runs:
                runs[kind].append(measure(DEV_PYTHON, kind, url, *common, server_pid=pid))
                print(kind, runs[kind][-1], file=sys.stderr)
        for kind, samples in runs.items():
            results[kind] = median_of(samples, runs["shared_floor"])
        if args.map_only:
            pass
        elif BENCH_PYTHON.exists():
            gc_args = [str(args.gc_items), str(args.width)]
            results["gradio_client"] = measure(BENCH_PYTHON, "gradio_client", url, *gc_args)
            print("gradio_client", results["gradio_client"], file=sys.stderr)
        else:
            results["gradio_client"] = {"skipped": f"{BENCH_PYTHON} missing: run bench/run.sh"}
        replica_urls = [s.url for s in servers[1:]]
        for n in (1, 2, 4) if not args.map_only else ():
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
    lines = [
        (
            f"`map()` over {results['items']:,} inputs of `/sleep50`, {results['width']} in "
            "flight; x floor = median over rounds of the ratio to the same round's shared floor:"
        ),
        "",
        "| client | items/s (median) | x floor | client CPU / item | failures | RSS growth |",
        "|---|---|---|---|---|---|",
    ]
    names = {
        "shared_floor": "asyncio + httpx, one session and stream (floor)",
        "floor": "asyncio + httpx, a session and a stream per job",
        "async_map": "gradiox `AsyncClient.map`",
        "sync_map": "gradiox `Client.map`",
        "gradio_client": "gradio_client + ThreadPoolExecutor",
    }
    floor = results["shared_floor"]["throughput"]
    for kind, name in names.items():
        r = results.get(kind, {})
        if "skipped" in r or not r:
            lines.append(f"| {name} | skipped: {r.get('skipped', 'not run')} | | | | |")
            continue
        growth = (r["rss_peak_kib"] - r["rss_start_kib"]) / 1024
        ratio = r.get("ratio", r["throughput"] / floor)
        cpu = r.get("cpu_ms_per_item", 1000 * r["cpu_seconds"] / r["count"])
        lines.append(
            f"| {name} | {r['throughput']:.0f} | {ratio:.2f}x | {cpu:.1f} ms | "
            f"{r['failures']} of {r['count']:,} | {growth:.1f} MiB |"
        )
    lines.append(f"\nload average at each round: {results['shared_floor']['loads']}")
    if "pool_1" not in results:
        return "\n".join(lines)
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
