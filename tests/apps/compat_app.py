"""Gradio test app that runs unchanged on every supported server, from 3.50 to 6.x.

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-3.50.2/bin/python tests/apps/compat_app.py

It only uses features all those versions share. Set ``GRADIO_ROOT_PATH=/proxy/path`` to make
the server write URLs as if it sat behind a reverse proxy (its routes stay where they are).
With ``COMPAT_MOUNT_PATH=/sub/app`` the app is mounted on a FastAPI app under that path
(``gr.mount_gradio_app``) instead of launched: it then answers at
``http://127.0.0.1:<port>/sub/app/`` and ``/`` is a plain 404.

Endpoints, in this order (so the first one has fn_index 0 everywhere):

* fn 0, no ``api_name`` → ``x.upper() + "!"`` (3.x: an unnamed endpoint; 4.x+ name it)
* ``/add(a=1, b)``        → ``a + b``
* ``/echo(text, suffix="!")`` → ``text + suffix``
* ``/count(n)``           → generator yielding ``"step 0" .. "step n-1"``
* ``/progress(steps)``    → ``gr.Progress`` updates, returns ``"done"``
* ``/with_state(x)``      → appends to a ``gr.State`` list, returns ``", ".join(state)``
* ``/fail(x)``            → ``gr.Error("custom failure: " + x)``
* ``/file_info(f)``       → ``gr.File`` in, a new ``gr.File`` ``"<name>.out.txt"`` holding
  ``"<original name>:<content upper-cased>"``
* ``/mirror(img)``        → ``gr.Image`` (PIL) in, mirrored image out, plus ``"<w>x<h>"``
* ``/long(seconds)``      → async sleep loop; counts finished runs
* ``/stop()``             → the app's cancel event: ``cancels=[/long]`` (queue=False)
* ``/finished()``         → how many ``/long`` runs finished (queue=False)
* ``/unqueued(x)``        → ``x * 2`` (queue=False)
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import gradio as gr

GRADIO_MAJOR = int(gr.__version__.split(".")[0])
OUT_DIR = Path(tempfile.mkdtemp(prefix="compat-app-out-"))
FINISHED = {"long": 0}


def shout(x: str) -> str:
    return x.upper() + "!"


def add(a: float, b: float) -> float:
    return a + b


def echo(text: str, suffix: str) -> str:
    return text + suffix


def count(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        time.sleep(0.05)
        yield f"step {i}"


def progress_fn(steps: float, progress: Any = gr.Progress()) -> str:  # noqa: B008
    for _ in progress.tqdm(range(int(steps)), desc="working"):
        time.sleep(0.15)
    return "done"


def with_state(x: str, state: list[str]) -> tuple[str, list[str]]:
    state = [*state, x]
    return ", ".join(state), state


def fail(x: str) -> str:
    raise gr.Error("custom failure: " + x)


def file_info(f: Any) -> str:
    path = Path(getattr(f, "name", f))  # 3.x passes a tempfile wrapper, 4.x+ a path
    content = path.read_text(encoding="utf-8")
    out = OUT_DIR / f"{path.stem}.out.txt"
    out.write_text(f"{path.name}:{content.upper()}", encoding="utf-8")
    return str(out)


def mirror(img: Any) -> tuple[Any, str]:
    from PIL import ImageOps

    return ImageOps.mirror(img), f"{img.width}x{img.height}"


async def long(seconds: float) -> str:
    for _ in range(round(float(seconds) * 10)):  # small steps: a cancel stops it promptly
        await asyncio.sleep(0.1)
    FINISHED["long"] += 1
    return "finished"


def finished() -> float:
    return FINISHED["long"]


def unqueued(x: float) -> float:
    return x * 2


def file_component(label: str) -> Any:
    if GRADIO_MAJOR >= 4:
        return gr.File(label=label, type="filepath")
    return gr.File(label=label)


with gr.Blocks(title="gradiox compat test app") as demo:
    text = gr.Textbox(label="Text")
    text_out = gr.Textbox(label="Output")
    gr.Button("shout").click(shout, text, text_out)

    a = gr.Number(value=1, label="A")
    b = gr.Number(label="B")
    total = gr.Number(label="Sum")
    gr.Button("add").click(add, [a, b], total, api_name="add")

    suffix = gr.Textbox(value="!", label="Suffix")
    gr.Button("echo").click(echo, [text, suffix], text_out, api_name="echo")

    n = gr.Number(label="n", precision=0)
    gr.Button("count").click(count, n, text_out, api_name="count")
    gr.Button("progress").click(progress_fn, n, text_out, api_name="progress")

    state = gr.State([])
    gr.Button("with_state").click(
        with_state, [text, state], [text_out, state], api_name="with_state"
    )
    gr.Button("fail").click(fail, text, text_out, api_name="fail")

    f_in = file_component("In")
    f_out = file_component("Out")
    gr.Button("file_info").click(file_info, f_in, f_out, api_name="file_info")

    img_in = gr.Image(type="pil", label="Image")
    img_out = gr.Image(label="Mirrored")
    gr.Button("mirror").click(mirror, img_in, [img_out, text_out], api_name="mirror")

    seconds = gr.Number(value=8, label="Seconds")
    long_event = gr.Button("long").click(long, seconds, text_out, api_name="long")
    gr.Button("stop").click(None, None, None, cancels=[long_event])
    done = gr.Number(label="Finished")
    gr.Button("finished").click(finished, None, done, api_name="finished", queue=False)
    gr.Button("unqueued").click(unqueued, n, done, api_name="unqueued", queue=False)


def serve_mounted(path: str) -> None:
    import fastapi
    import uvicorn

    app = fastapi.FastAPI()
    app = gr.mount_gradio_app(app, demo, path=path)
    port = int(os.environ["GRADIO_SERVER_PORT"])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    if GRADIO_MAJOR >= 4:
        demo.queue(default_concurrency_limit=None)
    else:
        demo.queue(concurrency_count=8)
    mount_path = os.environ.get("COMPAT_MOUNT_PATH")
    if mount_path:
        serve_mounted(mount_path)
    else:
        demo.launch(show_error=True)
