"""The checkpoint file of a ``map()`` run: one JSON object per finished item, append-only.

The first line is a header naming the endpoint; every other line is one finished item::

    {"gradiox_checkpoint": 1, "endpoint": "/add"}
    {"index": 0, "input_hash": "9f2c...", "output": 3}
    {"index": 1, "input_hash": "07ab...", "error": {"type": "AppError", "message": "...",
     "transient": false}}

A resumed run skips the items the file holds, except failed ones it runs again (by default
those whose error was ``transient``: a lost connection, a server error, a deadline). The new
record of such an item is appended after the old one; the last record of an index wins.

A line is written and flushed to the operating system before its item is reported, so a
crashed process (even SIGKILL) loses nothing it reported; the file is fsync'd at most once a
second and on close, so an OS crash loses at most the last second. A line cut short by a crash
(the file's last line, without its newline) is dropped on resume.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal

from gradiox._batch.retry import transient
from gradiox.exceptions import CheckpointError, CheckpointMismatchError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = [
    "Checkpoint",
    "CheckpointState",
    "RerunFailed",
    "input_hash",
    "load_checkpoint",
    "settled",
]

FORMAT_VERSION = 1
FSYNC_INTERVAL = 1.0
RERUN_CHOICES = ("transient", "all", "none")

RerunFailed = Literal["transient", "all", "none"]


def settled(entry: dict[str, Any], rerun_failed: RerunFailed) -> bool:
    """Whether a resumed run keeps a checkpoint record (True) or runs its item again.

    Args:
        entry: One record (``output`` or ``error``).
        rerun_failed: Which failed items run again: ``"transient"`` (a lost connection, a
            server error, a deadline), ``"all"`` or ``"none"``.
    """
    error = entry.get("error")
    if error is None or rerun_failed == "none":
        return True
    if rerun_failed == "all":
        return False
    return not (isinstance(error, dict) and error.get("transient") is True)


def input_hash(item: Any) -> str:
    """A stable hash of one input item (its JSON form; non-JSON values by ``repr``)."""
    text = json.dumps(item, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass
class CheckpointState:
    """What a checkpoint file already holds.

    Attributes:
        done: Input hash of every item a resumed run skips, by index.
        recorded: Input hash of every item the file records (done or to run again), by index.
        good_size: Bytes of the file up to its last complete line (a torn tail is cut).
        exists: The file existed (and was not empty).
    """

    done: dict[int, str] = field(default_factory=dict)
    recorded: dict[int, str] = field(default_factory=dict)
    good_size: int = 0
    exists: bool = False


def load_checkpoint(
    path: Path, endpoint: str, rerun_failed: RerunFailed = "transient"
) -> CheckpointState:
    """Read a checkpoint written for ``endpoint`` (a missing or empty file is a fresh start).

    Failed items that ``rerun_failed`` selects (see :func:`settled`) are not ``done``.

    Raises:
        CheckpointError: The file can't be read or isn't a gradiox checkpoint.
        CheckpointMismatchError: It was written for another endpoint.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return CheckpointState()
    except OSError as exc:
        raise CheckpointError(
            f"Cannot read the checkpoint {path}: {exc}. Fix its permissions or pass another path."
        ) from exc
    if not raw:
        return CheckpointState()
    complete = raw.rfind(b"\n") + 1  # anything after the last newline is a torn line
    lines = raw[:complete].splitlines()
    if not lines:
        if raw.startswith(b'{"gradiox_checkpoint"'):
            return CheckpointState()  # the header itself was cut short: nothing was done
        raise CheckpointError(_not_a_checkpoint(path, "it has no complete line"))
    _check_header(path, lines[0], endpoint)
    state = CheckpointState(good_size=complete, exists=True)
    for number, line in enumerate(lines[1:], start=2):
        index, digest, entry = _parse_record(path, number, line)
        state.recorded.setdefault(index, digest)
        if settled(entry, rerun_failed):
            state.done[index] = digest
        else:  # a later record of the same item (a re-run) replaces this one
            state.done.pop(index, None)
    return state


