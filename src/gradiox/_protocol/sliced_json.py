r"""JSON parsing in bounded slices: what ``json.loads`` returns, without one long C call.

A thread inside one long C call (``json.loads`` of a 50 MB event) holds the GIL until the
call returns, so the event loop's thread cannot run meanwhile, even when the parse runs on
a worker thread. This parser makes many calls on at most about a megabyte each; between
two of them the interpreter can hand the GIL to the loop.

How: a value that fits in a slice is parsed by the stdlib's C scanner, on a copy of that
slice. A larger value is taken apart. A long string is unescaped slice by slice, each
slice cut between two escapes and never inside a ``\uXXXX`` surrogate pair, then joined
once. A large array or object is parsed in runs of whole elements: a run ends at a
separator, found with ``str.rfind`` and checked by the C parser, which rejects a cut inside
a string or inside a nested value (the run then shrinks to one element, descended into
only if it is itself too large).

The document may come as pieces (an SSE event's data as it arrived): it is never joined
whole, since joining 50 MB is itself one long call; slices are copied out of the pieces.

Pure: no threads, no I/O; the caller decides where it runs.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from json.decoder import JSONDecodeError
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["STRING_SLICE", "STRUCTURE_SLICE", "loads"]

STRING_SLICE = 1 << 20
"""Characters of a long string unescaped per call (about 1-7 ms on a slow machine)."""
STRUCTURE_SLICE = 1 << 18
"""Characters of arrays and objects parsed per call (JSON structure parses slower)."""
_FIRST_TRY = 1 << 12  # a value is first tried in a window this small, then larger ones
_MAX_SINGLES = 256  # elements taken one by one, at most, between two tries of a run

# The stdlib's C scanners (typeshed does not declare them): one value at a position, and
# one string's content up to its closing quote.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_SCANSTRING: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = " \t\n\r"
_HIGH = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}")
_LOW = re.compile(r"\\u[dD][c-fC-F][0-9a-fA-F]{2}")
_CLOSERS = {"[": "]", "{": "}"}
_EXPECTING = {"[": "Expecting value", "{": "Expecting property name enclosed in double quotes"}


def loads(
    text: str | Sequence[str],
    *,
    string_slice: int = STRING_SLICE,
    structure_slice: int = STRUCTURE_SLICE,
) -> Any:
    """Parse ``text`` as ``json.loads`` does, in calls on at most a slice of it each.

    Args:
        text: A JSON document, or its pieces in order (never joined whole).
        string_slice: Characters of a long string unescaped per call (at least 16).
        structure_slice: Characters of arrays and objects parsed per call (at least 16).

    Raises:
        json.JSONDecodeError: ``text`` is not valid JSON (as ``json.loads`` would).
    """
    if not isinstance(text, str) and len(text) == 1:
        text = text[0]
    doc = text if isinstance(text, str) else _Pieces(text)
    if len(doc) <= structure_slice:
        return json.loads(doc if isinstance(doc, str) else doc.whole())
    if doc[0:1] == "\ufeff":
        return json.loads("\ufeff")  # raises the stdlib's "Unexpected UTF-8 BOM" error
    parser = _Parser(doc, max(16, string_slice), max(16, structure_slice))
    value, end = parser.value(parser.skip(0))
    end = parser.skip(end)
    if end != len(doc):
        raise parser.error("Extra data", end)
    return value


class _Pieces:
    """A document held as pieces: what the parser reads of it are copies of slices."""

    def __init__(self, pieces: Sequence[str]) -> None:
        self.pieces = [piece for piece in pieces if piece]
        self.starts = [0, *itertools.accumulate(map(len, self.pieces))]

    def __len__(self) -> int:
        return self.starts[-1]

    def __getitem__(self, key: slice | int) -> str:
        """``text[a:b]`` (a copy of at most ``b - a`` characters) or ``text[i]``."""
        if isinstance(key, int):
            return self[key : key + 1] or "".join(self.pieces)[key]  # (that raises IndexError)
        a, b = max(key.start or 0, 0), min(len(self) if key.stop is None else key.stop, len(self))
        if a >= b:
            return ""
        k = bisect.bisect_right(self.starts, a) - 1
        if b <= self.starts[k + 1]:
            return self.pieces[k][a - self.starts[k] : b - self.starts[k]]
        parts = [self.pieces[k][a - self.starts[k] :]]
        k += 1
        while self.starts[k + 1] < b:
            parts.append(self.pieces[k])
            k += 1
        parts.append(self.pieces[k][: b - self.starts[k]])
        return "".join(parts)

    def rfind(self, sub: str, start: int, end: int) -> int:
        """As ``str.rfind``, within ``[start, end)``."""
        found = self[start:end].rfind(sub)
        return start + found if found >= 0 else -1

    def whole(self) -> str:
        """The document joined (for errors, which are rare, and small documents)."""
        return "".join(self.pieces)


class _Parser:
    def __init__(self, text: str | _Pieces, string_slice: int, structure_slice: int) -> None:
        self.text = text
        self.size = len(text)
        self.string_slice = string_slice
        self.slice = structure_slice
        # Per container kind: the text around a separator, as seen last (see _run).
        self.separators: dict[str, str] = {}

    def error(self, message: str, position: int) -> JSONDecodeError:
        """The stdlib's error, for the whole document."""
        text = self.text
        return JSONDecodeError(message, text if isinstance(text, str) else text.whole(), position)

    def skip(self, i: int) -> int:
        """The first position at or after ``i`` that is not whitespace."""
        width = 64
        while True:
            window = self.text[i : i + width]
            blank = len(window) - len(window.lstrip(_WHITESPACE))
            if blank < len(window) or i + blank >= self.size:
                return i + blank
            i, width = i + blank, min(width * 8, self.slice)

    def value(self, i: int) -> tuple[Any, int]:
        """The value starting at ``i``, and the position after it."""
        char = self.text[i : i + 1]
        if char == '"':
            return self.string(i + 1)
        if char in _CLOSERS:
            whole = self._whole(i)
            return whole if whole is not None else self._container(i + 1, char)
        return self._scan(i)  # a number or a name: short (or invalid)

    def string(self, start: int) -> tuple[str, int]:
        """The string whose content starts at ``start``, and the position after its quote."""
        text, parts, a, width = self.text, [], start, min(_FIRST_TRY, self.string_slice)
        while True:
            c = min(self.size, a + width)
            if c < self.size:
                c = _cut(text, a, c)
            piece = text[a:c]
            try:
                value, stop = _SCANSTRING(piece + '"', 0, True)
            except JSONDecodeError as exc:
                raise self.error(exc.msg, max(start - 1, a + exc.pos)) from None
            parts.append(value)
            if stop <= len(piece):  # the string's own closing quote
                return "".join(parts), a + stop
            if c == self.size:
                raise self.error("Unterminated string starting at", start - 1)
            a, width = c, min(width * 8, self.string_slice)

    def _whole(self, i: int) -> tuple[Any, int] | None:
        """The array or object at ``i`` if it fits in a slice, else None.

        None also when it is invalid: the caller then takes it apart and finds where.
        """
        width = min(_FIRST_TRY, self.slice)
        while True:
            end = min(self.size, i + width)
            window = self.text[i:end]
            try:
                value, stop = _SCAN(window, 0)
            except (JSONDecodeError, StopIteration):
                stop = -1
            if stop >= 0:  # it ends with its quote or bracket: it was whole
                return value, i + stop
            if end == self.size or width >= self.slice:
                return None
            width = min(width * 8, self.slice)

    def _scan(self, i: int) -> tuple[Any, int]:
        """The number or name at ``i`` (``true``, ``NaN``...), read in a growing window."""
        width = 64
        while True:
            end = min(self.size, i + width)
            window = self.text[i:end]
            try:
                value, stop = _SCAN(window, 0)
            except StopIteration:  # maybe cut by the window: "-Infin"
                stop = -1
            # A number the window cut ("12" of "123", "1e" of "1e+5") ends near its end.
            if end == self.size or 0 <= stop < len(window) - 2:
                if stop < 0:
                    raise self.error("Expecting value", i)
                return value, i + stop
            width *= 8

    def _container(self, i: int, opener: str) -> tuple[Any, int]:
        """The array or object whose content starts at ``i`` (after ``opener``)."""
        text, closer = self.text, _CLOSERS[opener]
        items: list[Any] = []
        members: dict[str, Any] = {}
        i = self.skip(i)
        if text[i : i + 1] == closer:
            return ({} if opener == "{" else []), i + 1
        # Elements to take one by one before trying a run again: each failed try costs a
        # slice, so they grow apart while runs keep failing (nested lists alike at depth 1).
        singles, patience = 0, 1
        while True:
            if text[i : i + 1] == closer:  # a trailing comma
                raise self.error(_EXPECTING[opener], i)
            if not singles:
                run = self._run(i, opener)
                if run is not None:
                    values, i, ended = run
                    if opener == "[":
                        items.extend(values)
                    else:
                        members.update(values)
                    if ended:
                        return (members if opener == "{" else items), i
                    patience = 1
                    continue
                singles, patience = patience, min(2 * patience, _MAX_SINGLES)
            singles -= 1
            i = self._element(i, opener, items, members)
            if text[i : i + 1] == closer:
                return (members if opener == "{" else items), i + 1
            if text[i : i + 1] != ",":
                raise self.error("Expecting ',' delimiter", i)
            i = self._learn(i, opener)

    def _element(self, i: int, opener: str, items: list[Any], members: dict[str, Any]) -> int:
        """Parse one element (one member of an object) at ``i``; return what follows it."""
        if opener == "[":
            value, i = self.value(i)
            items.append(value)
            return self.skip(i)
        if self.text[i : i + 1] != '"':
            raise self.error(_EXPECTING["{"], i)
        key, i = self.string(i + 1)
        i = self.skip(i)
        if self.text[i : i + 1] != ":":
            raise self.error("Expecting ':' delimiter", i)
        members[key], i = self.value(self.skip(i + 1))
        return self.skip(i)

    def _learn(self, comma: int, opener: str) -> int:
        """Remember the text around the separator at ``comma``; return the next element.

        With the quotes and brackets that end and start the elements around it, up to three
        of each: ``]]], [[`` between lists of pairs, where ``]], [`` is one level down.
        """
        text = self.text
        after = self.skip(comma + 1)
        ends = text[max(0, comma - 3) : comma]
        ends = ends[len(ends.rstrip('"]}')) :]
        starts = text[after : after + 3]
        starts = starts[: len(starts) - len(starts.lstrip('"[{'))]
        self.separators[opener] = ends + text[comma:after] + starts
        return after

    def _run(self, i: int, opener: str) -> tuple[Any, int, bool] | None:
        """Parse a run of whole elements from ``i`` in one call.

        Returns:
            The values (a list, or a dict for an object), the next position, and True if
            the container ended there; None if no run of elements fits in a slice.
        """
        window = self.text[i : i + self.slice]
        separator = self.separators.get(opener, ",")
        found = window.rfind(separator)
        if found > 0:
            comma = found + separator.index(",")
            document = opener + window[:comma] + _CLOSERS[opener]
            try:
                values, stop = _SCAN(document, 0)
            except (JSONDecodeError, StopIteration):
                stop = -1
            if stop == len(document):
                return values, self.skip(i + comma + 1), False
        try:  # does the container end within the slice?
            values, stop = _SCAN(opener + window, 0)
        except (JSONDecodeError, StopIteration):
            return None
        return values, i + stop - 1, True


