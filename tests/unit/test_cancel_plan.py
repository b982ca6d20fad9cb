"""Finding the app's cancel event, and the reset body, for servers without /cancel."""

from __future__ import annotations

from gradiox._protocol.cancel import Canceller, find_canceller, reset_body
from gradiox._protocol.features import features_from_config


def cfg(**kw: object) -> dict[str, object]:
    return {"dependencies": [], "components": [], **kw}


def test_prefers_the_narrowest_cancel_event() -> None:
    deps = [
        {"cancels": []},
        {"cancels": [0, 3, 4]},
        {"cancels": [0, 4], "id": 7},
        {"cancels": [0], "backend_fn": False},  # frontend-only: cannot be called
    ]
    assert find_canceller({"dependencies": deps}, 0) == Canceller(7, (4,))
    assert find_canceller({"dependencies": deps}, 3) == Canceller(1, (0, 4))
    assert find_canceller({"dependencies": deps}, 5) is None
    assert find_canceller({}, 0) is None


def test_reset_bodies() -> None:
    v3 = features_from_config(cfg(version="3.50.2", enable_queue=True))
    v4 = features_from_config(cfg(version="4.16.0", protocol="sse_v1"))
    v6 = features_from_config(cfg(version="6.31.0", protocol="sse_v3"))
    assert reset_body(v3, session_hash="s", fn_index=2, event_id=None) == {
        "session_hash": "s",
        "fn_index": 2,
    }
    assert reset_body(v4, session_hash="s", fn_index=2, event_id="e") == {"event_id": "e"}
    assert reset_body(v4, session_hash="s", fn_index=2, event_id=None) is None
    assert reset_body(v6, session_hash="s", fn_index=2, event_id="e") is None
