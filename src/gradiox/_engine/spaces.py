"""Resolve a Hugging Face Space through the Hub, wake it, and wait (bounded) until it runs.

Where the HF token goes: to the Hub as ``authorization`` on requests built here, without
the app's headers, cookies or ``auth``, and never across a redirect to another origin; and to
the Space's own host as ``x-hf-authorization``, through the session's headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import TYPE_CHECKING, Any

import httpx

from gradiox._engine.http import USER_AGENT, raise_for_status, translate_errors
from gradiox._protocol.routes import Routes
from gradiox._spaces import (
    ASLEEP_STAGES,
    RUNNING_STAGES,
    STARTING_STAGES,
    not_found_error,
    parse_runtime,
    parse_space_info,
    space_src,
    stage_error,
    timeout_error,
    waiting_message,
)
from gradiox.exceptions import (
    RequestTimeoutError,
    SpaceError,
    TooManyRequestsError,
    TransportError,
)

if TYPE_CHECKING:
    from gradiox._engine.http import HttpSession
    from gradiox._spaces import SpaceTarget

__all__ = ["resolve_space"]

logger = logging.getLogger("gradiox")

WAKE_TIMEOUT = 10.0  # a wake-up request only has to reach the proxy; its answer is ignored
WAKE_EVERY = 30.0  # resend it while the Space still says SLEEPING/STOPPED
REPORT_EVERY = 30.0  # a "still building" line this often while waiting
SETTLE_LIMIT = 60.0  # after a wait, how long the app may take to answer through the proxy
MAX_HUB_REDIRECTS = 3


async def resolve_space(http: HttpSession, target: SpaceTarget) -> str:
    """Find the Space's app URL and return it once the Space runs.

    A building or starting Space is waited for, a sleeping one is woken and waited for,
    both within ``target.wait_timeout``.

    Raises:
        SpaceNotFoundError: No such Space, or the token cannot see it.
        SpacePausedError: Its owner paused it.
        SpaceFailedError: It failed to build or to run.
        SpaceTimeoutError: It was still not running when the wait ran out.
        NotAGradioAppError: It is a static or Streamlit Space.
        TransportError: The Hub cannot be reached.
    """
    space = _SpaceWait(http, target)
    info = parse_space_info(target, await space.hub_json(""))
    src = space_src(target, info)
    stage, detail = info.stage, info.detail
    if stage is None:
        stage, detail = await space.runtime()
    if await space.until_running(src, stage, detail):
        await space.settle(src)
    logger.debug("gradiox: Space %s runs at %s", target.space_id, src)
    return src


class _SpaceWait:
    """Hub look-ups and the bounded wait for one Space."""

    def __init__(self, http: HttpSession, target: SpaceTarget) -> None:
        self.http = http
        self.target = target
        self.loop = asyncio.get_running_loop()
        self.start = self.loop.time()
        bound = target.wait_timeout
        self.deadline = math.inf if bound is None else self.start + bound
        self._reported: tuple[str, float] | None = None

    # -- the Hub -----------------------------------------------------------------------------

    async def hub_json(self, suffix: str) -> Any:
        """GET ``<hub>/api/spaces/<id><suffix>`` and return its JSON."""
        target = self.target
        url = f"{target.hub}/api/spaces/{target.space_id}{suffix}"
        response = await self._hub_get(url)
        code = response.status_code
        if code in (401, 403, 404):
            raise not_found_error(target, code, _hub_says(response))
        if code == 429:
            raise TooManyRequestsError(
                f"The Hugging Face Hub rate-limited the look-up of Space {target.space_id} "
                "(HTTP 429). Wait a minute and try again; a token (token=...) raises the limit.",
                url=url,
                body=_hub_says(response),
            )
        raise_for_status(response, f"look up Space {target.space_id} on the Hub")
        try:
            return response.json()
        except ValueError as exc:
            raise SpaceError(
                f"The Hub at {target.hub} did not answer {url} with JSON. Is HF_ENDPOINT right?",
                space_id=target.space_id,
            ) from exc

    async def runtime(self) -> tuple[str | None, str | None]:
        """The Space's runtime stage, and the Hub's error message for it if any."""
        return parse_runtime(await self.hub_json("/runtime"))

    async def _hub_get(self, url: str) -> httpx.Response:
        client, target = self.http.client, self.target
        headers = {"user-agent": USER_AGENT, "accept": "application/json"}
        if target.token:
            headers["authorization"] = f"Bearer {target.token}"
        for _ in range(MAX_HUB_REDIRECTS + 1):
            # Built by hand, not with client.build_request: the app's headers, cookies and
            # auth are for the app, not for the Hub.
            request = httpx.Request(
                "GET", url, headers=headers, extensions={"timeout": client.timeout.as_dict()}
            )
            try:
                with translate_errors(url):
                    response = await client.send(request, auth=None, follow_redirects=False)
            except TransportError as exc:
                timed_out = isinstance(exc, RequestTimeoutError)
                raise (RequestTimeoutError if timed_out else TransportError)(
                    f"Could not reach the Hugging Face Hub at {target.hub} to look up Space "
                    f"{target.space_id}: {exc} Check the network, and HF_ENDPOINT if you set it."
                ) from exc
            if not response.is_redirect:
                return response
            location = response.url.join(response.headers["location"])
            if not _same_origin(location, httpx.URL(target.hub)):
                raise SpaceError(
                    f"The Hub redirected the look-up of Space {target.space_id} to "
                    f"{location.host}; gradiox does not send your token to another host.",
                    space_id=target.space_id,
                )
            url = str(location)
        raise SpaceError(
            f"Too many redirects looking up Space {target.space_id} on {target.hub}.",
            space_id=target.space_id,
        )

    # -- waiting -----------------------------------------------------------------------------

    async def until_running(self, src: str, stage: str | None, detail: str | None) -> bool:
        """Wait until the Space runs; True if it did not run at first.

        Raises:
            SpaceError: The stage is one the Space cannot leave by itself.
            SpaceTimeoutError: The wait ran out.
        """
        waited = False
        interval, factor, cap = self.target.poll
        last_wake = -math.inf
        while True:
            error = stage_error(self.target, stage, detail)
            if error is not None:
                raise error
            if stage not in STARTING_STAGES and stage not in ASLEEP_STAGES:
                if stage not in RUNNING_STAGES:
                    logger.debug("gradiox: Space stage %r is unknown; trying the app", stage)
                return waited
            if stage in ASLEEP_STAGES and self.loop.time() - last_wake >= WAKE_EVERY:
                last_wake = self.loop.time()
                await self._wake(src)
            self._progress(stage)
            remaining = self.deadline - self.loop.time()
            if remaining <= 0:
                raise timeout_error(self.target, stage, self.loop.time() - self.start)
            waited = True
            await asyncio.sleep(min(interval, remaining))
            interval = min(interval * factor, cap)
            stage, detail = await self.runtime()

    async def settle(self, src: str) -> None:
        """After a wait, give the proxy a moment to reach the fresh app (quirk 18).

        Returns when ``<src>config`` answers like an app (not a 5xx nor an HTML holding
        page), or after SETTLE_LIMIT; discovery then reports whatever the host says.
        """
        deadline = min(self.deadline, self.loop.time() + SETTLE_LIMIT)
        interval, factor, cap = self.target.poll
        while not await self._answers(src):
            remaining = deadline - self.loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(interval, remaining))
            interval = min(interval * factor, cap)

    async def _answers(self, src: str) -> bool:
        try:
            response = await self.http.request("GET", Routes.of(src).config, timeout=WAKE_TIMEOUT)
        except TransportError:
            return False
        kind = response.headers.get("content-type", "")
        return response.status_code < 500 and "html" not in kind

    async def _wake(self, src: str) -> None:
        """A request to the Space's host is what wakes it; the answer does not matter."""
        timeout = max(0.1, min(WAKE_TIMEOUT, self.deadline - self.loop.time()))
        with contextlib.suppress(TransportError):
            await self.http.request("GET", src, timeout=timeout)

    def _progress(self, stage: str) -> None:
        now = self.loop.time()
        if self._reported is None or self._reported[0] != stage:
            message = waiting_message(self.target, stage)
        elif now - self._reported[1] >= REPORT_EVERY:
            message = waiting_message(self.target, stage, elapsed=now - self.start)
        else:
            return
        self._reported = (stage, now)
        logger.info("gradiox: %s", message)
        if self.target.report is not None:
            self.target.report(message)


def _hub_says(response: httpx.Response) -> str:
    """The Hub's own explanation (its JSON ``error``), shortened."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    return error[:300] if isinstance(error, str) else ""


def _same_origin(url: httpx.URL, other: httpx.URL) -> bool:
    return (url.scheme, url.host, url.port) == (other.scheme, other.host, other.port)
