"""A small app served by several replicas, for the pool tests and the pool benchmark.

Run with a server venv's Python (never import this into the test process); listens on
``GRADIO_SERVER_PORT``. Works on gradio 5.50 and 6.x.

Endpoints:

* ``/double(x)`` -> ``2 * x`` after 20 ms (async; any number at once)
* ``/checked(x)`` -> ``2 * x``, but raises ``gr.Error("rejected <x>")`` when ``x % 10 == 3``
* ``/sleep50(x)`` -> ``x`` after a 50 ms blocking sleep, one at a time (``concurrency_limit=1``):
  a replica does at most 20 per second, so a pool's throughput shows how it spreads work
"""

from __future__ import annotations

import asyncio
import time

import gradio as gr


async def double(x: float) -> float:
    await asyncio.sleep(0.02)
    return 2 * x


def checked(x: float) -> float:
    if int(x) % 10 == 3:
        raise gr.Error(f"rejected {int(x)}")
    return 2 * x


def sleep50(x: str) -> str:
    time.sleep(0.05)
    return x


with gr.Blocks(title="gradiox replica test app") as demo:
    number = gr.Number(label="X")
    doubled = gr.Number(label="2X")
    gr.Button("double").click(double, number, doubled, api_name="double", concurrency_limit=None)
    gr.Button("checked").click(checked, number, doubled, api_name="checked")
    text = gr.Textbox(label="Text")
    out = gr.Textbox(label="Out")
    gr.Button("sleep50").click(sleep50, text, out, api_name="sleep50", concurrency_limit=1)


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None)
    demo.launch(show_error=True)
