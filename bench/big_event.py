"""Loop lag while one 50 MB event is decoded: how long the shared event loop stalls.

    .venv/bin/python bench/big_event.py              # 5 rounds of each payload, 50 MB
    .venv/bin/python bench/big_event.py --rounds 9 --size 20

An ``AsyncClient`` calls the fake Gradio 6 app of ``tests/faults/fake_server.py`` (run in its
own process), which answers with one SSE data line of ``--size`` MB: the result ``"x" * n``
("plain"), or JSON text full of escapes (``\\n``, ``\\"``, ``\\u00e9``: "escaped"). The
bytes go through the real path (httpx, the SSE decoder, the message parse, the job). On
the same loop, a probe task sleeps 1 ms in a loop and records the longest time between two
of its wake-ups: what any other client of the loop would have waited at worst.

Each payload runs one warm-up call, then ``--rounds`` timed ones; the table gives the
median end-to-end time of the call, the median and the largest of the per-call worst gaps,
and the machine's load average (the machine may be shared: quote ratios, not absolutes).
The "decode only" rows feed the same bytes, in 64 KB chunks, straight to the SSE decoder
and the engine's message parse on the loop, without HTTP or a server process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FAKE = ROOT / "tests" / "faults" / "fake_server.py"
PROBE_SLEEP = 0.001


class LagProbe:
    """A task that sleeps ``PROBE_SLEEP`` in a loop and keeps the longest wake-up gap."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(PROBE_SLEEP)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last)
            last = now

    def __enter__(self) -> LagProbe:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def one_call(url: str, size: int) -> tuple[float, float]:
    """One call's end-to-end time and the loop's worst gap meanwhile, in seconds."""
    from gradiox import AsyncClient

    async with AsyncClient(url, verbose=False) as client:
        await asyncio.sleep(0.2)  # let the connect's own work settle
        with LagProbe() as probe:
            started = time.perf_counter()
            result = await client.predict("x", api_name="/echo")
            elapsed = time.perf_counter() - started
            await asyncio.sleep(0.05)  # a wake-up after the last step
        if not isinstance(result, str) or len(result) < size // 2:  # escapes shrink it
            raise RuntimeError(f"unexpected result of {len(str(result))} characters")
    return elapsed, probe.worst


async def decode_only(raw: bytes) -> tuple[float, float]:
    """Decode and parse one event from bytes, as the job stream does; time and worst gap."""
    from gradiox._engine.stream import parse_event
    from gradiox._protocol.sse import SSEDecoder

    await asyncio.sleep(0.05)
    with LagProbe() as probe:
        started = time.perf_counter()
        decoder = SSEDecoder()
        for i in range(0, len(raw), 1 << 16):
            for event in decoder.feed(raw[i : i + (1 << 16)]):
                await parse_event(event.pieces)
            await asyncio.sleep(0)  # as between two reads of the socket
        elapsed = time.perf_counter() - started
        await asyncio.sleep(0.05)
    return elapsed, probe.worst


def run_decode_only(text: str, size: int, rounds: int) -> dict[str, float]:
    """Time ``rounds`` decodes of the payload after a warm-up."""
    sys.path.insert(0, str(FAKE.parent))
    import fake_server

    body = fake_server._big_bytes(size, "escaped" if text == "escaped" else "x")
    raw = b'data: {"msg": "process_completed", "event_id": "e", "output": {"data": ["'
    raw += body + b'"]}, "success": true}\n\n'
    return summarize([asyncio.run(decode_only(raw)) for _ in range(rounds + 1)][1:])


def summarize(samples: list[tuple[float, float]]) -> dict[str, float]:
    """Median time, median and largest worst gap."""
    times = [elapsed for elapsed, _ in samples]
    gaps = [gap for _, gap in samples]
    return {
        "elapsed": statistics.median(times),
        "gap": statistics.median(gaps),
        "worst_gap": max(gaps),
    }


def run_payload(text: str, size: int, rounds: int) -> dict[str, float]:
    """Start the fake app for one payload and time ``rounds`` calls after a warm-up."""
    server = subprocess.Popen(
        [sys.executable, str(FAKE), "big", str(size), text], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        samples = [asyncio.run(one_call(url, size)) for _ in range(rounds + 1)][1:]
    finally:
        server.kill()
        server.wait(10)
    return summarize(samples)


def main() -> int:
    """Run both payloads and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=50, help="payload size in MB")
    args = parser.parse_args()
    size = args.size * 1024 * 1024
    load_before = os.getloadavg()[0]
    rows = {text: run_payload(text, size, args.rounds) for text in ("plain", "escaped")}
    try:
        for text in ("plain", "escaped"):
            rows[f"{text}, decode only"] = run_decode_only(text, size, args.rounds)
    except ImportError:  # a gradiox from before parse_event: no such rows
        pass
    load_after = os.getloadavg()[0]
    print(f"{args.size} MB event, {args.rounds} rounds, Python {sys.version.split()[0]}, "
          f"load average {load_before:.1f} -> {load_after:.1f}")  # fmt: skip
    print()
    print("| payload | time (median) | worst loop gap (median) | worst loop gap (max) |")
    print("|---|---|---|---|")
    for text, row in rows.items():
        print(
            f"| {text} | {row['elapsed'] * 1000:.0f} ms | {row['gap'] * 1000:.0f} ms "
            f"| {row['worst_gap'] * 1000:.0f} ms |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
