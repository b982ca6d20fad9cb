"""The 3.x websocket conversation (pure state machine) and its URL."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from gradiox._protocol.messages import MessageKind
from gradiox._protocol.ws import WsConversation
from gradiox.exceptions import ProtocolError


def test_a_whole_job() -> None:
    talk = WsConversation(fn_index=3, session_hash="s1", data=[1, {"name": "x"}])
    step = talk.feed('{"msg": "send_hash"}')
    assert json.loads(step.reply or "") == {"fn_index": 3, "session_hash": "s1"}
    assert step.message is not None and step.message.kind is MessageKind.SEND_HASH
    assert not step.is_over

    step = talk.feed(
        '{"msg": "estimation", "rank": 0, "queue_size": 1, "avg_event_process_time": 0.0,'
        ' "rank_eta": null, "queue_eta": 1.0}'
    )
    assert step.reply is None and step.message is not None and step.message.rank == 0

    step = talk.feed(b'{"msg": "send_data"}')  # binary frames are decoded too
    assert json.loads(step.reply or "") == {
        "data": [1, {"name": "x"}],
        "event_data": None,
        "fn_index": 3,
        "session_hash": "s1",
    }
    assert talk.feed('{"msg": "process_starts"}').reply is None
    step = talk.feed('{"msg": "process_completed", "output": {"data": [3.0]}, "success": true}')
    assert step.is_over and talk.is_over
    assert step.message is not None and step.message.output == {"data": [3.0]}
    # Anything after the end is ignored.
    late = talk.feed('{"msg": "process_starts"}')
    assert late.message is None and late.reply is None and late.is_over


def test_queue_full_ends_the_job() -> None:
    talk = WsConversation(fn_index=0, session_hash="s", data=[])
    talk.feed('{"msg": "send_hash"}')
    step = talk.feed('{"msg": "queue_full"}')
    assert step.is_over and step.message is not None and step.message.kind is MessageKind.QUEUE_FULL


def test_generator_messages_pass_through() -> None:
    talk = WsConversation(fn_index=0, session_hash="s", data=[])
    step = talk.feed('{"msg": "process_generating", "output": {"data": ["a"]}, "success": true}')
    assert not step.is_over and step.message is not None
    assert step.message.kind is MessageKind.PROCESS_GENERATING and step.message.event_id is None


@pytest.mark.parametrize("frame", ["not json", '{"no": "msg"}', "[1, 2]"])
def test_garbage_frames_raise(frame: str) -> None:
    talk = WsConversation(fn_index=0, session_hash="s", data=[])
    with pytest.raises(ProtocolError):
        talk.feed(frame)


def test_websockets_is_imported_only_when_a_3x_job_runs() -> None:
    code = "import sys, gradiox, gradiox._engine.transport; print('websockets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "False"
