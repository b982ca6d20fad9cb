"""Gradio test app for streaming inputs (``.stream()`` events, ``connection: "stream"``).

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/streaming_app.py

Works on gradio 5.50.x and 6.x. Every streamed handler counts the chunks it has seen in a
``gr.State``, so a test can check that each chunk was processed, in order.

Endpoints (``api_name`` -> behaviour):

* ``/frames(frame)``   -> ``"<n>:<width>x<height>"`` for the n-th streamed ``gr.Image``
  frame (``stream_every=0.2``, ``time_limit=20``).
* ``/audio(chunk)``    -> ``"<n>:<sample_rate>:<samples>"`` for the n-th streamed
  ``gr.Audio`` chunk (``stream_every=0.25``, no time limit).
* ``/limited(frame)``  -> as ``/frames`` with ``time_limit=2`` and a 0.3 s pause per frame.
* ``/shades(frame)``   -> ``"<n>:<width>x<height>:<shade>"``, ``shade`` the frame's mean
  level / 20, rounded (frame ``i`` of ``tests/data/clip.mp4`` has shade ``i + 1``);
  ``stream_every=0.2``, ``time_limit=30``.
* ``/echo(text)``      -> ``text`` (not a streaming endpoint).
"""

from __future__ import annotations

import os
import time
from typing import Any

import gradio as gr

PORT = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))


def describe_frame(frame: Any, seen: int) -> tuple[str, int]:
    if frame is None:
        return f"{seen}:none", seen
    height, width = frame.shape[:2]
    return f"{seen + 1}:{width}x{height}", seen + 1


def slow_frame(frame: Any, seen: int) -> tuple[str, int]:
    time.sleep(0.3)
    return describe_frame(frame, seen)


def describe_shade(frame: Any, seen: int) -> tuple[str, int]:
    described, seen = describe_frame(frame, seen)
    if frame is None:
        return described, seen
    return f"{described}:{round(float(frame.mean()) / 20)}", seen


def describe_audio(chunk: Any, seen: int) -> tuple[str, int]:
    if chunk is None:
        return f"{seen}:none", seen
    rate, samples = chunk
    return f"{seen + 1}:{rate}:{len(samples)}", seen + 1


def streamed(component: Any, handler: Any, name: str, **options: Any) -> None:
    """A ``.stream()`` event of ``component`` that also reads and counts in a ``gr.State``."""
    seen = gr.State(0)
    out = gr.Textbox(label=f"{name}_out")
    component.stream(handler, [component, seen], [out, seen], api_name=name, **options)


with gr.Blocks() as demo:
    frame = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="frame")
    streamed(frame, describe_frame, "frames", stream_every=0.2, time_limit=20)

    chunk = gr.Audio(sources=["microphone"], streaming=True, type="numpy", label="chunk")
    streamed(chunk, describe_audio, "audio", stream_every=0.25)

    limited = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="limited")
    streamed(limited, slow_frame, "limited", stream_every=0.2, time_limit=2)

    shaded = gr.Image(sources=["webcam"], streaming=True, type="numpy", label="shaded")
    streamed(shaded, describe_shade, "shades", stream_every=0.2, time_limit=30)

    text = gr.Textbox(label="text")
    echoed = gr.Textbox(label="echoed")
    gr.Button("echo").click(lambda t: t, text, echoed, api_name="echo")


if __name__ == "__main__":
    demo.queue().launch(server_name="127.0.0.1", server_port=PORT)
