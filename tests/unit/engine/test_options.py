"""Client options (timeout, max_retries, max_event_size), with_options views, job deadlines."""

from __future__ import annotations

import asyncio
import json
import time
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from tests.unit.engine.fake import FakeGradio, sse

from gradiox import AsyncClient, Client, Timeout
from gradiox._engine.deadlines import DeadlineWatch
from gradiox.exceptions import ClientClosedError, DeadlineExceededError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


def sync_client(fake: FakeGradio, **kw: Any) -> Client:
    return Client(
        "http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()}, **kw
    )


def aclient(fake: FakeGradio, **kw: Any) -> AsyncClient:
    return AsyncClient(
        "http://fake.local/", verbose=False, httpx_kwargs={"transport": fake.transport()}, **kw
    )


def test_constructor_options_are_checked() -> None:
    with pytest.raises(TypeError, match="timeout must be"):
        AsyncClient("http://fake.local/", timeout="10")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_retries must be 0 or more"):
        AsyncClient("http://fake.local/", max_retries=-1)
    with pytest.raises(TypeError, match="max_retries must be a whole number"):
        AsyncClient("http://fake.local/", max_retries=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_event_size"):
        AsyncClient("http://fake.local/", max_event_size=0)
    client = AsyncClient("http://fake.local/", timeout=7, max_retries=0)
    assert client.timeout == Timeout(total=7) and client.max_retries == 0


def test_a_view_shares_the_session_and_closing_it_keeps_the_parent() -> None:
    fake = FakeGradio()
    with sync_client(fake) as client:
        view = client.with_options(timeout=Timeout(queue=5), max_retries=0)
        deeper = view.with_options(resubmit_lost_jobs=True)
        assert isinstance(view, Client)
        assert view.session_hash == client.session_hash == deeper.session_hash
        assert view.timeout == Timeout(queue=5) and client.timeout == Timeout()
        assert deeper.timeout == Timeout(queue=5) and deeper.max_retries == 0
        assert view.predict(1, 2, api_name="/add") == 3
        job = deeper.submit(2, 2, api_name="/add")
        assert job.result(timeout=10) == 4
        run_ = job._run
        assert (run_.timeout, run_.max_retries, run_.resubmit_lost_jobs) == (
            Timeout(queue=5),
            0,
            True,
        )
        view.close()
        deeper.close()
        del view, deeper
        assert client.predict(3, 4, api_name="/add") == 7  # the parent still works
        assert client.submit(1, 1, api_name="/add")._run.max_retries == 2
        view = client.with_options(timeout=3)
    with pytest.raises(ClientClosedError):
        view.predict(1, 2, api_name="/add")  # closing the parent ends its views


def test_async_views_connect_through_and_do_not_close_the_parent() -> None:
    fake = FakeGradio()

    async def main() -> None:
        client = aclient(fake)
        view = client.with_options(timeout=9)
        async with view:  # connects the parent; leaving the view closes nothing
            assert await view.predict(1, 2, api_name="/add") == 3
        assert await client.predict(2, 2, api_name="/add") == 4
        assert view.submit(1, 1, api_name="/add")._run.timeout == Timeout(total=9)
        await client.aclose()

    run(main())
    assert sum(r.url.path == "/config" for r in fake.requests) == 1


def test_endpoint_parameters_may_be_called_timeout() -> None:
    fake = FakeGradio()
    config = json.loads(json.dumps(fake.config))
    info_params = {"parameter_has_default": False, "type": {"type": "number"}}
    fake.config = config
    real = fake.handle

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/gradio_api/info":
            params = [
                {**info_params, "label": "timeout", "parameter_name": "timeout"},
                {**info_params, "label": "max_retries", "parameter_name": "max_retries"},
            ]
            return httpx.Response(
                200,
                json={
                    "named_endpoints": {"/add": {"parameters": params, "returns": []}},
                    "unnamed_endpoints": {},
                },
            )
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]
    with sync_client(fake, timeout=30) as client:
        assert client.predict(timeout=1, max_retries=2, api_name="/add") == 3
    assert fake.joins[0]["data"] == [1, 2]


def hanging(fake: FakeGradio, *messages: str) -> None:
    """Make the fake's job stream send ``messages`` (kinds) for each job, then hang open."""

    def stream(n: int) -> httpx.Response:
        pending, fake.pending = fake.pending, []

        async def body() -> AsyncIterator[bytes]:
            for event_id, _ in pending:
                for kind in messages:
                    for chunk in sse({"msg": kind, "event_id": event_id, "rank": 1}):
                        yield chunk
            await asyncio.sleep(60)

        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body())

    fake.stream_override = stream


