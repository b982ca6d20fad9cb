from __future__ import annotations

import pytest

from gradiox._protocol.diff import apply_diff


def test_replace_root_and_append_text() -> None:
    assert apply_diff("step 0", [["replace", [], "step 1"]]) == "step 1"
    assert apply_diff("Hello", [["append", [], " world"]]) == "Hello world"


def test_chatbot_token_streaming() -> None:
    history = [
        {"role": "user", "content": [{"type": "text", "text": "hi"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello"}]},
    ]
    out = apply_diff(history, [["append", [1, "content", 0, "text"], " there"]])
    assert out[1]["content"][0]["text"] == "Hello there"
    assert history[1]["content"][0]["text"] == "Hello"  # input untouched


def test_add_and_delete() -> None:
    assert apply_diff([1, 3], [["add", [1], 2]]) == [1, 2, 3]
    assert apply_diff({"a": 1}, [["add", ["b"], 2], ["delete", ["a"], None]]) == {"b": 2}
    assert apply_diff([1, 2, 3], [["delete", [0], None]]) == [2, 3]


def test_empty_diff_is_unchanged() -> None:
    assert apply_diff(None, []) is None


def test_malformed_diff_raises() -> None:
    with pytest.raises(ValueError, match="Unknown diff action"):
        apply_diff({"a": 1}, [["explode", ["a"], 1]])
    with pytest.raises(ValueError, match="Malformed"):
        apply_diff("x", ["not-a-triple"])
