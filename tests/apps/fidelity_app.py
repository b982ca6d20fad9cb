"""Gradio test app for the fidelity gaps real apps expose (issue 12).

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/fidelity_app.py

Works on gradio 5.50.x and 6.x.

Endpoints (``api_name`` -> behaviour):

* ``/lambda_1(name)``        -> ``"Hello <name>!"``: the public event of an ``Interface``
  nested in the Blocks after an event named ``lambda``. Gradio renames the Interface's
  ``lambda`` to ``lambda_1``, but not its own undocumented clear event, already called
  ``lambda_1``: two events share the name, the public one first, and the server's
  ``?all_endpoints=True`` info describes only the undocumented one (no parameters).
* ``/lambda(text)``          -> ``text.upper()``: the root event that causes the clash.
* ``/forbidden_file()``      -> a file value (in a ``gr.JSON``) whose URL is this app's file
  route for a path the app does not allow (the download answers 403).
* ``/gone_file()``           -> a media-stream file value (in a ``gr.JSON``) for a stream the
  app no longer has (the download answers 404).
* ``/file_default(f)``       -> ``basename(f)``: a ``gr.File`` input whose default value is a
  file, for ``view_api()``'s ``parameter_default.url``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import gradio as gr

GRADIO_MAJOR = int(gr.__version__.split(".")[0])
PORT = int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
API_PREFIX = "gradio_api/" if GRADIO_MAJOR >= 5 else ""
DEFAULT_FILE = Path(tempfile.mkdtemp(prefix="fidelity-app-")) / "default.txt"
DEFAULT_FILE.write_text("the default file\n")


def file_value(path: str) -> dict[str, object]:
    """A FileData value served by this app's file route (which may refuse it)."""
    url = f"http://127.0.0.1:{PORT}/{API_PREFIX}file={path}"
    name = os.path.basename(path)
    return {"path": url, "url": url, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


# Built on its own, then rendered into the Blocks (a common way to nest an Interface).
interface = gr.Interface(
    lambda name: f"Hello {name}!",
    gr.Textbox(label="name"),
    gr.Textbox(label="greeting"),
    api_name="lambda",  # 6.x's default (the function's name); 5.x's is "predict"
)


def gone_stream() -> dict[str, object]:
    """A media-stream file value for a stream the server no longer has (its route: 404)."""
    path = "no-such-session/0/1/playlist.m3u8"
    return {
        "path": path,
        "url": f"/{API_PREFIX}stream/{path}",  # as the server writes a stream's URL
        "is_stream": True,
        "orig_name": "playlist.m3u8",
        "meta": {"_type": "gradio.FileData"},
    }


with gr.Blocks() as demo:
    text = gr.Textbox(label="text")
    loud = gr.Textbox(label="loud")
    gr.Button("shout").click(lambda t: t.upper(), text, loud)  # api_name "lambda"

    with gr.Tab("interface"):
        interface.render()

    # A file value whose URL points at this app's file route: the server passes such
    # values through, and the client's download of them is what fails.
    out_file = gr.JSON(label="out_file")
    gr.Button("forbidden").click(
        lambda: file_value("/etc/hostname"), None, out_file, api_name="forbidden_file"
    )
    gr.Button("gone").click(gone_stream, None, out_file, api_name="gone_file")

    in_file = gr.File(label="in_file", value=str(DEFAULT_FILE))
    name_out = gr.Textbox(label="name_out")
    gr.Button("default").click(
        lambda f: os.path.basename(f) if f else "", in_file, name_out, api_name="file_default"
    )


if __name__ == "__main__":
    demo.queue().launch(
        server_name="127.0.0.1", server_port=PORT, allowed_paths=[str(DEFAULT_FILE.parent)]
    )
