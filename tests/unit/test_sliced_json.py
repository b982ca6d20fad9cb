"""The sliced JSON parse returns what ``json.loads`` returns, and fails where it fails.

Slices are made tiny here (16-64 characters) so that every document crosses many of them,
and strings are drawn from characters that make escapes: quotes, backslashes, control
characters, non-ASCII, astral characters (surrogate pairs once escaped) and lone surrogates.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradiox._protocol import sliced_json
from gradiox._protocol.sliced_json import loads

TRICKY = '"\\/\n\t\x00\x1f\x7f e\u00e9\u2028\u2603\U0001f600\ud83d\ude00\udfff,:[]{} '
texts = st.text(st.sampled_from(TRICKY) | st.characters(codec=None), max_size=60)
scalars = (
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False) | texts
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=8) | st.dictionaries(texts, inner, max_size=8),
    max_leaves=60,
)
slices = st.integers(16, 64)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A JSON document of ``values``, in one of the ways a server may write it."""
    return json.dumps(
        draw(values),
        ensure_ascii=draw(st.booleans()),
        indent=draw(st.sampled_from([None, 0, 2])),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )


def split(text: str, cuts: list[int]) -> list[str]:
    """``text`` in pieces, cut at ``cuts`` (any positions, empty pieces included)."""
    points = sorted(c % (len(text) + 1) for c in cuts)
    return [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]


cuts = st.lists(st.integers(0, 10**6), max_size=30)


def outcome(parse: Any, text: Any) -> tuple[str, Any]:
    try:
        return "ok", parse(text)
    except ValueError:
        return "error", None


@settings(max_examples=400)
@given(documents(), slices, slices, cuts)
def test_equals_json_loads(
    text: str, string_slice: int, structure_slice: int, at: list[int]
) -> None:
    expected = json.loads(text)
    assert loads(text, string_slice=string_slice, structure_slice=structure_slice) == expected
    pieces = split(text, at)
    assert loads(pieces, string_slice=string_slice, structure_slice=structure_slice) == expected


@settings(max_examples=400)
@given(documents(), st.data(), slices, slices)
def test_fails_where_json_loads_fails(
    text: str, data: st.DataObject, string_slice: int, structure_slice: int
) -> None:
    """Cut, doubled or corrupted documents: the same verdict (and value) as json.loads."""
    at = data.draw(st.integers(0, len(text)))
    edit = data.draw(st.sampled_from(["cut", "insert", "delete"]))
    if edit == "cut":
        text = text[:at]
    elif edit == "insert":
        text = text[:at] + data.draw(st.sampled_from(list(',:[]{}"\\ux0 \n'))) + text[at:]
    else:
        text = text[:at] + text[at + 1 :]

    def sliced(doc: Any) -> Any:
        return loads(doc, string_slice=string_slice, structure_slice=structure_slice)

    assert outcome(sliced, text) == outcome(json.loads, text)
    assert outcome(sliced, split(text, data.draw(cuts))) == outcome(json.loads, text)


@pytest.mark.parametrize("size", range(16, 40))
def test_a_string_cut_at_every_position(size: int) -> None:
    """Each slice size puts the cuts at other places among the escapes and surrogate pairs."""
    value = 'a\\\\"\n\u00e9\U0001f600\ud83d\ud83d\ude00b\udc00' * 20
    text = json.dumps([value, {"k": value}])
    assert loads(text, string_slice=size, structure_slice=size) == json.loads(text)


def test_long_runs_of_backslashes() -> None:
    value = "\\" * 5000 + '"' + "\\" * 4999 + "\u00e9"
    text = json.dumps({"a": value})
    assert loads(text, string_slice=64, structure_slice=64) == {"a": value}
    with pytest.raises(ValueError, match="Unterminated"):
        loads(text[:-8], string_slice=64, structure_slice=64)


