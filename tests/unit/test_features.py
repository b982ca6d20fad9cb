from __future__ import annotations

import pytest

from gradiox._protocol.features import features_from_config, parse_version
from gradiox.exceptions import NotAGradioAppError, ProtocolError


def cfg(**kw: object) -> dict[str, object]:
    return {"dependencies": [], "components": [], **kw}


def test_gradio6() -> None:
    f = features_from_config(
        cfg(version="6.31.0", protocol="sse_v3", api_prefix="/gradio_api", connect_heartbeat=False)
    )
    assert f.api_prefix == "gradio_api/" and f.transport == "sse_session"
    assert f.has_diffs and f.strict_file_meta and f.explicit_close
    assert f.cancel == "route" and not f.heartbeat


def test_gradio4_variants() -> None:
    v444 = features_from_config(cfg(version="4.44.1", protocol="sse_v3", connect_heartbeat=True))
    assert v444.api_prefix == "" and v444.heartbeat and v444.cancel == "route"
    v416 = features_from_config(cfg(version="4.16.0", protocol="sse_v1"))
    assert not v416.has_diffs and not v416.strict_file_meta and v416.cancel == "dependency"
    assert not v416.heartbeat
    assert features_from_config(cfg(version="4.20.1", protocol="sse_v2")).has_diffs
    assert features_from_config(cfg(version="4.21.0", protocol="sse_v2.1")).strict_file_meta
    assert features_from_config(cfg(version="4.8.0", protocol="sse")).transport == "sse_v0"
    assert features_from_config(cfg(version="3.50.2")).transport == "ws"


def test_not_a_config() -> None:
    with pytest.raises(NotAGradioAppError):
        features_from_config({"hello": "world"})
    with pytest.raises(ProtocolError, match="sse_v9"):
        features_from_config(cfg(protocol="sse_v9"))


def test_parse_version() -> None:
    assert parse_version("6.31.0") == (6, 31, 0)
    assert parse_version("4.0.0b3") == (4, 0, 0)
    assert parse_version(None) == (2, 0)


def test_legacy_capabilities() -> None:
    v3 = features_from_config(cfg(version="3.50.2", enable_queue=True))
    assert v3.transport == "ws" and v3.legacy_files and v3.direct_unqueued
    assert v3.queue_enabled and v3.has_info_route and v3.reset == "session"
    assert v3.cancel == "dependency" and not v3.heartbeat
    assert v3.uses_queue(True) and not v3.uses_queue(False)

    no_queue = features_from_config(cfg(version="3.50.2"))
    assert not no_queue.queue_enabled and not no_queue.uses_queue(True)
    assert not features_from_config(cfg(version="3.36.1", enable_queue=True)).has_info_route
    assert features_from_config(cfg(version="3.37.0", enable_queue=True)).has_info_route

    v48 = features_from_config(cfg(version="4.8.0", protocol="sse"))
    assert v48.transport == "sse_v0" and not v48.legacy_files and v48.reset == "event"
    assert v48.uses_queue(False)  # 4.x queues queue=False events too

    v429 = features_from_config(cfg(version="4.29.0", protocol="sse_v3"))
    assert v429.cancel == "dependency" and v429.reset == "event"
    v431 = features_from_config(cfg(version="4.31.0", protocol="sse_v3"))
    assert v431.cancel == "route" and v431.reset == "none" and v431.uses_queue(False)


def test_stream_close_reruns_on_gradio5_only() -> None:
    v5 = features_from_config(cfg(version="5.50.0", protocol="sse_v3"))
    v6 = features_from_config(cfg(version="6.31.0", protocol="sse_v3"))
    assert v5.stream_close_reruns
    assert not v6.stream_close_reruns