def _check_header(path: Path, line: bytes, endpoint: str) -> None:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or "gradiox_checkpoint" not in header:
        raise CheckpointError(_not_a_checkpoint(path, "its first line is not a gradiox header"))
    if header.get("gradiox_checkpoint") != FORMAT_VERSION:
        raise CheckpointError(
            f"The checkpoint {path} has format {header.get('gradiox_checkpoint')!r}; this "
            f"gradiox writes format {FORMAT_VERSION}. Use a new checkpoint path."
        )
    if header.get("endpoint") != endpoint:
        raise CheckpointMismatchError(
            f"The checkpoint {path} was written for endpoint {header.get('endpoint')!r}, not "
            f"{endpoint!r}. Use the endpoint it was written for, or a new checkpoint path."
        )


def _parse_record(path: Path, number: int, line: bytes) -> tuple[int, str, dict[str, Any]]:
    try:
        record = json.loads(line)
        index, digest = record["index"], record["input_hash"]
    except (ValueError, KeyError, TypeError):
        record = index = digest = None
    if not isinstance(index, int) or not isinstance(digest, str) or index < 0:
        raise CheckpointError(
            f"Line {number} of the checkpoint {path} is not a gradiox record: {line[:120]!r}. "
            "Only the last line may be cut short by a crash; was the file edited?"
        )
    return index, digest, record


def _not_a_checkpoint(path: Path, why: str) -> str:
    return (
        f"{path} is not a gradiox checkpoint ({why}). Pass a new path, or the file a "
        "previous map() wrote."
    )


def verify_item(path: Path, index: int, expected: str, item: Any) -> None:
    """Raise if the checkpoint's record of ``index`` was for another input than ``item``."""
    if input_hash(item) != expected:
        raise CheckpointMismatchError(
            f"The checkpoint {path} was written for other inputs: item {index} is not the "
            "input it recorded. Resume with the same inputs in the same order, or use a new "
            "checkpoint path."
        )


class Checkpoint:
    """The open checkpoint of a running ``map()``: appends one line per finished item."""

    def __init__(self, path: Path, endpoint: str, state: CheckpointState) -> None:
        self.path = path
        self.state = state
        try:
            self._file: IO[bytes] = open(path, "r+b" if state.exists else "wb")  # noqa: SIM115
            if state.exists:
                self._file.truncate(state.good_size)  # drop a torn last line
                self._file.seek(state.good_size)
            else:
                header = {"gradiox_checkpoint": FORMAT_VERSION, "endpoint": endpoint}
                self._file.write(json.dumps(header).encode() + b"\n")
                self._file.flush()
        except OSError as exc:
            raise CheckpointError(f"Cannot write the checkpoint {path}: {exc}.") from exc
        self._synced = time.monotonic()

    def record(self, index: int, digest: str, output: Any, error: BaseException | None) -> None:
        """Append one finished item and flush it to the OS (fsync at most once a second)."""
        entry: dict[str, Any] = {"index": index, "input_hash": digest}
        if error is None:
            entry["output"] = output
        else:
            entry["error"] = {
                "type": type(error).__name__,
                "message": str(error),
                "transient": transient(error),
            }
        line = json.dumps(entry, default=str, separators=(",", ":")).encode() + b"\n"
        try:
            self._file.write(line)
            self._file.flush()
            now = time.monotonic()
            if now - self._synced >= FSYNC_INTERVAL:
                os.fsync(self._file.fileno())
                self._synced = now
        except OSError as exc:
            raise CheckpointError(f"Cannot write the checkpoint {self.path}: {exc}.") from exc

    def close(self) -> None:
        """Fsync and close the file."""
        if self._file.closed:
            return
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError:
            pass
        finally:
            self._file.close()


def read_checkpoint(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The record of every item of a checkpoint file, in the order written.

    An item that a resumed run ran again has several records: only its last one is
    returned. A torn last line is dropped.

    Args:
        path: The file ``map(..., checkpoint=...)`` wrote.

    Returns:
        Dicts with ``index``, ``input_hash`` and ``output`` or ``error`` (``type``,
        ``message`` and ``transient``: whether a re-run may succeed).
    """
    with open(path, "rb") as handle:
        raw = handle.read()
    lines = raw[: raw.rfind(b"\n") + 1].splitlines()
    latest: dict[int, dict[str, Any]] = {}
    for line in lines[1:]:
        entry = json.loads(line)
        latest.pop(entry["index"], None)  # re-inserted: keeps the order of last writes
        latest[entry["index"]] = entry
    return list(latest.values())
