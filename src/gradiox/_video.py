"""Frames of a video file as image uploads, for streamed image inputs (``video_frames``).

Decoding uses PyAV (``pip install 'gradiox[video]'``: wheels that bundle FFmpeg's
libraries, so no ``ffmpeg`` program is needed). It is imported only when frames are asked
for, so that ``import gradiox`` stays light.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiox.exceptions import FileNotFoundForUploadError, MissingVideoSupportError, VideoReadError
from gradiox.files import handle_file

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

__all__ = ["video_frames"]

# Timestamps are float; this keeps 0.3 s from counting as before the due 3 * 0.1 s.
_EPSILON = 1e-6


def video_frames(
    path: str | Path, every: float | None = None, folder: str | Path | None = None
) -> Iterator[Any]:
    """Decode a video file into PNG frames, as upload values for a streamed image input.

    Yields one ``handle_file`` value per frame kept, in order, ready for ``feed()`` (as a
    webcam would stream them). Frames are decoded one at a time, as they are asked for.

    Args:
        path: The video file (any format FFmpeg reads: MP4, WebM, MKV, AVI, ...).
        every: Keep one frame per ``every`` seconds of the video: the first frame at or
            after each multiple of ``every``. Pass the app's ``stream_every`` (and let
            ``feed()`` pace at it) for the video to play at its own speed. ``None`` keeps
            every frame.
        folder: Where the PNG files are written (default: a new temporary folder).

    Returns:
        An iterator of upload values, one PNG file per frame kept.

    Raises:
        MissingVideoSupportError: PyAV is not installed (``pip install 'gradiox[video]'``).
        FileNotFoundForUploadError: ``path`` does not exist.
        ValueError: ``every`` is not positive.
        VideoReadError: The file is not a video FFmpeg can decode (raised while iterating).
    """
    if every is not None and not every > 0:
        raise ValueError(f"every must be a positive number of seconds or None, got {every!r}.")
    source = Path(path)
    if not source.is_file():
        raise FileNotFoundForUploadError(f"No such video file: {str(path)!r}.")
    av = _import_av()
    out = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="gradiox-frames-"))
    out.mkdir(parents=True, exist_ok=True)
    return _frames(av, source, every, out)


def _import_av() -> ModuleType:
    try:
        import av
    except ImportError as exc:
        raise MissingVideoSupportError(
            "video_frames() decodes videos with PyAV, which is not installed: "
            "pip install 'gradiox[video]' (or pip install av)."
        ) from exc
    return av


def _frames(av: ModuleType, source: Path, every: float | None, out: Path) -> Iterator[Any]:
    """Decode ``source`` and write the frames kept to ``out``, one PNG each."""
    try:
        container = av.open(str(source))
    except av.error.FFmpegError as exc:
        raise VideoReadError(f"{str(source)!r} is not a video FFmpeg can read: {exc}") from exc
    with container:
        if not container.streams.video:
            raise VideoReadError(f"{str(source)!r} has no video stream.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate
        encoder = _PngEncoder(av)
        due = 0.0  # the next multiple of `every` (seconds from the first frame) to keep
        start: float | None = None
        kept = 0
        try:
            for index, frame in enumerate(container.decode(stream)):
                seconds = frame.time if frame.time is not None else index / float(rate or 1)
                start = seconds if start is None else start
                if every is not None:
                    elapsed = seconds - start + _EPSILON
                    if elapsed < due:
                        continue
                    due = (math.floor(elapsed / every) + 1) * every
                target = out / f"{source.stem}-{kept:05d}.png"
                target.write_bytes(encoder.encode(frame))
                kept += 1
                yield handle_file(str(target))
        except av.error.FFmpegError as exc:
            raise VideoReadError(f"Decoding {str(source)!r} failed: {exc}") from exc


class _PngEncoder:
    """Encodes decoded frames as PNG files (one encoder per frame size)."""

    def __init__(self, av: ModuleType) -> None:
        self._av = av
        self._codec: Any = None

    def encode(self, frame: Any) -> bytes:
        codec = self._codec
        if codec is None or (codec.width, codec.height) != (frame.width, frame.height):
            codec = self._av.CodecContext.create("png", "w")
            codec.width, codec.height, codec.pix_fmt = frame.width, frame.height, "rgb24"
            self._codec = codec
        packets = codec.encode(frame.reformat(format="rgb24"))
        return b"".join(bytes(packet) for packet in packets)
