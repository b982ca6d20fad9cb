"""Start real Gradio servers as subprocesses, each from its own pinned virtualenv.

Used by the integration tests, the demo (``examples/tour.py``) and the benchmarks. It is
stdlib-only on purpose: the process that imports it must never import ``gradio`` or
``gradio_client``. Every Gradio server runs in a subprocess with the Python of a server venv
at ``.servers/<stem>/`` (``<stem>`` is the name of a file in ``requirements/servers/``, e.g.
``gradio-6.31.0``). ``scripts/setup.sh`` creates those venvs.

Typical use::

    from gradio_servers import running_app

    with running_app(APPS / "core_app.py", "gradio-6.31.0") as server:
        print(server.url)  # http://127.0.0.1:<port>/

Several servers can boot at the same time (importing gradio takes seconds)::

    servers = start_apps([(APPS / "core_app.py", stem) for stem in SERVER_VERSIONS])

or, finer grained, :func:`spawn_app` returns at once and
:meth:`RunningServer.wait_ready` blocks until the server answers.

Servers listen on 127.0.0.1 only and must not phone home: analytics, Hub access and
telemetry are switched off through the environment, proxies are bypassed (``no_proxy=*``)
and ``GRADIO_TEMP_DIR`` points into a private temporary directory that :meth:`RunningServer.stop`
removes.

Run ``python tools/gradio_servers.py --help`` for a small command line (list the server
versions, or serve an app until Ctrl-C).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = [
    "APPS_DIR",
    "REPO_ROOT",
    "REQUIREMENTS_DIR",
    "SERVERS_DIR",
    "SERVER_VERSIONS",
    "RunningServer",
    "ServerStartError",
    "ServerVenvMissingError",
    "base_env",
    "running_app",
    "spawn_app",
    "start_app",
    "start_apps",
    "stem_version",
    "venv_python",
]

REPO_ROOT: Path = Path(__file__).resolve().parent.parent
"""Root of the gradiox repository (computed from this file's location)."""

REQUIREMENTS_DIR: Path = REPO_ROOT / "requirements" / "servers"
"""One pinned requirements file per server venv: ``<stem>.txt``."""

SERVERS_DIR: Path = REPO_ROOT / ".servers"
"""Where ``scripts/setup.sh`` creates the server venvs: ``.servers/<stem>/``."""

APPS_DIR: Path = REPO_ROOT / "tests" / "apps"
"""The Gradio test apps."""

LOOPBACK = "127.0.0.1"

_PORT_IN_USE_MARKERS = ("Cannot find empty port", "address already in use")
_MAX_PORT_ATTEMPTS = 3


class ServerVenvMissingError(FileNotFoundError):
    """The server venv for a stem does not exist: run ``scripts/setup.sh``."""


class ServerStartError(RuntimeError):
    """A Gradio server died during start-up or did not answer in time.

    The message ends with the tail of the server's log.
    """


def stem_version(stem: str) -> tuple[int, ...]:
    """Return the numeric version in a stem: ``"gradio-5.50.0"`` -> ``(5, 50, 0)``."""
    return tuple(int(part) for part in re.findall(r"\d+", stem))


def _discover_versions() -> list[str]:
    # Only plain ``gradio-X.Y.Z`` files form the version matrix; a file with a suffix (e.g.
    # ``gradio-6.31.0-mcp.txt``: the same server with an extra) is a venv for specific tests.
    stems = [
        path.stem
        for path in REQUIREMENTS_DIR.glob("*.txt")
        if re.fullmatch(r"gradio-\d+(\.\d+)*", path.stem)
    ]
    return sorted(stems, key=lambda stem: (stem_version(stem), stem))


SERVER_VERSIONS: list[str] = _discover_versions()
"""Available server stems, oldest first, e.g. ``["gradio-5.50.0", "gradio-6.31.0"]``."""


def venv_python(stem: str) -> Path:
    """Return the Python executable of the server venv ``.servers/<stem>/``.

    Raises:
        ServerVenvMissingError: the venv (or the requirements file) does not exist.
    """
    python = SERVERS_DIR / stem / "bin" / "python"
    if not (REQUIREMENTS_DIR / f"{stem}.txt").is_file():
        known = ", ".join(SERVER_VERSIONS) or "none"
        raise ServerVenvMissingError(
            f"unknown Gradio server version {stem!r}: there is no "
            f"requirements/servers/{stem}.txt (known: {known})"
        )
    if not python.exists():
        raise ServerVenvMissingError(
            f"the Gradio server venv .servers/{stem}/ is missing; "
            f"run `bash scripts/setup.sh` (or `bash scripts/setup.sh {stem}`) from the repo root"
        )
    return python


def base_env(port: int, temp_dir: Path) -> dict[str, str]:
    """Return the environment for a server on ``port`` whose temp files go to ``temp_dir``.

    It is the current environment without any inherited ``GRADIO_*`` settings or Python
    path/venv variables, plus loopback-only, no-phone-home settings.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("GRADIO_")
        and key not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}
    }
    env.update(
        {
            "GRADIO_SERVER_PORT": str(port),
            "GRADIO_SERVER_NAME": LOOPBACK,
            # Fail instead of silently moving to the next port when ours is taken.
            "GRADIO_NUM_PORTS": "1",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "GRADIO_TEMP_DIR": str(temp_dir),
            "GRADIO_SSR_MODE": "False",
            "GRADIO_MCP_SERVER": "False",
            "HF_HUB_OFFLINE": "1",
            "HF_HUB_DISABLE_TELEMETRY": "1",
            "DO_NOT_TRACK": "1",
            "no_proxy": "*",
            "NO_PROXY": "*",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


_ports_lock = threading.Lock()
_ports_handed_out: set[int] = set()


def _free_port() -> int:
    """Return a loopback port that is free now and was not handed out by this process."""
    with _ports_lock:
        for _ in range(50):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                sock.bind((LOOPBACK, 0))
                port: int = sock.getsockname()[1]
            if port not in _ports_handed_out:
                _ports_handed_out.add(port)
                return port
    raise ServerStartError("could not find a free loopback port")


def _listening_inodes(port: int) -> set[str] | None:
    """Inodes of sockets listening on ``port`` (Linux ``/proc``); None if unknown."""
    inodes: set[str] = set()
    found_table = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                lines = fh.readlines()[1:]
        except OSError:
            continue
        found_table = True
        for line in lines:
            fields = line.split()
            if len(fields) <= 9 or fields[3] != "0A":  # 0A = LISTEN
                continue
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes if found_table else None


def _pid_listens_on(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` owns a socket listening on ``port``; None if unknown."""
    inodes = _listening_inodes(port)
    if inodes is None:
        return None
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        with contextlib.suppress(OSError):
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
            if link.startswith("socket:[") and link[8:-1] in inodes:
                return True
    return False


def _http_status(url: str, timeout: float) -> int | None:
    """GET ``url`` without proxies; return the HTTP status, or None if nothing answered."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status: int = response.status
            return status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError, ValueError):
        return None


_live_servers: set[RunningServer] = set()
_live_lock = threading.Lock()


@atexit.register
def _stop_leftover_servers() -> None:
    with _live_lock:
        leftovers = list(_live_servers)
    for server in leftovers:
        server.stop()


class RunningServer:
    """A Gradio app running in a subprocess on ``127.0.0.1:<port>``.

    Attributes:
        app: the app script.
        stem: the server venv it runs from, e.g. ``"gradio-6.31.0"``.
        port: the loopback port.
        url: ``http://127.0.0.1:<port>/`` (with trailing slash).
        process: the ``subprocess.Popen`` of the server.
        log_path: file with the server's stdout and stderr.
        temp_dir: private directory holding the log and ``GRADIO_TEMP_DIR``.
    """

    app: Path
    stem: str
    port: int
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    temp_dir: Path

    def __init__(
        self,
        app: Path,
        stem: str,
        *,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        ready_path: str = "/config",
        ready_any_status: bool = False,
        keep_files: bool = False,
        port: int | None = None,
    ) -> None:
        """Prepare a server; :func:`spawn_app` / :func:`start_app` are the usual entry points."""
        self._fixed_port = port
        self.app = Path(app).resolve()
        self.stem = stem
        self.python = venv_python(stem)
        if not self.app.is_file():
            raise FileNotFoundError(f"no Gradio app at {self.app}")
        self.ready_path = "/" + ready_path.lstrip("/")
        self.ready_any_status = ready_any_status
        self.keep_files = keep_files or bool(os.environ.get("GRADIOX_KEEP_SERVER_FILES"))
        self._extra_env = dict(env or {})
        self._args = list(args)
        self.temp_dir = Path(tempfile.mkdtemp(prefix=f"gradiox-{stem}-{self.app.stem}-"))
        self.log_path = self.temp_dir / "server.log"
        self._ready = False
        self._stopped = False
        self._attempts = 0
        self._log_offset = 0
        self._launch()
        with _live_lock:
            _live_servers.add(self)

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else ("ready" if self._ready else "starting")
        return f"<RunningServer {self.app.name} {self.stem} {self.url} {state}>"

    def _launch(self) -> None:
        self._attempts += 1
        self.port = self._fixed_port or _free_port()
        self.url = f"http://{LOOPBACK}:{self.port}/"
        gradio_tmp = self.temp_dir / "gradio"
        gradio_tmp.mkdir(exist_ok=True)
        env = base_env(self.port, gradio_tmp)
        env.update(self._extra_env)
        with open(self.log_path, "ab") as log:
            self._log_offset = log.tell()
            log.write(f"$ {self.python} {self.app} (port {self.port})\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                [str(self.python), str(self.app), *self._args],
                cwd=self.app.parent,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: stop() can end its children too
            )

    def log_text(self) -> str:
        """The server log so far."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _log_since_launch(self) -> str:
        try:
            with open(self.log_path, "rb") as fh:
                fh.seek(self._log_offset)
                return fh.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server log."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def _fail(self, reason: str) -> ServerStartError:
        tail = self.log_tail()
        self.stop(keep_files=True)
        return ServerStartError(
            f"Gradio server {self.app.name} ({self.stem}) {reason}; log: {self.log_path}\n"
            f"--- last lines of the server log ---\n{tail}"
        )

    def wait_ready(self, timeout: float = 90) -> RunningServer:
        """Block until the server answers ``GET <ready_path>``; return self.

        Ready means HTTP 200 (or any HTTP status if ``ready_any_status``) from a socket owned by
        our process. If the chosen port was taken meanwhile, the server is relaunched on
        another port.

        Raises:
            ServerStartError: the process exited, or ``timeout`` seconds passed. The server
                is stopped and the message has the tail of its log.
        """
        if self._ready:
            return self
        if self._stopped:
            raise ServerStartError(f"{self!r} was stopped")
        deadline = time.monotonic() + timeout
        delay = 0.05
        while True:
            code = self.process.poll()
            if code is not None:
                log = self._log_since_launch()
                port_taken = any(marker in log for marker in _PORT_IN_USE_MARKERS)
                if port_taken and self._attempts < _MAX_PORT_ATTEMPTS and not self._fixed_port:
                    self._launch()
                    continue
                raise self._fail(f"exited with code {code} during start-up")
            now = time.monotonic()
            if now >= deadline:
                raise self._fail(f"did not answer GET {self.ready_path} within {timeout:g} s")
            status = _http_status(
                self.url.rstrip("/") + self.ready_path, timeout=min(3.0, deadline - now)
            )
            if (status == 200 or (status is not None and self.ready_any_status)) and (
                _pid_listens_on(self.process.pid, self.port) is not False
            ):
                self._ready = True
                return self
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    @property
    def ready(self) -> bool:
        """Whether :meth:`wait_ready` succeeded and the server was not stopped since."""
        return self._ready and not self._stopped

    def stop(self, *, grace: float = 5.0, keep_files: bool | None = None) -> None:
        """Stop the server: SIGTERM, wait up to ``grace`` seconds, then SIGKILL.

        The temporary directory (log and Gradio temp files) is removed unless ``keep_files``
        (default: the constructor's ``keep_files`` or env ``GRADIOX_KEEP_SERVER_FILES``).
        Idempotent.
        """
        if not self._stopped:
            self._stopped = True
            with _live_lock:
                _live_servers.discard(self)
            self._terminate(grace)
        keep = self.keep_files if keep_files is None else keep_files
        if not keep:
            shutil.rmtree(self.temp_dir, ignore_errors=True)

    def _terminate(self, grace: float) -> None:
        proc = self.process
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=grace)
        # Kill whatever is left in the server's own process group (e.g. helper children).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def spawn_app(
    app: Path | str,
    stem: str,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    ready_path: str = "/config",
    ready_any_status: bool = False,
    keep_files: bool = False,
    port: int | None = None,
) -> RunningServer:
    """Launch ``app`` with the Python of server venv ``stem`` and return without waiting.

    Call :meth:`RunningServer.wait_ready` before using it. Use this to boot several servers
    in parallel. ``env`` adds to (and overrides) the server environment of :func:`base_env`;
    ``args`` are passed to the app script. ``port`` pins the port (e.g. to restart a server
    where it was); by default a free one is chosen.
    """
    return RunningServer(
        Path(app),
        stem,
        env=env,
        args=args,
        ready_path=ready_path,
        ready_any_status=ready_any_status,
        keep_files=keep_files,
        port=port,
    )


