"""Fixtures for the integration tests: real Gradio servers in subprocesses.

Each (app, server version) pair starts **once per test session**, from its own server venv
(``.servers/<stem>/``, built by ``scripts/setup.sh``), and all of them stop at session end.
Servers start lazily, but the first time one is needed, every server that the collected
tests will need boots, several at a time, and the tests start once all are up.

Fixtures:

* ``server_stem`` — parametrized over ``MODERN_VERSIONS``, the Gradio 5+ servers (ids ``g5``,
  ``g6``, ...), for the core tests.
* ``version_stem`` — parametrized over every server in ``SERVER_VERSIONS``, 3.x to 6.x (ids
  ``g3.50``, ``g4.8``, ..., ``g6.31``), for the cross-version tests; ``compat_url``,
  ``compat_mount_url`` and ``compat_auth_url`` are its apps (see the end of this file).
* ``core_url``, ``queue_small_url``, ``hidden_errors_url``, ``auth_url``, ``fidelity_url`` —
  the base URL (``http://127.0.0.1:<port>/``) of the matching ``tests/apps/*_app.py`` on
  ``server_stem``.
* ``gradio_servers`` — the session registry: ``gradio_servers.get(app, stem, env=...)``
  returns the ready :class:`RunningServer` (``.url``, ``.log_path``, ...) for any app in
  ``tests/apps/``, started once per distinct (app, stem, env).

Everything under ``tests/integration`` is marked ``integration``. A missing server venv is a
test error that says to run ``scripts/setup.sh`` -- never a silent skip.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import pytest

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(REPO_ROOT / "tools"))

from gradio_servers import (  # noqa: E402
    APPS_DIR,
    SERVER_VERSIONS,
    RunningServer,
    ServerStartError,
    ServerVenvMissingError,
    spawn_app,
    stem_version,
)

if TYPE_CHECKING:
    from collections.abc import Generator, Iterator, Mapping

MODERN_VERSIONS = [stem for stem in SERVER_VERSIONS if stem_version(stem) >= (5,)]
"""The Gradio 5+ servers: the core tests use 5.x/6.x-only features."""

START_TIMEOUT = 120.0
"""Seconds a server may take to boot (generous: several boot at once on 2 cores)."""

MAX_PARALLEL_BOOTS = 6

TEST_TIMEOUT = 300.0
"""pytest-timeout's budget for one test (``timeout`` in pyproject.toml)."""
"""Servers booting at once when the session starts (2 cores; a boot is mostly CPU)."""

# fixture name -> (app file in tests/apps, readiness accepts any HTTP status)
APP_FIXTURES: dict[str, tuple[str, bool]] = {
    "core_url": ("core_app.py", False),
    "queue_small_url": ("queue_small_app.py", False),
    "hidden_errors_url": ("hidden_errors_app.py", False),
    "auth_url": ("auth_app.py", True),  # /config answers 401 without login
    "fidelity_url": ("fidelity_app.py", False),
    "streaming_url": ("streaming_app.py", False),
}
_ANY_STATUS_APPS = {app for app, any_status in APP_FIXTURES.values() if any_status}


def stem_id(stem: str) -> str:
    """Short pytest id for a server stem: ``gradio-6.31.0`` -> ``g6`` (falls back to the stem)."""
    major = stem_version(stem)[:1]
    short = f"g{major[0]}" if major else stem
    same_major = [s for s in SERVER_VERSIONS if stem_version(s)[:1] == major]
    return short if len(same_major) == 1 else stem


class ServerKey(NamedTuple):
    """Identifies one server of the session: app file, server stem, extra environment."""

    app: str
    stem: str
    env: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.env)
        return f"{self.app} on {self.stem}" + (f" with {extra}" if extra else "")


