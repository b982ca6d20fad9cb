from __future__ import annotations

import pytest

from gradiox._protocol.demux import Demux
from gradiox._protocol.messages import MessageKind, message_from_dict, parse_message
from gradiox.exceptions import ProtocolError


def msg(event_id: str | None, kind: str = "estimation") -> object:
    return message_from_dict({"msg": kind, "event_id": event_id})


def test_routes_by_event_id() -> None:
    demux: Demux[str] = Demux()
    demux.register("a", "job-a")
    demux.register("b", "job-b")
    assert demux.route(msg("a")) == "job-a"
    assert demux.route(msg("b")) == "job-b"
    assert demux.route(msg(None, "heartbeat")) is None


def test_messages_before_registration_are_replayed_in_order() -> None:
    demux: Demux[str] = Demux()
    first, second = msg("x", "estimation"), msg("x", "process_starts")
    assert demux.route(first) is None
    assert demux.route(second) is None
    assert demux.register("x", "job") == [first, second]
    assert demux.register("y", "other") == []


def test_pending_and_late_messages_after_unregister() -> None:
    demux: Demux[str] = Demux()
    demux.register("a", "job")
    assert demux.has_pending
    demux.unregister("a")
    assert not demux.has_pending
    assert demux.route(msg("a", "process_completed")) is None
    assert demux.register("a", "again") == []  # the late message was dropped, not buffered


def test_parse_message_rejects_garbage() -> None:
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parse_message("{not json")
    with pytest.raises(ProtocolError, match="'msg'"):
        parse_message('{"event_id": "x"}')
    assert parse_message('{"msg": "heartbeat", "event_id": null}').kind is MessageKind.HEARTBEAT
