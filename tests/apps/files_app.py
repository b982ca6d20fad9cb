"""Gradio test app for file inputs and outputs: every file-carrying component, echoed back.

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/files_app.py

Works on gradio 4.16+, 5.50.x and 6.x; ``/multimodal``, ``/chat_file`` and
``max_file_size`` only exist where that gradio has them. Each echo endpoint returns the
file(s) it received with the SHA-256 of what the server actually got, so a test can check
the upload and the download separately.

Environment: ``FILES_APP_AUTH=user:password`` puts the app behind a login (uploads and
downloads must then carry the session cookie); ``FILES_APP_MAX_FILE_SIZE`` sets
``max_file_size`` (default ``5mb``; ``none`` for no limit, e.g. for benchmarks).

Endpoints (``api_name`` → behaviour):

* ``/file_echo(f)``            → ``(f, sha256(f), basename(f))`` (``gr.File``)
* ``/files_echo(fs)``          → ``(fs, [sha256 of each])`` (``gr.File(file_count="multiple")``)
* ``/image_echo(img)``         → ``(img, sha256(img))`` (``gr.Image(type="filepath")``)
* ``/audio_echo(a)``           → ``(a, sha256(a))`` (``gr.Audio(type="filepath")``)
* ``/video_echo(v)``           → ``(v, sha256(v))`` (``gr.Video``)
* ``/model3d_echo(m)``         → ``(m, sha256(m))`` (``gr.Model3D``)
* ``/gallery_echo(g)``         → ``(g, [sha256 of each image])`` (``gr.Gallery``)
* ``/multimodal(m)``           → ``(m["text"], m["files"], [sha256 of each])``
  (``gr.MultimodalTextbox`` in, ``gr.File(file_count="multiple")`` out)
* ``/make_file(name, text)``   → a new file called ``name`` holding ``text`` (``gr.File``)
* ``/chat_file(name, text)``   → a ``gr.Chatbot`` whose assistant message is that file
* ``/file_steps(n)``           → generator: yields a file ``step-<i>.txt`` holding ``"step <i>"``
* ``/json_path()``             → ``gr.JSON`` ``{"path": "some/where.txt", "note": "not a file"}``
* ``/text_echo(s)``            → ``s`` (a ``gr.Textbox``: a plain string is never uploaded)
"""

from __future__ import annotations

import hashlib
import inspect
import os
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

GRADIO_VERSION = tuple(int(p) for p in gr.__version__.split(".")[:2])
GRADIO_MAJOR = GRADIO_VERSION[0]
# Older 4.x releases lack some components or options: those endpoints are left out there.
HAS_MULTIMODAL = hasattr(gr, "MultimodalTextbox")
HAS_MESSAGES = "type" in inspect.signature(gr.Chatbot.__init__).parameters
GALLERY_KW = (
    {"type": "filepath"} if "type" in inspect.signature(gr.Gallery.__init__).parameters else {}
)
HAS_MAX_FILE_SIZE = "max_file_size" in inspect.signature(gr.Blocks.launch).parameters
OUT_DIR = Path(tempfile.mkdtemp(prefix="files-app-out-"))


def sha256(path: str | None) -> str:
    if path is None:
        return ""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_echo(f: str) -> tuple[str, str, str]:
    return f, sha256(f), os.path.basename(f)


def files_echo(fs: list[str]) -> tuple[list[str], list[str]]:
    return fs, [sha256(f) for f in fs]


def media_echo(path: str) -> tuple[str, str]:
    return path, sha256(path)


def gallery_echo(items: list[Any]) -> tuple[list[Any], list[str]]:
    paths = [item[0] if isinstance(item, (list, tuple)) else item for item in items]
    return items, [sha256(p) for p in paths]


def multimodal(value: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    files = list(value.get("files") or [])
    return value.get("text", ""), files, [sha256(f) for f in files]


def _write(name: str, text: str) -> str:
    folder = Path(tempfile.mkdtemp(dir=OUT_DIR))
    target = folder / name
    target.write_text(text, encoding="utf-8")
    return str(target)


def make_file(name: str, text: str) -> str:
    return _write(name, text)


def chat_file(name: str, text: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "send me a file"},
        {"role": "assistant", "content": {"path": _write(name, text)}},
    ]


