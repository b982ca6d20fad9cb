"""Streaming inputs against real Gradio 5.x/6.x servers (``tests/apps/streaming_app.py``).

Each handler counts the chunks it has seen (``"<n>:..."``), so the outputs show that every
chunk was processed, once and in order.
"""

from __future__ import annotations

import concurrent.futures
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from tests.integration.helpers import png, run, write_wav

from gradiox import AsyncClient, Client, handle_file
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    ClientClosedError,
    InvalidAPIEndpointError,
    StreamClosedError,
)
from gradiox.streaming import video_frames, wav_chunks

if TYPE_CHECKING:
    from collections.abc import Iterator

# Bounds for whole streams: several seconds of headroom on a loaded 2-core machine.
STREAM_TIMEOUT = 60.0

# 10 frames of 32x24 at 10 fps; frame i has shade i + 1 on /shades (tests/data/make_clip.py).
CLIP = Path(__file__).resolve().parent.parent / "data" / "clip.mp4"


@pytest.fixture(scope="module")
def frames(tmp_path_factory: pytest.TempPathFactory) -> list[Any]:
    """Five PNG frames, 2x1 to 6x1 pixels: the output names each frame's size."""
    folder = tmp_path_factory.mktemp("frames")
    paths = []
    for width in range(2, 7):
        path = folder / f"frame-{width}.png"
        path.write_bytes(png(width, 1))
        paths.append(handle_file(str(path)))
    return paths


