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
    return Features(
        protocol=protocol,
        version=version,
        api_prefix=prefix + "/" if prefix else "",
        transport="ws" if protocol == "ws" else "sse_v0" if protocol == "sse" else "sse_session",
        has_diffs=protocol in ("sse_v2", "sse_v2.1", "sse_v3"),
        strict_file_meta=protocol in ("sse_v2.1", "sse_v3"),
        explicit_close=protocol == "sse_v3",
        cancel="route" if version > (4, 29, 0) else "dependency",
        heartbeat=version >= (4, 25) and (wants_heartbeat is None or bool(wants_heartbeat)),
        has_visibility=any(isinstance(d, dict) and "api_visibility" in d for d in dependencies),
    )
