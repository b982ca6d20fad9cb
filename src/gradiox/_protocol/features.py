"""What a Gradio server can do, computed once from its config.

This is the only module that looks at protocol names and version numbers; everything else
asks a :class:`Features` value. Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from gradiox.exceptions import NotAGradioAppError, ProtocolError

__all__ = ["Features", "features_from_config", "parse_version"]

Transport = Literal["ws", "sse_v0", "sse_session"]
CancelStrategy = Literal["route", "dependency"]
ResetBody = Literal["session", "event", "none"]

_KNOWN_PROTOCOLS = ("ws", "sse", "sse_v1", "sse_v2", "sse_v2.1", "sse_v3")


def parse_version(text: Any) -> tuple[int, ...]:
    """Parse a version string such as ``"6.31.0"`` or ``"4.0.0b3"`` into numbers.

    Unknown or missing versions parse as ``(2, 0)``, as gradio_client does.
    """
    if not isinstance(text, str):
        return (2, 0)
    parts = re.findall(r"\d+", text.split("+")[0])[:3]
    return tuple(int(p) for p in parts) if parts else (2, 0)


@dataclass(frozen=True, slots=True)
class Features:
    """Capabilities of one server.

    Attributes:
        protocol: The ``protocol`` string of the config (``"ws"`` when absent).
        version: The server's version as numbers.
        api_prefix: Route base relative to the app URL (``"gradio_api/"`` or ``""``).
        transport: How jobs are submitted and followed.
        has_diffs: Generator outputs after the first arrive as diffs.
        strict_file_meta: Only dicts with ``meta._type == "gradio.FileData"`` are files.
        explicit_close: The server ends the session stream with ``close_stream``.
        cancel: How a running job is cancelled on the server.
        heartbeat: The app wants a ``heartbeat/<session>`` connection.
        has_visibility: The config carries 6.x ``api_visibility`` fields.
        queue_enabled: The app has a queue at all (3.x apps may run without one).
        direct_unqueued: ``queue=False`` events go through the direct HTTP route
            (``api/predict/``), as 3.x browsers and the 1.x client sent them. 4.x+ queues
            accept them too, so there they stay on the queue (as the official client does).
        legacy_files: Files travel in the 3.x format (``{name, data, is_file}`` dicts and
            base64 data URLs for images) instead of FileData.
        has_info_route: ``/info`` gives endpoint signatures (3.x after 3.36.1, and later);
            older apps get signatures built from the config.
        reset: What ``POST reset`` needs to stop a job's iterator: ``session``
            (3.x: session hash and fn_index), ``event`` (4.0-4.29: event id), or ``none``
            (4.31+, where ``/cancel`` does it all).
        stream_close_reruns: Closing a streamed input makes the server run the app once
            more on the last chunk and, for an endpoint without a time limit, keep the job
            open 30 s longer (seen on 5.50; 6.31 ends the job at once). Streams are 5.0+.
    """

    protocol: str
    version: tuple[int, ...]
    api_prefix: str
    transport: Transport
    has_diffs: bool
    strict_file_meta: bool
    explicit_close: bool
    cancel: CancelStrategy
    heartbeat: bool
    has_visibility: bool
    queue_enabled: bool = True
    direct_unqueued: bool = False
    legacy_files: bool = False
    has_info_route: bool = True
    reset: ResetBody = "none"
    stream_close_reruns: bool = False

    def uses_queue(self, queued: bool) -> bool:
        """Whether an event goes through the queue (else the direct HTTP route).

        Args:
            queued: The event's own setting (False for ``queue=False`` events).
        """
        return self.queue_enabled and (queued or not self.direct_unqueued)


def features_from_config(config: Any) -> Features:
    """Compute a server's features from its ``/config`` JSON.

    Raises:
        NotAGradioAppError: If the value does not look like a Gradio config.
        ProtocolError: If the config names a protocol gradiox does not know.
    """
    if not isinstance(config, dict) or not isinstance(config.get("dependencies"), list):
        raise NotAGradioAppError("The server's config has no 'dependencies': not a Gradio app.")
    if "allow_flagging" in config and "protocol" not in config and "components" not in config:
        raise NotAGradioAppError("Gradio 2.x apps are not supported; the app needs Gradio 3+.")
    protocol = config.get("protocol") or "ws"
    if protocol not in _KNOWN_PROTOCOLS:
        raise ProtocolError(
            f"The app speaks protocol {protocol!r}, which this gradiox version does not know "
            f"(known: {', '.join(_KNOWN_PROTOCOLS)}). Upgrade gradiox."
        )
    version = parse_version(config.get("version"))
    prefix = str(config.get("api_prefix") or "").strip("/")
    dependencies = config["dependencies"]
    wants_heartbeat = config.get("connect_heartbeat")
    is_ws = protocol == "ws"
    has_cancel_route = version > (4, 29, 0)
    return Features(
        protocol=protocol,
        version=version,
        api_prefix=prefix + "/" if prefix else "",
        transport="ws" if is_ws else "sse_v0" if protocol == "sse" else "sse_session",
        has_diffs=protocol in ("sse_v2", "sse_v2.1", "sse_v3"),
        strict_file_meta=protocol in ("sse_v2.1", "sse_v3"),
        explicit_close=protocol == "sse_v3",
        cancel="route" if has_cancel_route else "dependency",
        heartbeat=version >= (4, 25) and (wants_heartbeat is None or bool(wants_heartbeat)),
        has_visibility=any(isinstance(d, dict) and "api_visibility" in d for d in dependencies),
        # 3.x queues only when the app called .queue() (and from 3.2, over a websocket).
        queue_enabled=not is_ws or (bool(config.get("enable_queue")) and version >= (3, 2)),
        direct_unqueued=is_ws,
        legacy_files=is_ws,
        # /info exists from ~3.29, but its format changed in 3.37.
        has_info_route=not is_ws or version > (3, 36, 1),
        reset="none" if has_cancel_route else "session" if is_ws else "event",
        stream_close_reruns=version < (6,),
    )
