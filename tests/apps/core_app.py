"""Core Gradio test app: one explicitly named endpoint per protocol feature.

Run with a server venv's Python (never import this into the test process)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python tests/apps/core_app.py

Works on gradio 5.50.x and 6.x. Features that only exist in 6.x (``api_visibility=``,
the validator on ``/validated``) are guarded by a version check.

Endpoints (``api_name`` → behaviour):

* ``/add(a=1, b)``           → ``a + b`` (``a`` has a component default, ``b`` is required)
* ``/echo(text, suffix="!")`` → ``text + suffix``
* ``/multi(x)``              → ``(x.upper(), x.lower(), len(x))``
* ``/count(n)``              → generator yielding ``"step 0" .. "step n-1"``
* ``/progress(steps=20)``    → ``gr.Progress`` updates (0.05 s/step on 6.x, 0.2 s on 5.x, whose
  server sends progress at most every 0.1 s), returns ``"done"``
* ``/logs(x)``               → ``gr.Info`` + ``gr.Warning``, returns ``"done " + x``
* ``/with_state(x)``         → appends to a ``gr.State`` list, returns ``", ".join(state)``
* ``/fail(x)``               → ``gr.Error("custom failure: " + x, duration=5, title="Oops")``
* ``/boom(x)``               → ``ValueError("hidden internal")``
* ``/long(seconds=8)``       → async sleep loop (cancellable), returns ``"finished"``
* ``/slow_count(n)``         → generator, 0.5 s between yields
* ``/validated(x)``          → ``x``; on 6.x a validator rejects ``x <= 0`` ("must be positive")
* ``/add_private(a, b)``     → private (6.x ``api_visibility="private"``, 5.x ``api_name=False``)
* ``/add_undoc(a, b)``       → undocumented (6.x ``api_visibility="undocumented"``,
  5.x ``show_api=False``)
* ``/sleep50(x)``            → async, sleeps 50 ms, returns ``x`` (``concurrency_limit=None``)
* ``/withbtn(text, btn)``    → ``f"{text}|{btn}"`` (a ``gr.Button`` used as an input)
* ``/whoami(x)``             → ``"<x> token=yes:<token>"`` or ``"<x> token=none"``: the handler
  takes a ``gr.OAuthToken``, which a client passes with ``Client(oauth_token=...)``
* ``/json_path()``           → ``gr.JSON`` value
  ``{"path": "some/where.txt", "note": "not a file"}``
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import gradio as gr

GRADIO_MAJOR = int(gr.__version__.split(".")[0])
IS_G6 = GRADIO_MAJOR >= 6


def visibility(kind: str) -> dict[str, Any]:
    """Event-listener kwargs for a "public"/"undocumented"/"private" endpoint on 5.x and 6.x."""
    if IS_G6:
        return {"api_visibility": kind}
    if kind == "private":
        return {"api_name": False}
    if kind == "undocumented":
        return {"show_api": False}
    return {}


def add(a: float, b: float) -> float:
    return a + b


def echo(text: str, suffix: str) -> str:
    return text + suffix


def multi(x: str) -> tuple[str, str, int]:
    return x.upper(), x.lower(), len(x)


def count(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        time.sleep(0.05)
        yield f"step {i}"


def progress_fn(steps: float, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    # Gradio 5 samples progress every 0.1 s: a longer step keeps every update visible.
    for _ in progress.tqdm(range(int(steps)), desc="working", unit="steps"):
        time.sleep(0.15)
    return "done"


def logs(x: str) -> str:
    gr.Info("starting " + x)
    gr.Warning("careful")
    return "done " + x


def with_state(x: str, state: list[str]) -> tuple[str, list[str]]:
    state = [*state, x]
    return ", ".join(state), state


def fail(x: str) -> str:
    raise gr.Error("custom failure: " + x, duration=5, title="Oops")


def boom(x: str) -> str:
    raise ValueError("hidden internal")


async def long(seconds: float) -> str:
    for _ in range(round(float(seconds) * 10)):  # small steps: a cancel stops it promptly
        await asyncio.sleep(0.1)
    return "finished"


def slow_count(n: float):  # type: ignore[no-untyped-def]
    for i in range(int(n)):
        if i:
            time.sleep(0.5)
        yield f"step {i}"


def validated(x: float) -> float:
    return x


def validate_x(x: float) -> Any:
    return gr.validate(x is not None and x > 0, "must be positive")


async def sleep50(x: str) -> str:
    await asyncio.sleep(0.05)
    return x


def withbtn(text: str, btn: Any) -> str:
    return f"{text}|{btn}"


def json_path() -> dict[str, str]:
    return {"path": "some/where.txt", "note": "not a file"}


def whoami(x: str, token: gr.OAuthToken | None) -> str:
    return f"{x} token={'yes:' + token.token if token else 'none'}"


with gr.Blocks(title="gradiox core test app") as demo:
    with gr.Tab("add"):
        a = gr.Number(value=1, label="A")
        b = gr.Number(label="B")
        add_out = gr.Number(label="Sum")
        gr.Button("add").click(add, [a, b], add_out, api_name="add")
        gr.Button("add (private)").click(
            add,
            [a, b],
            add_out,
            **({"api_name": "add_private"} if IS_G6 else {}),
            **visibility("private"),
        )
        gr.Button("add (undocumented)").click(
            add, [a, b], add_out, api_name="add_undoc", **visibility("undocumented")
        )

    with gr.Tab("text"):
        text = gr.Textbox(label="Text")
        suffix = gr.Textbox(value="!", label="Suffix")
        text_out = gr.Textbox(label="Output")
        gr.Button("echo").click(echo, [text, suffix], text_out, api_name="echo")

        upper = gr.Textbox(label="Upper")
        lower = gr.Textbox(label="Lower")
        length = gr.Number(label="Length", precision=0)
        gr.Button("multi").click(multi, text, [upper, lower, length], api_name="multi")

        gr.Button("logs").click(logs, text, text_out, api_name="logs")
        gr.Button("fail").click(fail, text, text_out, api_name="fail")
        gr.Button("boom").click(boom, text, text_out, api_name="boom")
        gr.Button("sleep50").click(
            sleep50, text, text_out, api_name="sleep50", concurrency_limit=None
        )
        btn = gr.Button("withbtn")
        btn.click(withbtn, [text, btn], text_out, api_name="withbtn")

    with gr.Tab("state"):
        state = gr.State([])
        state_out = gr.Textbox(label="State")
        gr.Button("with_state").click(
            with_state, [text, state], [state_out, state], api_name="with_state"
        )

    with gr.Tab("generators"):
        n = gr.Number(label="n", precision=0)
        gen_out = gr.Textbox(label="Step")
        gr.Button("count").click(count, n, gen_out, api_name="count")
        gr.Button("slow_count").click(slow_count, n, gen_out, api_name="slow_count")

        steps = gr.Number(value=20, label="Steps", precision=0)
        gr.Button("progress").click(progress_fn, steps, gen_out, api_name="progress")

        seconds = gr.Number(value=8, label="Seconds")
        gr.Button("long").click(long, seconds, gen_out, api_name="long")

    with gr.Tab("misc"):
        x_num = gr.Number(label="X")
        x_out = gr.Number(label="Validated")
        gr.Button("validated").click(
            validated,
            x_num,
            x_out,
            api_name="validated",
            **({"validator": validate_x} if IS_G6 else {}),
        )
        json_out = gr.JSON(label="JSON")
        gr.Button("json_path").click(json_path, None, json_out, api_name="json_path")
        who_in = gr.Textbox(label="Who")
        who_out = gr.Textbox(label="Token seen")
        gr.Button("whoami").click(whoami, who_in, who_out, api_name="whoami")


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None)
    demo.launch(max_threads=256, show_error=True)
