"""``Client.duplicate`` against the local Hub stand-in (no network, no huggingface_hub)."""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import pytest
from tests.unit.hub_standin import HubStandin
from tests.unit.test_spaces import hf_env  # noqa: F401 - the clean HF environment fixture

from gradiox import AsyncClient, Client
from gradiox.exceptions import SpaceDuplicationError, SpaceNotFoundError

TOKEN = "hf_writer"
SOURCE = "gradio/calculator"


def hub_with_source(**kw: Any) -> HubStandin:
    hub = HubStandin()
    hub.add(SOURCE, **kw)
    return hub


def posts(hub: HubStandin) -> list[tuple[str, Any]]:
    return [
        (r.url.path, json.loads(r.content or b"{}"))
        for r in hub.hub_requests()
        if r.method == "POST"
    ]


def duplicate(hub: HubStandin, **kw: Any) -> Client:
    kw.setdefault("token", TOKEN)
    return Client.duplicate(SOURCE, httpx_kwargs={"transport": hub.transport()}, **kw)


def test_creates_a_private_copy_and_connects(capsys: pytest.CaptureFixture[str]) -> None:
    hub = hub_with_source()
    with duplicate(hub, secrets={"KEY": "v"}) as client:
        assert client.space_id == "me/calculator"
        assert client.predict(2, 3, api_name="/add") == 5
    copy = hub.spaces["me/calculator"]
    assert copy.duplicated_from == SOURCE and copy.token == TOKEN  # private
    assert copy.secrets == {"KEY": "v"}
    assert posts(hub) == [
        (f"/api/spaces/{SOURCE}/duplicate", {"repository": "me/calculator", "private": True}),
        ("/api/spaces/me/calculator/secrets", {"key": "KEY", "value": "v"}),
    ]
    out = capsys.readouterr().out
    assert f"Creating a duplicate of {SOURCE} for your own use... 🤗" in out
    assert "Created new Space: http://hub.test/spaces/me/calculator" in out
    # The token went to the Hub as a bearer token, never with the app's options.
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in hub.hub_requests())


def test_reuses_an_existing_copy_and_warns_about_secrets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    hub = hub_with_source()
    hub.add("me/mine")
    with pytest.warns(UserWarning, match="Secrets are only used"):
        client = duplicate(hub, to_id="someone/mine", secrets={"K": "v"}, verbose=True)
    client.close()
    assert client.space_id == "me/mine"
    assert posts(hub) == []
    assert "Using your existing Space: http://hub.test/spaces/me/mine 🤗" in capsys.readouterr().out


def test_hardware_and_sleep_time(capsys: pytest.CaptureFixture[str]) -> None:
    hub = hub_with_source(hardware="t4-small")
    duplicate(hub, private=False, verbose=False, sleep_timeout=7).close()
    copy = hub.spaces["me/calculator"]
    assert copy.token is None  # public
    assert copy.hardware == "t4-small" and copy.sleep_seconds == 420
    hub2 = hub_with_source()
    duplicate(hub2, hardware="a10g-small", verbose=False).close()
    assert hub2.spaces["me/calculator"].hardware == "a10g-small"
    assert ("/api/spaces/me/calculator/hardware", {"flavor": "a10g-small"}) in posts(hub2)
    assert "NOTE: this Space uses upgraded hardware: a10g-small" in capsys.readouterr().out
    hub3 = hub_with_source()
    duplicate(hub3, verbose=False).close()
    assert [p for p, _ in posts(hub3)] == [f"/api/spaces/{SOURCE}/duplicate"]  # cpu-basic


def test_async_duplicate() -> None:
    hub = hub_with_source()

    async def main() -> Any:
        client = await AsyncClient.duplicate(
            SOURCE, token=TOKEN, verbose=False, httpx_kwargs={"transport": hub.transport()}
        )
        async with client:
            return client.space_id, await client.predict(1, 1, api_name="/add")

    assert asyncio.run(main()) == ("me/calculator", 2)


def test_errors() -> None:
    hub = hub_with_source()
    with pytest.raises(SpaceDuplicationError, match="needs a Hugging Face token"):
        Client.duplicate(SOURCE, httpx_kwargs={"transport": hub.transport()})
    with pytest.raises(SpaceNotFoundError, match="Could not find Space: nobody/none"):
        Client.duplicate("nobody/none", token=TOKEN, httpx_kwargs={"transport": hub.transport()})
    with pytest.raises(SpaceDuplicationError, match="HTTP 401"):
        duplicate(hub, token="hf_invalid")
    assert "huggingface_hub" not in sys.modules


def test_add_zero_gpu_headers_outside_gradio_is_a_no_op() -> None:
    hub = hub_with_source()
    with Client(SOURCE, verbose=False, httpx_kwargs={"transport": hub.transport()}) as client:
        headers = {"a": "b"}
        assert client.add_zero_gpu_headers(headers) is headers and headers == {"a": "b"}
