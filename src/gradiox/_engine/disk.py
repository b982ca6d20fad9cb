"""Where output files land on disk: the download folder, block writes, atomic landing.

Both file formats (FileData downloads, and the base64 data URLs of 3.x apps) end the same
way: the bytes go to a temporary file inside the download folder, then :func:`land` moves it
to ``<folder>/<sha256 of content>/<name>`` by atomic rename, after checking that the result
stays inside the folder. Blocking file work runs off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from gradiox.exceptions import FileTransferError, ProtocolError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

__all__ = [
    "CHUNK_SIZE",
    "DEFAULT_TEMP_DIR",
    "DownloadWriter",
    "default_download_dir",
    "download_folder",
    "in_thread",
    "land",
    "resolve_download_dir",
    "save_errors",
    "store",
    "temp_path",
]

CHUNK_SIZE = 1 << 20
"""Bytes read from disk per upload step, and buffered per download before a disk write."""
TEMP_PREFIX = ".gradiox-"


class _DefaultDownloadDir(str):
    """The default value of ``download_files``, resolved when a client is created."""

    def __repr__(self) -> str:
        return "<$GRADIO_TEMP_DIR or <tmp>/gradio>"


DEFAULT_TEMP_DIR: str = _DefaultDownloadDir("")


def default_download_dir() -> str:
    """Where downloaded files go by default: ``$GRADIO_TEMP_DIR`` or ``<tmp>/gradio``."""
    return os.environ.get("GRADIO_TEMP_DIR") or str(Path(tempfile.gettempdir()) / "gradio")


def resolve_download_dir(download_files: Any) -> Any:
    """The ``download_files`` option with its default (``DEFAULT_TEMP_DIR`` or True) resolved.

    This is the one place that decides what the default folder is.
    """
    if download_files is DEFAULT_TEMP_DIR or download_files is True:
        return default_download_dir()
    return download_files


def download_folder(download_files: str | os.PathLike[str] | bool | None) -> Path | None:
    """The absolute folder output files go to, or None when downloads are off (False, "")."""
    resolved = resolve_download_dir(download_files)
    if not resolved:
        return None
    return Path(os.path.abspath(os.fspath(resolved)))


def temp_path(folder: Path) -> Path:
    """A fresh temporary file name inside ``folder`` (where it will land, for an atomic move)."""
    return folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}.part"


@contextlib.contextmanager
def save_errors() -> Iterator[None]:
    """Turn OS errors while saving a download into FileTransferError."""
    try:
        yield
    except OSError as exc:
        raise FileTransferError(f"Could not save a downloaded file: {exc}") from exc


async def in_thread(
    fn: Any, *args: Any, undo: Callable[[Any], object] | None = None, **kwargs: Any
) -> Any:
    """Run blocking file-system work off the event loop; OS errors become FileTransferError.

    A cancelled caller still waits for the work to end before the cancellation goes on, so
    that the caller's cleanup sees everything the work did (a file it created, say); then
    ``undo`` is called with the work's result (e.g. to close a file it opened).
    """
    work = asyncio.get_running_loop().run_in_executor(None, functools.partial(fn, *args, **kwargs))
    with save_errors():
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            await _until_done(work)
            if undo is not None and not work.cancelled() and work.exception() is None:
                with contextlib.suppress(OSError):
                    undo(work.result())
            raise


async def _until_done(work: asyncio.Future[Any]) -> None:
    """Wait for ``work`` to end, whatever cancels the caller meanwhile (work is brief)."""
    while not work.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait([work])
    if not work.cancelled():
        work.exception()  # retrieved: its outcome is the cancelled caller's to drop


class DownloadWriter:
    """Writes a download to disk in large blocks, off the event loop, hashing as it goes.

    Each block of about ``CHUNK_SIZE`` bytes is hashed and written in a worker thread while
    the caller goes on reading the network; at most one such write is in flight (the next
    flush waits for it), so blocks land in order and about two blocks are held in memory. An
    OSError from a write is raised as FileTransferError by the next ``write`` or ``finish``.
    """

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._hash = hashlib.sha256()
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._pending: asyncio.Future[None] | None = None

    @classmethod
    async def open(cls, path: Path) -> DownloadWriter:
        handle: BinaryIO = await in_thread(open, path, "xb", undo=_close)
        return cls(handle)

    async def write(self, chunk: bytes) -> None:
        """Buffer ``chunk``; once a block is full, start writing it (after the previous one)."""
        self._buffer.append(chunk)
        self._buffered += len(chunk)
        if self._buffered >= CHUNK_SIZE:
            await self._flush()

    async def _flush(self) -> None:
        await self._wait()
        block = b"".join(self._buffer)
        self._buffer.clear()
        self._buffered = 0
        if block:
            # A bare executor future, not a task: nothing cancels it while the thread runs.
            loop = asyncio.get_running_loop()
            self._pending = loop.run_in_executor(None, self._write_block, block)

    async def _wait(self) -> None:
        """Wait for the write in flight, if any; cancelling the caller leaves it running."""
        pending = self._pending
        if pending is None:
            return
        try:
            with save_errors():
                await asyncio.shield(pending)
        finally:
            if pending.done():
                self._pending = None

    def _write_block(self, block: bytes) -> None:
        self._hash.update(block)
        self._handle.write(block)

    async def finish(self) -> str:
        """Write what is left, wait for it, close the file; return the content's SHA-256."""
        await self._flush()
        await self._wait()
        await in_thread(self._handle.close)
        return self._hash.hexdigest()

    def close(self) -> None:
        """Close the file without waiting: now, or when the write in flight has finished.

        For cleanup after a failure or cancellation; the write's own outcome is dropped.
        """
        pending, self._pending = self._pending, None
        if pending is None:
            self._close_quietly()
        elif pending.done():
            self._drop(pending)
        else:
            pending.add_done_callback(self._drop)

    def _drop(self, pending: asyncio.Future[None]) -> None:
        if not pending.cancelled():
            pending.exception()  # mark it retrieved: no "never retrieved" warning
        self._close_quietly()

    def _close_quietly(self) -> None:
        with contextlib.suppress(OSError):
            self._handle.close()


def _close(handle: BinaryIO) -> None:
    handle.close()


def land(temp: Path, folder: Path, digest: str, name: str) -> str:
    """Move a finished download to ``<folder>/<digest>/<name>``; return its absolute path.

    ``name`` is already a single sanitised path component; the checks here make sure the
    result is inside ``folder`` whatever happens (e.g. a symlink planted in the folder).
    """
    if name in ("", ".", "..") or os.sep in name or (os.altsep and os.altsep in name):
        raise ProtocolError(f"Refusing to save a download under the name {name!r}.")
    directory = folder / digest
    created = not directory.exists()
    directory.mkdir(exist_ok=True)
    try:
        root = folder.resolve()
        if directory.resolve().parent != root:
            raise ProtocolError(f"Refusing to save a download outside {root}.")
        target = directory / name
        os.replace(temp, target)
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                directory.rmdir()
        raise
    return str(target.resolve())


def store(folder: Path, name: str, content: bytes) -> str:
    """Save ``content`` at ``<folder>/<sha256>/<name>`` (atomically); return its path.

    Blocking: call it through :func:`in_thread`. The temporary file is removed on failure.
    """
    folder.mkdir(parents=True, exist_ok=True)
    temp = temp_path(folder)
    try:
        with open(temp, "xb") as handle:
            handle.write(content)
        return land(temp, folder, hashlib.sha256(content).hexdigest(), name)
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
