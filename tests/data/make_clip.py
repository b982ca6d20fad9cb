"""Write the video fixtures of the tests: ``clip.mp4``, ``clip.vtt`` and ``clip.srt``.

``clip.mp4`` is a one-second H.264 / MP4 clip of 10 frames of 32x24 pixels at 10 fps
(yuv420p, browser-playable, so Gradio serves it without converting it). Frame ``i`` is a
flat grey of level ``20 + 20 * i``, so a test can tell the frames apart and check their
order. The subtitles cover the first and the second half second.

The files are committed; this script only documents how they were made. Re-run it with
PyAV and NumPy installed (``pip install av numpy``)::

    .venv/bin/python tests/data/make_clip.py
"""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

HERE = Path(__file__).parent
WIDTH, HEIGHT, FPS, FRAMES = 32, 24, 10, 10

VTT = """WEBVTT

00:00:00.000 --> 00:00:00.500
first half

00:00:00.500 --> 00:00:01.000
second half
"""

SRT = """1
00:00:00,000 --> 00:00:00,500
first half

2
00:00:00,500 --> 00:00:01,000
second half
"""


def write_clip(path: Path) -> None:
    with av.open(str(path), "w", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.options = {"preset": "veryslow", "crf": "18", "bf": "0"}
        for i in range(FRAMES):
            pixels = np.full((HEIGHT, WIDTH, 3), 20 + 20 * i, dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


if __name__ == "__main__":
    write_clip(HERE / "clip.mp4")
    (HERE / "clip.vtt").write_text(VTT)
    (HERE / "clip.srt").write_text(SRT)
