"""A restarted app: its jobs fail with SessionLostError or ConnectionLostError, the next call
reloads the app, starts a new session, and works."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import pytest
from fake_server import Fault
from fault_helpers import run, wait_until_async
from fault_servers import G5, G6

from gradiox import AsyncClient, Client, Status
from gradiox.exceptions import ConnectionLostError, SessionLostError

if TYPE_CHECKING:
    from fake_server import FakeGradio
    from fault_servers import ServerPool

LOSS_BOUND = 3.0


@pytest.mark.parametrize("stem", [G6, G5], ids=["g6", "g5"])
def test_server_restarted_on_the_same_port(own_server: ServerPool, stem: str) -> None:
    server = own_server(stem)
    tag = uuid.uuid4().hex[:8]

    async def main() -> None:
        with Client(server.url, verbose=False) as client:
            async with AsyncClient(server.url, verbose=False) as aclient:
                hashes = client.session_hash, aclient.session_hash
                job = client.submit(60, f"{tag}-sync", api_name="/long")
                ajob = aclient.submit(60, f"{tag}-async", api_name="/long")
                await wait_until_async(
                    lambda: (
                        job.status().code is Status.PROCESSING
                        and ajob.status().code is Status.PROCESSING
                    ),
                    what="both jobs starting",
                )
                restarted = own_server.restart(server)
                assert restarted.port == server.port
                with pytest.raises((SessionLostError, ConnectionLostError)):
                    job.result(timeout=LOSS_BOUND)
                with pytest.raises((SessionLostError, ConnectionLostError)):
                    await ajob.result(timeout=LOSS_BOUND)
                assert client.predict("back", api_name="/echo") == "back"
                assert await aclient.predict("back", api_name="/echo") == "back"
                # The app's state was reset: each client is in a new session now.
                assert (client.session_hash, aclient.session_hash) != hashes
                assert client.session_hash != hashes[0]
                assert aclient.session_hash != hashes[1]

    run(main())


def test_session_not_found_fails_jobs_and_starts_a_new_session(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.SESSION_NOT_FOUND
    with Client(fake_gradio.url, verbose=False) as client:
        old = client.session_hash
        job = client.submit("x", api_name="/echo")
        with pytest.raises(SessionLostError, match="state was reset"):
            job.result(timeout=LOSS_BOUND)
        fake_gradio.fault = Fault.NONE
        assert client.predict("y", api_name="/echo") == "fake y"
        assert client.session_hash != old
        assert fake_gradio.joins[-1]["session_hash"] == client.session_hash


def test_new_app_id_means_a_new_session(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.HANG

    async def main() -> None:
        async with AsyncClient(fake_gradio.url, verbose=False) as client:
            old = client.session_hash
            job = client.submit("x", api_name="/echo")
            await wait_until_async(lambda: fake_gradio.streams >= 1, what="the job stream")
            fake_gradio.restart()  # new app_id, sessions forgotten, streams cut
            started = time.monotonic()
            with pytest.raises(ConnectionLostError):
                await job.result(timeout=LOSS_BOUND)
            assert time.monotonic() - started < LOSS_BOUND
            fake_gradio.fault = Fault.NONE
            assert await client.predict("y", api_name="/echo") == "fake y"
            assert client.session_hash != old
            assert client.config["app_id"] == fake_gradio.app_id

    run(main())


def test_lost_stream_without_restart_keeps_the_session(fake_gradio: FakeGradio) -> None:
    fake_gradio.fault = Fault.LOSE_JOB
    with Client(fake_gradio.url, verbose=False) as client:
        old = client.session_hash
        job = client.submit("x", api_name="/echo")
        with pytest.raises(ConnectionLostError):
            job.result(timeout=LOSS_BOUND)
        fake_gradio.fault = Fault.NONE
        assert client.predict("y", api_name="/echo") == "fake y"
        assert client.session_hash == old  # same app_id: the state is still there