class ServerRegistry:
    """Session-wide cache of running servers: each distinct :class:`ServerKey` starts once."""

    def __init__(self) -> None:
        self._servers: dict[ServerKey, RunningServer] = {}
        self._errors: dict[ServerKey, BaseException] = {}
        self._lock = threading.Lock()
        self._booting = threading.Lock()
        self._booted = False
        self.wanted: list[ServerKey] = []
        """Servers the collected tests need; all boot together on first use."""

    @staticmethod
    def key(app: str, stem: str, env: Mapping[str, str] | None = None) -> ServerKey:
        """The registry key of ``tests/apps/<app>`` on ``stem`` with extra ``env``."""
        return ServerKey(app, stem, tuple(sorted((env or {}).items())))

    def _spawn(self, key: ServerKey, ready_any_status: bool | None = None) -> None:
        # Caller holds the lock.
        if key in self._servers or key in self._errors:
            return
        any_status = _any_status(key) if ready_any_status is None else ready_any_status
        try:
            self._servers[key] = spawn_app(
                APPS_DIR / key.app, key.stem, env=dict(key.env), ready_any_status=any_status
            )
        except (ServerVenvMissingError, OSError) as exc:
            self._errors[key] = exc

    def get(
        self,
        app: str,
        stem: str,
        *,
        env: Mapping[str, str] | None = None,
        ready_any_status: bool | None = None,
    ) -> RunningServer:
        """Return the ready server for ``tests/apps/<app>`` on ``stem``, starting it if needed.

        ``env`` adds environment variables for the app (a different ``env`` is a different
        server). ``ready_any_status=True`` is needed for apps with ``auth=`` (known apps get
        the right default). A server that cannot start fails the test (never skips it).
        """
        key = self.key(app, stem, env)
        self._boot_wanted()
        with self._lock:
            self._spawn(key, ready_any_status)
            error = self._errors.get(key)
            server = self._servers.get(key)
        if error is not None:
            self._raise(key, error)
        assert server is not None
        try:
            return server.wait_ready(START_TIMEOUT)
        except ServerStartError as exc:
            with self._lock:
                self._errors[key] = exc
            self._raise(key, exc)
            raise  # unreachable: _raise always raises

    def _boot_wanted(self) -> None:
        """On first use, boot every wanted server, ``MAX_PARALLEL_BOOTS`` at a time, and wait.

        Tests then never run beside the boot storm (dozens of ``import gradio`` on 2 cores
        would skew their timing), and no boot waits behind more than a few others. A server
        that fails to start is remembered; the tests that need it fail with its error.
        """
        with self._booting:  # other threads wait here until the boot is over
            if self._booted:
                return
            self._booted = True

            def boot(key: ServerKey) -> None:
                with self._lock:
                    self._spawn(key)
                    server = self._servers.get(key)
                if server is None:
                    return
                try:
                    server.wait_ready(START_TIMEOUT)
                except ServerStartError as exc:
                    with self._lock:
                        self._errors[key] = exc

            with ThreadPoolExecutor(MAX_PARALLEL_BOOTS) as pool:
                list(pool.map(boot, self.wanted))

    @staticmethod
    def _raise(key: ServerKey, error: BaseException) -> None:
        if isinstance(error, ServerVenvMissingError):
            pytest.fail(f"{error}\n(needed for {key.describe()})", pytrace=False)
        pytest.fail(f"could not start {key.describe()}: {error}", pytrace=False)

    def peek(
        self, app: str, stem: str, env: Mapping[str, str] | None = None
    ) -> RunningServer | None:
        """The server for (app, stem, env) if it was spawned, without starting anything."""
        with self._lock:
            return self._servers.get(self.key(app, stem, env))

    def started(self) -> list[RunningServer]:
        """Every server spawned so far."""
        with self._lock:
            return list(self._servers.values())

    def stop_all(self) -> None:
        """Stop every server (idempotent)."""
        with self._lock:
            servers = list(self._servers.values())
            self._servers.clear()
        for server in servers:
            server.stop()


_REGISTRY = ServerRegistry()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything under tests/integration with ``integration``."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note which servers the selected tests (after ``-k``/``-m``) will need."""
    wanted: list[ServerKey] = []
    for item in session.items:
        stem = _server_stem_of(item)
        if stem is None or not item.path.is_relative_to(HERE):
            continue
        for fixture, key in _server_keys(stem):
            if fixture in getattr(item, "fixturenames", ()) and key not in wanted:
                wanted.append(key)
    # core_app first: it is the one most tests need first.
    wanted.sort(key=lambda key: (key.app != "core_app.py", key.stem))
    _REGISTRY.wanted = wanted
    _allow_for_the_boot(session.items, len(wanted))


