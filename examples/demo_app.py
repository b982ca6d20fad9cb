"""A small, friendly Gradio app for the gradiox tour (``examples/tour.py``).

Run it on its own with a server venv (``bash scripts/setup.sh gradio-6.31.0`` first)::

    GRADIO_SERVER_PORT=7860 .servers/gradio-6.31.0/bin/python examples/demo_app.py

Endpoints:

* ``/greet(name, greeting="Hello")`` -> ``"Hello, Ada!"``
* ``/stream_words(text)``            -> generator: the sentence grows one word at a time
* ``/crunch(steps=10)``              -> reports ``gr.Progress``, returns a summary
* ``/slow_task(seconds=10)``         -> cancellable countdown (async), returns ``"slept N s"``
* ``/add_note(note)``                -> per-session notebook kept in ``gr.State``;
                                        returns ``(count, all notes)``
"""

from __future__ import annotations

import asyncio
import time

import gradio as gr


def greet(name: str, greeting: str) -> str:
    name = name.strip() or "stranger"
    return f"{greeting}, {name}!"


def stream_words(text: str):  # type: ignore[no-untyped-def]
    words: list[str] = []
    for word in text.split():
        words.append(word)
        time.sleep(0.15)
        yield " ".join(words)


def crunch(steps: float, progress: gr.Progress = gr.Progress()) -> str:  # noqa: B008
    total = 0
    for i in progress.tqdm(range(int(steps)), desc="crunching numbers", unit="steps"):
        total += i * i
        time.sleep(0.1)
    return f"sum of squares below {int(steps)} is {total}"


async def slow_task(seconds: float) -> str:
    for _ in range(round(float(seconds) * 10)):  # small steps: a cancel stops it promptly
        await asyncio.sleep(0.1)
    return f"slept {float(seconds):g} s"


def add_note(note: str, notes: list[str]) -> tuple[int, str, list[str]]:
    notes = [*notes, note.strip()] if note.strip() else notes
    return len(notes), "\n".join(f"{i}. {n}" for i, n in enumerate(notes, 1)), notes


with gr.Blocks(title="gradiox demo") as demo:
    gr.Markdown("# gradiox demo app\nA few small endpoints to show off the client.")

    with gr.Tab("Greeting"):
        name = gr.Textbox(label="Name", placeholder="Ada")
        greeting = gr.Textbox(value="Hello", label="Greeting")
        greeting_out = gr.Textbox(label="Message")
        gr.Button("Greet").click(greet, [name, greeting], greeting_out, api_name="greet")

    with gr.Tab("Streaming"):
        text = gr.Textbox(value="gradiox streams every word as it arrives", label="Sentence")
        words_out = gr.Textbox(label="So far")
        gr.Button("Stream").click(stream_words, text, words_out, api_name="stream_words")

    with gr.Tab("Progress"):
        steps = gr.Number(value=10, label="Steps", precision=0)
        crunch_out = gr.Textbox(label="Result")
        gr.Button("Crunch").click(crunch, steps, crunch_out, api_name="crunch")

    with gr.Tab("Slow task"):
        seconds = gr.Number(value=10, label="Seconds")
        slow_out = gr.Textbox(label="Result")
        start = gr.Button("Start")
        stop = gr.Button("Cancel")
        event = start.click(slow_task, seconds, slow_out, api_name="slow_task")
        stop.click(None, None, None, cancels=[event])

    with gr.Tab("Notebook"):
        notes = gr.State([])
        note = gr.Textbox(label="Note")
        count = gr.Number(label="Notes so far", precision=0)
        notebook = gr.Textbox(label="Notebook", lines=5)
        gr.Button("Add note").click(
            add_note, [note, notes], [count, notebook, notes], api_name="add_note"
        )


if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None)
    demo.launch(show_error=True)
