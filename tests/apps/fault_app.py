"""Gradio test app for the fault-injection tests (``tests/faults``): small, loud endpoints.

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/fault_app.py

Works on gradio 5.50.x and 6.x. Every handler prints what happens to it, so a test can
read the server's log to see whether a job ran, finished or was cancelled on the server.

Endpoints (``api_name`` → behaviour):

* ``/echo(x)``              → ``x``
* ``/long(seconds, tag)``   → async sleep loop; prints ``long start <tag>``, then
  ``long finished <tag>`` or ``long cancelled <tag>``; returns ``"finished " + tag``
* ``/slow_count(n)``        → generator yielding ``"step 0" .. "step n-1"``, 0.3 s apart
* ``/big(size)``            → a string of ``size`` characters
* ``/long_single(seconds, tag)`` → ``/long`` with ``concurrency_limit=1``: one job at a time,
  the others wait in the queue
* ``/file_size(f, tag)``    → prints ``file start <tag>``; returns the file's size in bytes
"""

from __future__ import annotations

import asyncio
import os

import gradio as gr


def echo(x: str) -> str:
    return x


async def long(seconds: float, tag: str) -> str:
    print(f"long start {tag}", flush=True)
    try:
        for _ in range(round(float(seconds) * 10)):
            await asyncio.sleep(0.1)
    except asyncio.CancelledError:
        print(f"long cancelled {tag}", flush=True)
        raise
    print(f"long finished {tag}", flush=True)
    return "finished " + tag


async def slow_count(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        if i:
            await asyncio.sleep(0.3)
        yield f"step {i}"


def big(size: float) -> str:
    return "x" * int(size)


def file_size(path: str, tag: str) -> str:
    print(f"file start {tag}", flush=True)
    return str(os.path.getsize(path))


with gr.Blocks(title="gradiox fault test app") as demo:
    text = gr.Textbox(label="Text")
    tag = gr.Textbox(label="Tag")
    number = gr.Number(label="Number")
    out = gr.Textbox(label="Output")
    gr.Button("echo").click(echo, text, out, api_name="echo")
    gr.Button("long").click(long, [number, tag], out, api_name="long")
    gr.Button("slow_count").click(slow_count, number, out, api_name="slow_count")
    gr.Button("big").click(big, number, out, api_name="big")
    gr.Button("long_single").click(
        long, [number, tag], out, api_name="long_single", concurrency_limit=1
    )
    upload = gr.File(label="File", type="filepath")
    gr.Button("file_size").click(file_size, [upload, tag], out, api_name="file_size")


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None)
    demo.launch(max_threads=256, show_error=True)
