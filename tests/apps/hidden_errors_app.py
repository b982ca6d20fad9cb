"""Gradio test app launched with ``show_error=False``.

``/boom(x)`` raises ``ValueError("hidden internal")``; the server must not reveal the message
(the ``process_completed`` output is ``{"error": null}``). ``/add(a, b)`` is a working endpoint.

Run with a server venv's Python; listens on ``GRADIO_SERVER_PORT``. Works on gradio 5.50 and 6.x.
"""

from __future__ import annotations

import gradio as gr


def boom(x: str) -> str:
    raise ValueError("hidden internal")


def add(a: float, b: float) -> float:
    return a + b


with gr.Blocks(title="gradiox hidden-errors test app") as demo:
    inp = gr.Textbox(label="X")
    out = gr.Textbox(label="Out")
    gr.Button("boom").click(boom, inp, out, api_name="boom")
    a = gr.Number(value=1, label="A")
    b = gr.Number(label="B")
    total = gr.Number(label="Sum")
    gr.Button("add").click(add, [a, b], total, api_name="add")


if __name__ == "__main__":
    demo.queue()
    demo.launch(show_error=False)
