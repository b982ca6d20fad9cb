from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gradiox._protocol.sse import ServerSentEvent, SSEDecoder


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
    assert event == ServerSentEvent(data="a\nb", event="complete", id="7", retry=10)


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