@pytest.fixture(scope="module")
def wav_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One second of 8 kHz mono audio."""
    return write_wav(tmp_path_factory.mktemp("audio") / "tone.wav", frames=8000)


@pytest.fixture(scope="module")
def shared_client(streaming_url: str) -> Iterator[Client]:
    with Client(streaming_url, verbose=False) as c:
        yield c


@pytest.fixture
def client(shared_client: Client) -> Client:
    """The module's client in a fresh session: the handlers' chunk counters start at 0."""
    shared_client.reset_session()
    return shared_client


def test_frames_in_order_then_close(client: Client, frames: list[Any]) -> None:
    with client.stream(frames[0], api_name="/frames") as job:
        assert job.feed(frames[1:], every=0.05, close=False) == 4
    # Leaving the block closed the input; the job completes with the last output.
    result = job.result(timeout=STREAM_TIMEOUT)
    outputs = list(job)  # every chunk's output, the last one possibly only in the result
    assert outputs[:5] == ["1:2x1", "2:3x1", "3:4x1", "4:5x1", "5:6x1"]
    assert outputs[5:] == []  # no chunk processed twice (Gradio 5's own close would)
    assert result == outputs[-1]


def test_send_and_iterate(client: Client, frames: list[Any]) -> None:
    job = client.stream(frames[0], api_name="/frames")
    seen = []
    for output in job:
        seen.append(output)
        if len(seen) < 3:
            job.send(frames[len(seen)])
        else:
            job.close()
    assert seen[:3] == ["1:2x1", "2:3x1", "3:4x1"]
    assert job.result(timeout=STREAM_TIMEOUT) == "3:4x1"
    with pytest.raises(StreamClosedError, match="takes no more chunks"):
        job.send(frames[0])


def test_audio_chunks_of_a_wav_file(streaming_url: str, wav_file: Path, tmp_path: Path) -> None:
    async def main() -> tuple[list[str], Any]:
        async with AsyncClient(streaming_url, verbose=False) as client:
            pieces = wav_chunks(wav_file, 0.25, folder=tmp_path)
            job = client.stream(next(pieces), api_name="/audio")
            sent = await job.feed(pieces, every=0.05)
            assert sent == 3
            outputs = [output async for output in job]
            return outputs, await job.result(timeout=STREAM_TIMEOUT)

    outputs, result = run(main())
    assert outputs[:4] == ["1:8000:2000", "2:8000:2000", "3:8000:2000", "4:8000:2000"]
    assert result == outputs[-1]


def test_frames_of_a_video_file(client: Client, tmp_path: Path) -> None:
    # One frame per 0.2 s of video (frames 0, 2, 4, 6, 8), sent at the app's stream_every.
    frames = video_frames(CLIP, every=0.2, folder=tmp_path)
    started = time.monotonic()
    with client.stream(next(frames), api_name="/shades") as job:
        assert job.feed(frames, close=False) == 4
        paced = time.monotonic() - started
    result = job.result(timeout=STREAM_TIMEOUT)
    outputs = list(job)
    assert outputs[:5] == ["1:32x24:1", "2:32x24:3", "3:32x24:5", "4:32x24:7", "5:32x24:9"]
    assert outputs[5:] == []
    assert result == outputs[-1]
    assert paced >= 4 * 0.2 - 0.05  # four waits of the app's stream_every (0.2 s)


def test_every_frame_of_a_video_file_async(streaming_url: str, tmp_path: Path) -> None:
    async def main() -> tuple[list[str], Any]:
        async with AsyncClient(streaming_url, verbose=False) as client:
            frames = video_frames(CLIP, folder=tmp_path)
            job = client.stream(next(frames), api_name="/shades")
            assert await job.feed(frames, every=0.02) == 9
            outputs = [output async for output in job]
            return outputs, await job.result(timeout=STREAM_TIMEOUT)

    outputs, result = run(main())
    assert outputs[:10] == [f"{i}:32x24:{i}" for i in range(1, 11)]
    assert result == outputs[-1]


def test_close_ends_the_job_without_running_the_app_again(
    client: Client, wav_file: Path, tmp_path: Path
) -> None:
    # /audio has no time limit. Gradio 5's own close runs the app once more on the last
    # chunk, then holds the job 30 s longer; gradiox ends it after the last answer instead.
    pieces = list(wav_chunks(wav_file, 0.25, folder=tmp_path))
    started = time.monotonic()
    job = client.stream(pieces[0], api_name="/audio")
    assert job.feed(pieces[1:3], every=0.05) == 2
    assert job.result(timeout=STREAM_TIMEOUT) == "3:8000:2000"
    assert time.monotonic() - started < 15
    assert job.outputs() == ["1:8000:2000", "2:8000:2000", "3:8000:2000"]
    # The app ran once per chunk: the session's counter goes on at 4, and predict() (one
    # chunk) runs it exactly once more.
    assert client.predict(pieces[3], api_name="/audio") == "4:8000:2000"
    assert client.predict(pieces[0], api_name="/audio") == "5:8000:2000"
    assert time.monotonic() - started < 25


def test_predict_on_a_streaming_endpoint_is_one_chunk(client: Client, frames: list[Any]) -> None:
    started = time.monotonic()
    assert client.predict(frames[0], api_name="/frames") == "1:2x1"
    # The chunk counter is session state, so it goes on counting.
    assert client.submit(frames[1], api_name="/frames").result(timeout=STREAM_TIMEOUT) == "2:3x1"
    # The server waits up to 20 s (the time limit) for a next chunk unless told there is none.
    assert time.monotonic() - started < 15


def test_time_limit_ends_the_stream(client: Client, frames: list[Any]) -> None:
    # /limited: 0.3 s per frame and a 2 s limit, so a long feed is cut off.
    job = client.stream(frames[0], api_name="/limited")
    with pytest.raises(StreamClosedError, match="time limit of 2 s") as caught:
        job.feed(frames * 10, every=0)
    assert "chunk(s) of this feed were sent" in str(caught.value)
    result = job.result(timeout=STREAM_TIMEOUT)
    count = int(result.split(":")[0])
    assert 3 <= count <= 10, result
    assert job.outputs()[:3] == ["1:2x1", "2:2x1", "3:3x1"]


def test_cancel_a_stream(client: Client, frames: list[Any]) -> None:
    job = client.stream(frames[0], api_name="/frames")
    job.send(frames[1])
    assert job.cancel()
    with pytest.raises(concurrent.futures.CancelledError):
        job.result(timeout=STREAM_TIMEOUT)
    with pytest.raises(StreamClosedError, match="cancelled"):
        job.send(frames[2])
    # The session goes on: a new stream works (its counter kept the chunks processed).
    assert client.predict(frames[2], api_name="/frames").endswith(":4x1")


def test_async_cancel_and_closed_errors(streaming_url: str, frames: list[Any]) -> None:
    async def main() -> None:
        client = AsyncClient(streaming_url, verbose=False)
        await client.connect()
        job = client.stream(frames[0], api_name="/frames")
        await job.send(frames[1])
        assert await job.cancel()
        with pytest.raises(StreamClosedError):
            await job.send(frames[2])
        other = client.stream(frames[0], api_name="/frames")
        await client.aclose()
        with pytest.raises(ClientClosedError):
            await other.send(frames[1])

    run(main())


def test_bad_input(client: Client, frames: list[Any]) -> None:
    with pytest.raises(InvalidAPIEndpointError, match="does not take streamed inputs"):
        client.stream("hi", api_name="/echo")
    job = client.stream(frames[0], api_name="/frames")
    with pytest.raises(ArgumentError):
        job.send(frames[1], frames[2], frames[3])  # one input (the State is skipped)
    # The app fails on this chunk, so the job ends with the app's error. The failure can
    # arrive before send() returns, and then send() itself says the stream failed.
    try:
        job.send("not an image")
    except StreamClosedError as exc:
        failed_early = str(exc)
    else:
        failed_early = "failed"
    assert "failed" in failed_early
    with pytest.raises(AppError):
        job.result(timeout=STREAM_TIMEOUT)
    with pytest.raises(StreamClosedError, match="failed"):
        job.send(frames[1])


def test_closed_client(streaming_url: str, frames: list[Any]) -> None:
    client = Client(streaming_url, verbose=False)
    job = client.stream(frames[0], api_name="/frames")
    client.close()
    with pytest.raises(ClientClosedError):
        job.send(frames[1])
    with pytest.raises(ClientClosedError):
        client.stream(frames[0], api_name="/frames")


def test_nothing_hangs_when_the_caller_stops_sending(client: Client, frames: list[Any]) -> None:
    # No close, no more chunks: result() closes the input itself.
    job = client.stream(frames[0], api_name="/frames")
    assert job.result(timeout=STREAM_TIMEOUT) in ("1:2x1", "2:2x1")