def test_a_queue_deadline_fails_the_job_and_cancels_it_on_the_server() -> None:
    fake = FakeGradio()
    hanging(fake, "estimation")
    started = time.monotonic()
    with sync_client(fake) as client:
        job = client.with_options(timeout=Timeout(queue=0.5)).submit(1, 2, api_name="/add")
        with pytest.raises(DeadlineExceededError, match=r"queue budget of 0\.5 s") as info:
            job.result(timeout=10)
        assert info.value.phase == "queue" and info.value.seconds == 0.5
        assert isinstance(info.value, TimeoutError)
        elapsed = time.monotonic() - started
        assert 0.5 <= elapsed < 5
        deadline = time.monotonic() + 5
        while not any(r.url.path.endswith("/cancel") for r in fake.requests):
            assert time.monotonic() < deadline, "no cancel request reached the server"
            time.sleep(0.02)
    cancel = next(r for r in fake.requests if r.url.path.endswith("/cancel"))
    assert json.loads(cancel.content)["event_id"] == "ev1"


def test_a_run_deadline_starts_when_the_job_starts() -> None:
    fake = FakeGradio()
    hanging(fake, "estimation", "process_starts")

    async def main() -> None:
        async with aclient(fake, timeout=Timeout(queue=30, run=0.3)) as client:
            job = client.submit(1, 2, api_name="/add")
            with pytest.raises(DeadlineExceededError) as info:
                await job.result(timeout=10)
            assert info.value.phase == "run"
            assert job._run.phase == "run"
            await job._run.stopped_on_server()
        assert any(r.url.path.endswith("/cancel") for r in fake.requests)

    run(main())


def test_the_total_deadline_bounds_retries_too() -> None:
    fake = FakeGradio()
    fake.join_response = lambda body: httpx.Response(
        503, headers={"Retry-After": "30"}, json={"detail": "Queue is full."}
    )

    async def main() -> None:
        async with aclient(fake) as client:
            started = time.monotonic()
            with pytest.raises(DeadlineExceededError) as info:
                await client.with_options(timeout=0.5).predict(1, 2, api_name="/add")
            assert info.value.phase == "total"
            assert time.monotonic() - started < 5
            await asyncio.sleep(0.2)
            assert len(fake.joins) == 1  # the pending retry was dropped

    run(main())


def test_a_connect_deadline_against_a_stalled_server() -> None:
    async def stall(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(60)
        return httpx.Response(200)

    async def main() -> None:
        client = AsyncClient(
            "http://fake.local/",
            verbose=False,
            timeout=Timeout(connect=0.4),
            httpx_kwargs={"transport": httpx.MockTransport(stall)},
        )
        started = time.monotonic()
        with pytest.raises(DeadlineExceededError, match=r"connect budget of 0\.4 s") as info:
            await client.connect()
        assert info.value.phase == "connect"
        assert time.monotonic() - started < 3

    run(main())


def test_one_timer_handle_per_job_rearmed_on_phase_change() -> None:
    fired: list[tuple[str, float]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        armed: list[float] = []
        real_call_at = loop.call_at

        def call_at(when: float, *args: Any, **kwargs: Any) -> asyncio.TimerHandle:
            armed.append(when - loop.time())
            return real_call_at(when, *args, **kwargs)

        watch_loop = loop
        loop.call_at = call_at  # type: ignore[method-assign]
        try:
            watch = DeadlineWatch(Timeout(total=10, queue=0.05, run=5), lambda *a: fired.append(a))
            watch.enter("queue")
            watch.enter("run")  # queue budget no longer applies
            watch.enter("queue")
        finally:
            del watch_loop.call_at
        assert fired == []
        await asyncio.sleep(0.1)
        assert fired == [("queue", 0.05)]
        watch.stop()
        assert len(armed) == 4 and armed[0] > 9  # total, then one per phase change
        assert not DeadlineWatch.needed(Timeout())
        assert DeadlineWatch.needed(Timeout(run=1))

    run(main())


def test_a_deadline_while_uploading_never_joins(tmp_path: Any) -> None:
    path = tmp_path / "in.txt"
    path.write_text("x")
    fake = FakeGradio()
    real = fake.handle

    async def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/upload"):
            await asyncio.sleep(30)
        return real(request)

    fake.handle = handle  # type: ignore[assignment, method-assign]

    async def main() -> None:
        from gradiox import handle_file

        async with aclient(fake, timeout=Timeout(upload=0.3)) as client:
            with pytest.raises(DeadlineExceededError, match="uploading") as info:
                await client.predict(handle_file(str(path)), 2, api_name="/add")
            assert info.value.phase == "upload"
            await asyncio.sleep(0.3)
        assert fake.joins == []

    run(main())


def test_streams_never_take_the_request_timeout_of_httpx_kwargs() -> None:
    fake = FakeGradio()
    real = fake.handle
    stream_timeouts: list[Any] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("queue/data"):
            stream_timeouts.append(request.extensions["timeout"])
        elif request.url.path.endswith("queue/join"):
            assert request.extensions["timeout"]["read"] == 2
        return real(request)

    fake.handle = handle  # type: ignore[method-assign]
    with Client(
        "http://fake.local/",
        verbose=False,
        httpx_kwargs={"transport": httpx.MockTransport(handle), "timeout": 2},
    ) as client:
        assert client.predict(1, 2, api_name="/add") == 3
    assert stream_timeouts and all(t["read"] > 2 for t in stream_timeouts)
