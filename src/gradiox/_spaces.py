"""Hugging Face Spaces without the network: ids, the Hub's address, the token, runtime stages.

The Hub requests and the wait loop live in ``gradiox._engine.spaces``. This module reads
the environment and the saved-token file, and turns the Hub's answers into data, messages
and typed errors. It never imports ``huggingface_hub``.
"""

from __future__ import annotations

import math
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiox.exceptions import (
    NotAGradioAppError,
    SpaceError,
    SpaceFailedError,
    SpaceNotFoundError,
    SpacePausedError,
    SpaceTimeoutError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "DEFAULT_HUB",
    "DEFAULT_WAIT",
    "WAIT_ENV",
    "SpaceInfo",
    "SpaceTarget",
    "as_space_id",
    "hub_endpoint",
    "implicit_token",
    "not_found_error",
    "parse_runtime",
    "parse_space_info",
    "space_src",
    "space_target",
    "stage_error",
    "timeout_error",
    "wait_timeout",
    "waiting_message",
]

DEFAULT_HUB = "https://huggingface.co"
WAIT_ENV = "GRADIOX_SPACE_WAIT_TIMEOUT"
# Long enough for most APP_STARTING phases and wakes from sleep (a minute or two) and for
# small builds; short enough that a script does not hang on a 30-minute build. The official
# client waits without limit; gradio-rs waits 60 s.
DEFAULT_WAIT = 300.0

# (first, factor, cap) in seconds: quick at first (a Space often starts in seconds), then
# every 10 s, so a long build costs the Hub a few requests a minute.
POLL_SCHEDULE = (1.0, 1.5, 10.0)

RUNNING_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"})
STARTING_STAGES = frozenset({"BUILDING", "APP_STARTING"})
ASLEEP_STAGES = frozenset({"SLEEPING", "STOPPED"})

# Hub repo names: letters, digits, "-", "_" and "."; we also require an alphanumeric first
# character so that "./app" or "../x" are never taken for Space ids.
_NAME = r"[A-Za-z0-9][\w.-]{0,95}"
_SPACE_ID = re.compile(rf"{_NAME}/{_NAME}")
_TRUE = frozenset({"1", "ON", "YES", "TRUE"})


@dataclass(frozen=True)
class SpaceTarget:
    """A Space to resolve, and how long to wait for it.

    Attributes:
        space_id: "owner/name".
        token: The HF token for the Hub and the Space's host (explicit, else implicit).
        hub: The Hub's base URL, without a trailing slash.
        wait_timeout: Seconds to wait for a building, starting or sleeping Space; None
            waits without limit.
        poll: Runtime polling schedule: (first interval, growth factor, cap), in seconds.
        report: Called with each progress line (``print`` when verbose), or None.
    """

    space_id: str
    token: str | None = field(repr=False)
    hub: str
    wait_timeout: float | None
    poll: tuple[float, float, float] = field(default_factory=lambda: POLL_SCHEDULE)
    report: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    @property
    def page(self) -> str:
        """The Space's page on the Hub."""
        return f"{self.hub}/spaces/{self.space_id}"


@dataclass(frozen=True)
class SpaceInfo:
    """What ``GET /api/spaces/{id}`` says about a Space (the fields gradiox uses)."""

    host: str | None
    private: bool
    sdk: str | None
    stage: str | None
    detail: str | None


def is_true(value: str | None) -> bool:
    """Read a boolean environment variable the way huggingface_hub does."""
    return (value or "").strip().upper() in _TRUE


def hub_endpoint() -> str:
    """The Hub's base URL: ``$HF_ENDPOINT``, else https://huggingface.co.

    Raises:
        SpaceError: ``HF_ENDPOINT`` is not an http(s) URL.
    """
    hub = (os.environ.get("HF_ENDPOINT") or "").strip().rstrip("/") or DEFAULT_HUB
    if not hub.startswith(("http://", "https://")):
        raise SpaceError(f"HF_ENDPOINT must be an http(s) URL such as {DEFAULT_HUB}, got {hub!r}.")
    return hub


def as_space_id(src: str) -> str | None:
    """The Space id in ``src``: "owner/name", or a Hub page URL ``<hub>/spaces/owner/name``."""
    if _SPACE_ID.fullmatch(src):
        return src
    parts = urllib.parse.urlsplit(src)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    hubs = {urllib.parse.urlsplit(DEFAULT_HUB).netloc}
    custom = (os.environ.get("HF_ENDPOINT") or "").strip()
    if custom:
        hubs.add(urllib.parse.urlsplit(custom).netloc.lower())
    segments = parts.path.strip("/").split("/")
    if parts.netloc.lower() in hubs and len(segments) >= 3 and segments[0] == "spaces":
        space_id = f"{segments[1]}/{segments[2]}"
        if _SPACE_ID.fullmatch(space_id):
            return space_id
    return None


def saved_token_path() -> Path:
    """Where ``hf auth login`` saves the token: ``$HF_TOKEN_PATH``, else ``$HF_HOME/token``."""
    path = os.environ.get("HF_TOKEN_PATH")
    if not path:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        home = os.environ.get("HF_HOME") or os.path.join(cache, "huggingface")
        path = os.path.join(os.path.expandvars(os.path.expanduser(home)), "token")
    return Path(os.path.expandvars(os.path.expanduser(path)))


