"""The shared HTTP client: headers, cookies, TLS, timeouts, and httpx → gradiox error translation.

This is the only module that catches httpx exceptions.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
from typing import TYPE_CHECKING, Any

import httpx

from gradiox._engine.retry import parse_retry_after, send_with_retries
from gradiox._engine.tls import DeferredCAContext
from gradiox._version import __version__
from gradiox.exceptions import (
    AuthenticationError,
    GradioxError,
    HTTPStatusError,
    ProtocolError,
    RequestTimeoutError,
    TooManyRequestsError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

    from gradiox._engine.retry import RetryPolicy

__all__ = [
    "HttpSession",
    "expect_event_stream",
    "json_or_none",
    "raise_for_status",
    "retry_after",
    "stream_timeout",
]

# Short requests (config, join, cancel...) get a generous but finite timeout (a "timeout"
# in httpx_kwargs replaces it); the SSE streams always get their own, with a read timeout
# well above the server's 15 s heartbeat, so a dead connection is noticed instead of
# waited on forever, and a job may run longer than any single request.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=15.0, pool=None)
STREAM_TIMEOUT = httpx.Timeout(connect=15.0, read=75.0, write=60.0, pool=None)
USER_AGENT = f"gradiox/{__version__}"


def stream_timeout(idle: float | None) -> httpx.Timeout:
    """The timeouts of an event stream whose longest allowed silence is ``idle`` seconds."""
    return httpx.Timeout(connect=15.0, read=idle, write=60.0, pool=None)


# Uvicorn (Gradio's server) closes idle keep-alive connections after 5 s, the same as
# httpx's default expiry: a request sent on a connection the server is closing at that
# moment fails with a ReadError. Retiring idle connections well before keeps clear of it.
KEEPALIVE_EXPIRY = 2.0


class HttpSession:
    """One pooled ``httpx.AsyncClient`` for everything a client sends to one app.

    Args:
        headers: Headers sent with every request to the app.
        cookies: Initial cookies.
        verify: TLS verification (``ssl_verify``).
        httpx_kwargs: Extra ``httpx.AsyncClient`` options (timeout, proxy, auth, ...).
    """

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        cookies: Any = None,
        verify: bool = True,
        httpx_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "timeout": DEFAULT_TIMEOUT,
            "limits": httpx.Limits(
                max_connections=256,
                max_keepalive_connections=64,
                keepalive_expiry=KEEPALIVE_EXPIRY,
            ),
            "follow_redirects": False,
        }
        options.update(httpx_kwargs or {})
        if "verify" not in options:
            options["verify"] = default_ssl_context() if verify is True else verify
        self._verify = options["verify"]
        self._cert = options.get("cert")
        self._ssl_context: ssl.SSLContext | None = None
        base_headers = {"user-agent": USER_AGENT}
        base_headers.update(headers)
        self.client = httpx.AsyncClient(headers=base_headers, cookies=cookies, **options)

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings of this session's requests, for connections httpx doesn't make.

        Websockets (Gradio 3.x queues) verify, or don't, exactly as the HTTP requests do:
        ``ssl_verify=False``, or a ``verify``/``cert`` in ``httpx_kwargs``, applies to both.
        """
        if self._ssl_context is None:
            verify = self._verify
            if isinstance(verify, ssl.SSLContext):
                self._ssl_context = verify
            else:
                self._ssl_context = httpx.create_ssl_context(verify=verify, cert=self._cert)
        return self._ssl_context

    async def aclose(self) -> None:
        """Close every pooled connection."""
        await self.client.aclose()

    async def request(
        self, method: str, url: str, *, retry: RetryPolicy | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send one request and read the whole response.

        Args:
            method: The HTTP method.
            url: The URL.
            retry: Send it again while the server refuses it (429, 503), as this policy
                says; only for requests that are safe to repeat. None sends once.
            **kwargs: For ``httpx.AsyncClient.request`` (the body must be re-sendable).

        Raises:
            TransportError: The request could not be sent or the connection broke.
            RequestTimeoutError: It took longer than the timeout.
        """

        async def send() -> httpx.Response:
            with translate_errors(url):
                return await self.client.request(method, url, **kwargs)

        if retry is None:
            return await send()
        return await send_with_retries(send, retry, f"{method} {url}")

    @contextlib.asynccontextmanager
    async def stream(self, method: str, url: str, **kwargs: Any) -> AsyncIterator[httpx.Response]:
        """Open a streamed response; errors while reading it are translated too.

        A stream never takes the request timeout of ``httpx_kwargs``: a job may run for
        longer than any single request should.
        """
        kwargs.setdefault("timeout", STREAM_TIMEOUT)
        with translate_errors(url):
            async with self.client.stream(method, url, **kwargs) as response:
                yield response


_ssl_lock = threading.Lock()
_ssl_context: ssl.SSLContext | None = None


def default_ssl_context() -> ssl.SSLContext:
    """The verifying TLS context every client of this process shares.

    Loading the CA bundle costs tens of milliseconds of CPU or more; httpx would do it again
    for every client, and this context does it only at its first TLS handshake (apps served
    over plain http never pay it). A context is safe to share between connections and threads.
    """
    global _ssl_context
    with _ssl_lock:
        if _ssl_context is None:
            _ssl_context = DeferredCAContext()
        return _ssl_context


@contextlib.contextmanager
def translate_errors(url: str) -> Any:
    """Turn httpx exceptions into gradiox errors, keeping the original as the cause."""
    try:
        yield
    except GradioxError:
        raise  # already typed (FileDownloadError is also an httpx.HTTPStatusError)
    except httpx.TimeoutException as exc:
        raise RequestTimeoutError(f"Timed out talking to {_origin(url)}: {exc!r}") from exc
    except httpx.ConnectError as exc:
        raise TransportError(
            f"Could not connect to {_origin(url)}: {exc}. Is the app running and the URL right?"
        ) from exc
    except httpx.TransportError as exc:
        raise TransportError(f"Connection to {_origin(url)} failed: {exc!r}") from exc
    except httpx.InvalidURL as exc:
        raise TransportError(f"Invalid URL {url!r}: {exc}") from exc
    except httpx.DecodingError as exc:
        raise ProtocolError(f"Could not decode the answer of {_origin(url)}: {exc}") from exc
    except httpx.HTTPError as exc:
        raise TransportError(f"Request to {_origin(url)} failed: {exc!r}") from exc


def _origin(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    return f"{parsed.scheme}://{parsed.netloc.decode('ascii', 'replace')}"


def raise_for_status(response: httpx.Response, what: str) -> None:
    """Raise a typed error for a non-2xx response.

    Args:
        response: A response whose body has been read.
        what: What the request was for, e.g. "join the queue", for the message.
    """
    code = response.status_code
    if code < 400:
        return
    url = str(response.url)
    body = _body_preview(response)
    if code == 401 or code == 403:
        raise AuthenticationError(
            f"Could not {what} at {url}: the app requires credentials (HTTP {code}). "
            "Pass auth=(user, password), token=..., or headers=... to the client.",
            status_code=code,
            url=url,
            body=body,
        )
    if code == 429:
        raise TooManyRequestsError(
            f"Too many requests to the API, please try again later (HTTP 429 from {url}).",
            url=url,
            body=body,
            retry_after=retry_after(response),
        )
    raise HTTPStatusError(
        f"Could not {what}: HTTP {code} from {url}: {body}", status_code=code, url=url, body=body
    )


async def expect_event_stream(response: httpx.Response, url: str, what: str) -> None:
    """Raise unless ``response`` (streamed, from ``url``) is an event stream to read.

    Raises:
        HTTPStatusError: A refusal (AuthenticationError, TooManyRequestsError, ...).
        ProtocolError: Another status than 200, or not ``text/event-stream``.
    """
    if response.status_code != 200:
        await response.aread()
        raise_for_status(response, what)
        raise ProtocolError(f"Unexpected HTTP {response.status_code} from {url}.")
    kind = response.headers.get("content-type", "")
    if "text/event-stream" not in kind:
        raise ProtocolError(f"Expected an event stream from {url}, got content type {kind!r}.")


def json_or_none(response: httpx.Response) -> Any:
    """The response's decoded JSON body, or None if it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def retry_after(response: httpx.Response) -> float | None:
    """The wait the server asked for in ``Retry-After``, in seconds, if it sent one."""
    return parse_retry_after(response.headers.get("retry-after"))


def _body_preview(response: httpx.Response, limit: int = 500) -> str:
    try:
        text = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "..."
