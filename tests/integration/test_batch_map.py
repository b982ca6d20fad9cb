"""``map()`` against a real Gradio 6 server: completeness, order, errors, memory, checkpoints."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from gradiox import AsyncClient, Client
from gradiox._batch.checkpoint import read_checkpoint
from gradiox.exceptions import AppError, CheckpointMismatchError, EndpointError, TransportError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from conftest import ServerRegistry

from gradio_servers import APPS_DIR, spawn_app
from helpers import run

STEM = "gradio-6.31.0"
WORKER = os.path.join(os.path.dirname(__file__), "batch_worker.py")


@pytest.fixture(scope="module")
def url(gradio_servers: ServerRegistry) -> str:
    return gradio_servers.get("core_app.py", STEM).url


@pytest.fixture(scope="module")
def client(url: str) -> Iterator[Client]:
    with Client(url, verbose=False) as c:
        yield c


def test_thousand_inputs_ordered_sync(client: Client) -> None:
    records = list(client.map(((i, 1) for i in range(1000)), api_name="/add", concurrency=32))
    assert [r.index for r in records] == list(range(1000))
    assert all(r.ok and r.output == r.index + 1 and r.attempts == 1 for r in records)
    assert all(r.inputs == (r.index, 1) for r in records)


def test_thousand_inputs_unordered_async(url: str) -> None:
    async def main() -> list[Any]:
        async with AsyncClient(url, verbose=False) as ac:
            return [
                r
                async for r in ac.map(
                    (str(i) for i in range(1000)), api_name="/sleep50", concurrency=64,
                    ordered=False, progress=False,
                )
            ]  # fmt: skip

    records = run(main())
    assert sorted(r.index for r in records) == list(range(1000))
    assert all(r.ok and r.output == str(r.index) for r in records)


def test_item_errors_are_records(client: Client) -> None:
    items = ["a", ("b",), {"y": "c"}, (1, 2, 3)]
    records = list(client.map(items, api_name="/fail"))
    assert [r.index for r in records] == [0, 1, 2, 3]
    assert isinstance(records[0].error, AppError) and "custom failure: a" in str(records[0].error)
    assert isinstance(records[1].error, AppError)
    assert "Item 2" in str(records[2].error) and "`y` is not a valid" in str(records[2].error)
    assert "Item 3: Too many arguments for /fail" in str(records[3].error)
    assert all(r.output is None and r.attempts == 1 for r in records)
    with pytest.raises(AppError, match="custom failure: a"):
        list(client.map(["a"], api_name="/fail", errors="raise"))


def test_unknown_endpoint_fails_before_work(client: Client) -> None:
    pulled = []

    def items() -> Iterator[int]:
        pulled.append(1)
        yield 1

    with pytest.raises(EndpointError, match="/nope"):
        client.map(items(), api_name="/nope")
    assert pulled == []


def _rss_kib() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_hundred_thousand_generator_bounded(client: Client) -> None:
    """100,000 lazily read items: 1 in 100 is a real job, the others fail to bind at once.

    Every item goes through map()'s reading, scheduling, reordering and reporting; the
    generator may never run further ahead of the records than the reorder window.
    """
    count = 100_000
    pulled = 0
    lead = 0

    def items() -> Iterator[Any]:
        nonlocal pulled
        for i in range(count):
            pulled += 1
            yield (i, 1) if i % 100 == 0 else (i, 1, 2, 3)

    seen = ok = 0
    rss_start = 0
    for record in client.map(items(), api_name="/add", concurrency=16, progress=False):
        assert record.index == seen
        seen += 1
        ok += record.ok
        lead = max(lead, pulled - seen)
        if seen == 10_000:
            rss_start = _rss_kib()
    growth = _rss_kib() - rss_start
    print(f"RSS growth over the last 90,000 items: {growth} KiB, max lead {lead}")
    assert seen == count and ok == count // 100
    assert lead <= 4 * 16 + 1
    assert growth < 20 * 1024


def test_checkpoint_resume_in_process(client: Client, tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    items = [(i, 1) for i in range(200)]
    first = []
    for record in client.map(items, api_name="/add", concurrency=8, checkpoint=path):
        first.append(record.index)
        if len(first) == 100:
            break
    # Records finished but not yet reported when the loop was left are in the checkpoint.
    recorded = {r["index"] for r in read_checkpoint(path)}
    assert set(first) <= recorded
    second = [r.index for r in client.map(items, api_name="/add", checkpoint=path)]
    assert sorted(recorded | set(second)) == list(range(200))
    assert not recorded & set(second)
    records = read_checkpoint(path)
    assert sorted(r["index"] for r in records) == list(range(200))
    assert all(r["output"] == r["index"] + 1 for r in records)
    assert list(client.map(items, api_name="/add", checkpoint=path)) == []  # all done
    other = [(i, 2) for i in range(200)]
    with pytest.raises(CheckpointMismatchError, match="other inputs"):
        list(client.map(other, api_name="/add", checkpoint=path))
    with pytest.raises(CheckpointMismatchError, match="endpoint '/add'"):
        client.map(items, api_name="/echo", checkpoint=path)


def test_kill_and_resume(url: str, tmp_path: Path) -> None:
    """A run SIGKILLed about half-way and restarted ends with every index exactly once."""
    count = 600
    path = tmp_path / "results.jsonl"
    command = [sys.executable, WORKER, url, str(path), str(count)]
    proc = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 120
        while _lines(path) < count // 2:
            assert proc.poll() is None, "the worker ended before it was killed"
            assert time.monotonic() < deadline, "the worker made no progress"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _lines(path) < count + 1, "killed too late to test anything"
    subprocess.run(command, check=True, timeout=180)
    records = read_checkpoint(path)
    indices = [r["index"] for r in records]
    assert sorted(indices) == list(range(count)), "an index is missing or repeated"
    assert all(r["output"] == r["index"] + 1 for r in records)


def _lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def test_leaving_early_then_mapping_again(url: str) -> None:
    """Leaving a map early must not disturb the next map on the same endpoint and session.

    (Cancelling the abandoned jobs on the server would: Gradio's cancel stops every job of
    the endpoint in the session, including the next map's, which then never finish.)
    """

    async def main() -> list[Any]:
        async with AsyncClient(url, verbose=False) as ac:
            for _ in range(3):
                seen = 0
                async for _record in ac.map([(i, 1) for i in range(100)], api_name="/add"):
                    seen += 1
                    if seen == 30:
                        break
            items = [(i, 2) for i in range(50)]
            return [r async for r in ac.map(items, api_name="/add", progress=False)]

    records = run(main())
    assert [r.output for r in records] == [i + 2 for i in range(50)]


def test_resume_reruns_items_whose_server_failed(
    gradio_servers: ServerRegistry, tmp_path: Path
) -> None:
    """Items lost to a dead server run again on resume; the app's own failures don't."""
    live = gradio_servers.get("replica_app.py", STEM, env={"REPLICA": "a"}).url
    path = tmp_path / "results.jsonl"
    items = list(range(20))  # /checked fails (gr.Error) for 3 and 13, else returns 2x

    def run_map(url: str, inputs: list[int] = items, **kwargs: Any) -> list[Any]:
        with Client(url, verbose=False) as c:
            return list(
                c.map(inputs, api_name="/checked", checkpoint=path, progress=False, **kwargs)
            )

    first = run_map(live, items[:10])  # a checkpoint of the first 10 items
    assert [r.ok for r in first] == [i != 3 for i in range(10)]
    doomed = spawn_app(APPS_DIR / "replica_app.py", STEM, env={"REPLICA": "doomed"})
    try:
        doomed.wait_ready(120)
        with Client(doomed.url, verbose=False) as c:
            doomed.stop()  # the client is connected; every join now fails to connect
            lost = list(
                c.map(items, api_name="/checked", checkpoint=path, max_retries=0, progress=False)
            )
    finally:
        doomed.stop()
    assert sorted(r.index for r in lost) == list(range(10, 20))
    assert all(isinstance(r.error, TransportError) for r in lost), lost[:2]
    again = run_map(live)
    assert [r.index for r in again] == list(range(10, 20))
    assert [r.ok for r in again] == [i != 13 for i in range(10, 20)]
    latest = {r["index"]: r for r in read_checkpoint(path)}
    assert sorted(latest) == items
    assert all(latest[i]["output"] == 2 * i for i in items if i not in (3, 13))
    assert latest[3]["error"]["transient"] is False and latest[13]["error"]["type"] == "AppError"
    assert run_map(live) == []
    assert run_map(live, rerun_failed="none") == []
    retried = run_map(live, rerun_failed="all")
    assert [(r.index, r.ok) for r in retried] == [(3, False), (13, False)]


def test_sync_map_reads_a_slow_generator_off_the_loop(client: Client) -> None:
    """A generator blocked in a read must not block the loop every sync client shares."""
    reading = threading.Event()
    release = threading.Event()

    def items() -> Iterator[tuple[int, int]]:
        yield (1, 1)
        reading.set()
        release.wait(20)  # a slow read (a database, a network drive)
        yield (2, 1)

    records: list[Any] = []
    consumer = threading.Thread(
        target=lambda: records.extend(client.map(items(), api_name="/add", progress=False))
    )
    consumer.start()
    try:
        assert reading.wait(30)
        started = time.monotonic()
        assert client.predict(5, 1, api_name="/add") == 6  # the loop is free meanwhile
        assert time.monotonic() - started < 10
    finally:
        release.set()
        consumer.join(30)
    assert [(r.index, r.output) for r in records] == [(0, 2), (1, 3)]
