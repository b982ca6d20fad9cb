"""Gradio test app for ``add_zero_gpu_headers``: an app that calls another app with gradiox.

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/zerogpu_app.py

Works on gradio 5.50.x and 6.x. The relay needs gradiox importable (``PYTHONPATH`` set to the
repository's ``src``) and ``CALLEE_SPACE`` naming a Space that ``HF_ENDPOINT``'s Hub resolves
to another instance of this app.

Endpoints (``api_name`` -> behaviour):

* ``/ip_token()`` -> the ``x-ip-token`` header of the request that ran it (``""`` if none).
* ``/relay()``    -> what ``CALLEE_SPACE``'s ``/ip_token`` answers when called from inside
  this request with ``client.add_zero_gpu_headers({})`` as the call's headers.
"""

from __future__ import annotations

import os

import gradio as gr

PORT = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))


def ip_token(request: gr.Request) -> str:
    return request.headers.get("x-ip-token") or ""


def relay() -> str:
    from gradiox import Client

    with Client(os.environ["CALLEE_SPACE"], verbose=False) as client:
        headers = client.add_zero_gpu_headers({})
        return str(client.predict(api_name="/ip_token", headers=headers))


with gr.Blocks() as demo:
    seen = gr.Textbox(label="seen")
    gr.Button("token").click(ip_token, None, seen, api_name="ip_token")
    relayed = gr.Textbox(label="relayed")
    gr.Button("relay").click(relay, None, relayed, api_name="relay")


if __name__ == "__main__":
    demo.queue().launch(server_name="127.0.0.1", server_port=PORT, show_error=True)
