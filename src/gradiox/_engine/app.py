"""A connection to one app: the HTTP session, what was discovered, and the current session."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._engine.connect import AppDescription, discover
from gradiox._engine.http import HttpSession
from gradiox._engine.jobs import JobRun
from gradiox._engine.spaces import resolve_space
from gradiox._engine.transports import file_transfer_for, open_transport
from gradiox._protocol.routes import Routes, login_form
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
    ) -> None:
        self.http = http
        self.files = files
        self.app = app
        self.oauth_token = oauth_token
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
    ) -> AppConnection:
        """Resolve the Space (if ``space``), log in if asked, discover the app, and connect.

        For a Space, ``src`` is its id until the Hub gives its URL (then ``app.src``).

        Raises:
            GradioxError: Whatever discovery or login raised; the HTTP session is closed.
        """
        http = HttpSession(
            headers=headers, cookies=cookies, verify=verify, httpx_kwargs=httpx_kwargs
        )
        try:
            if space is not None:
                src = await resolve_space(http, space)
            if auth is not None:
                await _login(http, src, auth)
            app = await discover(http, src)
        except BaseException:
            await http.aclose()
            raise
        return cls(http, app, oauth_token, file_transfer_for(http, app, download_files))

    def submit(
        self, endpoint: EndpointInfo, data: list[Any], headers: dict[str, str] | None
    ) -> JobRun:
        """Create a job run on the current session (call start() on the engine loop)."""
        extra = None
        if self.oauth_token is not None and endpoint.oauth_token:
            extra = {"oauth_token": self.oauth_token}
        return JobRun(self.session, endpoint, data, headers=headers, extra=extra, files=self.files)

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
