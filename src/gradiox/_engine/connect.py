"""Find the app: normalise ``src``, fetch ``/config`` and ``/info``, describe the endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import httpx

from gradiox._engine.http import HttpSession, raise_for_status, retry_after
from gradiox._engine.tasks import TaskGroup
from gradiox._protocol.api_info import EndpointInfo, build_endpoints
from gradiox._protocol.config_info import info_from_config
from gradiox._protocol.features import Features, features_from_config
from gradiox._protocol.routes import GUESSED_API_PREFIX, INFO_PARAMS, PUBLIC_INFO_PARAMS, Routes
from gradiox._spaces import as_space_id
from gradiox.exceptions import (
    AppUnavailableError,
    AuthenticationError,
    GradioxError,
    NotAGradioAppError,
    ProtocolError,
    TooManyRequestsError,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from gradiox._engine.retry import RetryPolicy

__all__ = ["AppDescription", "discover", "normalise_src"]

_CONFIG_IN_HTML = re.compile(r"window\.gradio_config\s*=\s*(\{.*?\});?\s*</script>", re.DOTALL)


@dataclass(frozen=True)
class AppDescription:
    """Everything learned about the app at connect time.

    Attributes:
        src: The app URL, with a trailing slash.
        api_base: Where the API routes live (``src`` plus the api prefix).
        config: The raw ``/config`` JSON.
        info: The raw ``/info`` JSON (all endpoints); for apps too old to serve it, the
            same shape built from the config.
        features: What the server can do.
        endpoints: The app's events.
        public_info: ``/info`` as gradio_client asks for it (public endpoints only; the
            server renders file defaults differently there), or None if not available.
    """

    src: str
    api_base: str
    config: dict[str, Any]
    info: dict[str, Any] | None
    features: Features
    endpoints: tuple[EndpointInfo, ...]
    public_info: dict[str, Any] | None = None

    @cached_property
    def routes(self) -> Routes:
        """Every URL of the app."""
        return Routes(self.src, self.api_base)


def normalise_src(src: str) -> str:
    """Return the app URL with a trailing slash (query and fragment dropped), or a Space id.

    A Hugging Face Space id ("owner/name", or its Hub page URL) comes back as "owner/name";
    ``gradiox._engine.spaces`` resolves it to the Space's URL when connecting.

    Raises:
        NotAGradioAppError: If ``src`` is neither an http(s) URL nor a Space id.
    """
    if not isinstance(src, str) or not src.strip():
        raise NotAGradioAppError(f"src must be an http(s) URL of a Gradio app, got {src!r}.")
    src = src.strip()
    space_id = as_space_id(src)
    if space_id is not None:
        return space_id
    if not src.startswith(("http://", "https://")):
        raise NotAGradioAppError(
            f"{src!r} is not an http(s) URL or a Hugging Face Space id. Pass the app's full "
            "URL, e.g. 'http://127.0.0.1:7860/', or a Space id such as 'owner/name'."
        )
    try:
        url = httpx.URL(src)
    except httpx.InvalidURL as exc:
        raise NotAGradioAppError(f"{src!r} is not a valid URL: {exc}") from exc
    if not url.host:
        raise NotAGradioAppError(f"{src!r} has no host name.")
    url = url.copy_with(query=None, fragment=None)
    text = str(url)
    return text if text.endswith("/") else text + "/"


async def discover(http: HttpSession, src: str, retry: RetryPolicy | None = None) -> AppDescription:
    """Fetch the app's config and API info (in parallel where the route is known or guessed).

    Args:
        http: The app's HTTP session.
        src: The app's URL.
        retry: Retries of the config and info requests the server refuses (429, 503).

    Raises:
        NotAGradioAppError: The URL answers, but not as a Gradio app.
        AppUnavailableError: The config or API info request failed with HTTP 5xx.
        AuthenticationError: The app needs a login.
        TooManyRequestsError: The app kept answering 429.
        TransportError: The host cannot be reached.
    """
    # Ask for /info while the config loads: where this app served it last time, else where
    # Gradio 5+ serves it (a first guess that 404s on 3.x and 4.x, once per process).
    early_prefix = _info_prefixes.get(src, GUESSED_API_PREFIX)
    group = TaskGroup()
    late: list[asyncio.Task[Any]] = []
    early = (
        _fetch_infos(group, http, Routes.of(src, early_prefix), retry)
        if early_prefix is not None
        else []
    )
    try:
        config = await _get_config(http, Routes.of(src), retry)
        with _unreadable(src):
            features = features_from_config(config)
        routes = Routes.of(src, features.api_prefix)
        info_prefix = features.api_prefix if features.has_info_route else None
        _remember_info_prefix(src, info_prefix)
        info, public_info = None, None
        if early and info_prefix == early_prefix:
            info, public_info = await asyncio.gather(*early)
        elif info_prefix is not None:
            _cancel(early)
            # No api prefix (3.x, 4.x): the routes hang off src itself, sub-path included.
            late = _fetch_infos(group, http, routes, retry)
            info, public_info = await asyncio.gather(*late)
    finally:
        # A fetch that failed unawaited (the config failed first, or its sibling did) must
        # not be reported as "Task exception was never retrieved" when it is collected.
        _cancel(early)
        _cancel(late)
        await group.aclose()
    with _unreadable(src):
        if info is None:
            # Too old for /info: describe the endpoints from the config (never another host).
            info = info_from_config(config)
        endpoints = tuple(build_endpoints(config, info, public_info))
    return AppDescription(src, routes.api_base, config, info, features, endpoints, public_info)


@contextlib.contextmanager
def _unreadable(src: str) -> Iterator[None]:
    """Turn a crash on a config or API info of an unexpected shape into a ProtocolError."""
    try:
        yield
    except GradioxError:
        raise
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as exc:
        raise ProtocolError(
            f"The app at {src} describes itself (config or API info) in a shape gradiox "
            f"cannot read: {exc!r}. Is it a Gradio app of a supported version (3.x to 6.x)?"
        ) from exc


def _fetch_infos(
    group: TaskGroup, http: HttpSession, routes: Routes, retry: RetryPolicy | None
) -> list[asyncio.Task[Any]]:
    """Start fetching both forms of ``/info``: all endpoints, and gradio_client's form."""
    return [
        group.spawn(_get_info(http, routes, retry)),
        group.spawn(_get_public_info(http, routes)),
    ]


