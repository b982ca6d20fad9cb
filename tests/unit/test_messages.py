"""Server messages: kinds, typed fields, and what is refused."""

from __future__ import annotations

import json

import pytest

from gradiox._protocol.messages import (
    MessageKind,
    message_from_dict,
    parse_large_message,
    parse_message,
)
from gradiox.exceptions import ProtocolError


def test_every_kind_parses_by_its_wire_name() -> None:
    for kind in MessageKind:
        if kind is not MessageKind.UNKNOWN:
            message = parse_message(f'{{"msg": "{kind.value}", "event_id": "e"}}')
            assert message.kind is kind and message.name == kind.value
            assert message.event_id == "e"


def test_unknown_kinds_are_kept_not_fatal() -> None:
    message = parse_message('{"msg": "something_new", "event_id": 3}')
    assert message.kind is MessageKind.UNKNOWN
    assert message.name == "something_new"
    assert message.event_id is None  # not a string: no job


def test_estimation_fields_are_typed() -> None:
    message = message_from_dict({"msg": "estimation", "rank": 2, "queue_size": 5, "rank_eta": 3})
    assert (message.rank, message.queue_size, message.rank_eta) == (2, 5, 3.0)
    garbage = message_from_dict({"msg": "estimation", "rank": "2", "queue_size": True})
    assert (garbage.rank, garbage.queue_size, garbage.rank_eta) == (None, None, None)


def test_success_with_and_without_the_flag() -> None:
    absent = message_from_dict({"msg": "process_generating"})
    assert absent.success is None
    assert absent.succeeded(default=True) and not absent.succeeded(default=False)
    failed = message_from_dict({"msg": "process_completed", "success": False})
    assert failed.success is False and not failed.succeeded(default=True)


def test_output_progress_log_and_errors() -> None:
    message = message_from_dict(
        {
            "msg": "progress",
            "output": [1],
            "progress_data": [{"index": 1}, "junk"],
            "log": "hi",
            "level": "info",
            "title": 3,
            "message": "",
            "session_not_found": 1,
        }
    )
    assert message.output is None  # not an object
    assert message.progress_data == [{"index": 1}]
    assert message.log == ("hi", "info")
    assert message.title is None and message.text is None
    assert message.session_not_found is True


def test_with_output_data_replaces_only_the_data() -> None:
    body = {"msg": "process_completed", "event_id": "e", "output": {"data": [1], "x": 2}}
    message = message_from_dict(body)
    changed = message.with_output_data(["file"])
    assert changed.output == {"data": ["file"], "x": 2}
    assert changed.kind is message.kind and changed.event_id == "e"
    assert message.output == {"data": [1], "x": 2}  # the original is untouched


@pytest.mark.parametrize("text", ["not json", "[1]", '{"msg": 1}', '{"event_id": "e"}'])
def test_malformed_messages_are_protocol_errors(text: str) -> None:
    with pytest.raises(ProtocolError):
        parse_message(text)


def test_a_large_message_in_pieces() -> None:
    output = {"data": ["x\n" * 200_000, list(range(30_000))]}
    text = json.dumps({"msg": "process_completed", "event_id": "e", "output": output})
    pieces = [text[i : i + 1000] for i in range(0, len(text), 1000)]
    message = parse_large_message(pieces)
    assert message.kind is MessageKind.PROCESS_COMPLETED and message.output == output
    with pytest.raises(ProtocolError, match="not valid JSON"):
        parse_large_message(pieces[:-1])
    with pytest.raises(ProtocolError, match="without a 'msg' field"):
        parse_large_message([json.dumps(output)])