def start_app(
    app: Path | str,
    stem: str,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    timeout: float = 90,
    ready_path: str = "/config",
    ready_any_status: bool = False,
    keep_files: bool = False,
) -> RunningServer:
    """Launch ``app`` on server venv ``stem`` and wait until it answers (see :func:`spawn_app`).

    For an app with ``auth=``, pass ``ready_any_status=True``: its ``/config`` answers 401.

    Raises:
        ServerVenvMissingError: ``.servers/<stem>/`` does not exist (run ``scripts/setup.sh``).
        ServerStartError: the server died or did not answer within ``timeout`` seconds.
    """
    server = spawn_app(
        app,
        stem,
        env=env,
        args=args,
        ready_path=ready_path,
        ready_any_status=ready_any_status,
        keep_files=keep_files,
    )
    return server.wait_ready(timeout)


@contextlib.contextmanager
def running_app(
    app: Path | str,
    stem: str,
    *,
    env: Mapping[str, str] | None = None,
    args: Sequence[str] = (),
    timeout: float = 90,
    ready_path: str = "/config",
    ready_any_status: bool = False,
    keep_files: bool = False,
) -> Iterator[RunningServer]:
    """Context-manager form of :func:`start_app`: the server is stopped on exit."""
    server = start_app(
        app,
        stem,
        env=env,
        args=args,
        timeout=timeout,
        ready_path=ready_path,
        ready_any_status=ready_any_status,
        keep_files=keep_files,
    )
    try:
        yield server
    finally:
        server.stop()


