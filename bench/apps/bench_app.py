"""The benchmark app: one endpoint per scenario, on Gradio 4.44, 5.x and 6.x.

Run with a server venv's Python (never import this into the benchmark process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python bench/apps/bench_app.py

Endpoints (``api_name`` -> behaviour):

* ``/add(a, b)``       -> ``a + b``: the trivial function (sequential predict).
* ``/sleep50(x)``      -> ``x`` after ``await asyncio.sleep(0.05)``; ``concurrency_limit=None``
  and the server's ``max_threads`` raised to 1000, so 500 of them run at once.
* ``/tick(n)``         -> generator: ``n`` values ``"<i> <time.time()>"``, one every 20 ms; the
  timestamp is taken just before the yield, so a client measures each item's latency.
* ``/count(n)``        -> generator: ``"0" .. str(n - 1)`` as fast as the server goes.
* ``/progress(steps)`` -> ``gr.Progress`` set to ``(i, steps)`` for ``i = 1..steps``, 50 ms apart
  (Gradio 6 samples progress every 10 ms), returns ``"done"``.
* ``/file_echo(f)``    -> the uploaded file, returned as the output file.
"""

from __future__ import annotations

import asyncio
import time

import gradio as gr


def add(a: float, b: float) -> float:
    return a + b


async def sleep50(x: float) -> float:
    await asyncio.sleep(0.05)
    return x


def tick(n: float):
    for i in range(int(n)):
        time.sleep(0.02)
        yield f"{i} {time.time():.6f}"


def count(n: float):
    for i in range(int(n)):
        yield str(i)


def progress(steps: float, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    total = int(steps)
    for i in range(1, total + 1):
        progress((i, total), desc="working", unit="steps")
        time.sleep(0.05)
    return "done"


def file_echo(f: str) -> str:
    return f


with gr.Blocks(title="gradiox bench") as demo:
    a = gr.Number(label="a")
    b = gr.Number(label="b")
    number_out = gr.Number(label="result")
    text_out = gr.Textbox(label="text")
    file_in = gr.File(label="file", type="filepath")
    file_out = gr.File(label="file out")
    go = gr.Button("go")

    go.click(add, [a, b], number_out, api_name="add")
    go.click(sleep50, [a], number_out, api_name="sleep50", concurrency_limit=None)
    go.click(tick, [a], text_out, api_name="tick")
    go.click(count, [a], text_out, api_name="count")
    go.click(progress, [a], text_out, api_name="progress")
    go.click(file_echo, [file_in], file_out, api_name="file_echo")


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None)
    demo.launch(max_threads=1000, show_error=True)
