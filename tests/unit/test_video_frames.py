"""``gradiox.streaming.video_frames``: a video file decoded into PNG frames, lazily.

``tests/data/clip.mp4`` has 10 frames of 32x24 at 10 fps; frame ``i`` is a flat grey of
level ``20 + 20 * i`` (``tests/data/make_clip.py``), so a frame's shade tells which it is.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import av
import pytest

from gradiox.exceptions import (
    FileNotFoundForUploadError,
    MissingVideoSupportError,
    VideoReadError,
)
from gradiox.streaming import video_frames

CLIP = Path(__file__).resolve().parent.parent / "data" / "clip.mp4"


def shade_and_size(upload: Any) -> tuple[int, int, int]:
    """Which frame of the clip a PNG upload holds (its grey level / 20 - 1), and its size."""
    assert upload["meta"] == {"_type": "gradio.FileData"}
    with av.open(upload["path"]) as image:
        frame = next(image.decode(video=0))
    plane = frame.reformat(format="gray").planes[0]  # no NumPy: the other Pythons lack it
    data, stride = bytes(plane), plane.line_size
    total = sum(sum(data[row * stride : row * stride + plane.width]) for row in range(plane.height))
    return round(total / (plane.width * plane.height) / 20) - 1, frame.width, frame.height


def test_every_frame_in_order_as_png_uploads(tmp_path: Path) -> None:
    frames = list(video_frames(CLIP, folder=tmp_path))
    assert [shade_and_size(f) for f in frames] == [(i, 32, 24) for i in range(10)]
    assert [Path(f["path"]).name for f in frames] == [f"clip-{i:05d}.png" for i in range(10)]
    assert all(Path(f["path"]).read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for f in frames)


@pytest.mark.parametrize(
    ("every", "kept"),
    [
        (0.2, [0, 2, 4, 6, 8]),
        (0.25, [0, 3, 5, 8]),  # the first frame at or after 0, 0.25, 0.5, 0.75
        (0.3, [0, 3, 6, 9]),  # 0.3 s is not "before 3 * 0.1 s" despite float rounding
        (0.1, list(range(10))),
        (0.05, list(range(10))),  # faster than the video: every frame, none twice
        (5.0, [0]),
    ],
)
def test_every_keeps_one_frame_per_period(tmp_path: Path, every: float, kept: list[int]) -> None:
    frames = video_frames(CLIP, every, folder=tmp_path)
    assert [shade_and_size(f)[0] for f in frames] == kept


def test_frames_are_decoded_as_they_are_asked_for(tmp_path: Path) -> None:
    frames = video_frames(CLIP, folder=tmp_path / "new")
    assert (tmp_path / "new").is_dir()
    assert list((tmp_path / "new").iterdir()) == []
    next(frames)
    next(frames)
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == [
        "clip-00000.png",
        "clip-00001.png",
    ]


def test_default_folder_is_a_new_temporary_one() -> None:
    first = next(video_frames(CLIP))["path"]
    second = next(video_frames(CLIP))["path"]
    assert Path(first).parent != Path(second).parent
    assert Path(first).parent.name.startswith("gradiox-frames-")


@pytest.mark.parametrize("every", [0, -0.5, float("nan")])
def test_every_must_be_positive(every: float) -> None:
    with pytest.raises(ValueError, match="every must be a positive number"):
        video_frames(CLIP, every)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.mp4"
    with pytest.raises(FileNotFoundForUploadError, match=r"No such video file.*nope\.mp4"):
        video_frames(missing)


def test_a_file_that_is_not_a_video(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_bytes(b"these are not the frames you are looking for\n" * 20)
    with pytest.raises(VideoReadError, match=r"notes\.mp4"):
        next(video_frames(text))


def test_a_file_without_a_video_stream(tmp_path: Path) -> None:
    subtitles = CLIP.with_suffix(".srt")  # FFmpeg reads it: one subtitle stream, no video
    with pytest.raises(VideoReadError, match="has no video stream"):
        next(video_frames(subtitles, folder=tmp_path))


def test_without_pyav_the_error_says_what_to_install() -> None:
    # A fresh interpreter where `import av` fails, as it does when PyAV is not installed.
    code = (
        "import sys\nsys.modules['av'] = None\n"
        "from gradiox.streaming import video_frames\n"
        "from gradiox.exceptions import MissingVideoSupportError\n"
        f"try:\n    video_frames({str(CLIP)!r})\n"
        "except MissingVideoSupportError as e:\n"
        "    print(isinstance(e, ImportError), e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert out.startswith("True ")
    assert "pip install 'gradiox[video]'" in out


def test_importing_streaming_does_not_import_pyav() -> None:
    code = "import sys, gradiox.streaming; print('av' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert out.strip() == "False"
    assert issubclass(MissingVideoSupportError, ImportError)
