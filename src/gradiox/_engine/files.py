"""File inputs and outputs of one app: upload what ``handle_file`` marked, download output files.

Uploads stream each file from disk as its own multipart request, the files of one call in
parallel. Downloads stream into a temporary file inside the download folder, hashing as they
go, and land by atomic rename at ``<folder>/<sha256 of content>/<name>``.

Credentials (the client's headers, cookies and httpx ``auth``) go only to the app's origin:
download redirects are followed here, by hand, and a hop to any other origin (or a stream URL
on another host) is requested without them.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import os
import secrets
from typing import TYPE_CHECKING, Any, BinaryIO

import httpx

from gradiox._engine.disk import (
    CHUNK_SIZE,
    DownloadWriter,
    download_folder,
    in_thread,
    land,
    temp_path,
)
from gradiox._engine.download_error import download_error
from gradiox._engine.http import USER_AGENT, json_or_none, raise_for_status, translate_errors
from gradiox._engine.retry import send_with_retries
from gradiox._engine.tasks import run_all
from gradiox._protocol.payload import (
    collect,
    contains,
    download_name,
    is_file_data,
    is_handled_file,
    is_url,
    sanitize_filename,
    server_reference,
    substitute,
)
from gradiox._protocol.replies import upload_path
from gradiox._protocol.routes import same_origin
from gradiox.exceptions import (
    ArgumentError,
    FileNotFoundForUploadError,
    FileTransferError,
    HTTPStatusError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._engine.retry import RetryPolicy

__all__ = ["FileTransfer", "local_read_errors"]


@contextlib.contextmanager
def local_read_errors(path: str) -> Iterator[None]:
    """Turn OS errors while opening or reading an input file into gradiox errors."""
    try:
        yield
    except FileNotFoundError as exc:
        raise FileNotFoundForUploadError(
            f"File {path} does not exist on local filesystem and is not a valid URL."
        ) from exc
    except OSError as exc:
        raise FileTransferError(f"Could not read {path}: {exc}") from exc


MAX_PARALLEL = 16
"""Transfers in flight at once per app."""
MAX_REDIRECTS = 5


class FileTransfer:
    """Uploads and downloads for one app.

    Args:
        http: The app's HTTP session (its headers and cookies are the app's credentials).
        app: What was discovered about the app.
        download_dir: Folder for output files; False (or None, "") returns FileData dicts
            untouched, True means the default folder.
    """

    def __init__(
        self, http: HttpSession, app: AppDescription, download_dir: str | os.PathLike[str] | bool
    ) -> None:
        self.http = http
        self.app = app
        self.download_dir = download_dir
        self.folder = download_folder(download_dir)
        self._strict = app.features.strict_file_meta
        self._slots = asyncio.Semaphore(MAX_PARALLEL)

    # -- inputs ----------------------------------------------------------------------------

    def input_has_files(self, data: list[Any]) -> bool:
        """True if ``data`` contains values made by ``handle_file``."""
        return contains(data, is_handled_file)

    async def upload_inputs(self, data: list[Any], retry: RetryPolicy | None = None) -> list[Any]:
        """Upload the local files in ``data``; return data with server references.

        Every file is checked (exists, within ``max_file_size``) before anything is sent.
        An upload the server refuses (429, 503) is sent again as ``retry`` says.

        Raises:
            FileNotFoundForUploadError: A marked file no longer exists.
            ArgumentError: A file is larger than the app's ``max_file_size``.
            FileTransferError: A file could not be read.
            HTTPStatusError: The app refused an upload.
        """
        resolved, pending = self._plan_uploads(collect(data, is_handled_file))
        server_paths = await run_all([self._upload(local, name, retry) for local, name in pending])
        for (_, name), ids, server_path in zip(
            pending, pending.values(), server_paths, strict=True
        ):
            for key in ids:
                resolved[key] = server_reference(server_path, name)
        result: list[Any] = substitute(data, is_handled_file, lambda v: resolved[id(v)])
        return result

    def _plan_uploads(
        self, marked: list[Any]
    ) -> tuple[dict[int, dict[str, Any]], dict[tuple[str, str], list[int]]]:
        """Check every marked file; return references for URLs and what to upload.

        The values are keyed by ``id()``: the same marked dict can appear several times, and
        identical (path, name) pairs are uploaded once.
        """
        resolved: dict[int, dict[str, Any]] = {}
        pending: dict[tuple[str, str], list[int]] = {}
        for value in marked:
            path: str = value["path"]
            if is_url(path):
                # A file= URL of this very app is a file the server already has: refer to it
                # by path (no transfer, and no server-side fetch that would lack our login).
                server_path = self.app.routes.file_path(path)
                resolved[id(value)] = server_reference(server_path or path, None)
                continue
            local = os.path.abspath(path)
            orig = value.get("orig_name")
            name = sanitize_filename(orig if isinstance(orig, str) and orig else _base(local))
            self._check_upload(path, local)
            pending.setdefault((local, name), []).append(id(value))
        return resolved, pending

    def _check_upload(self, path: str, local: str) -> None:
        try:
            size = os.stat(local).st_size
        except OSError:
            size = None
        if size is None or not os.path.isfile(local):
            raise FileNotFoundForUploadError(
                f"File {path} does not exist on local filesystem and is not a valid URL."
            )
        limit = self.app.config.get("max_file_size")
        if isinstance(limit, int) and not isinstance(limit, bool) and size > limit:
            raise ArgumentError(
                f"File {path} ({size} bytes) exceeds the maximum file size of {limit} bytes "
                "set by the app (max_file_size)."
            )

    async def _upload(self, local: str, name: str, retry: RetryPolicy | None) -> str:
        url = self.app.routes.upload
        async with self._slots:
            response = await send_with_retries(
                lambda: self._upload_once(url, local, name), retry, f"POST {url} ({name})"
            )
        return _server_path(response, local)

    async def _upload_once(self, url: str, local: str, name: str) -> httpx.Response:
        with local_read_errors(local):
            handle = await asyncio.to_thread(open, local, "rb")
        try:
            size = os.fstat(handle.fileno()).st_size
            head, tail, content_type = _multipart_frame(name)
            return await self.http.request(
                "POST",
                url,
                content=_multipart_body(handle, local, size, head, tail),
                headers={
                    "content-type": content_type,
                    "content-length": str(len(head) + size + len(tail)),
                },
            )
        finally:
            handle.close()

    # -- outputs ---------------------------------------------------------------------------

    def _is_output_file(self, value: Any) -> bool:
        return is_file_data(value, strict=self._strict)

    def output_has_files(self, data: list[Any]) -> bool:
        """True if ``data`` contains server files to download (never when downloads are off)."""
        return self.folder is not None and contains(data, self._is_output_file)

    async def download_outputs(
        self, data: list[Any], retry: RetryPolicy | None = None
    ) -> list[Any]:
        """Download the files in ``data``; return data with local paths in their place.

        A download the server refuses (429, 503) is requested again as ``retry`` says.

        Raises:
            FileDownloadError: The app refused a download (AuthenticationError for 401).
            TransportError: The connection failed.
            FileTransferError: The file could not be written to the download folder.
        """
        folder = self.folder
        found = collect(data, self._is_output_file)
        if folder is None or not found:
            return data
        sources: dict[tuple[str, str], list[int]] = {}
        for file_data in found:
            sources.setdefault(self._source(file_data), []).append(id(file_data))
        paths = await run_all([self._download(folder, url, name, retry) for url, name in sources])
        local = {
            key: path for ids, path in zip(sources.values(), paths, strict=True) for key in ids
        }
        result: list[Any] = substitute(data, self._is_output_file, lambda v: local.get(id(v), v))
        return result

    def _source(self, file_data: dict[str, Any]) -> tuple[str, str]:
        """Where to fetch a FileData from, and the local name to give it."""
        url = file_data.get("url")
        if file_data.get("is_stream") and isinstance(url, str):
            source = self.app.routes.stream(url)
        else:
            # Built from our own API base, never from the server's "url" (proxies rewrite it,
            # and a hostile server could point it anywhere).
            source = self.app.routes.file(file_data["path"])
        return source, download_name(file_data)

    async def _download(self, folder: Path, url: str, name: str, retry: RetryPolicy | None) -> str:
        async with self._slots:
            await in_thread(folder.mkdir, parents=True, exist_ok=True)
            temp = temp_path(folder)
            try:
                digest = await self._fetch(url, temp, name, retry)
                saved: str = await in_thread(land, temp, folder, digest, name)
                return saved
            finally:
                with contextlib.suppress(OSError):
                    temp.unlink()

    async def _fetch(self, url: str, temp: Path, name: str, retry: RetryPolicy | None) -> str:
        """Stream ``url`` into ``temp``; return the content's SHA-256."""
        with translate_errors(url):
            response = await send_with_retries(lambda: self._open(url), retry, f"GET {url}")
            try:
                await _check_download(response, name)
                writer = await DownloadWriter.open(temp)
                try:
                    async for chunk in response.aiter_bytes():
                        await writer.write(chunk)
                    return await writer.finish()
                finally:
                    writer.close()
            finally:
                await response.aclose()

    async def _open(self, url: str) -> httpx.Response:
        """Send a GET, following redirects by hand; credentials only to the app's origin."""
        client = self.http.client
        for _ in range(MAX_REDIRECTS + 1):
            if same_origin(url, self.app.src):
                request = client.build_request("GET", url)
                auth: Any = httpx.USE_CLIENT_DEFAULT
            else:
                request = httpx.Request(
                    "GET",
                    url,
                    headers={"user-agent": USER_AGENT},
                    extensions={"timeout": client.timeout.as_dict()},
                )
                auth = None
            response = await client.send(request, stream=True, auth=auth, follow_redirects=False)
            if not response.is_redirect:
                return response
            await response.aclose()
            url = str(response.url.join(response.headers["location"]))
        raise HTTPStatusError(
            f"Could not download {url}: more than {MAX_REDIRECTS} redirects.",
            status_code=response.status_code,
            url=url,
        )


