"""Duplicate a Hugging Face Space through the Hub's HTTP API (no ``huggingface_hub``).

The steps and messages follow gradio_client's ``Client.duplicate``: look up the original,
reuse the caller's Space of that name if it exists (else duplicate it and add the secrets),
set the hardware if it differs, and the sleep time on upgraded hardware. The token goes
only to the Hub (``HF_ENDPOINT``), never across a redirect.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import httpx

from gradiox._engine.http import USER_AGENT, translate_errors
from gradiox._spaces import hub_endpoint
from gradiox.exceptions import SpaceDuplicationError, SpaceNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from gradiox._engine.http import HttpSession

__all__ = ["CPU_BASIC", "duplicate_space"]

CPU_BASIC = "cpu-basic"


async def duplicate_space(
    http: HttpSession,
    from_id: str,
    *,
    to_id: str | None,
    token: str,
    private: bool,
    hardware: str | None,
    secrets: Mapping[str, str] | None,
    sleep_timeout: int,
    report: Callable[[str], None],
) -> str:
    """Make sure the caller has a duplicate of ``from_id``; return its Space id.

    Raises:
        SpaceNotFoundError: The original Space does not exist or the token cannot see it.
        SpaceDuplicationError: The Hub refused a step (the message says which).
    """
    hub = _Hub(http, hub_endpoint(), token)
    original = await hub.runtime(from_id)
    if original is None:
        raise SpaceNotFoundError(
            f"Could not find Space: {from_id}. If it is a private Space, please provide a "
            "`token` that can read it.",
            space_id=from_id,
        )
    name = (to_id or from_id).split("/")[-1]
    space_id = f"{await hub.username()}/{name}"
    current = await hub.runtime(space_id)
    if current is not None:
        report(f"Using your existing Space: {hub.page(space_id)} 🤗")
        if secrets is not None:
            warnings.warn(
                "Secrets are only used when the Space is duplicated for the first time, and "
                "are not updated if the duplicated Space already exists.",
                stacklevel=4,
            )
    else:
        report(f"Creating a duplicate of {from_id} for your own use... 🤗")
        await hub.post(
            f"spaces/{from_id}/duplicate", {"repository": space_id, "private": private}, ok=409
        )
        for key, value in (secrets or {}).items():
            await hub.post(f"spaces/{space_id}/secrets", {"key": key, "value": value})
        report(f"Created new Space: {hub.page(space_id)}")
        current = await hub.runtime(space_id) or {}
    wanted = hardware or _hardware(original) or CPU_BASIC
    if (_hardware(current) or CPU_BASIC) != wanted:
        await hub.post(f"spaces/{space_id}/hardware", {"flavor": wanted})
        print(  # noqa: T201 - gradio_client prints this note even when not verbose
            f"-------\nNOTE: this Space uses upgraded hardware: {wanted}... see billing info "
            "at https://huggingface.co/settings/billing\n-------"
        )
    if wanted != CPU_BASIC:  # the Hub takes a sleep time only on upgraded hardware
        await hub.post(f"spaces/{space_id}/sleeptime", {"seconds": sleep_timeout * 60})
    report("")
    return space_id


def _hardware(runtime: Mapping[str, Any] | None) -> str | None:
    hardware = (runtime or {}).get("hardware")
    current = hardware.get("current") if isinstance(hardware, dict) else hardware
    return current if isinstance(current, str) else None


class _Hub:
    """Authenticated requests to the Hub's API, built without the app's headers or cookies."""

    def __init__(self, http: HttpSession, hub: str, token: str) -> None:
        self.http = http
        self.hub = hub
        self.headers = {
            "user-agent": USER_AGENT,
            "accept": "application/json",
            "authorization": f"Bearer {token}",
        }

    def page(self, space_id: str) -> str:
        return f"{self.hub}/spaces/{space_id}"

    async def runtime(self, space_id: str) -> dict[str, Any] | None:
        """The Space's runtime, or None if the Hub knows no such Space (for this token).

        A token is always sent, so a 401 means the token itself was refused.
        """
        response = await self._send("GET", f"spaces/{space_id}/runtime")
        if response.status_code == 404:
            return None
        body = self._json(response, f"look up Space {space_id}")
        return body if isinstance(body, dict) else {}

    async def username(self) -> str:
        response = await self._send("GET", "whoami-v2")
        body = self._json(response, "find the token's user name")
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not name:
            raise SpaceDuplicationError(f"The Hub's whoami answer has no user name: {body!r}")
        return name

    async def post(self, path: str, body: dict[str, Any], ok: int | None = None) -> None:
        response = await self._send("POST", path, body)
        if response.status_code != ok:
            self._json(response, f"POST {path}")

    async def _send(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> httpx.Response:
        url = f"{self.hub}/api/{path}"
        client = self.http.client
        request = httpx.Request(
            method,
            url,
            headers=self.headers,
            json=body,
            extensions={"timeout": client.timeout.as_dict()},
        )
        with translate_errors(url):
            response = await client.send(request, auth=None, follow_redirects=False)
            await response.aread()
        return response

    def _json(self, response: httpx.Response, what: str) -> Any:
        code = response.status_code
        if code >= 300:
            hint = " Check that your token has write access." if code in (401, 403) else ""
            raise SpaceDuplicationError(
                f"Could not {what} on the Hub at {self.hub}: HTTP {code} "
                f"{response.text[:300]}.{hint}"
            )
        try:
            return response.json()
        except ValueError as exc:
            raise SpaceDuplicationError(
                f"Could not {what}: the Hub at {self.hub} did not answer with JSON. Is "
                "HF_ENDPOINT right?"
            ) from exc
