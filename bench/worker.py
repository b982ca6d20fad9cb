"""One benchmark process: one client runs a list of scenarios against one server.

The runner starts it as ``python bench/worker.py '<json spec>'`` and reads one JSON line
(prefixed ``BENCH-RESULT``) from its stdout. The spec::

    {"client": "raw" | "raw_async" | "gradiox" | "gradiox_async" | "gradio_client",
     "url": "http://127.0.0.1:<port>/", "tmp": "<private temp dir>",
     "scenarios": [{"name": "predict", "n": 40, "warmup": 3}, ...]}

Each client is imported only here, in its own process, so import cost, threads and RSS are
the client's own. ``gradiox`` and ``gradio_client`` share one adapter (:class:`SyncAdapter`):
gradiox is call-compatible, so both run the very same code. A failing scenario reports
``{"error": ...}`` and the others still run.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import resource
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from records import Result, WorkerOutput  # noqa: E402 - found through HERE

PAGE = os.sysconf("SC_PAGE_SIZE")
POLL = 0.005  # seconds between status() polls in the progress scenario


def rss_now() -> int:
    """Resident set size of this process now, in bytes."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE


def rss_peak() -> int:
    """Highest resident set size of this process so far, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RssSampler:
    """Samples RSS every 2 ms in a thread (only used around file round trips)."""

    def __init__(self) -> None:
        self.peak = rss_now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.002):
            self.peak = max(self.peak, rss_now())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_now())


def tick_latencies(items: list[tuple[Any, float]]) -> list[float]:
    """Per-item latency: arrival time minus the server's ``time.time()`` inside the value."""
    return [arrived - float(str(value).split()[1]) for value, arrived in items]


def progress_summary(indices: list[int], steps: int) -> Result:
    seen = sorted({i for i in indices if 1 <= i <= steps})
    return Result(seen=len(seen), of=steps, missing=sorted(set(range(1, steps + 1)) - set(seen)))


async def timed(
    n: int,
    call: Callable[[], Awaitable[Any]],
    after: Callable[[Any], Awaitable[Any]] | None = None,
) -> list[float]:
    """Await ``call()`` ``n`` times; return each call's seconds (``after(result)`` untimed)."""
    times = []
    for _ in range(n):
        started = time.perf_counter()
        result = await call()
        times.append(time.perf_counter() - started)
        if after is not None:
            await after(result)
    return times


# -- adapters ----------------------------------------------------------------------------------


class RawAdapter:
    """The floor (bench/raw.py): sync httpx for sequential work, async for bursts."""

    def __init__(self, url: str, tmp: str) -> None:
        import raw

        self.raw = raw
        self.url = url
        self.tmp = tmp
        self._client: Any = None

    @property
    def client(self) -> Any:
        # Made on first use: a burst process needs only its async client.
        if self._client is None:
            self._client = self.raw.RawClient(self.url)
        return self._client

    def connect(self) -> Any:
        return self.raw.connect_once(self.url)

    @staticmethod
    def disconnect(client: Any) -> None:
        client.close()

    def open(self) -> None:
        pass

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def predict(self, api_name: str, *args: Any) -> Any:
        return self.client.predict(api_name, *args)

    def stream(self, api_name: str, *args: Any) -> tuple[list[tuple[Any, float]], Any]:
        items = self.client.stream(api_name, *args)
        return items, items[-1][0] if items else None

    def progress_status(self, steps: int) -> list[int]:
        return self.client.progress_indices("/progress", steps)

    def burst(self, count: int) -> Result:
        ok, seconds, errors = asyncio.run(self.raw.burst(self.url, "/sleep50", count))
        return burst_result(count, count - ok, seconds, errors)

    def file_roundtrip(self, path: str) -> str:
        return str(self.client.file_roundtrip(path, self.tmp))


