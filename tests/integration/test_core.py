"""The core client against real Gradio 5 and 6 servers (protocol.md Appendix B rows)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from typing import TYPE_CHECKING

import pytest
from tests.integration.helpers import progress_indices, run

from gradiox import AsyncClient, Client, Status
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    AuthenticationError,
    EndpointError,
    JobCancelledError,
    QueueError,
    ValidationError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture(scope="session")
def client(core_url: str) -> Iterator[Client]:
    with Client(core_url, verbose=False) as c:
        yield c


def test_predict_positional_keyword_and_default(client: Client) -> None:
    assert client.predict(1, 2, api_name="/add") == 3
    assert client.predict(b=2, api_name="/add") == 3  # a defaults to 1
    assert client.predict("hi", api_name="/echo") == "hi!"
    assert client.predict(text="hi", suffix="?", api_name="/echo") == "hi?"


def test_several_outputs_come_back_as_a_tuple(client: Client) -> None:
    assert client.predict("MiXed", api_name="/multi") == ("MIXED", "mixed", 5)


def test_generator_result_outputs_and_iteration(client: Client) -> None:
    assert client.predict(3, api_name="/count") == "step 2"
    job = client.submit(3, api_name="/count")
    assert list(job) == ["step 0", "step 1", "step 2"]
    assert job.result() == "step 2"
    assert job.outputs() == ["step 0", "step 1", "step 2"]
    assert job.status().code is Status.FINISHED


def test_progress_updates_are_all_observable(core_url: str, server_stem: str) -> None:
    seen = progress_indices(core_url, 20)
    assert isinstance(seen, list)
    assert seen == sorted(seen)
    if server_stem.startswith("gradio-6"):
        assert set(range(20)) <= set(seen)
    else:
        # Gradio 5 samples progress every 100 ms and sends only the latest, so on a busy
        # machine a 150 ms step can be skipped by the server itself.
        assert len(set(seen)) >= 15
        assert max(seen) >= 19


def test_info_and_warning_logs(client: Client) -> None:
    job = client.submit("x", api_name="/logs")
    assert job.result() == "done x"

    async def collect() -> list[object]:
        return [update async for update in job]

    updates = asyncio.run(collect())
    logs = [u.log for u in updates if getattr(u, "code", None) is Status.LOG]
    assert logs == [("starting x", "info"), ("careful", "warning")]


def test_state_is_kept_per_session_and_reset(core_url: str) -> None:
    with Client(core_url, verbose=False) as c:
        assert c.predict("a", api_name="/with_state") == "a"
        assert c.predict("b", api_name="/with_state") == "a, b"
        c.reset_session()
        assert c.predict("c", api_name="/with_state") == "c"


def test_gr_error_with_title_and_duration(client: Client, server_stem: str) -> None:
    with pytest.raises(AppError) as info:
        client.predict("x", api_name="/fail")
    assert "custom failure: x" in info.value.message
    assert info.value.duration == 5
    if server_stem.startswith("gradio-6"):
        assert info.value.title == "Oops"
        assert info.value.message == "custom failure: x"


def test_exception_message_with_show_error(client: Client) -> None:
    with pytest.raises(AppError, match="hidden internal"):
        client.predict("x", api_name="/boom")


def test_exception_with_show_error_false(hidden_errors_url: str) -> None:
    with (
        Client(hidden_errors_url, verbose=False) as c,
        pytest.raises(AppError, match="has not enabled verbose error reporting"),
    ):
        c.predict("x", api_name="/boom")


def test_validator_rejects(client: Client, server_stem: str) -> None:
    if not server_stem.startswith("gradio-6"):
        pytest.skip("validators are a Gradio 6 feature")
    with pytest.raises(
        ValidationError, match=r"1 parameter\(s\) failed validation:\n- x: must be positive"
    ):
        client.predict(-1, api_name="/validated")
    assert client.predict(2, api_name="/validated") == 2


def test_queue_full(queue_small_url: str) -> None:
    with Client(queue_small_url, verbose=False) as c:
        running = c.submit("a", api_name="/slow")
        time.sleep(0.5)
        waiting = c.submit("b", api_name="/slow")
        time.sleep(0.5)
        with pytest.raises(QueueError, match="Queue is full"):
            c.predict("c", api_name="/slow")
        assert running.result(timeout=30) == "a"
        assert waiting.result(timeout=30) == "b"


def test_private_and_undocumented_endpoints(client: Client) -> None:
    with pytest.raises(EndpointError, match="Cannot find a function"):
        client.predict(1, 2, api_name="/add_private")
    private = next(
        e for e in client.endpoints.values() if e.visibility == "private" and e.backend_fn
    )
    with pytest.raises(EndpointError, match="Invalid function index"):
        client.predict(1, 2, fn_index=private.fn_index)
    assert client.predict(1, 2, api_name="/add_undoc") == 3
    # gradio_client refuses keywords here; gradiox reads the full API info (fix, §11.2 #13).
    assert client.predict(b=2, api_name="/add_undoc") == 3
    info = client.view_api(print_info=False, return_format="dict")
    assert isinstance(info, dict)
    assert "/add" in info["named_endpoints"]
    assert "/add_undoc" not in info["named_endpoints"]


def test_button_input_is_padded(client: Client) -> None:
    # gradio_client sends too few values here and fails (§11.2 #5).
    assert client.predict("hi", api_name="/withbtn") == "hi|None"


def test_json_output_with_path_key_is_not_a_file(client: Client) -> None:
    assert client.predict(api_name="/json_path") == {"path": "some/where.txt", "note": "not a file"}


def test_bad_input_errors(client: Client) -> None:
    with pytest.raises(EndpointError, match="Did you mean to use a leading slash"):
        client.predict(1, 2, api_name="add")
    with pytest.raises(EndpointError, match="Invalid function index: 999"):
        client.predict(1, fn_index=999)
    with pytest.raises(ArgumentError, match="at most 2"):
        client.predict(1, 2, 3, api_name="/add")
    with pytest.raises(ArgumentError, match="not a valid key-word argument"):
        client.predict(c=1, api_name="/add")
    with pytest.raises(ArgumentError, match="required argument: b"):
        client.predict(api_name="/add")


def test_cancel_a_long_job(client: Client) -> None:
    job = client.submit(8, api_name="/long")
    deadline = time.monotonic() + 10
    while job.status().code is not Status.PROCESSING and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.cancel() is True
    assert job.done()
    assert job.status().code is Status.CANCELLED
    with pytest.raises(concurrent.futures.CancelledError):
        job.result()
    assert job.cancel() is False
    assert client.predict(1, 2, api_name="/add") == 3  # the client is still fine


def test_cancel_spares_other_running_jobs_of_the_endpoint(
    client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    # Gradio's /cancel stops every running job of the endpoint in the session; the others
    # would never end. gradiox cancels such a job only locally.
    first = client.submit(2, api_name="/long")
    second = client.submit(2, api_name="/long")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not all(
        job.status().code is Status.PROCESSING for job in (first, second)
    ):
        time.sleep(0.05)
    with caplog.at_level(logging.WARNING, logger="gradiox"):
        assert first.cancel() is True
        assert second.result(timeout=30) == "finished"
    assert "left to finish on the server" in caplog.text
    assert first.status().code is Status.CANCELLED


def test_cancel_generator_keeps_outputs_so_far(client: Client) -> None:
    job = client.submit(20, api_name="/slow_count")
    it = iter(job)
    assert next(it) == "step 0"
    assert next(it) == "step 1"
    job.cancel()
    assert job.outputs()[:2] == ["step 0", "step 1"]
    assert len(job.outputs()) < 20


def test_async_cancel(core_url: str) -> None:
    async def main() -> None:
        async with AsyncClient(core_url, verbose=False) as ac:
            job = ac.submit(8, api_name="/long")
            await asyncio.sleep(0.5)
            assert await job.cancel() is True
            assert job.status().code is Status.CANCELLED
            with pytest.raises(JobCancelledError):
                await job.result()

    run(main())


def test_200_concurrent_jobs_sync(client: Client) -> None:
    jobs = [client.submit(str(i), api_name="/sleep50") for i in range(200)]
    assert [j.result(timeout=120) for j in jobs] == [str(i) for i in range(200)]
    assert threading.active_count() <= 8


def test_200_concurrent_jobs_async(core_url: str) -> None:
    async def main() -> list[object]:
        async with AsyncClient(core_url, verbose=False) as ac:
            return await asyncio.gather(
                *[ac.predict(str(i), api_name="/sleep50") for i in range(200)]
            )

    assert run(main()) == [str(i) for i in range(200)]


def test_500_jobs_with_at_most_8_threads(client: Client, server_stem: str) -> None:
    if not server_stem.startswith("gradio-6"):
        pytest.skip("the 500-job bar is set on gradio 6")
    peak = threading.active_count()
    jobs = [client.submit(str(i), api_name="/sleep50") for i in range(500)]
    while not all(j.done() for j in jobs):
        peak = max(peak, threading.active_count())
        time.sleep(0.01)
    assert [j.result() for j in jobs] == [str(i) for i in range(500)]
    assert peak <= 8


def test_login(auth_url: str) -> None:
    with pytest.raises(AuthenticationError, match="Please login"):
        Client(auth_url, verbose=False)
    with pytest.raises(AuthenticationError, match="Invalid credentials"):
        Client(auth_url, auth=("user", "wrong"), verbose=False)
    with pytest.raises(ValueError):  # compat: gradio_client code catches ValueError
        Client(auth_url, auth=("user", "wrong"), verbose=False)
    with Client(auth_url, auth=("user", "pass"), verbose=False) as c:
        assert c.predict(1, 2, api_name="/add") == 3


def test_view_api_text(client: Client) -> None:
    text = client.view_api(print_info=False, return_format="str")
    assert isinstance(text, str)
    assert text.startswith("Client.predict() Usage Info")
    assert ' - predict(a, b, api_name="/add") -> ' in text
    assert "[Number] a: float (not required, defaults to:   1)" in text


def test_callbacks_do_not_run_on_the_loop_thread(client: Client) -> None:
    names: list[str] = []
    done = threading.Event()

    def callback(result: object) -> None:
        names.append(threading.current_thread().name)
        done.set()

    client.submit(1, 2, api_name="/add", result_callbacks=[callback]).result()
    assert done.wait(10)
    assert names and names[0] != "gradiox-loop"


def test_oauth_token_goes_only_to_endpoints_that_take_it(core_url: str, server_stem: str) -> None:
    if not server_stem.startswith("gradio-6"):
        pytest.skip("/info marks gr.OAuthToken parameters from Gradio 6")
    with Client(core_url, verbose=False, oauth_token="tokABC") as c:
        assert c.predict("w", api_name="/whoami") == "w token=yes:tokABC"
        assert c.predict(1, 2, api_name="/add") == 3
    with Client(core_url, verbose=False) as c:
        assert c.predict("w", api_name="/whoami") == "w token=none"
