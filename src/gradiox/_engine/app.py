"""A connection to one app: the HTTP session, what was discovered, and the current session.

It also notices when the app restarted: after a lost stream (maybe a restart) or a
``session_not_found`` answer (surely one), the next call first reloads the config; a new
``app_id`` (or ``session_not_found``) means the app restarted, so the API info is reloaded,
a new session starts and the old session's jobs fail with ``SessionLostError``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from gradiox._engine.connect import AppDescription, discover
from gradiox._engine.deadlines import within_connect_budget
from gradiox._engine.http import HttpSession
from gradiox._engine.jobs import JobRun
from gradiox._engine.retry import RetryPolicy
from gradiox._engine.spaces import resolve_space
from gradiox._engine.stream import StreamOptions
from gradiox._engine.tasks import TaskGroup
from gradiox._engine.transport import file_transfer_for, open_transport
from gradiox._options import DEFAULT_MAX_RETRIES, CallOptions
from gradiox._protocol.api_info import resolve_endpoint
from gradiox._protocol.routes import Routes, login_form
from gradiox._protocol.sse import DEFAULT_MAX_EVENT_SIZE
from gradiox._timeouts import Timeout
from gradiox.exceptions import (
    AuthenticationError,
    ClientClosedError,
    EndpointError,
    SessionLostError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gradiox._engine.files import FileTransfer
    from gradiox._engine.transport import Transport
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox._spaces import SpaceTarget

__all__ = ["AppConnection"]

logger = logging.getLogger("gradiox")


class AppConnection:
    """Everything the engine keeps for one client. Lives on one event loop.

    Every job of the client is tracked here and every task it starts (joins, downloads)
    belongs to :attr:`tasks`, so :meth:`aclose` settles them all.
    """

    def __init__(
        self,
        http: HttpSession,
        app: AppDescription,
        oauth_token: str | None,
        files: FileTransfer | None = None,
        *,
        timeout: Timeout | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        relogin: tuple[str, str] | None = None,
        space: SpaceTarget | None = None,
        download_files: str | bool = False,
    ) -> None:
        self.http = http
        self.files = files
        self.app = app
        self.oauth_token = oauth_token
        self.timeout = timeout or Timeout()
        self.max_event_size = max_event_size
        self.options = StreamOptions(self.timeout.stream_idle, max_event_size)
        self.tasks = TaskGroup()
        self.runs: set[JobRun] = set()
        self._auth = relogin
        self._space = space
        self._download_files = download_files
        # None: all is well; False: the app may have restarted; True: it did.
        self._trouble: bool | None = None
        self._check: asyncio.Task[None] | None = None
        self.session = self._new_session()
        self._old_sessions: list[Transport] = []

    def _new_session(self) -> Transport:
        """A new session on the transport the app's features chose."""
        session = open_transport(self.http, self.app, self.files, self.options, self._notice)
        session.start_heartbeat()
        return session

    @classmethod
    async def connect(
        cls,
        src: str,
        *,
        headers: Mapping[str, str],
        cookies: Any,
        verify: bool,
        httpx_kwargs: Mapping[str, Any] | None,
        auth: tuple[str, str] | None,
        oauth_token: str | None,
        download_files: str | bool = False,
        space: SpaceTarget | None = None,
        timeout: Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> AppConnection:
        """Resolve the Space (if ``space``), log in if asked, discover the app, and connect.

        For a Space, ``src`` is its id until the Hub gives its URL (then ``app.src``).
        ``timeout.connect`` (or ``timeout.total``) bounds the login and discovery;
        ``max_retries`` applies to the config and API info requests.

        Raises:
            DeadlineExceededError: The connect budget ran out.
            GradioxError: Whatever discovery or login raised; the HTTP session is closed.
        """
        timeout = timeout or Timeout()
        http = HttpSession(
            headers=headers, cookies=cookies, verify=verify, httpx_kwargs=httpx_kwargs
        )
        try:
            if space is not None:
                src = await resolve_space(http, space)
            app = await within_connect_budget(
                _login_and_discover(http, src, auth, RetryPolicy(max_retries)), timeout, src
            )
        except BaseException:
            await http.aclose()
            raise
        return cls(
            http,
            app,
            oauth_token,
            file_transfer_for(http, app, download_files),
            timeout=timeout,
            max_event_size=max_event_size,
            relogin=auth,
            space=space,
            download_files=download_files,
        )

    def submit(
        self,
        endpoint: EndpointInfo,
        data: list[Any],
        headers: dict[str, str] | None,
        options: CallOptions | None = None,
    ) -> JobRun:
        """Create a job run on the current session (call start() on the engine loop)."""
        if self.tasks.closed:
            raise ClientClosedError("This client was closed; create a new client to call it.")
        extra = None
        if self.oauth_token is not None and endpoint.oauth_token:
            extra = {"oauth_token": self.oauth_token}
        options = options or CallOptions(timeout=self.timeout)
        run = JobRun(
            self.session,
            endpoint,
            data,
            headers=headers,
            extra=extra,
            files=self.files,
            timeout=options.timeout,
            max_retries=options.max_retries,
            resubmit_lost_jobs=options.resubmit_lost_jobs,
            tasks=self.tasks,
            choose_session=self._choose_session,
        )
        self.runs.add(run)
        run.add_listener(self.runs.discard)
        return run

    def reset_session(self) -> None:
        """Start a fresh session; jobs already running finish on the old one."""
        old = self.session
        old.retire()
        self.session = self._new_session()
        self._old_sessions = [s for s in self._old_sessions if s.has_pending]
        if old.has_pending:
            self._old_sessions.append(old)

    # -- app restarts ----------------------------------------------------------------------

    def _notice(self, restarted: bool) -> None:
        """A session lost its stream (``restarted``: the server forgot the session)."""
        self._trouble = restarted or bool(self._trouble)

    async def _choose_session(self, run: JobRun) -> None:
        """Before a join: check the app if it may have restarted; use the current session."""
        if self._trouble is not None:
            if self._check is None:
                self._check = self.tasks.spawn(self._recheck())
            check = self._check
            try:
                await asyncio.shield(check)
            finally:
                if check.done() and self._check is check:
                    self._check = None
        if run.session is not self.session:
            run.session = self.session
            run.endpoint = _same_endpoint(self.app, run.endpoint)
        if run.files is not None:
            run.files = self.files

    async def _recheck(self) -> None:
        """Reload the config; if the app restarted, reload everything and start a new session.

        Raises:
            GradioxError: The app could not be reached (the check is retried next call).
        """
        src = self.app.src
        if self._space is not None:
            src = await resolve_space(self.http, self._space)
        retry = RetryPolicy(DEFAULT_MAX_RETRIES)
        app = await within_connect_budget(
            _login_and_discover(self.http, src, self._auth, retry), self.timeout, src
        )
        old_id = self.app.config.get("app_id")
        restarted = self._trouble or app.src != self.app.src or app.config.get("app_id") != old_id
        self._trouble = None
        if not restarted:
            return
        logger.info("gradiox: the app at %s restarted; starting a new session", app.src)
        self.app = app
        self.files = file_transfer_for(self.http, app, self._download_files)
        old = self.session
        self.session = self._new_session()
        old.retire()
        self._old_sessions.append(old)
        await old.aclose(
            SessionLostError(
                f"The app at {app.src} restarted while the job ran, so its session state "
                "(gr.State values) was reset and the job is lost. A new session was started: "
                "submit the job again."
            )
        )

    async def aclose(self) -> None:
        """Settle every job (cancelled on the server), stop every task, close the pool."""
        sessions = [self.session, *self._old_sessions]
        await asyncio.gather(*(session.aclose() for session in sessions))
        closed = ClientClosedError(
            "The client was closed before the job reached the server; create a new client "
            "and submit it again."
        )
        for run in list(self.runs):
            run.fail(closed)
        await self.tasks.aclose()
        await self.http.aclose()


def _same_endpoint(app: AppDescription, endpoint: EndpointInfo) -> EndpointInfo:
    """The restarted app's version of ``endpoint`` (by api_name, else by fn_index)."""
    try:
        if endpoint.api_name:
            return resolve_endpoint(app.endpoints, endpoint.api_name, None)
        return resolve_endpoint(app.endpoints, None, endpoint.fn_index)
    except EndpointError as exc:
        raise SessionLostError(
            f"The app restarted and no longer has {endpoint.label}: {exc}"
        ) from exc


async def _login_and_discover(
    http: HttpSession, src: str, auth: tuple[str, str] | None, retry: RetryPolicy
) -> AppDescription:
    if auth is not None:
        await _login(http, src, auth)
    return await discover(http, src, retry)


async def _login(http: HttpSession, src: str, auth: tuple[str, str]) -> None:
    url = Routes.of(src).login
    response = await http.request("POST", url, data=login_form(*auth))
    if response.status_code == 200:
        return
    if response.status_code in (400, 401, 403):
        raise AuthenticationError(
            f"Could not login to {src}. Invalid credentials (HTTP {response.status_code}).",
            status_code=response.status_code,
            url=url,
        )
    raise AuthenticationError(
        f"Could not login to {src}: HTTP {response.status_code}. Does the app use auth=...?",
        status_code=response.status_code,
        url=url,
    )