def test_a_large_table_is_parsed_in_runs_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows of a table are parsed many at a time, none of the calls on much more than
    a slice: the parse stays close to the speed of json.loads."""
    table = {"headers": ["a", "b"], "data": [[i, f"row, {i}", [i]] for i in range(5000)]}
    text = json.dumps({"msg": "process_completed", "output": {"data": [table]}})
    calls: list[int] = []
    scan = sliced_json._SCAN

    def counting(document: str, index: int) -> tuple[Any, int]:
        calls.append(len(document) - index)
        return scan(document, index)

    monkeypatch.setattr(sliced_json, "_SCAN", counting)
    assert loads(text, structure_slice=4096) == json.loads(text)
    assert max(calls) <= 4096 + 1
    assert len(calls) < 4 * len(text) / 4096


SHAPES = {
    "lists of pairs": [[[i, [i]] for i in range(30)] for _ in range(300)],
    "a large object": {f"key {i}": [i, "v, w"] for i in range(5000)},
    "strings with commas": [f"a, {i}, b" for i in range(10000)],
    "long strings": ['ab,c"d' * 2000 for _ in range(20)],
    "a table": {"data": [[i, f"row, {i}", [i]] for i in range(5000)]},
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_parse_stays_linear_whatever_the_shape(
    shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The C scanners see each character about once: failed tries of a run of elements
    must not cost a slice per element (lists of lists look alike one level down)."""
    text = json.dumps(SHAPES[shape])
    seen = [0]
    scan, scanstring = sliced_json._SCAN, sliced_json._SCANSTRING

    def counting_scan(document: str, index: int) -> tuple[Any, int]:
        seen[0] += len(document) - index
        return scan(document, index)

    def counting_scanstring(piece: str, index: int, strict: bool) -> tuple[str, int]:
        seen[0] += len(piece)
        return scanstring(piece, index, strict)

    monkeypatch.setattr(sliced_json, "_SCAN", counting_scan)
    monkeypatch.setattr(sliced_json, "_SCANSTRING", counting_scanstring)
    assert loads(text, structure_slice=4096, string_slice=16384) == json.loads(text)
    assert seen[0] < 2 * len(text)


def test_a_long_string_is_unescaped_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    value = 'a "quoted" line,\tcaf\u00e9 \\ \u2603\U0001f600\n' * 20000
    text = json.dumps({"msg": "x", "output": {"data": [value]}})
    calls: list[int] = []
    scanstring = sliced_json._SCANSTRING

    def counting(piece: str, index: int, strict: bool) -> tuple[str, int]:
        calls.append(len(piece))
        return scanstring(piece, index, strict)

    monkeypatch.setattr(sliced_json, "_SCANSTRING", counting)
    assert loads(text, string_slice=1 << 16, structure_slice=4096) == json.loads(text)
    assert max(calls) <= (1 << 16) + 1
    assert sum(calls) < 1.1 * len(text)


def test_small_documents_and_errors_as_json_loads() -> None:
    assert loads('{"a": [1, 2.5, true, null, "x"]}') == {"a": [1, 2.5, True, None, "x"]}
    big = json.dumps(["x" * 100] * 100)
    for bad in ["\ufeff" + big, big + " x", big[:-1] + ", ]", "[" + big[1:-1] + ",]", " "]:
        with pytest.raises(ValueError):
            json.loads(bad)
        with pytest.raises(ValueError):
            loads(bad, string_slice=64, structure_slice=64)
    doubled = '{"a": 1, "b": [2], "a": 3}' + " " * 200
    assert list(loads(doubled, structure_slice=16).items()) == list(json.loads(doubled).items())


def test_numbers_longer_than_the_first_window() -> None:
    values = [10**80, -(10**70) - 1, 1.5 * 10**-300, 0.1234567890123456789012345678901234567890123]
    text = json.dumps({"values": values * 20, "pad": "x" * 100})
    assert loads(text, string_slice=64, structure_slice=64) == json.loads(text)
    assert loads(split(text, list(range(0, len(text), 7))), structure_slice=64) == json.loads(text)
