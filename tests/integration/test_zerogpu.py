"""``add_zero_gpu_headers`` inside a real Gradio app that calls another app (a "Space").

The callee is ``tests/apps/zerogpu_app.py``; the caller is the same app with gradiox on its
path and a Hub stand-in (``HF_ENDPOINT``) that resolves the Space id to the callee.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from gradio_servers import REPO_ROOT
from tests.unit.hub_standin import HubStandin, serve

from gradiox import Client

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.integration.conftest import ServerRegistry

SPACE = "owner/callee"


@pytest.fixture(scope="module")
def caller_url(gradio_servers: ServerRegistry, server_stem: str) -> Iterator[str]:
    callee = gradio_servers.get("zerogpu_app.py", server_stem).url
    hub = HubStandin()
    hub.add(SPACE, callee.rstrip("/"))
    with serve(hub.handle) as hub_url:
        hub.hub = hub_url  # the Hub's origin is the stand-in server's
        env = {
            "HF_ENDPOINT": hub_url,
            "HF_HUB_OFFLINE": "0",
            "CALLEE_SPACE": SPACE,
            "PYTHONPATH": str(REPO_ROOT / "src"),
        }
        yield gradio_servers.get("zerogpu_app.py", server_stem, env=env).url


def test_the_ip_token_of_the_request_reaches_the_space(caller_url: str) -> None:
    with Client(caller_url, verbose=False) as client:
        relayed = client.predict(api_name="/relay", headers={"x-ip-token": "tok-123"})
        assert relayed == "tok-123"
        # Without a token on the incoming request there is nothing to forward.
        assert client.predict(api_name="/relay") == ""
