"""Smoke tests for the Gradio test servers themselves, with plain httpx (no gradiox)."""

from __future__ import annotations

import httpx
from gradio_servers import stem_version


def expected_version(stem: str) -> str:
    return ".".join(str(part) for part in stem_version(stem))


def check_config(config: dict, stem: str) -> None:
    assert config["version"] == expected_version(stem)
    assert config["protocol"] == "sse_v3"
    assert config["api_prefix"] == "/gradio_api"


def add_parameters(info: dict) -> list[tuple[str, bool]]:
    params = info["named_endpoints"]["/add"]["parameters"]
    return [(p["parameter_name"], p["parameter_has_default"]) for p in params]


def check_config_and_info(url: str, stem: str) -> None:
    with httpx.Client(base_url=url, timeout=10) as http:
        config = http.get("config").raise_for_status().json()
        check_config(config, stem)
        info = http.get("gradio_api/info").raise_for_status().json()
    assert add_parameters(info) == [("a", True), ("b", False)]
    assert info["named_endpoints"]["/add"]["parameters"][0]["parameter_default"] == 1


def test_core_config_and_info(core_url: str, server_stem: str) -> None:
    check_config_and_info(core_url, server_stem)


def test_hidden_errors_config_and_info(hidden_errors_url: str, server_stem: str) -> None:
    check_config_and_info(hidden_errors_url, server_stem)
    with httpx.Client(base_url=hidden_errors_url, timeout=10) as http:
        assert http.get("config").json()["show_error"] is False


def test_core_endpoints_listed(core_url: str, server_stem: str) -> None:
    with httpx.Client(base_url=core_url, timeout=10) as http:
        config = http.get("config").raise_for_status().json()
        info = http.get("gradio_api/info").raise_for_status().json()
        everything = http.get("gradio_api/info", params={"all_endpoints": "1"}).json()
    documented = set(info["named_endpoints"])
    assert {
        "/add",
        "/echo",
        "/multi",
        "/count",
        "/progress",
        "/logs",
        "/with_state",
        "/fail",
        "/boom",
        "/long",
        "/slow_count",
        "/validated",
        "/sleep50",
        "/withbtn",
        "/json_path",
    } <= documented
    assert "/add_undoc" not in documented
    assert "/add_undoc" in everything["named_endpoints"]
    # The private endpoint is in the config but never in /info.
    deps = config["dependencies"]
    if stem_version(server_stem) >= (6,):
        private = [d for d in deps if d.get("api_visibility") == "private"]
        assert [d["api_name"] for d in private] == ["add_private"]
    else:
        private = [d for d in deps if d["api_name"] is False]
        assert len(private) == 1
    assert not any(k.startswith("/add_private") for k in everything["named_endpoints"])
    echo = [
        (p["parameter_name"], p["parameter_has_default"])
        for p in info["named_endpoints"]["/echo"]["parameters"]
    ]
    assert echo == [("text", False), ("suffix", True)]


def test_core_add_via_queue(core_url: str) -> None:
    """One real call through POST queue/join + GET queue/data."""
    with httpx.Client(base_url=core_url, timeout=10) as http:
        config = http.get("config").raise_for_status().json()
        fn_index = next(d["id"] for d in config["dependencies"] if d["api_name"] == "add")
        body = {"data": [1, 2], "fn_index": fn_index, "session_hash": "smoke-add"}
        http.post("gradio_api/queue/join", json=body).raise_for_status()
        completed = None
        with http.stream(
            "GET", "gradio_api/queue/data", params={"session_hash": "smoke-add"}
        ) as stream:
            for line in stream.iter_lines():
                if line.startswith("data: ") and '"process_completed"' in line:
                    completed = httpx.Response(200, content=line[6:]).json()
                    break
    assert completed is not None
    assert completed["success"] is True
    assert completed["output"]["data"] == [3]


def test_queue_small(queue_small_url: str, server_stem: str) -> None:
    with httpx.Client(base_url=queue_small_url, timeout=10) as http:
        check_config(http.get("config").raise_for_status().json(), server_stem)
        info = http.get("gradio_api/info").raise_for_status().json()
    assert [p["parameter_name"] for p in info["named_endpoints"]["/slow"]["parameters"]] == ["x"]


def test_auth(auth_url: str, server_stem: str) -> None:
    with httpx.Client(base_url=auth_url, timeout=10) as http:
        assert http.get("config").status_code == 401
        bad = http.post("login", data={"username": "user", "password": "nope"})
        assert bad.status_code >= 400
        http.post("login", data={"username": "user", "password": "pass"}).raise_for_status()
        check_config(http.get("config").raise_for_status().json(), server_stem)
        info = http.get("gradio_api/info").raise_for_status().json()
    assert add_parameters(info) == [("a", True), ("b", False)]
