"""File inputs and outputs of Gradio 3.x apps, whose file values depend on the component.

Inputs are encoded per input component by the ws transport, once it knows the endpoint:
images inline as base64 data URLs, other files uploaded (``POST upload``) and sent as
``{name, is_file: true}``. Outputs come back as 3.x file dicts, turned into FileData dicts
that the inherited download code fetches, or as base64 data URLs, decoded here into the
same download folder layout (``<folder>/<sha256 of content>/<name>``).
"""

from __future__ import annotations

import asyncio
import mimetypes
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from gradiox._engine.disk import in_thread, store
from gradiox._engine.files import FileTransfer, local_read_errors
from gradiox._engine.http import USER_AGENT, raise_for_status, translate_errors
from gradiox._protocol.legacy_files import (
    IMAGE_INPUTS,
    data_url,
    decode_data_url,
    inline_file,
    is_data_url,
    is_legacy_file,
    legacy_file_ref,
    name_for_data_url,
    output_file_data,
    outputs_may_hold_data_urls,
)
from gradiox._protocol.payload import (
    collect,
    is_handled_file,
    is_url,
    sanitize_filename,
    substitute,
)
from gradiox._protocol.routes import same_origin
from gradiox.exceptions import FileTransferError, ProtocolError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["LegacyFileTransfer"]

MAX_INLINE = 512 * 1024 * 1024
"""Largest file sent inline (base64 in the job's message) or fetched from a URL for it."""


class LegacyFileTransfer(FileTransfer):
    """Uploads and downloads for one Gradio 3.x app."""

    def input_has_files(self, data: list[Any]) -> bool:
        """Always False: the ws transport encodes inputs itself, per component."""
        return False

    # -- inputs ----------------------------------------------------------------------------

    async def encode_inputs(self, input_types: Sequence[str], data: list[Any]) -> list[Any]:
        """Replace ``handle_file`` values by 3.x file values for their input components.

        Raises:
            FileNotFoundForUploadError: A local file does not exist.
            HTTPStatusError: An upload, or the download of a URL input, was refused.
            FileTransferError: A file could not be read.
        """
        encoded: dict[int, Any] = {}
        for index, value in enumerate(data):
            kind = input_types[index] if index < len(input_types) else ""
            for handled in collect(value, is_handled_file):
                if id(handled) not in encoded:
                    encoded[id(handled)] = await self._legacy_encode(handled, kind)
        if not encoded:
            return data
        result: list[Any] = substitute(data, is_handled_file, lambda v: encoded[id(v)])
        return result

    async def _legacy_encode(self, handled: dict[str, Any], kind: str) -> Any:
        path: str = handled["path"]
        orig = handled.get("orig_name")
        name = sanitize_filename(orig if isinstance(orig, str) and orig else Path(path).name)
        if kind in IMAGE_INPUTS:
            content, mime_type = await self._legacy_read(path)
            return data_url(content, mime_type)
        if is_url(path):
            server_path = self.app.routes.file_path(path)
            if server_path is not None:
                return legacy_file_ref(server_path, name)
            content, mime_type = await self._legacy_read(path)
            return inline_file(name, content, mime_type)
        [reference] = await self.upload_inputs([handled])
        return legacy_file_ref(reference["path"], reference.get("orig_name") or name)

    async def _legacy_read(self, path: str) -> tuple[bytes, str | None]:
        """The bytes and MIME type of a local file or a URL."""
        if is_url(path):
            return await self._legacy_fetch(path)
        with local_read_errors(path):
            content = await asyncio.to_thread(_read_small, path)
        return content, mimetypes.guess_type(path)[0]

    async def _legacy_fetch(self, url: str) -> tuple[bytes, str | None]:
        """GET a URL input; the app's credentials go only to the app's own origin."""
        if same_origin(url, self.app.src):
            response = await self.http.request("GET", url)
        else:
            request = httpx.Request("GET", url, headers={"user-agent": USER_AGENT})
            with translate_errors(url):
                response = await self.http.client.send(request, auth=None, follow_redirects=True)
                await response.aread()
        raise_for_status(response, f"download the input {url}")
        if len(response.content) > MAX_INLINE:
            raise FileTransferError(f"{url} is too large to send inline.")
        kind = response.headers.get("content-type", "").split(";")[0].strip()
        return response.content, kind or mimetypes.guess_type(url)[0]

    # -- outputs ---------------------------------------------------------------------------

    async def decode_outputs(self, output_types: Sequence[str], data: list[Any]) -> list[Any]:
        """Turn 3.x output files into FileData dicts (downloaded later) or local files.

        Data URLs are decoded into the download folder; without one (``download_files``
        off) they are returned as they came.

        Raises:
            FileTransferError: A decoded file could not be written.
            ProtocolError: A data URL is not valid base64.
        """
        result = []
        for index, value in enumerate(data):
            kind = output_types[index] if index < len(output_types) else ""
            value = substitute(
                value, is_legacy_file, lambda v: output_file_data(v, self.app.routes)
            )
            if self.folder is not None:
                value = await self._legacy_save_inline(value, kind)
            result.append(value)
        return result

    async def _legacy_save_inline(self, value: Any, kind: str) -> Any:
        """Save the data URLs in one output value (bare ones only for file components)."""
        bare_urls = outputs_may_hold_data_urls(kind)

        def is_inline(v: Any) -> bool:
            if bare_urls and is_data_url(v):
                return True
            return isinstance(v, dict) and not v.get("is_file") and is_data_url(v.get("data"))

        saved: dict[int, str] = {}
        for found in collect(value, is_inline):
            if id(found) not in saved:
                saved[id(found)] = await self._legacy_save(found, kind or "file")
        if not saved:
            return value
        return substitute(value, is_inline, lambda v: saved[id(v)])

    async def _legacy_save(self, value: Any, stem: str) -> str:
        text = value if isinstance(value, str) else value["data"]
        try:
            mime_type, content = decode_data_url(text)
        except ValueError as exc:
            raise ProtocolError(f"The app sent a file that is not valid base64: {exc}") from exc
        name = name_for_data_url(mime_type, stem)
        if isinstance(value, dict):
            given = value.get("orig_name") or value.get("name")
            if isinstance(given, str) and given:
                name = sanitize_filename(Path(given.replace("\\", "/")).name)
        assert self.folder is not None
        saved: str = await in_thread(store, self.folder, name, content)
        return saved


def _read_small(path: str) -> bytes:
    with open(path, "rb") as handle:
        content = handle.read(MAX_INLINE + 1)
    if len(content) > MAX_INLINE:
        raise FileTransferError(f"{path} is too large to send inline (over {MAX_INLINE} bytes).")
    return content
