"""Hugging Face Spaces: resolution, the token rule, runtime stages, the bounded wait.

Everything runs against ``hub_standin`` (the Hub is unreachable from the test machines).
"""

from __future__ import annotations

import ast
import logging
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.unit.helpers import run
from tests.unit.hub_standin import HubStandin, serve

import gradiox._engine.spaces
import gradiox._spaces
from gradiox import AsyncClient, Client
from gradiox._engine.connect import normalise_src
from gradiox._spaces import implicit_token, space_target, wait_timeout
from gradiox.exceptions import (
    HTTPStatusError,
    NotAGradioAppError,
    SpaceError,
    SpaceFailedError,
    SpaceNotFoundError,
    SpacePausedError,
    SpaceTimeoutError,
    TransportError,
)

SID = "owner/space"
HOST = "http://owner-space.hf.test"


@pytest.fixture(autouse=True)
def hf_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A clean HF environment: stand-in Hub, no implicit token, fast polling."""
    for name in (
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "HF_TOKEN_PATH",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN",
        "XDG_CACHE_HOME",
        "GRADIOX_SPACE_WAIT_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.test")
    monkeypatch.setattr(gradiox._spaces, "POLL_SCHEDULE", (0.01, 1.5, 0.03))
    return tmp_path


def aclient(hub: HubStandin, src: str = SID, **kw: Any) -> AsyncClient:
    kw.setdefault("verbose", False)
    return AsyncClient(src, httpx_kwargs={"transport": hub.transport()}, **kw)


def connect(hub: HubStandin, src: str = SID, **kw: Any) -> AsyncClient:
    client = aclient(hub, src, **kw)

    async def main() -> AsyncClient:
        await client.connect()
        await client.aclose()
        return client

    result: AsyncClient = run(main())
    return result


def connect_error(hub: HubStandin, src: str = SID, **kw: Any) -> BaseException:
    with pytest.raises(Exception) as info:
        connect(hub, src, **kw)
    return info.value


# -- src forms -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("owner/space", "owner/space"),
        ("  gradio/hello_world.v2 ", "gradio/hello_world.v2"),
        ("https://huggingface.co/spaces/owner/space", "owner/space"),
        ("https://huggingface.co/spaces/owner/space/tree/main", "owner/space"),
        ("http://hub.test/spaces/owner/space", "owner/space"),
        ("http://127.0.0.1:7860", "http://127.0.0.1:7860/"),
        ("https://huggingface.co/owner/model", "https://huggingface.co/owner/model/"),
    ],
)
def test_normalise_src_accepts_space_ids(src: str, expected: str) -> None:
    assert normalise_src(src) == expected


@pytest.mark.parametrize("src", ["whisper", "127.0.0.1:7860", "./app", "a/b/c", "../x"])
def test_normalise_src_rejects_neither_url_nor_space_id(src: str) -> None:
    with pytest.raises(NotAGradioAppError, match="Space id"):
        normalise_src(src)


# -- resolution ----------------------------------------------------------------------------


def test_space_id_resolves_to_its_host_and_works() -> None:
    hub = HubStandin()
    hub.add(SID, HOST)

    async def main() -> Any:
        async with aclient(hub) as client:
            assert client.space_id == SID
            assert client.src == HOST + "/"
            return await client.predict(1, 2, api_name="/add")

    assert run(main()) == 3
    # One Hub round trip for a running Space: the runtime comes with the Space's info.
    assert [r.url.path for r in hub.hub_requests()] == [f"/api/spaces/{SID}"]


def test_sync_client_sets_space_id_and_src(capsys: pytest.CaptureFixture[str]) -> None:
    hub = HubStandin()
    hub.add(SID, HOST)
    with Client(SID, httpx_kwargs={"transport": hub.transport()}) as client:
        assert client.space_id == SID
        assert client.src == HOST + "/"
        assert client.predict(2, 3, api_name="/add") == 5
        assert client.submit(1, 1, api_name="/add").space_id == SID
    assert f"Loaded as API: {HOST}/ ✔" in capsys.readouterr().out


def test_plain_url_skips_the_hub_and_has_no_space_id() -> None:
    hub = HubStandin()
    hub.add(SID, HOST)
    client = connect(hub, HOST)
    assert client.space_id is None
    assert hub.hub_requests() == []


def test_hub_page_url_is_a_space_id() -> None:
    hub = HubStandin()
    hub.add(SID, HOST)
    client = connect(hub, f"http://hub.test/spaces/{SID}")
    assert (client.space_id, client.src) == (SID, HOST + "/")


def test_runtime_is_fetched_when_the_info_lacks_it() -> None:
    hub = HubStandin()
    hub.add(SID, HOST, embed_runtime=False)
    connect(hub)
    assert [r.url.path for r in hub.hub_requests()] == [
        f"/api/spaces/{SID}",
        f"/api/spaces/{SID}/runtime",
    ]


def test_hub_requests_carry_no_app_headers_cookies_or_auth() -> None:
    hub = HubStandin()
    hub.add(SID, HOST)
    client = AsyncClient(
        SID,
        token="hf_tok",
        verbose=False,
        headers={"x-app-key": "secret"},
        httpx_kwargs={
            "transport": hub.transport(),
            "cookies": {"app_cookie": "c"},
            "auth": ("user", "pw"),
        },
    )
    run(_connect_and_close(client))
    (info,) = hub.hub_requests()
    assert info.headers["authorization"] == "Bearer hf_tok"
    for name in ("x-app-key", "x-hf-authorization", "cookie"):
        assert name not in info.headers
    app_request = hub.host_requests(SID)[0]
    assert app_request.headers["x-app-key"] == "secret"
    assert app_request.headers["x-hf-authorization"] == "Bearer hf_tok"


async def _connect_and_close(client: AsyncClient) -> None:
    await client.connect()
    await client.aclose()


def test_same_origin_hub_redirect_is_followed() -> None:
    hub = HubStandin()
    hub.add("owner/new-name", HOST)
    hub.redirects[f"/api/spaces/{SID}"] = "/api/spaces/owner/new-name"
    client = connect(hub, token="hf_tok")
    assert client.src == HOST + "/"
    assert all(r.headers["authorization"] == "Bearer hf_tok" for r in hub.hub_requests())


def test_cross_origin_hub_redirect_is_refused() -> None:
    hub = HubStandin()
    hub.add(SID, HOST)
    hub.redirects[f"/api/spaces/{SID}"] = "http://elsewhere.test/api/spaces/x"
    error = connect_error(hub, token="hf_tok")
    assert isinstance(error, SpaceError) and "another host" in str(error)
    assert all(r.url.host == "hub.test" for r in hub.requests)


# -- the token -----------------------------------------------------------------------------


def test_token_precedence_param_env_file(monkeypatch: pytest.MonkeyPatch, hf_env: Path) -> None:
    token_file = hf_env / "hf_home" / "token"
    token_file.parent.mkdir()
    token_file.write_text("hf_file\n")
    assert implicit_token() == "hf_file"
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy")
    assert implicit_token() == "hf_legacy"
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    assert implicit_token() == "hf_env"
    target = space_target(SID, "hf_param")
    assert target is not None and target.token == "hf_param"
    target = space_target(SID, None)
    assert target is not None and target.token == "hf_env"
    assert "hf_env" not in repr(target)
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    target = space_target(SID, None)
    assert target is not None and target.token is None
    assert space_target("http://127.0.0.1:7860/", "hf_param") is None


def test_token_file_locations(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HF_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    (tmp_path / "xdg" / "huggingface").mkdir(parents=True)
    (tmp_path / "xdg" / "huggingface" / "token").write_text("hf_xdg")
    assert implicit_token() == "hf_xdg"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME")
    (tmp_path / "home" / ".cache" / "huggingface").mkdir(parents=True)
    (tmp_path / "home" / ".cache" / "huggingface" / "token").write_text("hf_home\r\n")
    assert implicit_token() == "hf_home"
    (tmp_path / "elsewhere").write_text("hf_path")
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "elsewhere"))
    assert implicit_token() == "hf_path"
    monkeypatch.setenv("HF_TOKEN_PATH", str(tmp_path / "missing"))
    assert implicit_token() is None


@pytest.mark.parametrize(
    ("param", "env", "file", "expected"),
    [
        ("hf_param", "hf_env", "hf_file", "hf_param"),
        (None, "hf_env", "hf_file", "hf_env"),
        (None, None, "hf_file", "hf_file"),
    ],
)
def test_token_reaches_only_the_hub_and_the_space_host(
    monkeypatch: pytest.MonkeyPatch,
    hf_env: Path,
    param: str | None,
    env: str | None,
    file: str,
    expected: str,
) -> None:
    (hf_env / "hf_home").mkdir()
    (hf_env / "hf_home" / "token").write_text(file)
    if env:
        monkeypatch.setenv("HF_TOKEN", env)
    hub = HubStandin()
    hub.add(SID, HOST, token=expected)  # private: a wrong token would be refused

    async def main() -> Any:
        async with aclient(hub, token=param) as client:
            return await client.predict(1, 2, api_name="/add")

    assert run(main()) == 3
    hosts = {r.url.host for r in hub.requests}
    assert hosts == {"hub.test", "owner-space.hf.test"}
    for request in hub.hub_requests():
        assert request.headers["authorization"] == f"Bearer {expected}"
    for request in hub.host_requests(SID):
        assert request.headers["x-hf-authorization"] == f"Bearer {expected}"
        assert "authorization" not in request.headers


def test_plain_url_never_gets_the_implicit_token(
    monkeypatch: pytest.MonkeyPatch, hf_env: Path
) -> None:
    (hf_env / "hf_home").mkdir()
    (hf_env / "hf_home" / "token").write_text("hf_file")
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    hub = HubStandin()
    hub.add(SID, HOST)
    connect(hub, HOST)
    assert hub.requests
    assert all("x-hf-authorization" not in r.headers for r in hub.requests)
    # An explicit token= is still sent to a URL, as gradio_client does.
    hub.requests.clear()
    connect(hub, HOST, token="hf_param")
    assert all(r.headers["x-hf-authorization"] == "Bearer hf_param" for r in hub.requests)
    assert hub.hub_requests() == []


def test_public_hub_host_must_be_an_hf_space(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_ENDPOINT")
    hub = HubStandin("https://huggingface.co")
    hub.add(SID, "http://evil.test")
    error = connect_error(hub, token="hf_tok")
    assert isinstance(error, SpaceError) and "hf.space" in str(error)
    assert {r.url.host for r in hub.requests} == {"huggingface.co"}

    hub = HubStandin("https://huggingface.co")
    hub.add(SID, "https://owner-space.hf.space")
    assert connect(hub, token="hf_tok").src == "https://owner-space.hf.space/"


# -- runtime stages ------------------------------------------------------------------------


def test_building_then_running_reports_progress(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    hub = HubStandin()
    space = hub.add(SID, HOST, stages=["BUILDING"] * 4 + ["APP_STARTING", "RUNNING"])
    with caplog.at_level(logging.INFO, logger="gradiox"):
        client = connect(hub, verbose=True)
    assert client.src == HOST + "/"
    assert space.runtime_polls == 5
    out = capsys.readouterr().out
    assert f"Space {SID} is still building. Please wait..." in out
    assert "GRADIOX_SPACE_WAIT_TIMEOUT" in out
    assert f"Space {SID} is starting. Please wait..." in out
    assert out.count("still building. Please wait") == 1  # once per stage, not per poll
    assert f"Loaded as API: {HOST}/" in out
    assert any("is still building" in r.getMessage() for r in caplog.records)


def test_long_wait_reminds_now_and_then(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(gradiox._engine.spaces, "REPORT_EVERY", 0.0)
    hub = HubStandin()
    hub.add(SID, HOST, stages=["BUILDING"] * 3 + ["RUNNING"])
    connect(hub, verbose=True)
    assert "is still building (" in capsys.readouterr().out


def test_running_building_does_not_wait() -> None:
    hub = HubStandin()
    space = hub.add(SID, HOST, stages=["RUNNING_BUILDING"], embed_runtime=False)
    connect(hub)
    assert space.runtime_polls == 1


def test_bounded_wait_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIOX_SPACE_WAIT_TIMEOUT", "0.2")
    hub = HubStandin()
    hub.add(SID, HOST, stages=["BUILDING"])
    started = time.monotonic()
    error = connect_error(hub)
    assert time.monotonic() - started < 3
    assert isinstance(error, SpaceTimeoutError)
    assert isinstance(error, TimeoutError) and isinstance(error, ValueError)
    assert error.stage == "BUILDING" and error.space_id == SID
    assert "still building" in str(error) and "GRADIOX_SPACE_WAIT_TIMEOUT" in str(error)
    assert "?logs=build" in str(error)
    assert hub.host_requests(SID) == []  # the app was never bothered


def test_sync_client_times_out_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIOX_SPACE_WAIT_TIMEOUT", "0.1")
    hub = HubStandin()
    hub.add(SID, HOST, stages=["APP_STARTING"])
    with pytest.raises(SpaceTimeoutError, match="still starting"):
        Client(SID, verbose=False, httpx_kwargs={"transport": hub.transport()})


def test_zero_wait_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIOX_SPACE_WAIT_TIMEOUT", "0")
    hub = HubStandin()
    space = hub.add(SID, HOST, stages=["BUILDING"])
    assert isinstance(connect_error(hub), SpaceTimeoutError)
    assert space.runtime_polls == 0


@pytest.mark.parametrize(
    ("raw", "expected"), [("", 300.0), ("12.5", 12.5), ("none", None), ("inf", None)]
)
def test_wait_timeout_env(monkeypatch: pytest.MonkeyPatch, raw: str, expected: Any) -> None:
    monkeypatch.setenv("GRADIOX_SPACE_WAIT_TIMEOUT", raw)
    assert wait_timeout() == expected


@pytest.mark.parametrize("raw", ["-1", "soon", "nan"])
def test_wait_timeout_env_invalid(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("GRADIOX_SPACE_WAIT_TIMEOUT", raw)
    with pytest.raises(SpaceError, match="GRADIOX_SPACE_WAIT_TIMEOUT"):
        wait_timeout()


@pytest.mark.parametrize("asleep", ["SLEEPING", "STOPPED"])
def test_sleeping_space_is_woken(asleep: str, capsys: pytest.CaptureFixture[str]) -> None:
    hub = HubStandin()
    space = hub.add(SID, HOST, stages=[asleep], token="hf_tok")

    async def main() -> Any:
        async with aclient(hub, token="hf_tok", verbose=True) as client:
            return await client.predict(4, 5, api_name="/add")

    assert run(main()) == 9
    assert space.wake_requests == 1
    wake = hub.host_requests(SID)[0]
    assert (wake.url.path, wake.headers["x-hf-authorization"]) == ("/", "Bearer hf_tok")
    assert "waking it up" in capsys.readouterr().out


def test_space_that_stays_asleep_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRADIOX_SPACE_WAIT_TIMEOUT", "0.2")
    hub = HubStandin()
    hub.add(SID, HOST, stages=["SLEEPING"], on_wake=["SLEEPING"])
    error = connect_error(hub)
    assert isinstance(error, SpaceTimeoutError)
    assert "did not wake up" in str(error) and "owner" in str(error)


def test_woken_space_is_given_time_to_answer() -> None:
    hub = HubStandin()
    space = hub.add(SID, HOST, stages=["SLEEPING"], config_failures=2)
    assert connect(hub).src == HOST + "/"
    configs = [r for r in hub.host_requests(SID) if r.url.path == "/config"]
    assert len(configs) == 4  # 2 refused while starting, 1 ready probe, 1 discovery
    assert space.config_failures == 0


@pytest.mark.parametrize(
    ("stage", "kind", "words"),
    [
        ("PAUSED", SpacePausedError, ["paused by its owner", "duplicate"]),
        ("BUILD_ERROR", SpaceFailedError, ["failed to build", "?logs=build"]),
        ("RUNTIME_ERROR", SpaceFailedError, ["crashed", "?logs=container"]),
        ("CONFIG_ERROR", SpaceFailedError, ["README.md"]),
        ("NO_APP_FILE", SpaceFailedError, ["app.py"]),
        ("DELETING", SpaceNotFoundError, ["being deleted"]),
    ],
)
def test_stuck_stages_raise_typed_errors(stage: str, kind: type, words: list[str]) -> None:
    hub = HubStandin()
    hub.add(SID, HOST, stages=[stage])
    error = connect_error(hub)
    assert type(error) is kind and isinstance(error, ValueError)
    assert error.stage == stage and error.space_id == SID  # type: ignore[attr-defined]
    for word in words:
        assert word in str(error)
    assert f"http://hub.test/spaces/{SID}" in str(error) or stage == "DELETING"
    assert hub.host_requests(SID) == []


def test_failure_during_the_wait_says_what_the_hub_says() -> None:
    hub = HubStandin()
    hub.add(SID, HOST, stages=["BUILDING", "BUILDING", "RUNTIME_ERROR"], error_message="OOM")
    error = connect_error(hub)
    assert isinstance(error, SpaceFailedError) and "RUNTIME_ERROR): OOM" in str(error)


def test_static_space_is_not_a_gradio_app() -> None:
    hub = HubStandin()
    hub.add(SID, HOST, sdk="static")
    assert isinstance(connect_error(hub), NotAGradioAppError)


# -- not found, unauthorised, unreachable ---------------------------------------------------


def test_missing_space_suggests_a_token() -> None:
    hub = HubStandin()
    error = connect_error(hub, "owner/nope")
    assert isinstance(error, SpaceNotFoundError) and isinstance(error, ValueError)
    assert "owner/nope" in str(error) and "token=" in str(error)
    assert "Repository not found" in str(error)


def test_private_space_without_token() -> None:
    hub = HubStandin()
    hub.add(SID, HOST, token="hf_right")
    error = connect_error(hub)
    assert isinstance(error, SpaceNotFoundError) and "HTTP 401" in str(error)
    assert "token=" in str(error) and "HF_TOKEN" in str(error)


@pytest.mark.parametrize("token", ["hf_wrong", "hf_invalid"])
def test_private_space_with_a_wrong_token(token: str) -> None:
    hub = HubStandin()
    hub.add(SID, HOST, token="hf_right")
    error = connect_error(hub, token=token)
    assert isinstance(error, SpaceNotFoundError) and "check that your token" in str(error)


def test_unreachable_hub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "http://nowhere.test")
    hub = HubStandin()
    error = connect_error(hub)
    assert isinstance(error, TransportError)
    assert "Hugging Face Hub at http://nowhere.test" in str(error) and "HF_ENDPOINT" in str(error)


def test_bad_hf_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_ENDPOINT", "hub.test")
    with pytest.raises(SpaceError, match="HF_ENDPOINT"):
        AsyncClient(SID)


def test_hub_server_errors_are_http_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, json={"error": "boom"})

    client = AsyncClient(
        SID, verbose=False, httpx_kwargs={"transport": httpx.MockTransport(handler)}
    )
    with pytest.raises(HTTPStatusError, match="look up Space owner/space"):
        run(_connect_and_close(client))


# -- over real sockets -----------------------------------------------------------------------


def test_real_hub_standin_over_http(monkeypatch: pytest.MonkeyPatch, hf_env: Path) -> None:
    """HF_ENDPOINT points at a real local server; the Space's host is another one."""
    (hf_env / "hf_home").mkdir()
    (hf_env / "hf_home" / "token").write_text("hf_saved")
    hub = HubStandin()
    with serve(hub.handle) as hub_url, serve(hub.handle) as space_url:
        hub.hub = hub_url
        hub.add(SID, space_url, stages=["SLEEPING"], token="hf_saved")
        monkeypatch.setenv("HF_ENDPOINT", hub_url)
        with Client(SID, verbose=False) as client:
            assert client.src == space_url + "/"
            assert client.predict(20, 22, api_name="/add") == 42
    assert {str(r.url.copy_with(path="/", query=None)) for r in hub.requests} == {
        hub_url + "/",
        space_url + "/",
    }
    assert all(r.headers["authorization"] == "Bearer hf_saved" for r in hub.hub_requests())
    host_requests = hub.host_requests(SID)
    assert all(r.headers["x-hf-authorization"] == "Bearer hf_saved" for r in host_requests)


def test_gradiox_never_imports_huggingface_hub() -> None:
    root = Path(gradiox._spaces.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n.split(".")[0] == "huggingface_hub" for n in names), path