def _allow_for_the_boot(items: list[pytest.Item], servers: int) -> None:
    """Give the first test that uses the registry time for the boot storm it sets off.

    pytest-timeout's budget covers fixture setup, and the first ``gradio_servers.get()``
    boots every wanted server before it returns; on a loaded machine that alone can take
    longer than a test may. Each round of ``MAX_PARALLEL_BOOTS`` may take ``START_TIMEOUT``.
    """
    first = next((i for i in items if "gradio_servers" in getattr(i, "fixturenames", ())), None)
    if first is None or not servers:
        return
    rounds = -(-servers // MAX_PARALLEL_BOOTS)
    marker = first.get_closest_marker("timeout")
    base = float(marker.args[0]) if marker is not None and marker.args else TEST_TIMEOUT
    first.add_marker(pytest.mark.timeout(base + rounds * START_TIMEOUT))


@pytest.fixture(scope="session")
def gradio_servers() -> Iterator[ServerRegistry]:
    """The session's server registry; all servers stop when the session ends."""
    try:
        yield _REGISTRY
    finally:
        _REGISTRY.stop_all()


@pytest.fixture(scope="session", params=MODERN_VERSIONS, ids=[stem_id(s) for s in MODERN_VERSIONS])
def server_stem(request: pytest.FixtureRequest) -> str:
    """A server version stem, e.g. ``"gradio-6.31.0"``."""
    stem: str = request.param
    return stem


@pytest.fixture(scope="session")
def core_url(gradio_servers: ServerRegistry, server_stem: str) -> str:
    """URL of ``tests/apps/core_app.py`` on ``server_stem``."""
    return gradio_servers.get("core_app.py", server_stem).url


@pytest.fixture(scope="session")
def queue_small_url(gradio_servers: ServerRegistry, server_stem: str) -> str:
    """URL of ``tests/apps/queue_small_app.py`` (queue max_size=1, one 3 s endpoint)."""
    return gradio_servers.get("queue_small_app.py", server_stem).url


@pytest.fixture(scope="session")
def hidden_errors_url(gradio_servers: ServerRegistry, server_stem: str) -> str:
    """URL of ``tests/apps/hidden_errors_app.py`` (``show_error=False``)."""
    return gradio_servers.get("hidden_errors_app.py", server_stem).url


@pytest.fixture(scope="session")
def auth_url(gradio_servers: ServerRegistry, server_stem: str) -> str:
    """URL of ``tests/apps/auth_app.py`` (login ``user`` / ``pass``)."""
    return gradio_servers.get("auth_app.py", server_stem).url


@pytest.fixture(scope="session")
def fidelity_url(gradio_servers: ServerRegistry, server_stem: str) -> str:
    """URL of ``tests/apps/fidelity_app.py`` (shared api_names, refused downloads, ...)."""
    return gradio_servers.get("fidelity_app.py", server_stem).url


@pytest.fixture(scope="session")
def streaming_url(gradio_servers: ServerRegistry, server_stem: str) -> str:
    """URL of ``tests/apps/streaming_app.py`` (streamed image and audio inputs)."""
    return gradio_servers.get("streaming_app.py", server_stem).url


def _server_stem_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    stem = callspec.params.get("server_stem", callspec.params.get("version_stem"))
    return stem if isinstance(stem, str) else None


def _any_status(key: ServerKey) -> bool:
    """Whether the server's readiness check must accept any HTTP status (auth, mounts)."""
    if key.app in _ANY_STATUS_APPS:
        return True
    return any(
        (app, tuple(sorted(env.items()))) == (key.app, key.env) and any_status
        for app, env, any_status in COMPAT_FIXTURES.values()
    )


def _server_keys(stem: str) -> list[tuple[str, ServerKey]]:
    """(fixture name, server key) for every app fixture, on ``stem``."""
    keys = [(fixture, ServerRegistry.key(app, stem)) for fixture, (app, _) in APP_FIXTURES.items()]
    keys += [
        (fixture, ServerRegistry.key(app, stem, env))
        for fixture, (app, env, _) in COMPAT_FIXTURES.items()
    ]
    return keys


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failed integration test, attach the tail of the logs of the servers it used."""
    report = yield
    stem = _server_stem_of(item)
    if report.failed and stem is not None and item.path.is_relative_to(HERE):
        for fixture, key in _server_keys(stem):
            server = _REGISTRY.peek(key.app, stem, dict(key.env))
            if server is not None and fixture in getattr(item, "fixturenames", ()):
                report.sections.append(
                    (f"gradio server log: {key.describe()}", server.log_tail(30))
                )
    return report


# -- cross-version fixtures (3.x to 6.x) ----------------------------------------------------

# fixture name -> (app file in tests/apps, extra environment, readiness accepts any status)
COMPAT_FIXTURES: dict[str, tuple[str, dict[str, str], bool]] = {
    # Behind a (pretend) proxy: the server writes URLs under /proxy/path, its routes stay at /.
    "compat_url": ("compat_app.py", {"GRADIO_ROOT_PATH": "/proxy/path"}, False),
    # Mounted with gr.mount_gradio_app under /sub/app; "/" itself is a 404.
    "compat_mount_url": ("compat_app.py", {"COMPAT_MOUNT_PATH": "/sub/app"}, True),
    "compat_auth_url": ("auth_app.py", {}, True),
}
MOUNT_PATH = "sub/app/"


def version_id(stem: str) -> str:
    """Short pytest id with major and minor: ``gradio-4.20.1`` -> ``g4.20``."""
    version = stem_version(stem)
    return "g" + ".".join(map(str, version[:2])) if version else stem


@pytest.fixture(
    scope="session", params=SERVER_VERSIONS, ids=[version_id(s) for s in SERVER_VERSIONS]
)
def version_stem(request: pytest.FixtureRequest) -> str:
    """Every server version stem, oldest first: ``"gradio-3.50.2"`` ... ``"gradio-6.31.0"``."""
    stem: str = request.param
    return stem


def _compat_server(registry: ServerRegistry, fixture: str, stem: str) -> RunningServer:
    app, env, any_status = COMPAT_FIXTURES[fixture]
    return registry.get(app, stem, env=env, ready_any_status=any_status)


@pytest.fixture(scope="session")
def compat_url(gradio_servers: ServerRegistry, version_stem: str) -> str:
    """URL of ``tests/apps/compat_app.py`` on ``version_stem``, launched with a root_path."""
    return _compat_server(gradio_servers, "compat_url", version_stem).url


@pytest.fixture(scope="session")
def compat_mount_url(gradio_servers: ServerRegistry, version_stem: str) -> str:
    """URL of ``compat_app.py`` mounted under ``/sub/app/`` of a FastAPI app."""
    return _compat_server(gradio_servers, "compat_mount_url", version_stem).url + MOUNT_PATH


@pytest.fixture(scope="session")
def compat_auth_url(gradio_servers: ServerRegistry, version_stem: str) -> str:
    """URL of ``tests/apps/auth_app.py`` (login ``user`` / ``pass``) on ``version_stem``."""
    return _compat_server(gradio_servers, "compat_auth_url", version_stem).url


# -- command line and MCP bridge (Gradio 6.31 only) -----------------------------------------

from cli_helpers import CLI_STEM  # noqa: E402


@pytest.fixture(scope="session")
def cli_url(gradio_servers: ServerRegistry) -> str:
    """URL of ``tests/apps/cli_app.py`` on Gradio 6.31 (the CLI and MCP tests' app)."""
    return gradio_servers.get("cli_app.py", CLI_STEM).url


@pytest.fixture(scope="session")
def core6_url(gradio_servers: ServerRegistry) -> str:
    """URL of ``tests/apps/core_app.py`` on Gradio 6.31."""
    return gradio_servers.get("core_app.py", CLI_STEM).url


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
