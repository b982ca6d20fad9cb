"""``gradiox predict --stream``: one JSON line per update, written as it arrives.

Lines (NDJSON)::

    {"type": "status", "code": "IN_QUEUE", "rank": 0, "queue_size": 1, "eta": 1.5,
     "progress": null, "log": null}
    {"type": "output", "data": {"<return label>": <value>, ...}}   (each generator output)
    {"type": "result", "data": {"<return label>": <value>, ...}}   (last, printed by predict)
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from gradiox._types import OutputUpdate, StatusUpdate

if TYPE_CHECKING:
    from collections.abc import Callable

    from gradiox.async_client import AsyncJob

__all__ = ["follow", "status_record"]


def status_record(update: StatusUpdate) -> dict[str, Any]:
    """A status update as a JSON-ready dict."""
    log = None
    if update.log is not None:
        level, message = update.log
        log = {"level": level, "message": message}
    progress = None
    if update.progress_data is not None:
        progress = [asdict(unit) for unit in update.progress_data]
    return {
        "type": "status",
        "code": update.code.value,
        "rank": update.rank,
        "queue_size": update.queue_size,
        "eta": update.eta,
        "progress": progress,
        "log": log,
    }


async def follow(job: AsyncJob, labels: list[str] | None, emit: Callable[[str], None]) -> None:
    """Write each status update and each intermediate output of ``job`` until it ends.

    The final result is not written here: the caller writes it once ``job.result()``
    returned, or reports the error.
    """
    from gradiox.cli.commands import name_outputs

    async for update in job:
        if isinstance(update, StatusUpdate):
            emit(json.dumps(status_record(update)))
        elif isinstance(update, OutputUpdate) and not update.final:
            emit(json.dumps({"type": "output", "data": name_outputs(labels, update.outputs)}))
