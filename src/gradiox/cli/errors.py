"""How the command line reports a failure: exit codes and the one-line error message.

Exit codes: 0 success, 1 the app raised or the call failed, 2 usage error (bad JSON,
unknown endpoint or parameter, missing file), 3 could not connect (unreachable host, not a
Gradio app, login needed or refused). Imports only the light ``gradiox.exceptions``.
"""

from __future__ import annotations

import json
import sys
import traceback
from typing import TextIO

from gradiox.exceptions import (
    ArgumentError,
    AuthenticationError,
    CheckpointMismatchError,
    EndpointError,
    GradioxError,
    NotAGradioAppError,
    SpaceError,
)

__all__ = ["EXIT_APP", "EXIT_CONNECT", "EXIT_OK", "EXIT_USAGE", "exit_code", "report"]

EXIT_OK = 0
EXIT_APP = 1
EXIT_USAGE = 2
EXIT_CONNECT = 3
EXIT_INTERRUPTED = 130

_USAGE_ERRORS: tuple[type[BaseException], ...] = (
    ArgumentError,
    CheckpointMismatchError,
    EndpointError,
    FileNotFoundError,
)
_CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    AuthenticationError,
    NotAGradioAppError,
    SpaceError,
)


def exit_code(error: BaseException, *, connected: bool) -> int:
    """The exit code for ``error``, raised before or after the client connected."""
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, _USAGE_ERRORS):
        return EXIT_USAGE
    if isinstance(error, _CONNECT_ERRORS):
        return EXIT_CONNECT
    if not connected and isinstance(error, (GradioxError, OSError, TimeoutError)):
        return EXIT_CONNECT
    return EXIT_APP


def describe(error: BaseException) -> str:
    """The error as one line: its message, or its type for an error without one."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    text = " ".join(str(error).split())
    if not isinstance(error, (GradioxError, OSError, TimeoutError)):
        text = f"internal error ({type(error).__name__}: {text}); run with --debug for details"
    return text or type(error).__name__


def report(
    error: BaseException,
    *,
    json_errors: bool,
    debug: bool,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> None:
    """Print the error: one line on stderr, a JSON object on stdout with ``--json-errors``.

    With ``debug``, the traceback comes first on stderr.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    if debug:
        traceback.print_exception(type(error), error, error.__traceback__, file=err)
    message = describe(error)
    err.write(f"gradiox: error: {message}\n")
    err.flush()
    if json_errors:
        out.write(json.dumps({"error": type(error).__name__, "message": message}) + "\n")
        out.flush()
