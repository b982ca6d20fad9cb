"""``Pool``/``AsyncPool`` against real Gradio 6 replicas: routing, API check, losing a replica."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from gradiox import AsyncClient, AsyncPool, Pool
from gradiox.exceptions import EndpointError, PoolConnectError, ReplicaMismatchError, TransportError

if TYPE_CHECKING:
    from conftest import ServerRegistry

from gradio_servers import APPS_DIR, spawn_app
from helpers import run

STEM = "gradio-6.31.0"


@pytest.fixture(scope="module")
def replica_urls(gradio_servers: ServerRegistry) -> list[str]:
    return [gradio_servers.get("replica_app.py", STEM, env={"REPLICA": name}).url for name in "ab"]


def test_pool_spreads_jobs_and_maps(replica_urls: list[str]) -> None:
    with Pool(replica_urls) as pool:
        assert pool.predict(4, api_name="/double") == 8
        assert pool.submit(5, api_name="/double").result(30) == 10
        records = list(pool.map(range(200), api_name="/double", progress=False))
        assert [r.output for r in records] == [2 * i for i in range(200)]
        jobs = [r["jobs"] for r in pool.replicas]
        assert min(jobs) >= 50, jobs  # both replicas did a fair share
        with pytest.raises(EndpointError, match="/nope"):
            pool.map(range(3), api_name="/nope")


async def until(condition: Any, what: str) -> None:
    for _ in range(3000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"waited 30 s for {what}")


def test_pool_sends_no_work_to_a_replica_that_other_users_keep_busy(
    replica_urls: list[str],
) -> None:
    """A replica whose queue is long (other users' jobs) gets no more jobs than it must."""
    busy, quiet = replica_urls

    async def main() -> tuple[list[Any], list[int]]:
        async with AsyncClient(busy, verbose=False) as other_user:
            # 100 jobs of another session: 5 s of one-at-a-time work queued on `busy`, far
            # longer than the map below takes on `quiet`.
            backlog = [other_user.submit(str(i), api_name="/sleep50") for i in range(100)]
            await until(lambda: all(job.event_id for job in backlog), "the backlog to join")
            async with AsyncPool([busy, quiet]) as pool:
                first = pool.submit("first", api_name="/sleep50")  # the first pick: `busy`
                waiting = pool._set.replicas[0]
                await until(
                    lambda: any(run.status.queue_size for run in waiting.runs),
                    "a queue estimate for the first job",
                )
                items = [str(i) for i in range(16)]
                records = [
                    r
                    async for r in pool.map(
                        items, api_name="/sleep50", concurrency=8, progress=False
                    )
                ]
                jobs = [r["jobs"] for r in pool.replicas]
                assert await first == "first"
        # Leaving the other user's block stops its jobs still queued.
        return records, jobs

    records, jobs = run(main())
    assert [r.output for r in records] == [str(i) for i in range(16)]
    assert jobs == [1, 16], jobs  # counting only jobs in flight would send `busy` some


def test_pool_refuses_different_apps(
    replica_urls: list[str], gradio_servers: ServerRegistry
) -> None:
    other = gradio_servers.get("core_app.py", STEM).url

    async def main() -> None:
        async with AsyncPool([replica_urls[0], other]):
            pass

    with pytest.raises(ReplicaMismatchError) as caught:
        run(main())
    message = str(caught.value)
    assert other in message and "lacks /checked, /double;" in message
    assert "has extra /add" in message


def test_pool_loses_nothing_when_a_replica_dies(replica_urls: list[str]) -> None:
    """Three replicas; one is SIGKILLed mid-batch. Every item ends correct, exactly once."""
    doomed = spawn_app(APPS_DIR / "replica_app.py", STEM, env={"REPLICA": "doomed"})
    try:
        doomed.wait_ready(120)
        count = 600
        done = threading.Event()
        records: list[Any] = []

        def on_progress(progress: Any) -> None:
            if progress.done >= count // 3:
                done.set()

        def killer() -> None:
            done.wait(120)
            doomed.process.send_signal(signal.SIGKILL)

        thread = threading.Thread(target=killer)
        thread.start()
        urls = [*replica_urls, doomed.url]
        with Pool(urls, resubmit_lost_jobs=True, probe_interval=0.2) as pool:
            started = time.monotonic()
            records = list(
                pool.map(
                    range(count), api_name="/double", concurrency=24, on_progress=on_progress,
                    progress=False,
                )
            )  # fmt: skip
            elapsed = time.monotonic() - started
            state = {r["src"]: r for r in pool.replicas}
        thread.join(10)
        assert done.is_set()
        assert [r.index for r in records] == list(range(count))
        failed = [r for r in records if not r.ok]
        assert not failed, failed[:3]
        assert all(r.output == 2 * r.index for r in records)
        assert not state[doomed.url]["up"], "the dead replica is still in rotation"
        assert state[doomed.url]["jobs"] >= 20
        print(f"{count} items in {elapsed:.1f}s; moved: {sum(r.attempts > 1 for r in records)}")
    finally:
        doomed.stop()


def unused_url() -> str:
    """The URL of a loopback port nothing listens on (a replica that is down)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def wait_until(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def test_pool_starts_without_an_unreachable_replica_and_takes_it_back(
    replica_urls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A replica that is down at connect is left out, warned about, and joins when it's up."""
    caplog.set_level(logging.WARNING, logger="gradiox")
    dead = unused_url()
    with Pool([replica_urls[0], dead], probe_interval=0.2) as pool:
        assert pool.predict(4, api_name="/double") == 8
        late = pool.replicas[1]
        assert (late["up"], late["connected"], late["jobs"]) == (False, False, 0)
        warned = [m for m in caplog.messages if dead in m and "could not be connected" in m]
        assert warned, caplog.messages
        records = list(pool.map(range(40), api_name="/double", progress=False))
        assert [r.output for r in records] == [2 * i for i in range(40)]
        assert pool.replicas[1]["jobs"] == 0
        port = int(dead.rsplit(":", 1)[1].strip("/"))
        server = spawn_app(APPS_DIR / "replica_app.py", STEM, env={"REPLICA": "late"}, port=port)
        try:
            server.wait_ready(120)
            assert wait_until(lambda: pool.replicas[1]["up"], 60), pool.replicas
            assert any("back in rotation" in m for m in caplog.messages)
            records = list(pool.map(range(200), api_name="/double", progress=False))
            assert [r.output for r in records] == [2 * i for i in range(200)]
            assert pool.replicas[1]["jobs"] >= 50, pool.replicas
        finally:
            server.stop()


def test_pool_keeps_out_a_late_replica_of_another_app(
    replica_urls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="gradiox")
    dead = unused_url()
    with Pool([replica_urls[0], dead], probe_interval=0.2) as pool:
        port = int(dead.rsplit(":", 1)[1].strip("/"))
        other = spawn_app(APPS_DIR / "core_app.py", STEM, port=port)
        try:
            other.wait_ready(120)
            assert wait_until(
                lambda: any("stays out of rotation" in m for m in caplog.messages), 60
            ), caplog.messages
            assert any("lacks /checked, /double" in m for m in caplog.messages)
            records = list(pool.map(range(20), api_name="/double", progress=False))
            assert all(r.ok for r in records)
            late = pool.replicas[1]
            assert (late["up"], late["connected"], late["jobs"]) == (False, False, 0)
        finally:
            other.stop()


def test_pool_with_no_reachable_replica_names_each() -> None:
    dead = [unused_url(), unused_url()]
    with pytest.raises(PoolConnectError) as caught:
        Pool(dead)
    message = str(caught.value)
    assert all(url in message for url in dead), message
    assert "could be connected" in message
    assert set(caught.value.errors) == set(dead)
    assert all(isinstance(e, TransportError) for e in caught.value.errors.values())


def test_pool_keeps_out_a_replica_that_comes_back_as_another_app(
    replica_urls: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    """A replica fails mid-use and a different app answers at its URL: it never rejoins."""
    caplog.set_level(logging.WARNING, logger="gradiox")
    doomed = spawn_app(APPS_DIR / "replica_app.py", STEM, env={"REPLICA": "doomed"})
    impostor = None
    try:
        doomed.wait_ready(120)
        with Pool([replica_urls[0], doomed.url], probe_interval=0.2) as pool:
            assert [r.output for r in pool.map(range(20), api_name="/double")] == [
                2 * i for i in range(20)
            ]
            assert pool.replicas[1]["jobs"] > 0
            doomed.stop()
            records = list(pool.map(range(20), api_name="/double", progress=False))
            assert all(r.ok for r in records), [r.error for r in records if not r.ok][:2]
            assert not pool.replicas[1]["up"]
            impostor = spawn_app(APPS_DIR / "core_app.py", STEM, port=doomed.port)
            impostor.wait_ready(120)
            assert wait_until(lambda: pool.replicas[1]["retired"], 60), caplog.messages
            assert any("stays out of rotation" in m for m in caplog.messages)
            jobs = pool.replicas[1]["jobs"]
            records = list(pool.map(range(40), api_name="/double", progress=False))
            assert all(r.ok for r in records)
            assert not pool.replicas[1]["up"] and pool.replicas[1]["jobs"] == jobs
    finally:
        doomed.stop()
        if impostor is not None:
            impostor.stop()
