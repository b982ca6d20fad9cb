"""The commands ``info``, ``predict``, ``batch`` and ``mcp``, each on an ``AsyncClient``.

Each command returns its exit code; errors are reported by :func:`guarded`.
"""

from __future__ import annotations

import asyncio
import json
import sys
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
    from collections.abc import Awaitable, Callable, Coroutine, Mapping

    from gradiox.async_client import AsyncClient, AsyncJob

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


class Deadline:
    """The ``--timeout`` budget shared by the connection and the call."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._end = None if seconds is None else asyncio.get_running_loop().time() + seconds

    async def run(self, awaitable: Awaitable[Any], job: AsyncJob | None = None) -> Any:
        """Await ``awaitable`` within the remaining time; cancel ``job`` if it runs out."""
        if self._end is None or self.seconds is None:
            return await awaitable
        remaining = max(0.0, self._end - asyncio.get_running_loop().time())
        try:
            return await asyncio.wait_for(awaitable, remaining)
        except asyncio.TimeoutError:
            if job is not None:
                await job.cancel()
            what = "no result" if job is not None else "could not connect"
            raise DeadlineExceededError(
                f"{what} within --timeout {self.seconds:g} s"
                + (" (the job was cancelled)" if job is not None else ""),
                phase="total",
                seconds=self.seconds,
            ) from None


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
        deadline = Deadline(args.timeout)
        client = make_client(args)
        try:
            await deadline.run(client.connect())
            progress.connected = True
            described = client.view_api(print_info=False, return_format="dict")
            assert isinstance(described, dict)
            labels = return_labels(described, api_name, fn_index)
            job = client.submit(*positional, api_name=api_name, fn_index=fn_index, **keywords)
            if args.stream:
                from gradiox.cli.stream import follow

                await deadline.run(follow(job, labels, _emit), job)
            result = await deadline.run(job.result(), job)
            named = name_outputs(labels, result)
            if args.stream:
                _emit(json.dumps({"type": "result", "data": named}))
            else:
                _emit(json.dumps(named, indent=2))
        finally:
            await client.aclose()

    return guarded(args, run)


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
