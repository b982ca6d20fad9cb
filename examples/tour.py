"""A short tour of gradiox: start the bundled demo app locally and drive it.

Run it with ``bash scripts/demo.sh`` (which sets everything up first).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from gradio_servers import running_app  # noqa: E402

from gradiox import AsyncClient, Client, DeadlineExceededError, Status, Timeout  # noqa: E402

SERVER = "gradio-6.31.0"


def heading(text: str) -> None:
    print(f"\n\033[1m== {text} ==\033[0m")


def sync_tour(url: str) -> None:
    heading("Connect and list the API")
    client = Client(url)
    client.view_api()

    heading("predict: positional, keyword, and a default")
    print(client.predict("Ada", api_name="/greet"))
    print(client.predict(name="Grace", greeting="Good morning", api_name="/greet"))

    heading("A generator, streamed output by output")
    job = client.submit("gradiox streams every word as it arrives", api_name="/stream_words")
    for partial in job:
        print("  ", partial)
    print("result():", repr(job.result()), "| outputs():", len(job.outputs()), "values")

    heading("status() and progress while a job runs")
    job = client.submit(steps=12, api_name="/crunch")
    last = None
    while not job.done():
        status = job.status()
        if status.code is Status.PROGRESS and status.progress_data:
            unit = status.progress_data[0]
            line = f"  {unit.desc}: {unit.index}/{unit.length} {unit.unit}"
            if line != last:
                print(line)
                last = line
        time.sleep(0.05)
    print("  ", job.result())

    heading("Cancel a slow job")
    job = client.submit(30, api_name="/slow_task")
    time.sleep(1)
    print("  status before:", job.status().code.name)
    print("  cancel():", job.cancel())
    print("  status after:", job.status().code.name, "| done():", job.done())

    heading("A deadline: give up after 2 s (the job is cancelled on the server)")
    quick = client.with_options(timeout=Timeout(run=2))  # same connection and session
    try:
        quick.predict(30, api_name="/slow_task")
    except DeadlineExceededError as exc:
        print(f"  {type(exc).__name__} (phase {exc.phase!r}): {exc}")

    heading("Session state, and reset_session()")
    print("  ", client.predict("buy milk", api_name="/add_note"))
    print("  ", client.predict("write docs", api_name="/add_note"))
    client.reset_session()
    print("   after reset:", client.predict("fresh start", api_name="/add_note"))

    heading("Typed errors")
    try:
        client.predict("Ada", api_name="greet")
    except ValueError as exc:
        print(f"  {type(exc).__name__}: {exc}")
    client.close()


async def async_tour(url: str) -> None:
    heading("AsyncClient: concurrent predictions and async iteration")
    async with AsyncClient(url, verbose=False) as client:
        names = ["Ada", "Grace", "Linus", "Guido"]
        results = await asyncio.gather(*(client.predict(n, api_name="/greet") for n in names))
        print("  ", results)
        job = client.submit("async updates arrive in order", api_name="/stream_words")
        async for update in job:
            if update.type == "output":
                print("   output:", repr(update.outputs), "(final)" if update.final else "")
            else:
                print("   status:", update.code.name)


def main() -> None:
    print(f"Starting the demo app (examples/demo_app.py) on {SERVER}...")
    with running_app(ROOT / "examples" / "demo_app.py", SERVER) as server:
        sync_tour(server.url)
        asyncio.run(async_tour(server.url))
    print("\nDone. See README.md for the full guide.")


if __name__ == "__main__":
    main()