def _cut(text: str | _Pieces, a: int, c: int) -> int:
    r"""Where to end a slice ``text[a:c]`` of a string's content, at or before ``c``.

    ``a`` is a boundary between escapes. The cut moves back so that no escape is split
    (``\n``, ``\\``, ``\u00e9``) and a ``\uXXXX`` pair of surrogates stays whole, since the
    stdlib joins the two into one character only when both are in the same call.
    """
    run = _backslashes_before(text, a, c)
    if run % 2:
        c -= 1  # the run's last backslash starts an escape: keep it whole
    elif not run:
        p = text.rfind("\\", max(a, c - 5), c)
        if p >= 0 and text[p + 1] == "u" and _backslashes_before(text, a, p + 1) % 2:
            c = p  # inside a \uXXXX escape
    high = c - 6
    if (
        high >= a
        and _HIGH.match(text[high:c])
        and _backslashes_before(text, a, high + 1) % 2
        and _LOW.match(text[c : c + 6])
    ):
        c = high
    return c


def _backslashes_before(text: str | _Pieces, a: int, c: int) -> int:
    """How many backslashes end ``text[a:c]``."""
    width = 16
    while True:
        low = max(a, c - width)
        tail = text[low:c]
        run = len(tail) - len(tail.rstrip("\\"))
        if run < len(tail) or low == a:
            return run
        width *= 8