# -- helpers -------------------------------------------------------------------------------


def _base(path: str) -> str:
    return os.path.basename(path)


def _multipart_frame(name: str) -> tuple[bytes, bytes, str]:
    """The bytes around one file in a ``files`` multipart body, and the content type."""
    boundary = secrets.token_hex(16)
    quoted = name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{quoted}"\r\n'
        f"Content-Type: {kind}\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    return head, tail, f"multipart/form-data; boundary={boundary}"


async def _multipart_body(
    handle: BinaryIO, local: str, size: int, head: bytes, tail: bytes
) -> AsyncIterator[bytes]:
    """Yield the multipart body, reading the file in chunks off the event loop."""
    yield head
    left = size
    while left > 0:
        try:
            block = await asyncio.to_thread(handle.read, min(CHUNK_SIZE, left))
        except OSError as exc:
            raise FileTransferError(f"Could not read {local}: {exc}") from exc
        if not block:
            raise FileTransferError(f"{local} shrank while it was being uploaded.")
        left -= len(block)
        yield block
    yield tail


def _server_path(response: httpx.Response, local: str) -> str:
    if response.status_code == 413:
        raise HTTPStatusError(
            f"The app refused to accept {local}: it exceeds the app's maximum file size "
            f"(HTTP 413: {response.text[:200]}).",
            status_code=413,
            url=str(response.url),
            body=response.text[:500],
        )
    raise_for_status(response, f"upload {local}")
    return upload_path(json_or_none(response), response.text)


async def _check_download(response: httpx.Response, name: str) -> None:
    if response.status_code == 200:
        return
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) <= 64 * 1024:
        await response.aread()  # small: worth showing in the error
    if response.status_code in (401, 429):
        raise_for_status(response, f"download {name}")  # login needed / rate-limited
    raise download_error(response, name)
