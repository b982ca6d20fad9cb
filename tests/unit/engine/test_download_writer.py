"""``_Writer``: a download's blocks are hashed and written in a thread, one write in flight."""

from __future__ import annotations

import asyncio
import errno
import gc
import hashlib
import itertools
import os
import threading
from typing import TYPE_CHECKING, Any

import pytest
from tests.unit.helpers import run

from gradiox._engine.disk import CHUNK_SIZE
from gradiox._engine.disk import DownloadWriter as _Writer
from gradiox.exceptions import FileTransferError

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

WAIT = 5.0  # seconds; every wait is bounded, so a broken writer fails instead of hanging


def record_loop_errors(errors: list[dict[str, Any]]) -> None:
    asyncio.get_running_loop().set_exception_handler(lambda _, context: errors.append(context))


def gated_write_block(
    monkeypatch: pytest.MonkeyPatch, fail: bool = False
) -> tuple[threading.Event, threading.Event, list[bool]]:
    """Make block writes wait for ``release``; return (started, release, handle-closed seen)."""
    started, release = threading.Event(), threading.Event()
    closed_seen: list[bool] = []
    original: Callable[[_Writer, bytes], None] = _Writer._write_block

    def write_block(self: _Writer, block: bytes) -> None:
        started.set()
        release.wait(2 * WAIT)
        closed_seen.append(self._handle.closed)
        if fail:
            raise OSError(errno.ENOSPC, "No space left on device")
        original(self, block)

    monkeypatch.setattr(_Writer, "_write_block", write_block)
    return started, release, closed_seen


def test_content_and_digest_over_many_blocks_with_odd_chunks(tmp_path: Path) -> None:
    data = os.urandom(7 * CHUNK_SIZE // 2)
    path = tmp_path / "out.part"
    sizes = itertools.cycle([100_003, 77_777, 1, 131_071, 99_991])

    async def main() -> str:
        writer = await _Writer.open(path)
        try:
            at = 0
            while at < len(data):
                size = next(sizes)
                await writer.write(data[at : at + size])
                at += size
            return await writer.finish()
        finally:
            writer.close()

    assert run(main()) == hashlib.sha256(data).hexdigest()
    assert path.read_bytes() == data


def test_next_write_returns_while_the_previous_block_is_still_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release, closed_seen = gated_write_block(monkeypatch)
    path = tmp_path / "out.part"
    first, second = b"a" * CHUNK_SIZE, b"b" * CHUNK_SIZE

    async def main() -> str:
        writer = await _Writer.open(path)
        try:
            # A serial writer would not return from either call before ``release``.
            await asyncio.wait_for(writer.write(first), WAIT)
            assert await asyncio.to_thread(started.wait, WAIT)
            await asyncio.wait_for(writer.write(b"tail"), WAIT)
            # The next full block waits for the one in flight: never two writes at once.
            pending = asyncio.ensure_future(writer.write(second))
            await asyncio.sleep(0.05)
            assert not pending.done()
            release.set()
            await asyncio.wait_for(pending, WAIT)
            return await asyncio.wait_for(writer.finish(), WAIT)
        finally:
            release.set()
            writer.close()

    content = first + b"tail" + second
    assert run(main()) == hashlib.sha256(content).hexdigest()
    assert path.read_bytes() == content
    assert closed_seen == [False, False]


@pytest.mark.parametrize("surfaces_in", ["write", "finish"])
def test_a_failed_background_write_surfaces_as_file_transfer_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, surfaces_in: str
) -> None:
    def write_block(self: _Writer, block: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(_Writer, "_write_block", write_block)
    errors: list[dict[str, Any]] = []

    async def main() -> None:
        record_loop_errors(errors)
        writer = await _Writer.open(tmp_path / "out.part")
        try:
            await writer.write(b"a" * CHUNK_SIZE)  # the failing write starts in the background
            step = writer.write(b"b" * CHUNK_SIZE) if surfaces_in == "write" else writer.finish()
            with pytest.raises(
                FileTransferError, match=r"Could not save a downloaded file: .*No sp"
            ):
                await step
        finally:
            writer.close()
        assert writer._handle.closed
        del writer
        gc.collect()
        await asyncio.sleep(0)

    run(main())
    assert errors == []


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("fail", [False, True], ids=["write-ok", "write-fails"])
def test_cancel_closes_the_file_only_after_the_write_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail: bool
) -> None:
    started, release, closed_seen = gated_write_block(monkeypatch, fail=fail)
    errors: list[dict[str, Any]] = []

    async def main() -> None:
        record_loop_errors(errors)
        writer = await _Writer.open(tmp_path / "out.part")
        handle = writer._handle

        async def fetch(writer: _Writer) -> None:  # as FileTransfer._fetch: close() in a finally
            try:
                await writer.write(b"a" * CHUNK_SIZE)
                await writer.write(b"b" * CHUNK_SIZE)  # waits for the first block
            finally:
                writer.close()

        task = asyncio.ensure_future(fetch(writer))
        try:
            assert await asyncio.to_thread(started.wait, WAIT)
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert not handle.closed  # not under the running write's feet
        finally:
            release.set()
        for _ in range(int(WAIT / 0.01)):
            if handle.closed:
                break
            await asyncio.sleep(0.01)
        assert handle.closed
        del writer, task
        gc.collect()
        await asyncio.sleep(0)

    run(main())
    assert closed_seen == [False]
    assert errors == []
