"""The commands ``info``, ``predict``, ``batch`` and ``mcp``, each on an ``AsyncClient``.

Each command returns its exit code; errors are reported by :func:`guarded`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import TYPE_CHECKING, Any

from gradiox.cli.errors import EXIT_OK, EXIT_USAGE, exit_code, report
from gradiox.cli.payload import (
    endpoint_target,
    load_payload,
    parse_auth,
    parse_headers,
    split_payload,
)
from gradiox.exceptions import DeadlineExceededError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Coroutine, Mapping

    from gradiox.async_client import AsyncClient

__all__ = ["batch", "guarded", "info", "make_client", "mcp", "predict", "return_labels"]


class _Progress:
    """Whether the command got as far as a connected client (for the exit code)."""

    connected = False


def guarded(
    args: argparse.Namespace, command: Callable[[_Progress], Coroutine[Any, Any, None]]
) -> int:
    """Run ``command`` on a fresh event loop; report any error and return the exit code."""
    progress = _Progress()
    try:
        asyncio.run(command(progress))
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every error is reported
        report(exc, json_errors=args.json_errors, debug=args.debug)
        return exit_code(exc, connected=progress.connected)
    return EXIT_OK


def make_client(args: argparse.Namespace) -> AsyncClient:
    """An unconnected AsyncClient with the command's options."""
    from gradiox.async_client import AsyncClient

    options: dict[str, Any] = {}
    seconds = getattr(args, "timeout", None)
    if seconds is not None:
        from gradiox._timeouts import Timeout

        options["timeout"] = Timeout(connect=seconds)
    download = getattr(args, "download_files", None)
    if download is not None:
        options["download_files"] = False if download == "False" else download
    return AsyncClient(
        args.src,
        token=args.token,
        verbose=False,
        auth=parse_auth(args.auth),
        headers=parse_headers(args.header),
        **options,
    )


def cli_deadline(error: DeadlineExceededError, seconds: float) -> DeadlineExceededError:
    """The engine's deadline error, worded for ``--timeout`` instead of ``Timeout(...)``."""
    what = str(error).split(" Allow more time", 1)[0]
    return DeadlineExceededError(
        f"--timeout {seconds:g} s ran out: {what}", phase=error.phase, seconds=seconds
    )


def info(args: argparse.Namespace) -> int:
    """``gradiox info``: the app's API as JSON (or, with ``--text``, as view_api's text)."""

    async def run(progress: _Progress) -> None:
        from gradiox.cli.apiinfo import condense_info

        async with make_client(args) as client:
            progress.connected = True
            if args.text:
                text = client.view_api(
                    all_endpoints=True if args.all else None,
                    print_info=False,
                    return_format="str",
                )
                _emit(str(text))
                return
            described = client.view_api(print_info=False, return_format="dict")
            assert isinstance(described, dict)
            _emit(json.dumps(condense_info(described, all_endpoints=args.all), indent=2))

    return guarded(args, run)


def predict(args: argparse.Namespace) -> int:
    """``gradiox predict``: call one endpoint and print its outputs by return label."""

    async def run(progress: _Progress) -> None:
        positional, keywords = split_payload(load_payload(args.payload))
        api_name, fn_index = endpoint_target(args.endpoint)
        started = time.monotonic()
        client = make_client(args)
        try:
            try:
                await client.connect()
                progress.connected = True
                caller = client
                if args.timeout is not None:  # what is left of --timeout, for the call
                    left = max(args.timeout - (time.monotonic() - started), 0.001)
                    caller = client.with_options(timeout=left)
                await _call(args, caller, api_name, fn_index, positional, keywords)
            except DeadlineExceededError as exc:
                raise cli_deadline(exc, args.timeout) from exc
        finally:
            await client.aclose()

    return guarded(args, run)


async def _call(
    args: argparse.Namespace,
    client: AsyncClient,
    api_name: str | None,
    fn_index: int | None,
    positional: list[Any],
    keywords: dict[str, Any],
) -> None:
    """Submit the call, stream its updates if asked, and print the result."""
    described = client.view_api(print_info=False, return_format="dict")
    assert isinstance(described, dict)
    labels = return_labels(described, api_name, fn_index)
    job = client.submit(*positional, api_name=api_name, fn_index=fn_index, **keywords)
    try:
        if args.stream:
            from gradiox.cli.stream import follow

            await follow(job, labels, _emit)
        result = await job.result()
    except asyncio.CancelledError:  # Ctrl-C: don't leave the job running on the server
        await job.cancel()
        raise
    named = name_outputs(labels, result)
    if args.stream:
        _emit(json.dumps({"type": "result", "data": named}))
    else:
        _emit(json.dumps(named, indent=2))


def return_labels(
    described: Mapping[str, Any], api_name: str | None, fn_index: int | None
) -> list[str] | None:
    """The return labels of the endpoint, as ``view_api()`` lists them (None: not listed)."""
    if api_name is not None:
        endpoint = (described.get("named_endpoints") or {}).get(api_name)
    else:
        endpoint = (described.get("unnamed_endpoints") or {}).get(str(fn_index))
    if endpoint is None:  # callable but not listed (undocumented): no labels known
        return None
    return [str(r.get("label")) for r in endpoint.get("returns") or []]


def name_outputs(labels: list[str] | None, result: Any) -> dict[str, Any]:
    """``dict(zip(labels, outputs))``, as hf-gradio prints a result.

    Without labels (an endpoint the app does not list), outputs are named ``output_<i>``.
    """
    outputs = result if isinstance(result, tuple) else (result,)
    if labels is None:
        labels = [f"output_{i}" for i in range(len(outputs))]
    return dict(zip(labels, outputs, strict=False))


def _emit(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def batch(args: argparse.Namespace) -> int:
    """``gradiox batch``: one call per line of a JSONL file, resumable (see cli/batch.py)."""
    from gradiox.cli.batch import batch as run_batch

    return guarded(args, lambda progress: run_batch(args, progress))


def mcp(args: argparse.Namespace) -> int:
    """``gradiox mcp``: serve the apps' endpoints as MCP tools over stdio."""
    try:
        from gradiox.cli.mcp_server import serve
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("mcp"):
            raise
        sys.stderr.write(
            "gradiox: error: `gradiox mcp` needs the MCP SDK: pip install 'gradiox[mcp]'\n"
        )
        return EXIT_USAGE
    return guarded(args, lambda progress: serve(args, progress))
