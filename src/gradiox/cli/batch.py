"""``gradiox batch``: call one endpoint once per line of a JSON-lines file, resumably.

Each input line is a JSON object (arguments by name) or array (positional arguments); file
inputs are written as for ``predict``. Each output line is one input's record::

    {"index": 0, "output": {"<return label>": <value>, ...}}
    {"index": 1, "error": {"type": "AppError", "message": "..."}}

The run goes through ``AsyncClient.map`` with a checkpoint next to the output
(``<output>.checkpoint``); ``--resume`` rewrites the output from that checkpoint and runs
only the inputs it does not hold, so a crashed or interrupted batch loses nothing it reported.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiox.cli.payload import endpoint_target, mark_files
from gradiox.exceptions import AppError, ArgumentError

if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from gradiox._batch.run import BatchResult

__all__ = ["batch", "read_items"]


def read_items(path: str) -> list[Any]:
    """The input items: one JSON object or array per non-blank line, file inputs marked.

    Raises:
        FileNotFoundError: No such input file (exit code 2).
        ArgumentError: A line is not a JSON object or array (exit code 2).
    """
    items = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ArgumentError(f"{path} line {number} is not valid JSON: {exc.msg}") from None
            if not isinstance(value, (dict, list)):
                raise ArgumentError(
                    f"{path} line {number} must be a JSON object (arguments by name) or "
                    f"array (positional arguments), not {type(value).__name__}"
                )
            items.append(mark_files(value))
    return items


async def batch(args: argparse.Namespace, progress: Any) -> None:
    """Run the batch; raise :class:`AppError` at the end if any item failed (exit code 1)."""
    from gradiox.cli.commands import make_client, return_labels

    items = read_items(args.input)
    if args.concurrency < 1:
        raise ArgumentError(f"--concurrency must be at least 1, got {args.concurrency}")
    api_name, fn_index = endpoint_target(args.endpoint)
    output = Path(args.output)
    checkpoint = output.with_name(output.name + ".checkpoint")
    if not args.resume:
        checkpoint.unlink(missing_ok=True)
    async with make_client(args) as client:
        progress.connected = True
        described = client.view_api(print_info=False, return_format="dict")
        assert isinstance(described, dict)
        labels = return_labels(described, api_name, fn_index)
        failed = 0
        # A local file written line by line by this task alone: blocking is fine here.
        with open(output, "w", encoding="utf-8") as sink:  # noqa: ASYNC230
            if args.resume and checkpoint.exists():
                failed += _copy_checkpoint(checkpoint, labels, sink)
            async for result in client.map(
                items,
                api_name=api_name,
                fn_index=fn_index,
                concurrency=args.concurrency,
                checkpoint=checkpoint,
                progress=not args.quiet,
            ):
                failed += 0 if result.ok else 1
                _write(sink, _record(result, labels))
    if failed:
        raise AppError(f"{failed} of {len(items)} items failed; their errors are in {output}")


def _record(result: BatchResult, labels: list[str] | None) -> dict[str, Any]:
    from gradiox.cli.commands import name_outputs

    if result.error is not None:
        error = {"type": type(result.error).__name__, "message": str(result.error)}
        return {"index": result.index, "error": error}
    return {"index": result.index, "output": name_outputs(labels, result.output)}


def _copy_checkpoint(checkpoint: Path, labels: list[str] | None, sink: TextIO) -> int:
    """Write the records a checkpoint holds to the output; return how many failed."""
    from gradiox._batch.checkpoint import read_checkpoint, settled
    from gradiox.cli.commands import name_outputs

    failed = 0
    kept = [e for e in read_checkpoint(checkpoint) if settled(e, "transient")]  # others re-run
    for entry in sorted(kept, key=lambda e: int(e["index"])):
        if "error" in entry:
            failed += 1
            _write(sink, {"index": entry["index"], "error": entry["error"]})
            continue
        value = entry.get("output")
        if labels is not None and len(labels) > 1 and isinstance(value, list):
            value = tuple(value)  # several outputs were stored as a JSON array
        _write(sink, {"index": entry["index"], "output": name_outputs(labels, value)})
    return failed


def _write(sink: TextIO, record: dict[str, Any]) -> None:
    sink.write(json.dumps(record) + "\n")
    sink.flush()