def start_apps(
    specs: Iterable[tuple[Path | str, str]],
    *,
    timeout: float = 90,
    ready_any_status: bool = False,
) -> list[RunningServer]:
    """Boot several ``(app, stem)`` servers in parallel and wait for all of them.

    If one fails, all are stopped and its :class:`ServerStartError` is raised.
    """
    servers: list[RunningServer] = []
    try:
        for app, stem in specs:
            servers.append(spawn_app(app, stem, ready_any_status=ready_any_status))
        deadline = time.monotonic() + timeout
        for server in servers:
            server.wait_ready(max(1.0, deadline - time.monotonic()))
    except BaseException:
        for server in servers:
            server.stop()
        raise
    return servers


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the server versions and whether their venvs exist")
    serve = sub.add_parser("serve", help="run an app until Ctrl-C")
    serve.add_argument("app", type=Path, help="app script, e.g. tests/apps/core_app.py")
    serve.add_argument(
        "--version", default=SERVER_VERSIONS[-1] if SERVER_VERSIONS else None, help="server stem"
    )
    serve.add_argument("--any-status", action="store_true", help="app uses auth (401 is ready)")
    ns = parser.parse_args(argv)

    if ns.command == "list":
        for stem in SERVER_VERSIONS:
            state = "ok" if (SERVERS_DIR / stem / "bin" / "python").exists() else "missing"
            print(f"{stem}\t{state}")  # noqa: T201
        return 0

    started = time.monotonic()
    with running_app(ns.app, ns.version, ready_any_status=ns.any_status) as server:
        elapsed = time.monotonic() - started
        print(  # noqa: T201
            f"{server.app.name} on {server.stem}: {server.url} "
            f"(ready in {elapsed:.1f} s; log {server.log_path})"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
