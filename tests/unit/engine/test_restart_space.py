"""After a restart of a Space's app, the next call re-resolves the Space through the Hub."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from tests.unit.engine.fake import sse, stream_response
from tests.unit.helpers import run
from tests.unit.hub_standin import HubStandin

import gradiox._spaces
from gradiox import AsyncClient
from gradiox.exceptions import SessionLostError

if TYPE_CHECKING:
    from pathlib import Path

SID = "owner/space"
HOST = "http://owner-space.hf.test"
NOT_FOUND = {
    "msg": "unexpected_error",
    "event_id": None,
    "message": "404: Not Found",
    "session_not_found": True,
    "success": False,
}


@pytest.fixture(autouse=True)
def hub_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    monkeypatch.setenv("HF_ENDPOINT", "http://hub.test")
    monkeypatch.setattr(gradiox._spaces, "POLL_SCHEDULE", (0.01, 1.5, 0.03))


def test_a_restarted_space_is_resolved_again_before_the_next_call() -> None:
    hub = HubStandin()
    space = hub.add(SID, HOST)
    space.app.stream_override = lambda n: stream_response(sse(NOT_FOUND))

    async def main() -> None:
        client = AsyncClient(SID, verbose=False, httpx_kwargs={"transport": hub.transport()})
        async with client:
            old = client.session_hash
            with pytest.raises(SessionLostError, match="state was reset"):
                await client.predict(1, 2, api_name="/add")
            runtime_lookups = space.runtime_polls
            hub_calls = len(hub.hub_requests())
            space.app.stream_override = None  # the app is back
            space.stages = ["APP_STARTING", "RUNNING"]  # and the Space says so on the Hub
            assert await client.predict(1, 2, api_name="/add") == 3
            assert len(hub.hub_requests()) > hub_calls  # asked the Hub again
            assert space.runtime_polls > runtime_lookups  # and waited until it ran
            assert client.session_hash != old
            assert space.app.joins[-1]["session_hash"] == client.session_hash

    run(main())