def implicit_token() -> str | None:
    """The token the user did not pass but has configured: ``HF_TOKEN``, then the saved file.

    ``HUGGING_FACE_HUB_TOKEN`` (the older name) is read after ``HF_TOKEN``, as
    huggingface_hub does. ``HF_HUB_DISABLE_IMPLICIT_TOKEN=1`` turns all of this off.
    """
    if is_true(os.environ.get("HF_HUB_DISABLE_IMPLICIT_TOKEN")):
        return None
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        token = _clean(os.environ.get(name))
        if token:
            return token
    try:
        return _clean(saved_token_path().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return None


def _clean(token: str | None) -> str | None:
    if token is None:
        return None
    return token.replace("\r", "").replace("\n", "").strip() or None


def wait_timeout() -> float | None:
    """The bound on waiting for a Space: ``$GRADIOX_SPACE_WAIT_TIMEOUT`` seconds, else 300.

    ``none`` or ``inf`` means no limit; ``0`` means don't wait at all.

    Raises:
        SpaceError: The variable is not a non-negative number.
    """
    raw = (os.environ.get(WAIT_ENV) or "").strip()
    if not raw:
        return DEFAULT_WAIT
    if raw.lower() in ("none", "inf", "infinity"):
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not value >= 0:  # also rejects NaN
        raise SpaceError(
            f"{WAIT_ENV} must be a number of seconds ('none' for no limit), got {raw!r}."
        )
    return None if math.isinf(value) else value


def space_target(
    src: str, token: str | None, report: Callable[[str], None] | None = None
) -> SpaceTarget | None:
    """The Space to resolve if ``src`` (as normalised) is a Space id, else None.

    The token is ``token`` if given, else the implicit one (:func:`implicit_token`). A plain
    URL never gets the implicit token.
    """
    if not _SPACE_ID.fullmatch(src):
        return None
    return SpaceTarget(
        space_id=src,
        token=token or implicit_token(),
        hub=hub_endpoint(),
        wait_timeout=wait_timeout(),
        report=report,
    )


# -- the Hub's answers -----------------------------------------------------------------------


def parse_space_info(target: SpaceTarget, body: Any) -> SpaceInfo:
    """Read ``GET /api/spaces/{id}``.

    Raises:
        SpaceError: The answer is not a JSON object.
    """
    if not isinstance(body, dict):
        raise SpaceError(
            f"The Hub at {target.hub} answered with something unexpected about Space "
            f"{target.space_id}. Is HF_ENDPOINT right?",
            space_id=target.space_id,
        )
    host = body.get("host")
    sdk = body.get("sdk")
    runtime = body.get("runtime")
    stage, detail = parse_runtime(runtime) if isinstance(runtime, dict) else (None, None)
    return SpaceInfo(
        host=host if isinstance(host, str) and host else None,
        private=body.get("private") is True,
        sdk=sdk if isinstance(sdk, str) else None,
        stage=stage,
        detail=detail,
    )


def parse_runtime(body: Any) -> tuple[str | None, str | None]:
    """Read ``GET /api/spaces/{id}/runtime``: the stage and the Hub's error message, if any."""
    if not isinstance(body, dict):
        return None, None
    stage = body.get("stage")
    detail = body.get("errorMessage")
    return (
        stage.upper() if isinstance(stage, str) and stage else None,
        detail.strip() if isinstance(detail, str) and detail.strip() else None,
    )


def space_src(target: SpaceTarget, info: SpaceInfo) -> str:
    """The Space's app URL (with a trailing slash), checked before any token goes there.

    On the public Hub the host must be an ``https://*.hf.space`` address; a custom
    ``HF_ENDPOINT`` (a mirror, an enterprise Hub, a test stand-in) is trusted for its hosts.

    Raises:
        NotAGradioAppError: The Space is a static or Streamlit Space.
        SpaceError: The Hub gives no usable host.
    """
    sid = target.space_id
    if info.sdk in ("static", "streamlit"):
        raise NotAGradioAppError(
            f"Space {sid} is a {info.sdk} Space, not a Gradio app, so it has no API to call."
        )
    if info.host is None:
        raise SpaceError(
            f"The Hub gives Space {sid} no host, so there is no app to connect to. "
            f"Check the Space at {target.page}.",
            space_id=sid,
            stage=info.stage,
        )
    parts = urllib.parse.urlsplit(info.host)
    hostname = parts.hostname or ""
    on_hf = parts.scheme == "https" and hostname.endswith(".hf.space")
    if parts.scheme not in ("http", "https") or not hostname or parts.query or parts.fragment:
        raise SpaceError(f"The Hub gives Space {sid} an invalid host {info.host!r}.", space_id=sid)
    if target.hub == DEFAULT_HUB and not on_hf:
        raise SpaceError(
            f"The Hub gives Space {sid} the host {info.host!r}, which is not an "
            "https://*.hf.space address; gradiox will not send your token there. Pass the "
            "app's URL instead of the Space id if you trust it.",
            space_id=sid,
        )
    return info.host.rstrip("/") + "/"


# -- errors and progress lines -------------------------------------------------------------


# Stages a Space cannot leave by itself: the error type and what to tell the user. The
# placeholders are {sid}, {page} and {said} (": <the Hub's error message>" or "").
_STUCK: dict[str, tuple[type[SpaceError], str]] = {
    "PAUSED": (
        SpacePausedError,
        (
            "Space {sid} is paused by its owner, so it cannot be called. Ask the owner to restart "
            "it, or duplicate it to your account ({page}, menu '⋮' → 'Duplicate this Space') and "
            "use your copy."
        ),
    ),
    "BUILD_ERROR": (
        SpaceFailedError,
        (
            "Space {sid} failed to build (BUILD_ERROR){said}. Only its owner can fix it; the build "
            "logs are at {page}?logs=build. You can also duplicate the Space and fix your copy."
        ),
    ),
    "RUNTIME_ERROR": (
        SpaceFailedError,
        (
            "Space {sid} crashed (RUNTIME_ERROR){said}. Its owner must fix or restart it; the logs "
            "are at {page}?logs=container. You can also duplicate it."
        ),
    ),
    "CONFIG_ERROR": (
        SpaceFailedError,
        (
            "Space {sid} has an invalid configuration (CONFIG_ERROR){said}: the metadata at "
            "the top of its README.md is wrong. Only its owner can fix it ({page})."
        ),
    ),
    "NO_APP_FILE": (
        SpaceFailedError,
        (
            "Space {sid} has no app file (NO_APP_FILE), so nothing runs. Its owner must add one, "
            "such as app.py ({page})."
        ),
    ),
    "DELETING": (SpaceNotFoundError, "Space {sid} is being deleted."),
}


def stage_error(target: SpaceTarget, stage: str | None, detail: str | None) -> SpaceError | None:
    """The error for a stage the Space cannot leave by itself, or None."""
    if stage not in _STUCK:
        return None
    kind, template = _STUCK[stage]
    message = template.format(
        sid=target.space_id, page=target.page, said=f": {detail}" if detail else ""
    )
    return kind(message, space_id=target.space_id, stage=stage)


def not_found_error(target: SpaceTarget, status: int, hub_says: str) -> SpaceNotFoundError:
    """The error for a Space the Hub does not show us (401, 403 or 404)."""
    sid = target.space_id
    said = f": {hub_says}" if hub_says else ""
    if target.token:
        hint = (
            "If the Space is private or gated, check that your token (from token=, HF_TOKEN "
            "or the saved-token file) is valid and can read it."
        )
    else:
        hint = (
            "If it is private, pass token='hf_...' (an access token that can read it), set "
            "HF_TOKEN, or log in with `hf auth login`."
        )
    return SpaceNotFoundError(
        f"Could not find Space {sid} on {target.hub} (HTTP {status}{said}). Check the id "
        f"(owner/name, as in {target.hub}/spaces/owner/name). {hint}",
        space_id=sid,
    )


_DOING = {
    "BUILDING": "building",
    "APP_STARTING": "starting",
    "SLEEPING": "asleep",
    "STOPPED": "stopped",
}


def waiting_message(target: SpaceTarget, stage: str, elapsed: float | None = None) -> str:
    """A progress line: the first for a stage (``elapsed`` None), or a later reminder."""
    sid, doing = target.space_id, _DOING.get(stage, stage.lower())
    if elapsed is not None:
        return f"Space {sid} is still {doing} ({elapsed:.0f} s so far). Please wait..."
    bound = (
        "no time limit"
        if target.wait_timeout is None
        else f"giving up after {target.wait_timeout:g} s; set {WAIT_ENV} to change"
    )
    if stage == "BUILDING":
        first = f"Space {sid} is still building. Please wait..."
    elif stage in ASLEEP_STAGES:
        first = f"Space {sid} is {doing}; waking it up. Please wait..."
    else:
        first = f"Space {sid} is {doing}. Please wait..."
    return f"{first} ({bound})"


def timeout_error(target: SpaceTarget, stage: str, elapsed: float) -> SpaceTimeoutError:
    """The error for a Space still not running when the wait ran out."""
    sid, page = target.space_id, target.page
    longer = f"wait longer by setting {WAIT_ENV} (seconds, or 'none' for no limit)"
    if stage in ASLEEP_STAGES:
        message = (
            f"Space {sid} did not wake up within {elapsed:.0f} s (still {stage}). Try again "
            f"later or {longer}. If it stays {stage.lower()}, its owner may need to restart it "
            f"({page})."
        )
    else:
        logs = "build" if stage == "BUILDING" else "container"
        message = (
            f"Space {sid} was still {_DOING.get(stage, stage.lower())} after {elapsed:.0f} s. "
            f"Builds and starts can take many minutes: try again later, or {longer}. "
            f"Logs: {page}?logs={logs}"
        )
    return SpaceTimeoutError(message, space_id=sid, stage=stage)
