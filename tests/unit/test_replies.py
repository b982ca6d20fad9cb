"""What the server's answers mean: join refusals, event ids, stream errors, upload paths."""

from __future__ import annotations

from typing import Any

import pytest

from gradiox._protocol.messages import message_from_dict
from gradiox._protocol.replies import (
    join_event_id,
    join_refusal,
    stream_error,
    upload_path,
    validation_message,
)
from gradiox.exceptions import (
    ConnectionLostError,
    ProtocolError,
    QueueError,
    SessionLostError,
    ValidationError,
)


def test_a_full_queue_says_what_the_server_said() -> None:
    error = join_refusal(503, {"detail": "Queue is full."})
    assert isinstance(error, QueueError)
    assert str(error) == "Queue is full! Please try again. (Queue is full.)"
    assert str(join_refusal(503, None)) == "Queue is full! Please try again. (HTTP 503)"
    assert str(join_refusal(503, ["x"])) == "Queue is full! Please try again. (HTTP 503)"


def test_validator_answers_name_each_parameter() -> None:
    body = {
        "detail": [
            {"__type__": "validate", "is_valid": False, "parameter_name": "a", "message": "<0"},
            {"__type__": "validate", "is_valid": True, "parameter_name": "b", "message": ""},
            {"__type__": "validate", "is_valid": False, "message": "empty"},
        ]
    }
    error = join_refusal(422, body)
    assert isinstance(error, ValidationError)
    assert str(error) == "2 parameter(s) failed validation:\n- a: <0\n- parameter_2: empty"


def test_a_malformed_request_is_not_called_a_validation() -> None:
    text = validation_message({"detail": [{"loc": ["body", "data"], "msg": "field required"}]})
    assert text.startswith("The server rejected the request (HTTP 422): [{'loc'")
    assert validation_message(None) == "0 parameter(s) failed validation:"


@pytest.mark.parametrize("status", [200, 400, 404, 500])
def test_other_statuses_are_left_to_the_caller(status: int) -> None:
    assert join_refusal(status, {"detail": "x"}) is None


def test_join_event_id() -> None:
    assert join_event_id({"event_id": "abc"}, "") == "abc"
    with pytest.raises(ProtocolError, match="without an event id: 'oops'"):
        join_event_id(None, "oops")
    with pytest.raises(ProtocolError, match="without an event id"):
        join_event_id(["event_id"], "[]")
    with pytest.raises(ProtocolError, match="bad event id: 3"):
        join_event_id({"event_id": 3}, "")


@pytest.mark.parametrize(
    ("body", "kind", "expected"),
    [
        ({"session_not_found": True}, SessionLostError, "no longer knows this session"),
        (
            {"message": "Server stopped unexpectedly."},
            ConnectionLostError,
            "stopped while jobs were running",
        ),
        ({"message": "boom"}, ProtocolError, "event stream failed: boom"),
        ({}, ProtocolError, "event stream failed: unknown error"),
    ],
)
def test_stream_errors(body: dict[str, Any], kind: type[Exception], expected: str) -> None:
    error = stream_error(message_from_dict({"msg": "unexpected_error", **body}))
    assert isinstance(error, kind) and expected in str(error)


def test_upload_path() -> None:
    assert upload_path(["/tmp/a.txt", "/tmp/b"], "") == "/tmp/a.txt"
    for body in (None, [], [3], {"path": "x"}):
        with pytest.raises(ProtocolError, match="without a file path"):
            upload_path(body, "text")
