from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradiox._protocol.sse import DEFAULT_MAX_EVENT_SIZE, JOIN_LIMIT, ServerSentEvent, SSEDecoder
from gradiox.exceptions import ProtocolError


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def test_gradio_style_stream() -> None:
    raw = b'data: {"msg": "estimation"}\n\ndata: {"msg":"close_stream","event_id":null}\n\n'
    assert [e.data for e in decode([raw])] == [
        '{"msg": "estimation"}',
        '{"msg":"close_stream","event_id":null}',
    ]


def test_line_endings_comments_and_fields() -> None:
    raw = b": comment\r\nevent: complete\r\nid: 7\rretry: 10\ndata: a\ndata: b\r\n\r\n"
    (event,) = decode([raw])
    assert event == ServerSentEvent(pieces=("a\nb",), event="complete", id="7", retry=10)


def test_unicode_line_separators_do_not_split() -> None:
    raw = "data: a\u2028b\u2029c\n\n".encode()
    assert [e.data for e in decode([raw])] == ["a\u2028b\u2029c"]


def test_unterminated_event_is_dropped_and_reported() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b'data: {"msg": "process_com') == []
    assert decoder.has_partial_event
    assert decoder.flush() == []


def test_cr_at_chunk_end_then_lf() -> None:
    assert [e.data for e in decode([b"data: x\r", b"\n\r", b"\n"])] == ["x"]


def test_multibyte_utf8_split_across_chunks() -> None:
    raw = 'data: "héllo ☃"\n\n'.encode()
    assert [e.data for e in decode([raw[:9], raw[9:10], raw[10:]])] == ['"héllo ☃"']


EVENT_TEXT = st.text(
    alphabet=st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
    max_size=30,
)
NEWLINES = st.sampled_from(["\n", "\r", "\r\n"])


@st.composite
def streams(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    datas = draw(st.lists(EVENT_TEXT, max_size=8))
    parts = []
    for data in datas:
        nl = draw(NEWLINES)
        if draw(st.booleans()):
            parts.append(": keep-alive" + nl)
        parts.append("data: " + data + nl + nl)
    return "".join(parts).encode(), datas


@given(streams(), st.lists(st.integers(min_value=0, max_value=400), max_size=20))
def test_any_chunking_yields_the_same_events(
    stream: tuple[bytes, list[str]], cuts: list[int]
) -> None:
    raw, expected = stream
    points = sorted({c % (len(raw) + 1) for c in cuts})
    chunks = [raw[a:b] for a, b in zip([0, *points], [*points, len(raw)], strict=True)]
    assert [e.data for e in decode(chunks)] == expected
    assert [e.data for e in decode([raw])] == expected
    assert [e.data for e in decode([bytes([b]) for b in raw])] == expected


def test_a_leading_byte_order_mark_is_skipped_once() -> None:
    raw = "\ufeffdata: a\n\n".encode()
    assert [e.data for e in decode([raw[:2], raw[2:]])] == ["a"]
    # Only at the start of the stream: later, it is part of a (here unknown) field name.
    assert [e.data for e in decode([b"data: a\n\n", "\ufeffdata: b\n\n".encode()])] == ["a"]


def test_field_without_space_and_data_split_right_after_its_name() -> None:
    assert [e.data for e in decode([b"data", b":x\n", b"data:", b" y\n\n"])] == ["x\ny"]
    assert [e.data for e in decode([b"dat", b"a: z\n\n"])] == ["z"]


def test_a_50_mb_line_in_64_kb_chunks() -> None:
    value = b"0123456789abcdef" * (50 * 1024 * 1024 // 16)
    raw = b'data: {"output": "' + value + b'"}\n\n'
    step = 64 * 1024
    decoder = SSEDecoder()
    events = []
    for start in range(0, len(raw), step):
        events.extend(decoder.feed(raw[start : start + step]))
    assert not decoder.has_partial_event
    (event,) = events
    assert len(event.data) == len(value) + len('{"output": ""}')
    assert event.data.startswith('{"output": "0123') and event.data.endswith('def"}')


def test_decoding_is_linear_in_the_line_length() -> None:
    # Feed one 16 MB line in 64 KB chunks and compare the CPU of its last quarter of chunks
    # with its first: about equal when each chunk costs the same, 7 times more when each
    # chunk rescans what came before (as the old decoder did: quadratic). Same sizes of
    # allocations in both quarters, so memory effects cancel out.
    chunk = b"x" * (64 * 1024)
    quarter = 64
    first = last = float("inf")
    for _ in range(5):
        decoder = SSEDecoder()
        decoder.feed(b"data: ")
        start = time.process_time()
        for _ in range(quarter):
            decoder.feed(chunk)
        first = min(first, time.process_time() - start)
        for _ in range(2 * quarter):
            decoder.feed(chunk)
        start = time.process_time()
        for _ in range(quarter):
            decoder.feed(chunk)
        last = min(last, time.process_time() - start)
    assert last < 3 * max(first, 1e-4), f"last quarter {last:.4f} s, first {first:.4f} s"


def test_an_event_over_the_limit_names_it_and_how_to_raise_it() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    assert [e.data for e in decoder.feed(b"data: " + b"x" * 1000 + b"\n\n")] == ["x" * 1000]
    for _ in range(3):
        decoder.feed(b"y" * 300 if _ else b"data: " + b"y" * 300)
    with pytest.raises(ProtocolError, match=r"max_event_size \(1000 characters\)") as info:
        decoder.feed(b"y" * 300)
    assert "Client(..., max_event_size=...)" in str(info.value)


def test_the_limit_counts_every_data_line_of_one_event() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    with pytest.raises(ProtocolError, match="max_event_size"):
        decoder.feed(b"data: " + b"x" * 600 + b"\ndata: " + b"y" * 600 + b"\n")
    decoder = SSEDecoder(max_event_size=1000)
    for _ in range(10):  # many events, each under the limit
        assert len(decoder.feed(b"data: " + b"x" * 600 + b"\n\n")) == 1


def test_the_default_limit() -> None:
    assert SSEDecoder().max_event_size == DEFAULT_MAX_EVENT_SIZE == 256 * 1024 * 1024


@pytest.mark.parametrize("head", [b"data: ", b"data:", b"data:  "])
@pytest.mark.parametrize("step", [3, 4096, 65536])
def test_large_data_stays_in_pieces(head: bytes, step: int) -> None:
    """Data of JOIN_LIMIT characters or more is not joined by the decoder (the caller joins
    it off the event loop); it is the same data, whatever the chunking."""
    big = "0123456789é\u2603" * (JOIN_LIMIT // 12 + 1)
    raw = b": " + b"c" * JOIN_LIMIT + b"\n" + head + big.encode() + b"\ndata: tail\n\n"
    decoder = SSEDecoder()
    events = []
    chunks = [raw[:1], raw[1:2]] + [raw[i : i + step] for i in range(2, len(raw), step)]
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    (event,) = events
    expected = head[5:].removeprefix(b" ").decode() + big + "\ntail"
    assert event.size == len(expected) and event.data == expected
    assert len(event.pieces) > 1
    small = decode([b"data: x" * 10 + b"\n", b"data: y\n\n"])
    assert [e.pieces for e in small] == [("x" + "data: x" * 9 + "\ny",)]