class SyncAdapter:
    """``gradiox.Client`` or ``gradio_client.Client``: the same calls, the same code."""

    def __init__(self, module: str, url: str, tmp: str) -> None:
        self.mod = importlib.import_module(module)
        # Loaded before anything is timed, as the floor imports httpx first: gradiox loads
        # its clients on first access, and the import is measured on its own.
        self.client_class = self.mod.Client
        self.module = module
        self.url = url
        self.tmp = tmp
        self.client: Any = None
        self.kwargs: dict[str, Any] = {"verbose": False, "download_files": tmp}
        if module == "gradio_client":
            self.kwargs["analytics_enabled"] = False  # no telemetry thread phoning home

    def connect(self) -> Any:
        return self.client_class(self.url, **self.kwargs)

    @staticmethod
    def disconnect(client: Any) -> None:
        client.close()

    def open(self) -> None:
        self.client = self.connect()

    def close(self) -> None:
        if self.client is not None:
            self.client.close()

    def predict(self, api_name: str, *args: Any) -> Any:
        return self.client.predict(*args, api_name=api_name)

    def stream(self, api_name: str, *args: Any) -> tuple[list[tuple[Any, float]], Any]:
        job = self.client.submit(*args, api_name=api_name)
        items = [(value, time.time()) for value in job]
        return items, job.result()

    def progress_status(self, steps: int) -> list[int]:
        job = self.client.submit(steps, api_name="/progress")
        seen = []
        while not job.done():
            status = job.status()
            if status.progress_data:
                seen.append(status.progress_data[0].index)
            time.sleep(POLL)
        job.result()
        return seen

    def progress_aiter(self, steps: int) -> list[int]:
        job = self.client.submit(steps, api_name="/progress")

        async def consume() -> list[int]:
            return [
                update.progress_data[0].index
                async for update in job
                if getattr(update, "progress_data", None)
            ]

        seen = asyncio.run(consume())
        job.result()
        return seen

    def burst(self, count: int) -> Result:
        started = time.perf_counter()
        jobs = [self.client.submit(i, api_name="/sleep50") for i in range(count)]
        errors = [repr(error) for job in jobs if (error := _outcome(job)) is not None]
        return burst_result(count, len(errors), time.perf_counter() - started, errors)

    def file_roundtrip(self, path: str) -> str:
        result = self.client.predict(self.mod.handle_file(path), api_name="/file_echo")
        return str(result)


def _outcome(job: Any) -> BaseException | None:
    """Wait for a sync job; return its exception (None if it succeeded)."""
    try:
        job.result()
    except BaseException as exc:
        return exc
    return None


class AsyncAdapter:
    """``gradiox.AsyncClient``: every call awaited on one event loop in the main thread."""

    def __init__(self, url: str, tmp: str) -> None:
        import gradiox

        self.mod = gradiox
        self.mod.AsyncClient  # loaded before anything is timed (see SyncAdapter)  # noqa: B018
        self.url = url
        self.tmp = tmp
        self.client: Any = None
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.kwargs: dict[str, Any] = {"verbose": False, "download_files": tmp}

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def connect(self) -> Any:
        return self.run(self.mod.AsyncClient.create(self.url, **self.kwargs))

    def disconnect(self, client: Any) -> None:
        self.run(client.aclose())

    def open(self) -> None:
        self.client = self.connect()

    def close(self) -> None:
        if self.client is not None:
            self.run(self.client.aclose())
        self.loop.close()

    # The timed loops run inside the event loop, so no loop entry is timed per call.
    def predict_times(self, api_name: str, args: tuple[Any, ...], n: int) -> list[float]:
        return self.run(timed(n, lambda: self.client.predict(*args, api_name=api_name)))

    def connect_times(self, n: int) -> list[float]:
        connect = lambda: self.mod.AsyncClient.create(self.url, **self.kwargs)  # noqa: E731
        return self.run(timed(n, connect, lambda client: client.aclose()))

    def predict(self, api_name: str, *args: Any) -> Any:
        return self.run(self.client.predict(*args, api_name=api_name))

    def stream(self, api_name: str, *args: Any) -> tuple[list[tuple[Any, float]], Any]:
        from gradiox import OutputUpdate

        async def go() -> tuple[list[tuple[Any, float]], Any]:
            job = self.client.submit(*args, api_name=api_name)
            items = [
                (update.outputs, time.time())
                async for update in job
                if isinstance(update, OutputUpdate) and not update.final
            ]
            return items, await job.result()

        return self.run(go())  # type: ignore[no-any-return]

    def progress_status(self, steps: int) -> list[int]:
        async def go() -> list[int]:
            job = self.client.submit(steps, api_name="/progress")
            seen = []
            while not job.done():
                status = job.status()
                if status.progress_data:
                    seen.append(status.progress_data[0].index)
                await asyncio.sleep(POLL)
            await job.result()
            return seen

        return list(self.run(go()))

    def progress_aiter(self, steps: int) -> list[int]:
        async def go() -> list[int]:
            job = self.client.submit(steps, api_name="/progress")
            seen = [
                update.progress_data[0].index
                async for update in job
                if getattr(update, "progress_data", None)
            ]
            await job.result()
            return seen

        return list(self.run(go()))

    def burst(self, count: int) -> Result:
        async def go() -> Result:
            started = time.perf_counter()
            results = await asyncio.gather(
                *(self.client.predict(i, api_name="/sleep50") for i in range(count)),
                return_exceptions=True,
            )
            elapsed = time.perf_counter() - started
            errors = [repr(r) for r in results if isinstance(r, BaseException)]
            return burst_result(count, len(errors), elapsed, errors)

        return self.run(go())  # type: ignore[no-any-return]

    def file_roundtrip(self, path: str) -> str:
        handle = self.mod.handle_file(path)
        return str(self.run(self.client.predict(handle, api_name="/file_echo")))


