"""One behavioural test set, run against every Gradio server from 3.50 to 6.x.

Each test is parametrized by ``version_stem`` (ids ``g3.50``, ``g4.8``, ... ``g6.31``) and
uses ``tests/apps/compat_app.py`` (launched with ``GRADIO_ROOT_PATH=/proxy/path``, and
mounted under ``/sub/app``) and ``tests/apps/auth_app.py``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from typing import TYPE_CHECKING

import pytest
from gradio_servers import stem_version
from tests.integration.helpers import png, progress_indices, run

import gradiox._engine.cancel
from gradiox import AsyncClient, Client, Status, handle_file
from gradiox.exceptions import AppError, ArgumentError, AuthenticationError, JobCancelledError

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from conftest import ServerRegistry


def expected_protocol(stem: str) -> str:
    version = stem_version(stem)
    if version < (4,):
        return "ws"
    if version < (4, 9):
        return "sse"
    if version < (4, 17):
        return "sse_v1"
    if version < (4, 21):
        return "sse_v2"
    if version < (4, 22):
        return "sse_v2.1"
    return "sse_v3"


def has_parameter_names(stem: str) -> bool:
    """``/info`` gives parameter names and defaults from Gradio 4.23."""
    return stem_version(stem) >= (4, 23)


def has_cancel_route(stem: str) -> bool:
    return stem_version(stem) > (4, 29)


@pytest.fixture(scope="session")
def client(compat_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    folder = tmp_path_factory.mktemp("downloads")
    with Client(compat_url, verbose=False, download_files=str(folder)) as c:
        yield c


def test_protocol_predict_and_unqueued(client: Client, version_stem: str) -> None:
    assert client.protocol == expected_protocol(version_stem)
    assert client.app_version == ".".join(map(str, stem_version(version_stem)))
    assert client.predict(1, 2, api_name="/add") == 3
    assert client.predict(4, api_name="/unqueued") == 8  # queue=False


def test_keywords_and_defaults(client: Client, version_stem: str) -> None:
    assert client.predict("hi", "?", api_name="/echo") == "hi?"
    if has_parameter_names(version_stem):
        assert client.predict(b=2, api_name="/add") == 3  # a defaults to 1
        assert client.predict(text="hi", api_name="/echo") == "hi!"
    else:
        with pytest.raises(ArgumentError, match="not a valid key-word argument"):
            client.predict(b=2, api_name="/add")


def test_unnamed_endpoint_by_fn_index(client: Client, version_stem: str) -> None:
    assert client.predict("hi", fn_index=0) == "HI!"
    api = client.view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    if stem_version(version_stem) < (4,):
        assert "0" in api["unnamed_endpoints"]
        assert "/shout" not in api["named_endpoints"]
    else:
        assert "/shout" in api["named_endpoints"]


def test_view_api(client: Client, version_stem: str) -> None:
    text = client.view_api(print_info=False, return_format="str")
    assert isinstance(text, str)
    assert 'api_name="/add"' in text and 'api_name="/file_info"' in text
    api = client.view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    params = api["named_endpoints"]["/add"]["parameters"]
    assert [p["label"] for p in params] == ["A", "B"]
    if stem_version(version_stem) < (4,):
        assert "Unnamed API endpoints: 2" in text  # fn 0 and the Stop button's cancel event


def test_generator(client: Client) -> None:
    job = client.submit(3, api_name="/count")
    assert list(job) == ["step 0", "step 1", "step 2"]
    assert job.result() == "step 2"
    assert job.outputs() == ["step 0", "step 1", "step 2"]
    assert job.status().code is Status.FINISHED


def test_progress(compat_url: str) -> None:
    seen = progress_indices(compat_url, 8)
    assert isinstance(seen, list)
    assert len(seen) >= 4 and seen == sorted(seen)


def test_state_and_reset(compat_url: str) -> None:
    with Client(compat_url, verbose=False) as c:
        assert c.predict("a", api_name="/with_state") == "a"
        assert c.predict("b", api_name="/with_state") == "a, b"
        c.reset_session()
        assert c.predict("c", api_name="/with_state") == "c"


def test_app_error(client: Client) -> None:
    with pytest.raises(AppError, match="custom failure: x") as info:
        client.predict("x", api_name="/fail")
    assert isinstance(info.value, ValueError)


def test_files(client: Client, tmp_path: Path) -> None:
    source = tmp_path / "hello.txt"
    source.write_text("hello world", encoding="utf-8")
    result = client.predict(handle_file(str(source)), api_name="/file_info")
    assert isinstance(result, str) and result.endswith("hello.out.txt")
    with open(result, encoding="utf-8") as fh:  # downloaded, from src (not the proxy root)
        assert fh.read() == "hello.txt:HELLO WORLD"


def test_image(client: Client, tmp_path: Path) -> None:
    source = tmp_path / "red.png"
    source.write_bytes(png(3, 2))
    image, size = client.predict(handle_file(str(source)), api_name="/mirror")
    assert size == "3x2"
    with open(image, "rb") as fh:
        head = fh.read(16)
    assert head.startswith(b"\x89PNG") or head[8:12] == b"WEBP"


def test_cancel_stops_the_job_on_the_server(compat_url: str) -> None:
    with Client(compat_url, verbose=False) as c:
        before = c.predict(api_name="/finished")
        keep = c.submit(12, api_name="/progress")  # keeps the session's stream busy (4.9+)
        job = c.submit(1.5, api_name="/long")
        time.sleep(0.7)
        assert job.cancel()
        with pytest.raises(concurrent.futures.CancelledError):
            job.result(timeout=10)
        assert keep.result(timeout=60) == "done"  # outlives /long's 1.5 s
        time.sleep(0.5)
        assert c.predict(api_name="/finished") == before


def test_cancel_without_a_cancel_event_warns_once(
    compat_url: str, version_stem: str, caplog: pytest.LogCaptureFixture
) -> None:
    gradiox._engine.cancel._warned.clear()

    async def main() -> None:
        async with AsyncClient(compat_url, verbose=False) as ac:
            for _ in range(2):
                job = ac.submit(40, api_name="/count")  # /count has no cancel event
                await asyncio.sleep(0.3)
                assert await job.cancel()
                with pytest.raises(JobCancelledError):
                    await job.result()
                await asyncio.sleep(0.2)

    with caplog.at_level(logging.WARNING, logger="gradiox"):
        run(main())
    warnings = [r for r in caplog.records if "no cancel event" in r.getMessage()]
    assert len(warnings) == (0 if has_cancel_route(version_stem) else 1)


def test_login(compat_auth_url: str) -> None:
    with pytest.raises(AuthenticationError):
        Client(compat_auth_url, verbose=False)
    with pytest.raises(AuthenticationError) as info:
        Client(compat_auth_url, auth=("user", "wrong"), verbose=False)
    assert isinstance(info.value, ValueError)
    with Client(compat_auth_url, auth=("user", "pass"), verbose=False) as c:
        assert c.predict(1, 2, api_name="/add") == 3  # the queue (websocket/stream) too


def test_sub_path_mount(compat_mount_url: str, tmp_path: Path) -> None:
    source = tmp_path / "hello.txt"
    source.write_text("mounted", encoding="utf-8")
    with Client(compat_mount_url, verbose=False, download_files=str(tmp_path / "out")) as c:
        assert c.src_prefixed.startswith(compat_mount_url)
        assert c.predict(1, 2, api_name="/add") == 3
        assert c.predict(3, api_name="/unqueued") == 6
        assert list(c.submit(2, api_name="/count")) == ["step 0", "step 1"]
        result = c.predict(handle_file(str(source)), api_name="/file_info")
        with open(result, encoding="utf-8") as fh:
            assert fh.read() == "hello.txt:MOUNTED"


def test_3x_app_and_44_sub_path_app_work(gradio_servers: ServerRegistry) -> None:
    """The two cases the official client 2.x fails on (protocol.md §1 and §2.4)."""
    old = gradio_servers.get(
        "compat_app.py", "gradio-3.50.2", env={"GRADIO_ROOT_PATH": "/proxy/path"}
    )
    mounted = gradio_servers.get(
        "compat_app.py",
        "gradio-4.44.1",
        env={"COMPAT_MOUNT_PATH": "/sub/app"},
        ready_any_status=True,
    )
    with Client(old.url, verbose=False) as c:  # official: ValueError("Unknown protocol: ws")
        assert c.protocol == "ws"
        assert c.predict(1, 2, api_name="/add") == 3
        assert c.predict(3, api_name="/count") == "step 2"
    with Client(mounted.url + "sub/app", verbose=False) as c:  # official: 404 on host/info
        assert c.src_prefixed.endswith("/sub/app/")
        assert c.predict(1, 2, api_name="/add") == 3
        assert c.predict(b=2, api_name="/add") == 3