def file_steps(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        yield _write(f"step-{i}.txt", f"step {i}")


def json_path() -> dict[str, str]:
    return {"path": "some/where.txt", "note": "not a file"}


def text_echo(s: str) -> str:
    return s


with gr.Blocks(title="gradiox files test app") as demo:
    sha_out = gr.Textbox(label="sha256")
    shas_out = gr.JSON(label="sha256 list")
    name_out = gr.Textbox(label="name")

    file_in = gr.File(label="File")
    file_out = gr.File(label="File out")
    gr.Button("file").click(file_echo, file_in, [file_out, sha_out, name_out], api_name="file_echo")

    files_in = gr.File(file_count="multiple", label="Files")
    files_out = gr.File(file_count="multiple", label="Files out")
    gr.Button("files").click(files_echo, files_in, [files_out, shas_out], api_name="files_echo")

    image_in = gr.Image(type="filepath", label="Image")
    image_out = gr.Image(type="filepath", label="Image out")
    gr.Button("image").click(media_echo, image_in, [image_out, sha_out], api_name="image_echo")

    audio_in = gr.Audio(type="filepath", label="Audio")
    audio_out = gr.Audio(type="filepath", label="Audio out")
    gr.Button("audio").click(media_echo, audio_in, [audio_out, sha_out], api_name="audio_echo")

    video_in = gr.Video(label="Video")
    video_out = gr.Video(label="Video out")
    gr.Button("video").click(media_echo, video_in, [video_out, sha_out], api_name="video_echo")

    model_in = gr.Model3D(label="Model")
    model_out = gr.Model3D(label="Model out")
    gr.Button("model3d").click(media_echo, model_in, [model_out, sha_out], api_name="model3d_echo")

    gallery_in = gr.Gallery(label="Gallery", **GALLERY_KW)
    gallery_out = gr.Gallery(label="Gallery out", **GALLERY_KW)
    gr.Button("gallery").click(
        gallery_echo, gallery_in, [gallery_out, shas_out], api_name="gallery_echo"
    )

    mm_text = gr.Textbox(label="Text")
    if HAS_MULTIMODAL:
        mm_in = gr.MultimodalTextbox(label="Multimodal")
        gr.Button("multimodal").click(
            multimodal, mm_in, [mm_text, files_out, shas_out], api_name="multimodal"
        )

    new_name = gr.Textbox(label="Name")
    new_text = gr.Textbox(label="Text")
    gr.Button("make").click(make_file, [new_name, new_text], file_out, api_name="make_file")
    if HAS_MESSAGES or GRADIO_MAJOR >= 6:
        chat = gr.Chatbot(label="Chat", **({} if GRADIO_MAJOR >= 6 else {"type": "messages"}))
        gr.Button("chat").click(chat_file, [new_name, new_text], chat, api_name="chat_file")

    steps = gr.Number(label="Steps", precision=0)
    gr.Button("steps").click(file_steps, steps, file_out, api_name="file_steps")

    json_out = gr.JSON(label="JSON")
    gr.Button("json").click(json_path, None, json_out, api_name="json_path")

    text_in = gr.Textbox(label="Text in")
    gr.Button("text").click(text_echo, text_in, mm_text, api_name="text_echo")


if __name__ == "__main__":
    auth_spec = os.environ.get("FILES_APP_AUTH")
    auth = [tuple(auth_spec.split(":", 1))] if auth_spec else None
    demo.queue(default_concurrency_limit=None)
    size = os.environ.get("FILES_APP_MAX_FILE_SIZE", "5mb")  # "none": no limit (benchmarks)
    limit = {"max_file_size": size} if HAS_MAX_FILE_SIZE and size != "none" else {}
    demo.launch(max_threads=64, show_error=True, auth=auth, **limit)
