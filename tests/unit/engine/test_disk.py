"""Landing files on disk, the same way for both file formats, and the default folder."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from gradiox._engine.disk import (
    DEFAULT_TEMP_DIR,
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
