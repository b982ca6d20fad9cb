"""Gradio test app with a tiny queue, for the "queue is full" test.

``/slow(x)`` sleeps 3 s and returns ``x``. The queue holds at most one *waiting* event
(``max_size=1``) and runs one event at a time (``default_concurrency_limit=1``), so with one
job running and one waiting, a third ``POST /gradio_api/queue/join`` answers 503
``{"detail": "Queue is full. Max size is 1 and size is 1."}`` (3.x and 4.0-4.8 answer
``queue_full`` on the job's websocket or stream instead).

Run with a server venv's Python; listens on ``GRADIO_SERVER_PORT``. Works on gradio 3.50 to 6.x.
"""

from __future__ import annotations

import time

import gradio as gr


def slow(x: str) -> str:
    time.sleep(3)
    return x


with gr.Blocks(title="gradiox small-queue test app") as demo:
    inp = gr.Textbox(label="X")
    out = gr.Textbox(label="Out")
    gr.Button("slow").click(slow, inp, out, api_name="slow")


if __name__ == "__main__":
    if int(gr.__version__.split(".")[0]) >= 4:
        demo.queue(max_size=1, default_concurrency_limit=1)
    else:  # 3.x: workers are set per queue
        demo.queue(max_size=1, concurrency_count=1)
    demo.launch(show_error=True)
