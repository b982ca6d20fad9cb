"""A connection to one app: the HTTP session, what was discovered, and the current session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._engine.connect import AppDescription, discover
from gradiox._engine.deadlines import within_connect_budget
from gradiox._engine.http import HttpSession
from gradiox._engine.jobs import JobRun
from gradiox._engine.retry import RetryPolicy
from gradiox._engine.spaces import resolve_space
from gradiox._engine.transport import file_transfer_for, open_transport
from gradiox._options import DEFAULT_MAX_RETRIES, CallOptions
from gradiox._protocol.routes import Routes, login_form
from gradiox._protocol.sse import DEFAULT_MAX_EVENT_SIZE
from gradiox._timeouts import Timeout
from gradiox.exceptions import AuthenticationError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gradiox._engine.files import FileTransfer
    from gradiox._engine.transport import Transport
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox._spaces import SpaceTarget

__all__ = ["AppConnection"]


class AppConnection:
    """Everything the engine keeps for one client. Lives on one event loop."""

    def __init__(
        self,
        http: HttpSession,
        app: AppDescription,
        oauth_token: str | None,
        files: FileTransfer | None = None,
        *,
        timeout: Timeout | None = None,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ) -> None:
        self.http = http
        self.files = files
        self.app = app
        self.oauth_token = oauth_token
        self.timeout = timeout or Timeout()
        self.max_event_size = max_event_size
        self.session = self._new_session()
        self._old_sessions: list[Transport] = []

    def _new_session(self) -> Transport:
        """A new session on the transport the app's features chose."""
        session = open_transport(self.http, self.app, self.files)
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
        files = file_transfer_for(http, app, download_files)
        return cls(http, app, oauth_token, files, timeout=timeout, max_event_size=max_event_size)

    def submit(
        self,
        endpoint: EndpointInfo,
        data: list[Any],
        headers: dict[str, str] | None,
        options: CallOptions | None = None,
    ) -> JobRun:
        """Create a job run on the current session (call start() on the engine loop)."""
        extra = None
        if self.oauth_token is not None and endpoint.oauth_token:
            extra = {"oauth_token": self.oauth_token}
        options = options or CallOptions(timeout=self.timeout)
        return JobRun(
            self.session,
            endpoint,
            data,
            headers=headers,
            extra=extra,
            files=self.files,
            timeout=options.timeout,
            max_retries=options.max_retries,
            resubmit_lost_jobs=options.resubmit_lost_jobs,
        )

    def reset_session(self) -> None:
        """Start a fresh session; jobs already running finish on the old one."""
        old = self.session
        old.retire()
        self.session = self._new_session()
        self._old_sessions = [s for s in self._old_sessions if s.has_pending]
        if old.has_pending:
            self._old_sessions.append(old)

    async def aclose(self) -> None:
        """Stop every session and close the connection pool."""
        for session in [self.session, *self._old_sessions]:
            await session.aclose()
        await self.http.aclose()


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
