"""The completion message made from the direct route's answer."""

from __future__ import annotations

import pytest

from gradiox._protocol.direct import direct_message
from gradiox._protocol.messages import MessageKind
from gradiox.exceptions import ProtocolError


def test_success_becomes_a_completion() -> None:
    message = direct_message(200, {"data": [3.0], "is_generating": False})
    assert message is not None and message.kind is MessageKind.PROCESS_COMPLETED
    assert message.success is True and message.output == {
        "data": [3.0],
        "is_generating": False,
    }


def test_app_error_becomes_a_failed_completion() -> None:
    message = direct_message(500, {"error": "'boom'"})
    assert message is not None and message.success is False
    assert message.output == {"error": "'boom'"}


@pytest.mark.parametrize(("status", "body"), [(500, None), (500, "Internal"), (404, {"detail": 1})])
def test_other_answers_are_not_results(status: int, body: object) -> None:
    assert direct_message(status, body) is None


def test_200_without_an_object_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        direct_message(200, [1, 2])