class RawAsyncAdapter:
    """The asyncio floor (``raw.AsyncRawClient``): connect, predict and generators only."""

    def __init__(self, url: str, tmp: str) -> None:
        import raw

        self.raw = raw
        self.url = url
        self.client: Any = None
        self.loop = asyncio.new_event_loop()

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def open(self) -> None:
        self.client = self.run(self.raw.AsyncRawClient.connect(self.url))

    def close(self) -> None:
        if self.client is not None:
            self.run(self.client.close())
        self.loop.close()

    def predict(self, api_name: str, *args: Any) -> Any:
        return self.run(self.client.predict(api_name, *args))

    # Timed inside the loop, as for AsyncAdapter.
    def predict_times(self, api_name: str, args: tuple[Any, ...], n: int) -> list[float]:
        return self.run(timed(n, lambda: self.client.predict(api_name, *args)))

    def connect_times(self, n: int) -> list[float]:
        connect = lambda: self.raw.AsyncRawClient.connect(self.url)  # noqa: E731
        return self.run(timed(n, connect, lambda client: client.close()))

    def stream(self, api_name: str, *args: Any) -> tuple[list[tuple[Any, float]], Any]:
        return self.run(self.client.stream(api_name, *args))  # type: ignore[no-any-return]


def make_adapter(client: str, url: str, tmp: str) -> Any:
    if client == "raw":
        return RawAdapter(url, tmp)
    if client == "raw_async":
        return RawAsyncAdapter(url, tmp)
    if client == "gradiox":
        return SyncAdapter("gradiox", url, tmp)
    if client == "gradio_client":
        return SyncAdapter("gradio_client", url, tmp)
    if client == "gradiox_async":
        return AsyncAdapter(url, tmp)
    raise SystemExit(f"unknown client {client!r}")


# -- scenarios ----------------------------------------------------------------------------------


def sc_connect(ad: Any, n: int, warmup: int = 2, **_: Any) -> Result:
    if hasattr(ad, "connect_times"):
        times = ad.connect_times(n + warmup)
    else:
        times = []
        for _ in range(n + warmup):
            started = time.perf_counter()
            client = ad.connect()
            times.append(time.perf_counter() - started)
            ad.disconnect(client)
    return Result(first=times[0], samples=times[warmup:])


def sc_predict(ad: Any, n: int, warmup: int = 3, **_: Any) -> Result:
    assert float(ad.predict("/add", 1, 2)) == 3.0
    cpu = time.process_time()  # the whole process: every thread of the client
    if hasattr(ad, "predict_times"):
        times = ad.predict_times("/add", (1, 2), n + warmup)
    else:
        times = []
        for _ in range(n + warmup):
            started = time.perf_counter()
            ad.predict("/add", 1, 2)
            times.append(time.perf_counter() - started)
    return Result(samples=times[warmup:], cpu_per_call=(time.process_time() - cpu) / (n + warmup))


