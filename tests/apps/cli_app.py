"""Gradio test app for the command line and the MCP bridge (``gradiox predict``, ``gradiox mcp``).

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/cli_app.py

Works on gradio 5.50.x and 6.x.

Endpoints (``api_name`` → behaviour):

* ``/shout(text, times=1)``   → ``text.upper()`` repeated ``times`` times, joined by spaces
* ``/file_size(f)``           → ``(basename(f), size of f in bytes)`` (``gr.File`` in)
* ``/swatch(color, size=8)``  → a ``size`` by ``size`` PNG of one colour (``gr.Image`` out)
* ``/countdown(n)``           → generator yielding ``"n" .. "1"`` then ``"liftoff"`` (0.1 s apart)
* ``/explode(x)``             → ``gr.Error("exploded: " + x)``
* ``/header(name)``           → the value of the request header ``name`` (``""`` if absent)
* ``/tally(n, progress)``     → ``gr.Progress`` over ``n`` steps (0.15 s each), returns ``"ok"``
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import gradio as gr
from PIL import Image

OUT_DIR = Path(tempfile.mkdtemp(prefix="cli-app-out-"))


def shout(text: str, times: float) -> str:
    """Shout a text.

    Args:
        text: What to shout.
        times: How many times.
    """
    return " ".join([text.upper()] * int(times))


def file_size(f: str) -> tuple[str, int]:
    return os.path.basename(f), os.path.getsize(f)


def swatch(color: str, size: float) -> str:
    side = int(size)
    target = Path(tempfile.mkdtemp(dir=OUT_DIR)) / f"{color}.png"
    Image.new("RGB", (side, side), color).save(target)
    return str(target)


def countdown(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n), 0, -1):
        yield str(i)
        time.sleep(0.1)
    yield "liftoff"


def explode(x: str) -> str:
    raise gr.Error("exploded: " + x)


def header(name: str, request: gr.Request) -> str:
    return request.headers.get(name, "")


def tally(n: float, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    for _ in progress.tqdm(range(int(n)), desc="tallying"):
        time.sleep(0.15)
    return "ok"


with gr.Blocks(title="gradiox cli test app") as demo:
    text = gr.Textbox(label="Text")
    times = gr.Number(value=1, label="Times", precision=0)
    out = gr.Textbox(label="Shouted")
    gr.Button("shout").click(shout, [text, times], out, api_name="shout")

    file_in = gr.File(label="File")
    name_out = gr.Textbox(label="Name")
    size_out = gr.Number(label="Bytes", precision=0)
    gr.Button("size").click(file_size, file_in, [name_out, size_out], api_name="file_size")

    color = gr.Textbox(label="Color")
    side = gr.Number(value=8, label="Side", precision=0)
    image_out = gr.Image(type="filepath", label="Swatch")
    gr.Button("swatch").click(swatch, [color, side], image_out, api_name="swatch")

    n = gr.Number(label="N", precision=0)
    step = gr.Textbox(label="Step")
    gr.Button("countdown").click(countdown, n, step, api_name="countdown")
    gr.Button("tally").click(tally, n, step, api_name="tally")

    gr.Button("explode").click(explode, text, out, api_name="explode")
    gr.Button("header").click(header, text, out, api_name="header")


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None)
    demo.launch(show_error=True)
