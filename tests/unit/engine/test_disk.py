"""Landing files on disk, the same way for both file formats, and the default folder."""

from __future__ import annotations

import asyncio
import builtins
import hashlib
import os
import time
from pathlib import Path
from typing import BinaryIO

import pytest
from tests.unit.helpers import run

from gradiox._engine import disk
from gradiox._engine.disk import (
    DEFAULT_TEMP_DIR,
    DownloadWriter,
    download_folder,
    resolve_download_dir,
    store,
)
from gradiox.exceptions import ProtocolError


def test_store_lands_content_under_its_hash(tmp_path: Path) -> None:
    saved = store(tmp_path / "out", "report.txt", b"hello")
    digest = hashlib.sha256(b"hello").hexdigest()
    assert saved == str((tmp_path / "out" / digest / "report.txt").resolve())
    assert Path(saved).read_bytes() == b"hello"
    assert store(tmp_path / "out", "report.txt", b"hello") == saved  # same bytes, same place


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", f"x{os.sep}y"])
def test_store_refuses_names_that_are_not_one_path_component(tmp_path: Path, name: str) -> None:
    with pytest.raises(ProtocolError, match="Refusing to save"):
        store(tmp_path, name, b"data")
    # Nothing is left behind: no temporary file, no empty hash folder.
    assert list(tmp_path.iterdir()) == []


def test_store_never_writes_outside_the_folder_through_a_planted_symlink(tmp_path: Path) -> None:
    folder, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    (folder / hashlib.sha256(b"x").hexdigest()).symlink_to(elsewhere)
    with pytest.raises(ProtocolError, match="outside"):
        store(folder, "f.txt", b"x")
    assert list(elsewhere.iterdir()) == []
    assert [p.name for p in folder.iterdir() if p.name.startswith(".gradiox-")] == []


def test_the_default_folder_is_resolved_in_one_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    assert resolve_download_dir(DEFAULT_TEMP_DIR) == str(tmp_path)
    assert resolve_download_dir(True) == str(tmp_path)
    assert download_folder(DEFAULT_TEMP_DIR) == tmp_path
    assert download_folder(True) == tmp_path
    assert resolve_download_dir("mine") == "mine"
    assert download_folder("mine") == tmp_path.cwd() / "mine"
    for off in (False, None, ""):
        assert download_folder(off) is None


def test_a_cancelled_download_leaves_no_file_or_descriptor_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Cancelled while a worker thread creates the temporary file: the cleanup after the
    # cancel must see the file (so it can remove it), and the handle must be closed.
    opened: list[BinaryIO] = []

    def slow_open(path: Path, mode: str) -> BinaryIO:
        time.sleep(0.2)
        handle: BinaryIO = builtins.open(path, mode)  # noqa: SIM115 - closed by the writer
        opened.append(handle)
        return handle

    monkeypatch.setattr(disk, "open", slow_open, raising=False)
    temp = tmp_path / ".gradiox-download"

    async def download() -> None:
        try:
            await DownloadWriter.open(temp)
        finally:
            temp.unlink(missing_ok=True)

    async def main() -> None:
        task = asyncio.ensure_future(download())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    assert list(tmp_path.iterdir()) == []
    assert len(opened) == 1 and opened[0].closed