def sc_stream(ad: Any, jobs: int, items: int, **_: Any) -> Result:
    latencies: list[float] = []
    for _ in range(jobs):
        received, _final = ad.stream("/tick", items)
        if len(received) != items:
            return Result.failure(f"received {len(received)} of {items} items")
        latencies.extend(tick_latencies(received))
    return Result(samples=latencies)


def sc_count(ad: Any, items: int, **_: Any) -> Result:
    cpu = time.process_time()
    started = time.perf_counter()
    received, final = ad.stream("/count", items)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    values = [str(value) for value, _ in received]
    expected = [str(i) for i in range(items)]
    return Result(
        seconds=elapsed,
        received=len(values),
        complete=sorted(values, key=int) == expected,
        in_order=values == expected,
        final_ok=str(final) == str(items - 1),
        cpu=cpu,
    )


def sc_progress(ad: Any, steps: int, how: str, **_: Any) -> Result:
    method = getattr(ad, f"progress_{how}", None)
    if method is None:
        return Result(skipped=f"{how} does not apply to this client")
    return progress_summary(method(steps), steps)


def sc_burst(ad: Any, jobs: int, **_: Any) -> Result:
    return ad.burst(jobs)  # type: ignore[no-any-return]


def burst_result(jobs: int, failed: int, seconds: float, errors: list[str]) -> Result:
    ok = jobs - failed
    return Result(
        jobs=jobs,
        ok=ok,
        failed=failed,
        seconds=seconds,
        first_error=errors[0] if errors else None,
        throughput=ok / seconds if seconds else 0.0,
    )


def sc_file(ad: Any, path: str, warmup_path: str, **_: Any) -> Result:
    size = os.path.getsize(path)
    with contextlib.suppress(FileNotFoundError):
        os.remove(ad.file_roundtrip(warmup_path))  # first use: lazy imports, pools
    before, peak_before = rss_now(), rss_peak()
    with RssSampler() as sampler:
        cpu = time.process_time()  # includes the sampler thread's small share
        started = time.perf_counter()
        result = ad.file_roundtrip(path)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu
    peak_after = rss_peak()
    got = os.path.getsize(result) if os.path.isfile(result) else None
    with contextlib.suppress(FileNotFoundError):
        os.remove(result)
    if got != size:
        return Result.failure(f"round trip returned {result!r} of {got} bytes, expected {size}")
    peak = max(sampler.peak, peak_after if peak_after > peak_before else 0)
    return Result(
        seconds=elapsed,
        cpu=cpu,
        bytes=size,
        rss_before=before,
        rss_peak=peak,
        rss_growth=max(0, peak - before),
    )


SCENARIOS = {
    "connect": sc_connect,
    "predict": sc_predict,
    "stream": sc_stream,
    "count": sc_count,
    "progress": sc_progress,
    "burst": sc_burst,
    "file": sc_file,
}
NEEDS_OPEN = {"predict", "stream", "count", "progress", "file", "burst"}


def main() -> None:
    spec = json.loads(sys.argv[1])
    results: dict[str, Result] = {}
    adapter = make_adapter(spec["client"], spec["url"], spec["tmp"])
    opened = False
    try:
        for scenario in spec["scenarios"]:
            key = scenario.get("key", scenario["name"])
            try:
                if scenario["name"] in NEEDS_OPEN and not opened:
                    adapter.open()
                    opened = True
                results[key] = SCENARIOS[scenario["name"]](adapter, **scenario)
            except BaseException as exc:
                results[key] = Result.failure(
                    f"{type(exc).__name__}: {exc}"[:500], traceback.format_exc()[-2000:]
                )
    finally:
        with contextlib.suppress(BaseException):
            adapter.close()
    out = WorkerOutput(results, rss_peak(), threading.active_count())
    sys.stdout.write("BENCH-RESULT " + json.dumps(out.to_json()) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
