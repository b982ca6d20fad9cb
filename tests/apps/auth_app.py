"""Gradio test app protected by username/password (``user`` / ``pass``).

Without a login cookie ``GET /config`` and the API answer 401; ``POST /login`` with form fields
``username=user&password=pass`` sets the session cookie. ``/add(a=1, b)`` returns ``a + b``.

Run with a server venv's Python; listens on ``GRADIO_SERVER_PORT``. Works on gradio 3.50 to 6.x.
"""

from __future__ import annotations

import gradio as gr


def add(a: float, b: float) -> float:
    return a + b


with gr.Blocks(title="gradiox auth test app") as demo:
    a = gr.Number(value=1, label="A")
    b = gr.Number(label="B")
    total = gr.Number(label="Sum")
    gr.Button("add").click(add, [a, b], total, api_name="add")


if __name__ == "__main__":
    demo.queue()
    demo.launch(auth=[("user", "pass")], show_error=True)