def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        if not task.done():
            task.cancel()
        elif not task.cancelled():
            task.exception()  # mark as retrieved


# Where each app served /info ("gradio_api/", "" or None for none), by app URL: connecting
# again to the same app asks the right route at once. Bounded; the oldest entry goes first.
_info_prefixes: dict[str, str | None] = {}
MAX_REMEMBERED_APPS = 256


def _remember_info_prefix(src: str, prefix: str | None) -> None:
    _info_prefixes.pop(src, None)
    _info_prefixes[src] = prefix
    if len(_info_prefixes) > MAX_REMEMBERED_APPS:
        del _info_prefixes[next(iter(_info_prefixes))]


async def _get_config(
    http: HttpSession, routes: Routes, retry: RetryPolicy | None
) -> dict[str, Any]:
    src = routes.src
    response = await http.request("GET", routes.config, retry=retry)
    code = response.status_code
    if code == 401:
        raise AuthenticationError(
            f"Could not load {src} as credentials were not provided. Please login "
            "(Client(..., auth=(username, password)))."
        )
    if code == 429:
        raise TooManyRequestsError(
            f"Too many requests to the API, please try again later (HTTP 429 from {src}config).",
            url=routes.config,
            retry_after=retry_after(response),
        )
    if code == 200:
        try:
            config = response.json()
        except ValueError:
            config = None
        if isinstance(config, dict) and isinstance(config.get("dependencies"), list):
            return config
    return await _config_from_page(http, routes, response)


async def _config_from_page(
    http: HttpSession, routes: Routes, config_response: httpx.Response
) -> dict[str, Any]:
    """Very old apps only embed their config in the HTML page."""
    src = routes.src
    page = await http.request("GET", routes.page)
    match = _CONFIG_IN_HTML.search(page.text) if page.status_code == 200 else None
    if match:
        try:
            config = json.loads(match.group(1))
        except ValueError:
            config = None
        if isinstance(config, dict) and isinstance(config.get("dependencies"), list):
            return config
    kind = config_response.headers.get("content-type", "unknown content type").split(";")[0]
    if config_response.status_code >= 500:
        raise _unavailable(f"Could not get Gradio config from: {src}.", config_response)
    raise NotAGradioAppError(
        f"Could not get Gradio config from: {src}. GET {src}config answered HTTP "
        f"{config_response.status_code} ({kind}), which is not a Gradio app. Check the URL: "
        "it must be the app's root (e.g. http://127.0.0.1:7860/), with the sub-path if the "
        "app is mounted under one."
    )


async def _get_info(
    http: HttpSession, routes: Routes, retry: RetryPolicy | None
) -> dict[str, Any] | None:
    api_base = routes.api_base
    response = await http.request("GET", routes.info, params=INFO_PARAMS, retry=retry)
    if response.status_code == 404:
        return None
    if response.status_code >= 400 and response.status_code not in (401, 403, 429):
        raise _unavailable(f"Could not fetch api info for {api_base}.", response)
    raise_for_status(response, "fetch the app's API info")
    try:
        info = response.json()
    except ValueError as exc:
        raise NotAGradioAppError(
            f"Could not fetch api info for {api_base}: the answer is not JSON."
        ) from exc
    if not isinstance(info, dict):
        raise NotAGradioAppError(f"Could not fetch api info for {api_base}: unexpected shape.")
    return info


async def _get_public_info(http: HttpSession, routes: Routes) -> dict[str, Any] | None:
    """``/info`` exactly as gradio_client asks for it, for ``view_api()``; None if unusable.

    Only ``view_api()`` reads it (the full form describes every endpoint), so a failure
    here is not an error: ``view_api()`` then derives its answer from the full form.
    """
    try:
        response = await http.request("GET", routes.info, params=PUBLIC_INFO_PARAMS)
        info = response.json() if response.status_code == 200 else None
    except (ValueError, GradioxError):
        return None
    return info if isinstance(info, dict) else None


def _unavailable(what: str, response: httpx.Response) -> AppUnavailableError:
    url, code = str(response.request.url), response.status_code
    return AppUnavailableError(
        f"{what} GET {url} failed with HTTP {code}: the app may be starting, restarting or "
        "broken. Check the app's logs (or the Space's page), then try again.",
        status_code=code,
        url=url,
        body=response.text[:500],
    )
