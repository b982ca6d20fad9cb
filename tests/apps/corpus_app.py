"""Gradio test app for the differential corpus: the component families real apps use.

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/corpus_app.py

Works on gradio 5.50.x and 6.x. Every endpoint is deterministic, so gradiox and
gradio_client can be compared call for call (``tests/integration/test_differential.py``).

Endpoints (``api_name`` -> output component):

* ``/gallery(n)``        -> ``gr.Gallery`` of ``n`` generated images with captions
* ``/chat_file(text)``   -> ``gr.Chatbot`` (messages) with a text and a file message
* ``/editor(size)``      -> ``gr.ImageEditor`` value (background, one layer, composite)
* ``/annotated(size)``   -> ``gr.AnnotatedImage`` (an image and two labelled boxes)
* ``/table(rows)``       -> ``gr.Dataframe``
* ``/line(points)``      -> ``gr.LinePlot``
* ``/highlight(text)``   -> ``gr.HighlightedText``
* ``/model(name)``       -> ``gr.Model3D`` (a small OBJ file)
* ``/multimodal(m)``     -> ``gr.JSON`` of the ``gr.MultimodalTextbox`` value's text and
  file names
* ``/tab_echo(s)`` and ``/tab_echo_1(s)`` -> events of the same name in nested tabs
  (Gradio suffixes the second)
* ``/render_count(n)``   -> ``n``; it also drives a ``gr.render`` block
* ``/video(clip)``       -> ``gr.Video``: the uploaded video, as it came
* ``/subtitled(clip)``   -> ``gr.Video`` of ``clip`` with ``tests/data/clip.vtt`` as
  subtitles (Gradio 5: a ``(video, subtitles)`` tuple; 6: ``gr.Video(subtitles=...)``). Its
  input's default is ``tests/data/clip.mp4`` with ``clip.srt`` as subtitles.

The video is a small browser-playable H.264 MP4 and no endpoint asks for another format,
so Gradio serves it as it is and never needs ffmpeg.
"""

from __future__ import annotations

import inspect
import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
import pandas as pd

PORT = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
OUT = Path(tempfile.mkdtemp(prefix="corpus-app-"))
CHAT_KW = {"type": "messages"} if "type" in inspect.signature(gr.Chatbot).parameters else {}
DATA = Path(__file__).resolve().parent.parent / "data"
CLIP, VTT, SRT = (str(DATA / name) for name in ("clip.mp4", "clip.vtt", "clip.srt"))
# Gradio 6 takes subtitles as a Video property; 5 as the second item of a (video, subs) pair.
VIDEO_SUBTITLES = "subtitles" in inspect.signature(gr.Video).parameters


def image(size: int, shade: int = 0) -> np.ndarray:
    size = max(1, min(int(size), 64))
    pixels = np.zeros((size, size, 3), dtype=np.uint8)
    pixels[:, :, 0] = (np.arange(size) * 7 + shade) % 256
    return pixels


def gallery(n: float) -> list[tuple[np.ndarray, str]]:
    return [(image(4 + i, shade=i * 40), f"image {i}") for i in range(int(n))]


def chat_file(text: str) -> list[dict[str, Any]]:
    path = OUT / "attachment.txt"
    path.write_text(f"attached: {text}\n")
    return [
        {"role": "user", "content": text},
        {"role": "assistant", "content": {"path": str(path)}},
    ]


def editor(size: float) -> dict[str, Any]:
    background = image(int(size))
    layer = np.zeros((int(size), int(size), 4), dtype=np.uint8)
    layer[0, 0] = (255, 255, 255, 255)
    return {"background": background, "layers": [layer], "composite": background}


def annotated(size: float) -> tuple[np.ndarray, list[tuple[tuple[int, int, int, int], str]]]:
    return image(int(size)), [((0, 0, 2, 2), "corner"), ((1, 1, 3, 3), "middle")]


def table(rows: float) -> pd.DataFrame:
    n = int(rows)
    return pd.DataFrame({"name": [f"row {i}" for i in range(n)], "value": list(range(n))})


def line(points: float) -> pd.DataFrame:
    n = int(points)
    return pd.DataFrame({"x": list(range(n)), "y": [i * i for i in range(n)]})


def highlight(text: str) -> list[tuple[str, str | None]]:
    return [(word, "long" if len(word) > 3 else None) for word in text.split()]


def model(name: str) -> str:
    path = OUT / f"{name or 'model'}.obj"
    path.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    return str(path)


def multimodal(value: dict[str, Any]) -> dict[str, Any]:
    files = [os.path.basename(f if isinstance(f, str) else f["path"]) for f in value["files"]]
    return {"text": value["text"], "files": files}


def subtitled(clip: str) -> Any:
    if VIDEO_SUBTITLES:
        return gr.Video(value=clip, subtitles=VTT)
    return clip, VTT


def subtitled_default() -> gr.Video:
    if VIDEO_SUBTITLES:
        return gr.Video(value=CLIP, subtitles=SRT, label="subtitled_clip")
    return gr.Video(value=(CLIP, SRT), label="subtitled_clip")


with gr.Blocks() as demo:
    n = gr.Number(value=2, label="n", precision=0)
    text = gr.Textbox(value="a longer sentence", label="text")
    gr.Button("gallery").click(gallery, n, gr.Gallery(label="images"), api_name="gallery")
    chat = gr.Chatbot(label="chat", **CHAT_KW)
    gr.Button("chat").click(chat_file, text, chat, api_name="chat_file")
    gr.Button("editor").click(editor, n, gr.ImageEditor(label="editor"), api_name="editor")
    gr.Button("annotated").click(
        annotated, n, gr.AnnotatedImage(label="annotated"), api_name="annotated"
    )
    gr.Button("table").click(table, n, gr.Dataframe(label="table"), api_name="table")
    gr.Button("line").click(line, n, gr.LinePlot(x="x", y="y", label="line"), api_name="line")
    gr.Button("highlight").click(
        highlight, text, gr.HighlightedText(label="highlighted"), api_name="highlight"
    )
    gr.Button("model").click(model, text, gr.Model3D(label="model"), api_name="model")
    box = gr.MultimodalTextbox(label="message")
    gr.Button("multimodal").click(multimodal, box, gr.JSON(label="parts"), api_name="multimodal")

    with gr.Tabs(), gr.Tab("outer"), gr.Tabs():
        for name in ("first", "second"):
            with gr.Tab(name):
                tab_in = gr.Textbox(label=f"{name}_in")
                tab_out = gr.Textbox(label=f"{name}_out")
                gr.Button(name).click(
                    lambda s, tag=name: f"{tag}: {s}", tab_in, tab_out, api_name="tab_echo"
                )

    clip = gr.Video(label="clip")
    gr.Button("video").click(lambda c: c, clip, gr.Video(label="video"), api_name="video")
    gr.Button("subtitled").click(
        subtitled, subtitled_default(), gr.Video(label="subtitled"), api_name="subtitled"
    )

    count = gr.Number(value=1, label="count", precision=0)
    shown = gr.Number(label="shown")
    gr.Button("render").click(lambda c: c, count, shown, api_name="render_count")

    @gr.render(inputs=count)
    def boxes(c: float) -> None:
        for i in range(int(c or 0)):
            gr.Textbox(value=f"box {i}", label=f"box {i}")


if __name__ == "__main__":
    demo.queue().launch(
        server_name="127.0.0.1", server_port=PORT, show_error=True, allowed_paths=[str(DATA)]
    )
