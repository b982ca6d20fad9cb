"""The ``gradiox`` command line: call any Gradio app from a shell, a script or an agent.

Commands::

    gradiox info <src> [--all | --text]                print the app's API as JSON
    gradiox predict <src> <endpoint> ['<json>' | -]    call one endpoint, print JSON
    gradiox batch <src> <endpoint> --input F --output F   one call per JSONL line
    gradiox mcp <src> [<src> ...]                      a stdio MCP server for the apps

``info`` and ``predict`` print the same JSON as ``hf-gradio``. stdout carries only JSON;
errors are one line on stderr. Exit codes: 0 ok, 1 the call failed, 2 usage error,
3 could not connect. Starting it stays light: the client is imported only by a command.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

_SRC_HELP = "The app: its URL (http://127.0.0.1:7860/) or a Hugging Face Space id (owner/name)"


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (exit code 2), not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"gradiox: error: {message} (see `{self.prog} --help`)\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", help="Hugging Face token (sent as x-hf-authorization)")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="K:V",
        help="a header for every request to the app (repeatable)",
    )
    parser.add_argument("--auth", metavar="USER:PASS", help="login of an app launched with auth=")
    parser.add_argument(
        "--json-errors",
        action="store_true",
        help='also print errors as {"error": type, "message": ...} on stdout',
    )
    parser.add_argument("--debug", action="store_true", help="print tracebacks of errors")


def _download(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--download-files",
        metavar="DIR",
        help="folder for output files (default: $GRADIO_TEMP_DIR or <tmp>/gradio); "
        "False prints the file dicts instead",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gradiox`` command."""
    from gradiox._version import __version__

    parser = _Parser(prog="gradiox", description="Call Gradio apps from the command line.")
    parser.add_argument("--version", action="version", version=f"gradiox {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    info = commands.add_parser("info", help="print the app's API as JSON (as hf-gradio info)")
    info.add_argument("src", help=_SRC_HELP)
    info.add_argument("--all", action="store_true", help="also list unnamed endpoints")
    info.add_argument("--text", action="store_true", help="print the view_api() text instead")
    _common(info)

    predict = commands.add_parser("predict", help="call an endpoint (as hf-gradio predict)")
    predict.add_argument("src", help=_SRC_HELP)
    predict.add_argument("endpoint", help='the endpoint, e.g. "/predict" (or a fn_index)')
    predict.add_argument(
        "payload",
        nargs="?",
        default="{}",
        help="JSON object of arguments by name, or array of positional arguments; "
        "- reads it from stdin (default: {})",
    )
    predict.add_argument(
        "--stream", action="store_true", help="print each status and output as a JSON line"
    )
    predict.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="give up after this many seconds (the job is cancelled)",
    )
    _download(predict)
    _common(predict)

    batch = commands.add_parser("batch", help="call an endpoint once per line of a JSONL file")
    batch.add_argument("src", help=_SRC_HELP)
    batch.add_argument("endpoint", help='the endpoint, e.g. "/predict" (or a fn_index)')
    batch.add_argument("--input", required=True, help="JSONL: one object or array a line")
    batch.add_argument("--output", required=True, help="JSONL: one result a line")
    batch.add_argument("--concurrency", type=int, default=4, help="calls in flight (default 4)")
    batch.add_argument(
        "--resume", action="store_true", help="keep the results of an earlier run, do the rest"
    )
    batch.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    _download(batch)
    _common(batch)

    mcp = commands.add_parser("mcp", help="serve the apps' endpoints as MCP tools over stdio")
    mcp.add_argument("src", nargs="+", help=_SRC_HELP)
    _download(mcp)
    _common(mcp)
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"the timeout must be positive, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``gradiox`` command and return its exit code (also ``python -m gradiox``).

    Args:
        argv: The arguments (without the program name); None reads ``sys.argv``.

    Returns:
        0 on success, 1 if the call failed, 2 on a usage error, 3 if the app could not be
        reached.
    """
    args = build_parser().parse_args(argv)
    from gradiox.cli import commands

    runner: Any = {
        "info": commands.info,
        "predict": commands.predict,
        "batch": commands.batch,
        "mcp": commands.mcp,
    }[args.command]
    code: int = runner(args)
    return code
