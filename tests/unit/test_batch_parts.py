"""Unit tests of map()'s parts that need no server: items, checkpoint file, progress line."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import pytest

from gradiox import handle_file
from gradiox._batch.checkpoint import Checkpoint, input_hash, load_checkpoint, read_checkpoint
from gradiox._batch.items import InputSource, as_call
from gradiox._batch.progress import BatchProgress, describe
from gradiox._batch.replicas import Replica, ReplicaSet, unreachable
from gradiox._types import Status, StatusUpdate
from gradiox.exceptions import (
    AppError,
    AppUnavailableError,
    ArgumentError,
    AuthenticationError,
    CheckpointError,
    CheckpointMismatchError,
    ConnectionLostError,
    DeadlineExceededError,
    NotAGradioAppError,
    SpaceNotFoundError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path


def test_item_shapes(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x")
    assert as_call((1, 2)) == ((1, 2), {})
    assert as_call([1, 2]) == ((1, 2), {})
    assert as_call({"a": 1}) == ((), {"a": 1})
    assert as_call(5) == ((5,), {})
    handled = handle_file(path)
    args, kwargs = as_call(handled)
    assert args == (handled,) and kwargs == {}
    assert args[0] is handled  # still marked for upload
    with pytest.raises(ArgumentError, match="1-tuple"):
        as_call({1: "x"})


def _write(path: Path, lines: list[dict[str, object]], tail: bytes = b"") -> None:
    path.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in lines) + tail)


HEADER = {"gradiox_checkpoint": 1, "endpoint": "/add"}


def test_checkpoint_round_trip_and_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    state = load_checkpoint(path, "/add")
    assert not state.exists and state.done == {}
    cp = Checkpoint(path, "/add", state)
    cp.record(0, input_hash((1, 2)), 3, None)
    cp.record(1, input_hash((1, 3)), None, ValueError("nope"))
    cp.close()
    with path.open("ab") as handle:
        handle.write(b'{"index": 2, "input_ha')  # a crash mid-write
    state = load_checkpoint(path, "/add")
    assert state.done == {0: input_hash((1, 2)), 1: input_hash((1, 3))}
    cp = Checkpoint(path, "/add", state)  # resuming cuts the torn line off
    cp.record(2, input_hash((1, 4)), 5, None)
    cp.close()
    records = read_checkpoint(path)
    assert [r["index"] for r in records] == [0, 1, 2]
    assert records[0]["output"] == 3
    assert records[1]["error"] == {"type": "ValueError", "message": "nope", "transient": False}


def test_resume_runs_again_the_failed_items_the_policy_selects(tmp_path: Path) -> None:
    """Lost connections and server errors run again by default; the app's own errors don't."""
    path = tmp_path / "c.jsonl"
    cp = Checkpoint(path, "/add", load_checkpoint(path, "/add"))
    cp.record(0, input_hash(0), 0, None)
    cp.record(1, input_hash(1), None, AppError("bad input"))
    cp.record(2, input_hash(2), None, ConnectionLostError("stream lost", may_still_run=True))
    cp.record(3, input_hash(3), None, AppUnavailableError("502", status_code=502))
    cp.record(4, input_hash(4), 4, None)
    cp.close()
    hashes = {i: input_hash(i) for i in range(5)}
    rerun = {"transient": [2, 3], "all": [1, 2, 3], "none": []}
    for policy, indices in rerun.items():
        state = load_checkpoint(path, "/add", policy)  # type: ignore[arg-type]
        assert state.recorded == hashes
        assert sorted(set(hashes) - set(state.done)) == indices, policy

    state = load_checkpoint(path, "/add")

    async def take(items: list[int]) -> list[tuple[int, object]]:
        source = InputSource(items, state.done, path, state.recorded)
        await source.verify()
        return [entry async for entry in _drain(source)]

    assert asyncio.run(take(list(range(7)))) == [(2, 2), (3, 3), (5, 5), (6, 6)]
    with pytest.raises(CheckpointMismatchError, match="item 2 is not the input"):
        asyncio.run(take([0, 1, 99, 3, 4]))  # an item to run again is checked too
    cp = Checkpoint(path, "/add", state)  # the re-run's records supersede the failures
    cp.record(2, input_hash(2), 2, None)
    cp.record(3, input_hash(3), None, AppError("now the app fails"))
    cp.close()
    latest = read_checkpoint(path)
    assert [r["index"] for r in latest] == [0, 1, 4, 2, 3]  # one record per item
    assert latest[3]["output"] == 2 and latest[4]["error"]["type"] == "AppError"
    assert sorted(load_checkpoint(path, "/add").done) == [0, 1, 2, 3, 4]


async def _drain(source: InputSource) -> AsyncIterator[tuple[int, object]]:
    while (entry := await source.next()) is not None:
        yield entry


def test_checkpoint_refusals(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    _write(path, [HEADER, {"index": 0, "input_hash": "x"}])
    with pytest.raises(CheckpointMismatchError, match="'/add', not '/echo'"):
        load_checkpoint(path, "/echo")
    _write(path, [HEADER, {"index": 0}, {"index": 1, "input_hash": "x"}])
    with pytest.raises(CheckpointError, match="Line 2"):
        load_checkpoint(path, "/add")
    path.write_text("id,name\n1,a\n")
    with pytest.raises(CheckpointError, match="not a gradiox checkpoint"):
        load_checkpoint(path, "/add")
    with pytest.raises(CheckpointError, match="Cannot read"):
        load_checkpoint(tmp_path, "/add")  # a directory
    path.write_bytes(b'{"gradiox_checkpoint": 1, "endp')  # header torn: a fresh start
    assert not load_checkpoint(path, "/add").exists


def test_source_refuses_other_inputs_before_work(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    done = {0: input_hash(0), 2: input_hash(2)}

    async def take(items: list[int]) -> list[tuple[int, object]]:
        source = InputSource(items, done, path)
        await source.verify()
        out = []
        while (entry := await source.next()) is not None:
            out.append(entry)
        return out

    assert asyncio.run(take([0, 1, 2, 3])) == [(1, 1), (3, 3)]
    with pytest.raises(CheckpointMismatchError, match="item 2 is not the input"):
        asyncio.run(take([0, 1, 5, 3]))
    with pytest.raises(CheckpointMismatchError, match="only 2 inputs"):
        asyncio.run(take([0, 1]))


def test_progress_line() -> None:
    progress = BatchProgress(
        total=1000, done=117, failed=3, in_flight=8, skipped=0, elapsed=2.0, rate=60.0,
        eta=14.7, queue_position=3,
    )  # fmt: skip
    assert describe(progress) == "120/1000 done, 3 failed, 8 in flight, 60.0/s, ETA 15s, queue 3"


def test_the_progress_bar_leaves_no_thread_behind() -> None:
    """tqdm's monitor thread would outlive the bar: gradiox's thread count must not grow."""
    script = """
