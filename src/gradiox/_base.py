"""What the sync and async clients share: options, endpoint lookup, argument binding, view_api.

Nothing here does I/O.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gradiox._protocol.api_info import EndpointInfo, bind_arguments, resolve_endpoint
from gradiox.exceptions import ClientClosedError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gradiox._engine.app import AppConnection

__all__ = ["ClientCore", "default_download_dir"]


def default_download_dir() -> str:
    """Where downloaded files go by default: ``$GRADIO_TEMP_DIR`` or ``<tmp>/gradio``."""
    return os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")


class _DefaultDownloadDir(str):
    """The default value of ``download_files``, resolved when a client is created."""

    def __repr__(self) -> str:
        return "<$GRADIO_TEMP_DIR or <tmp>/gradio>"


DEFAULT_TEMP_DIR: str = _DefaultDownloadDir("")


def build_headers(token: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Headers for every request to the app: the HF token (if given) and the user's headers.

    The token is sent as ``x-hf-authorization``. For a Space id the caller passes the
    explicit or implicit (``HF_TOKEN``, saved file) token, since these headers then only go
    to the Space's host; for a plain URL it passes only an explicit ``token=``, so a token
    the user did not hand over is never sent to an arbitrary host.
    """
    result: dict[str, str] = {}
    if token:
        result["x-hf-authorization"] = f"Bearer {token}"
    if headers:
        result.update(headers)
    return result


def call_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Headers of one queue join: ``x-gradio-user: api`` plus the caller's (which win)."""
    result = {"x-gradio-user": "api"}
    if headers:
        result.update(headers)
    return result


class ClientCore:
    """The parts of a client that don't touch the network."""

    src: str
    verbose: bool
    _conn: AppConnection | None

    def _connection(self) -> AppConnection:
        if self._conn is None:
            raise ClientClosedError(
                "This client is not connected (it was closed, or never connected)."
            )
        return self._conn

    @property
    def endpoints(self) -> dict[int, EndpointInfo]:
        """The app's endpoints keyed by fn_index."""
        return {e.fn_index: e for e in self._connection().app.endpoints}

    @property
    def config(self) -> dict[str, Any]:
        """The app's raw ``/config`` JSON."""
        return self._connection().app.config

    @property
    def protocol(self) -> str:
        """The protocol the app speaks (``sse_v3`` for Gradio 4.22+)."""
        return self._connection().app.features.protocol

    @property
    def session_hash(self) -> str:
        """The current session id; calls in one session share the app's state."""
        return self._connection().session.hash

    @property
    def src_prefixed(self) -> str:
        """The base URL of the app's API routes."""
        return self._connection().app.api_base

    @property
    def app_version(self) -> str:
        """The Gradio version the server reports."""
        return str(self._connection().app.config.get("version", ""))

    def _bind(
        self,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        api_name: str | None,
        fn_index: int | None,
    ) -> tuple[EndpointInfo, list[Any]]:
        conn = self._connection()
        endpoint = resolve_endpoint(conn.app.endpoints, api_name, fn_index)
        return endpoint, bind_arguments(endpoint, args, kwargs)

    def view_api(
        self,
        all_endpoints: bool | None = None,
        print_info: bool = True,
        return_format: Literal["dict", "str"] | None = None,
    ) -> dict[str, Any] | str | None:
        """Describe the app's API: endpoints, parameters, types and defaults.

        Args:
            all_endpoints: Also list unnamed endpoints (by default, only when there are no
                named ones).
            print_info: Print the description.
            return_format: ``"dict"`` returns the API info as a dict, ``"str"`` returns the
                printed text, None returns nothing.

        Returns:
            The description in the requested format, or None.

        Example:
            >>> client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        """
        from gradiox._protocol.render import clean_api_info, render_api_info

        app = self._connection().app
        hidden = [e.api_name for e in app.endpoints if e.api_name and e.visibility != "public"]
        info = clean_api_info(
            app.info or {"named_endpoints": {}, "unnamed_endpoints": {}}, hidden=hidden
        )
        text = None
        if print_info or return_format == "str":
            text = render_api_info(info, all_endpoints=all_endpoints)
            if print_info:
                print(text)  # noqa: T201 - printing is what the caller asked for
        if return_format == "dict":
            return info
        if return_format == "str":
            return text
        return None

    def __repr__(self) -> str:
        try:
            return str(self.view_api(print_info=False, return_format="str"))
        except Exception:  # noqa: BLE001 - repr must not raise
            return f"<{type(self).__name__} {getattr(self, 'src', '?')} (not connected)>"
