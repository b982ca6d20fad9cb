"""Every URL of an app and the bodies of the requests gradiox sends there (no I/O)."""

from __future__ import annotations

import pytest

from gradiox._protocol.routes import (
    GUESSED_API_PREFIX,
    Routes,
    cancel_body,
    event_body,
    hash_body,
    join_body,
    legacy_join_params,
    login_form,
    same_origin,
    send_data_body,
    stream_params,
)

SRC = "http://127.0.0.1:7860/sub/app/"


@pytest.mark.parametrize(("prefix", "api"), [("", SRC), ("gradio_api/", SRC + "gradio_api/")])
def test_every_api_route_hangs_off_the_api_base(prefix: str, api: str) -> None:
    routes = Routes.of(SRC, prefix)
    assert routes.api_base == api
    assert routes.info == api + "info"
    assert routes.upload == api + "upload"
    assert routes.queue_join == api + "queue/join"
    assert routes.queue_data == api + "queue/data"
    assert routes.cancel == api + "cancel"
    assert routes.reset == api + "reset"
    assert routes.direct == api + "api/predict/"
    assert routes.heartbeat("s1") == api + "heartbeat/s1"


def test_root_routes_ignore_the_api_prefix() -> None:
    routes = Routes.of(SRC, GUESSED_API_PREFIX)
    assert routes.page == SRC
    assert routes.config == SRC + "config"
    assert routes.login == SRC + "login"


def test_ws_join_keeps_the_path_and_switches_the_scheme() -> None:
    assert Routes.of("http://h:7860/").ws_join == "ws://h:7860/queue/join"
    assert Routes.of("https://h/sub/app/").ws_join == "wss://h/sub/app/queue/join"


def test_file_url_is_built_from_the_api_base() -> None:
    routes = Routes.of("http://127.0.0.1:7860/", "gradio_api/")
    base = routes.api_base
    assert routes.file("/tmp/g/ab/my report (1) é.txt") == (
        base + "file=/tmp/g/ab/my%20report%20%281%29%20%C3%A9.txt"
    )
    assert routes.file("x?y#z") == base + "file=x%3Fy%23z"
    # Dot segments are encoded, so URL normalisation cannot move the request to another route.
    assert routes.file("../../x/./y/..") == base + "file=%2E%2E/%2E%2E/x/%2E/y/%2E%2E"
    assert routes.file("/a/..b/c..") == base + "file=/a/..b/c.."


def test_file_path_recognises_only_this_apps_file_route() -> None:
    routes = Routes.of("http://127.0.0.1:7860/", "gradio_api/")
    path = "/tmp/g/ab/my report (1).txt"
    assert routes.file_path(routes.file(path)) == path
    assert routes.file_path("http://127.0.0.1:7860/gradio_api/file=/a%20b") == "/a b"
    assert routes.file_path("http://localhost:7860/gradio_api/file=/a") is None
    assert routes.file_path("http://127.0.0.1:7861/gradio_api/file=/a") is None
    assert routes.file_path("https://127.0.0.1:7860/gradio_api/file=/a") is None
    assert routes.file_path("http://127.0.0.1:7860/other/file=/a") is None
    assert routes.file_path("http://127.0.0.1:7860/gradio_api/file=") is None
    assert routes.file_path("http://127.0.0.1:7860/gradio_api/file=/a?x=1") is None


def test_same_origin() -> None:
    assert same_origin("http://Example.com/a", "http://example.com:80/b")
    assert same_origin("https://h/a", "https://h:443/")
    assert not same_origin("http://h/a", "https://h/a")
    assert not same_origin("http://h:1/", "http://h:2/")
    assert not same_origin("http://127.0.0.1/", "http://localhost/")
    assert not same_origin("http://h.evil.com/", "http://h/")
    assert not same_origin("/relative", "/relative")
    assert not same_origin("http://h:99999/", "http://h:99999/")  # invalid ports match nothing


def test_stream_url_resolves_relative_urls_against_the_app_root() -> None:
    routes = Routes.of("http://h:1/app/", "gradio_api/")
    assert (
        routes.stream("/gradio_api/stream/s/p.m3u8") == "http://h:1/app/gradio_api/stream/s/p.m3u8"
    )
    assert routes.stream("http://other/x") == "http://other/x"


def test_join_body() -> None:
    assert join_body(3, [1], "s") == {"data": [1], "fn_index": 3, "session_hash": "s"}
    body = join_body(3, [1], "s", {"oauth_token": {"a": 1}, "session_hash": "not this"})
    assert body == {"data": [1], "fn_index": 3, "oauth_token": {"a": 1}, "session_hash": "s"}


def test_send_data_body_of_old_servers() -> None:
    body = send_data_body(2, ["x"], "s", "ev", {"oauth_token": None, "event_id": "not this"})
    assert body == {
        "data": ["x"],
        "event_data": None,
        "oauth_token": None,
        "fn_index": 2,
        "session_hash": "s",
        "event_id": "ev",
    }


def test_event_hash_cancel_and_login_bodies() -> None:
    assert event_body(4, "s", [1]) == {
        "data": [1],
        "fn_index": 4,
        "session_hash": "s",
        "event_data": None,
    }
    assert hash_body(4, "s") == {"fn_index": 4, "session_hash": "s"}
    assert cancel_body(4, "s", "ev") == {"fn_index": 4, "session_hash": "s", "event_id": "ev"}
    assert login_form("u", "p") == {"username": "u", "password": "p"}


def test_stream_queries() -> None:
    assert stream_params("s") == {"session_hash": "s"}
    assert legacy_join_params(2, "s") == {"fn_index": 2, "session_hash": "s"}
