"""Turning one ``map()`` input item into call arguments, and reading inputs lazily."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from gradiox._batch.checkpoint import verify_item
from gradiox._protocol.payload import FILE_DATA_TYPE, HandledFile
from gradiox.exceptions import ArgumentError, CheckpointMismatchError

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["InputSource", "as_call", "input_count"]


def as_call(item: Any) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """``(args, kwargs)`` of one item: a tuple/list is positional, a dict is keywords.

    Anything else (including a ``handle_file`` value, which is a dict) is the single argument
    of a one-parameter endpoint. Wrap a list or dict meant as one value in a 1-tuple.
    """
    if isinstance(item, (tuple, list)):
        return tuple(item), {}
    if isinstance(item, Mapping) and not _is_file(item):
        if not all(isinstance(key, str) for key in item):
            raise ArgumentError(
                "A dict item must map parameter names (str) to values; wrap a dict meant "
                "as one value in a 1-tuple: (value,)."
            )
        return (), dict(item)
    return (item,), {}


def _is_file(item: Mapping[Any, Any]) -> bool:
    if isinstance(item, HandledFile):
        return True
    meta = item.get("meta")
    return isinstance(meta, Mapping) and meta.get("_type") == FILE_DATA_TYPE


def input_count(items: Any) -> int | None:
    """``len(items)`` if the inputs know their length (a list does, a generator doesn't)."""
    try:
        return len(items)
    except TypeError:
        return None


class InputSource:
    """Reads the inputs one at a time, skipping (and checking) items the checkpoint has.

    Args:
        items: The inputs (a sync or async iterable, consumed lazily).
        done: Input hash of every item to skip, by index.
        path: The checkpoint's path, for error messages.
        recorded: Input hash of every item the checkpoint records (default: ``done``);
            those not done run again, but are checked against their input all the same.
        read_in_thread: Advance a sync iterator (a generator, a file...) in a worker
            thread, so that slow reads don't block the event loop. The items a caller is
            about to take are read in one hop (see :meth:`next`). Built-in containers are
            always read in place: reading them runs no user code.
    """

    def __init__(
        self,
        items: Iterable[Any] | AsyncIterable[Any],
        done: Mapping[int, str],
        path: Path | None,
        recorded: Mapping[int, str] | None = None,
        *,
        read_in_thread: bool = False,
    ) -> None:
        self._sync: Iterator[Any] | None = None
        self._async: AsyncIterator[Any] | None = None
        if isinstance(items, AsyncIterable):
            self._async = aiter(items)
        else:
            self._sync = iter(items)
        self._threaded = read_in_thread and not isinstance(items, _IN_PLACE)
        self._ahead: deque[Any] = deque()
        self._want = 1
        self._ended = False
        self._done = done
        self._recorded = done if recorded is None else recorded
        self._path = path
        self._index = -1
        self._held: deque[tuple[int, Any]] = deque()
        self.skipped = 0

    async def _pull(self) -> tuple[bool, Any]:
        if self._threaded:
            return await self._pull_threaded()
        if self._sync is not None:
            for value in self._sync:
                return True, value
            return False, None
        assert self._async is not None
        try:
            return True, await anext(self._async)
        except StopAsyncIteration:
            return False, None

    async def _pull_threaded(self) -> tuple[bool, Any]:
        if not self._ahead and not self._ended:
            assert self._sync is not None
            want = max(1, self._want)
            read = await asyncio.to_thread(_read, self._sync, want)
            self._ended = len(read) < want
            self._ahead.extend(read)
        if self._ahead:
            self._want -= 1
            return True, self._ahead.popleft()
        return False, None

    async def _next_raw(self) -> tuple[int, Any] | None:
        """The next item not in the checkpoint (verifying those that are), or None."""
        while True:
            more, item = await self._pull()
            if not more:
                return None
            self._index += 1
            expected = self._recorded.get(self._index)
            if expected is not None:
                assert self._path is not None
                verify_item(self._path, self._index, expected, item)
            if self._index not in self._done:
                return self._index, item
            self.skipped += 1

    async def verify(self) -> None:
        """Read (and check) inputs up to the checkpoint's last index, before any work starts.

        The items in between that are not done are held (the previous run's items in flight,
        and the failed items it runs again), so a checkpoint of other inputs is refused
        before anything runs. Failed items after the last done one are checked as read.

        Raises:
            CheckpointMismatchError: An input differs from the one recorded, or there are
                fewer inputs than the checkpoint recorded.
        """
        if not self._recorded:
            return
        last = max(self._done) if self._done else min(self._recorded)
        while self._index < last:
            entry = await self._next_raw()
            if entry is None and self._index >= last:
                return  # every input was done
            if entry is None:
                raise CheckpointMismatchError(
                    f"The checkpoint {self._path} records item {last}, but there are only "
                    f"{self._index + 1} inputs: it was written for other inputs. Resume with "
                    "the same inputs, or use a new checkpoint path."
                )
            self._held.append(entry)

    async def next(self, want: int = 1) -> tuple[int, Any] | None:
        """The next ``(index, item)`` to run, or None when the inputs are exhausted.

        Args:
            want: How many items the caller is about to take (this one included): a
                thread-read source reads that many in one hop, never more.
        """
        if self._held:
            return self._held.popleft()
        self._want = want
        return await self._next_raw()


# Reading these runs no user code, so they never need a thread.
_IN_PLACE = (list, tuple, range, str, bytes, dict, set, frozenset)


def _read(iterator: Iterator[Any], count: int) -> list[Any]:
    """Up to ``count`` items of ``iterator`` (fewer once it ends); runs in a worker thread."""
    return list(itertools.islice(iterator, count))