import threading
from gradiox._batch.progress import BatchProgress, TqdmReporter
p = BatchProgress(total=3, done=3, failed=0, in_flight=0, skipped=0, elapsed=1.0, rate=3.0,
                  eta=0.0, queue_position=None)
bar = TqdmReporter()
bar.update(p)
bar.close(p)
print(sorted(t.name for t in threading.enumerate()))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == "['MainThread']"


def test_which_connect_failures_leave_a_replica_out_rather_than_fail_the_pool() -> None:
    """Down, overloaded or slow replicas may come back; a wrong URL or login won't."""
    assert unreachable(TransportError("refused"))
    assert unreachable(DeadlineExceededError("slow", phase="connect", seconds=30.0))
    assert unreachable(AppUnavailableError("down", status_code=502))
    assert not unreachable(AuthenticationError("login", status_code=401))
    assert not unreachable(NotAGradioAppError("nope"))
    assert not unreachable(SpaceNotFoundError("no such Space"))


def test_thread_reads_take_what_the_run_asks_for_and_no_more() -> None:
    pulled: list[int] = []
    readers: set[int] = set()

    def items() -> Iterator[int]:
        for i in range(6):
            readers.add(threading.get_ident())
            pulled.append(i)
            yield i

    async def main() -> tuple[list[object], int, int]:
        source = InputSource(items(), {}, None, read_in_thread=True)
        got: list[object] = [await source.next(want) for want in (4, 3, 2, 1)]
        after_four = len(pulled)  # one hop read the four items about to be taken
        got += [await source.next(5) for _ in range(3)]
        return got, after_four, threading.get_ident()

    got, after_four, loop_thread = asyncio.run(main())
    assert got == [(i, i) for i in range(6)] + [None]
    assert after_four == 4
    assert loop_thread not in readers


def test_cli_resume_copies_only_the_records_it_keeps(tmp_path: Path) -> None:
    """`gradiox batch --resume` re-runs transient failures: their old records aren't copied."""
    import io

    from gradiox.cli.batch import _copy_checkpoint

    path = tmp_path / "out.jsonl.checkpoint"
    cp = Checkpoint(path, "/add", load_checkpoint(path, "/add"))
    cp.record(0, input_hash(0), 10, None)
    cp.record(1, input_hash(1), None, AppError("bad input"))
    cp.record(2, input_hash(2), None, TransportError("server down"))
    cp.close()
    sink = io.StringIO()
    assert _copy_checkpoint(path, None, sink) == 1
    copied = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert [entry["index"] for entry in copied] == [0, 1]


class _Run:
    """What routing reads of a job: its latest status."""

    def __init__(self, status: StatusUpdate) -> None:
        self.status = status


def test_a_replica_whose_server_reports_a_long_queue_gets_the_next_job() -> None:
    """Routing counts the other users' jobs a server reports queued, not only the pool's."""

    def run_with(code: Status, queue_size: int | None = None, second: int = 0) -> Any:
        status = StatusUpdate(
            code=code, rank=None, queue_size=queue_size, eta=None, success=None,
            time=datetime(2026, 1, 1, 0, 0, second), progress_data=None, log=None,
        )  # fmt: skip
        return _Run(status)

    busy, quiet = Replica(cast("Any", None)), Replica(cast("Any", None))
    busy.in_flight, quiet.in_flight = 1, 3
    busy.runs = {run_with(Status.IN_QUEUE, 40, second=1), run_with(Status.IN_QUEUE, 12)}
    quiet.runs = {run_with(Status.PROCESSING) for _ in range(3)}
    assert busy.load == 1 + 40 - 2  # the latest estimate: 40 queued, 2 of them the pool's
    assert quiet.load == 3
    replicas = ReplicaSet([busy, quiet])
    assert {replicas.pick() for _ in range(4)} == {quiet}
    quiet.runs.clear()
    quiet.in_flight = 0
    busy.runs = {run_with(Status.PROCESSING)}  # no estimate: only the pool's own jobs count
    assert busy.load == 1
