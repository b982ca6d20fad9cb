"""What the sync and async clients share: options, endpoint lookup, argument binding, view_api.

Nothing here does I/O.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from gradiox._engine.app import AppConnection
from gradiox._engine.connect import normalise_src
from gradiox._engine.disk import DEFAULT_TEMP_DIR, default_download_dir, resolve_download_dir
from gradiox._engine.streaming import (
    InputStream,
    check_streaming,
    close_when_joined,
    is_streaming,
)
from gradiox._options import CallOptions, OptionsHolder, check_retries
from gradiox._protocol.api_info import EndpointInfo, bind_arguments, resolve_endpoint
from gradiox._spaces import space_target
from gradiox._timeouts import Timeout
from gradiox.exceptions import ClientClosedError

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Mapping

    from gradiox._engine.jobs import JobRun
    from gradiox._spaces import SpaceTarget
    from gradiox._timeouts import TimeoutTypes

__all__ = ["DEFAULT_TEMP_DIR", "ClientCore", "default_download_dir"]


def build_headers(token: str | None, headers: Mapping[str, str] | None) -> dict[str, str]:
    """Headers for every request to the app: the HF token (if given) and the user's headers.

    The token is sent as ``x-hf-authorization``. For a Space id the caller passes the
    explicit or implicit (``HF_TOKEN``, saved file) token, since these headers then only go
    to the Space's host; for a plain URL it passes only an explicit ``token=``, so a token
    the user did not hand over is never sent to an arbitrary host.
    """
    result: dict[str, str] = {}
    if token:
        result["x-hf-authorization"] = f"Bearer {token}"
    if headers:
        result.update(headers)
    return result


def call_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Headers of one queue join: ``x-gradio-user: api`` plus the caller's (which win)."""
    result = {"x-gradio-user": "api"}
    if headers:
        result.update(headers)
    return result


class ClientCore(OptionsHolder):
    """The parts of a client that don't touch the network."""

    src: str
    verbose: bool
    _conn: AppConnection | None

    def _configure(
        self,
        src: str,
        token: str | None,
        max_workers: int,
        verbose: bool,
        auth: tuple[str, str] | None,
        httpx_kwargs: dict[str, Any] | None,
        headers: dict[str, str] | None,
        download_files: str | bool,
        ssl_verify: bool,
        analytics_enabled: bool,
        oauth_token: str | None,
        timeout: TimeoutTypes,
        max_retries: int,
        max_event_size: int,
    ) -> None:
        """Store the constructor's options (shared by Client and AsyncClient; no I/O)."""
        self._conn = None
        self._options = CallOptions(Timeout.coerce(timeout), check_retries(max_retries))
        self.max_event_size = _check_event_size(max_event_size)
        self.src = normalise_src(src)
        self._space: SpaceTarget | None = space_target(self.src, token, print if verbose else None)
        self.space_id: str | None = self._space.space_id if self._space else None
        self.token = token
        self.max_workers = max_workers
        self.verbose = verbose
        self.auth = auth
        self.httpx_kwargs = dict(httpx_kwargs or {})
        self.headers = build_headers(self._space.token if self._space else token, headers)
        self.download_files = resolve_download_dir(download_files)
        self.ssl_verify = ssl_verify
        self.analytics_enabled = analytics_enabled
        self.oauth_token = oauth_token

    def _connect(self) -> Coroutine[Any, Any, AppConnection]:
        """The coroutine that connects to the app with this client's options."""
        options = dict(self.httpx_kwargs)
        cookies = options.pop("cookies", None)
        return AppConnection.connect(
            self.src,
            headers=self.headers,
            cookies=cookies,
            verify=self.ssl_verify,
            httpx_kwargs=options,
            auth=self.auth,
            oauth_token=self.oauth_token,
            download_files=self.download_files,
            space=self._space,
            timeout=self._options.timeout,
            max_retries=self._options.max_retries,
            max_event_size=self.max_event_size,
        )

    def _connected(self, conn: AppConnection) -> None:
        self._conn = conn
        self.src = conn.app.src
        if self.verbose:
            print(f"Loaded as API: {self.src} ✔")  # noqa: T201 - gradio_client prints this too

    def _prepare(
        self,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        api_name: str | None,
        fn_index: int | None,
        headers: dict[str, str] | None,
        *,
        streamed: bool = False,
    ) -> JobRun:
        """Resolve the endpoint, bind the arguments and create the job's run (not started).

        ``streamed`` is for ``stream()``: the endpoint must take streamed inputs. Otherwise a
        streaming endpoint gets one chunk: its input is closed once the job has joined.
        """
        endpoint, data = self._bind(args, kwargs, api_name, fn_index)
        if streamed:
            check_streaming(endpoint)
        conn = self._connection()
        run = conn.submit(endpoint, data, call_headers(headers), self._options)
        if not streamed and is_streaming(endpoint):
            close_when_joined(run, conn.http, conn.app.routes)
        return run

    def _input_stream(self, run: JobRun) -> InputStream:
        """The input side of a run made by ``_prepare(..., streamed=True)``."""
        conn = self._connection()
        return InputStream(run, conn.http, conn.app.routes)

    def _connection(self) -> AppConnection:
        if self._parent is not None:  # a with_options view: the parent's connection
            return self._parent._connection()
        if self._conn is None:
            raise ClientClosedError(
                "This client is not connected (it was closed, or never connected). Create a "
                "new one: Client(src), or `async with AsyncClient(src) as client` (or "
                "await AsyncClient.create(src))."
            )
        return self._conn

    @property
    def endpoints(self) -> dict[int, EndpointInfo]:
        """The app's endpoints keyed by fn_index."""
        return {e.fn_index: e for e in self._connection().app.endpoints}

    @property
    def config(self) -> dict[str, Any]:
        """The app's raw ``/config`` JSON."""
        return self._connection().app.config

    @property
    def protocol(self) -> str:
        """The protocol the app speaks (``sse_v3`` for Gradio 4.22+)."""
        return self._connection().app.features.protocol

    @property
    def session_hash(self) -> str:
        """The current session id; calls in one session share the app's state."""
        return self._connection().session.hash

    @property
    def src_prefixed(self) -> str:
        """The base URL of the app's API routes."""
        return self._connection().app.api_base

    @property
    def app_version(self) -> str:
        """The Gradio version the server reports."""
        return str(self._connection().app.config.get("version", ""))

    def _bind(
        self,
        args: tuple[Any, ...],
        kwargs: Mapping[str, Any],
        api_name: str | None,
        fn_index: int | None,
    ) -> tuple[EndpointInfo, list[Any]]:
        conn = self._connection()
        endpoint = resolve_endpoint(conn.app.endpoints, api_name, fn_index)
        return endpoint, bind_arguments(endpoint, args, kwargs)

    def view_api(
        self,
        all_endpoints: bool | None = None,
        print_info: bool = True,
        return_format: Literal["dict", "str"] | None = None,
    ) -> dict[str, Any] | str | None:
        """Describe the app's API: endpoints, parameters, types and defaults.

        Args:
            all_endpoints: Also list unnamed endpoints (by default, only when there are no
                named ones).
            print_info: Print the description.
            return_format: ``"dict"`` returns the API info as a dict, ``"str"`` returns the
                printed text, None returns nothing.

        Returns:
            The description in the requested format, or None.

        Example:
            >>> client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        """
        from gradiox._protocol.render import clean_api_info, render_api_info

        app = self._connection().app
        if app.public_info is not None:
            # What gradio_client shows: the form of /info it asks for, file defaults included.
            info = clean_api_info(app.public_info)
        else:
            public = {e.api_name for e in app.endpoints if e.visibility == "public"}
            hidden = [
                e.api_name
                for e in app.endpoints
                if e.api_name and e.visibility != "public" and e.api_name not in public
            ]
            info = clean_api_info(
                app.info or {"named_endpoints": {}, "unnamed_endpoints": {}}, hidden=hidden
            )
        text = None
        if print_info or return_format == "str":
            text = render_api_info(info, all_endpoints=all_endpoints)
            if print_info:
                print(text)  # noqa: T201 - printing is what the caller asked for
        if return_format == "dict":
            return info
        if return_format == "str":
            return text
        return None

    def add_zero_gpu_headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Forward the ZeroGPU ``x-ip-token`` of the current Gradio request to a Space.

        Call it inside an event handler of a Gradio app that calls a ZeroGPU Space, so the
        Space counts the GPU quota of the app's user instead of the app's. Outside a Gradio
        request (or for a URL that is not a Space) ``headers`` come back unchanged.

        Args:
            headers: The headers to pass to ``predict()``/``submit()``; updated in place.

        Returns:
            ``headers``.

        Example:
            >>> client.predict("hi", api_name="/chat", headers=client.add_zero_gpu_headers({}))
        """
        if not self.space_id:
            return headers
        token = current_ip_token()
        if token is not None:
            headers["x-ip-token"] = token
        return headers

    def __repr__(self) -> str:
        try:
            return str(self.view_api(print_info=False, return_format="str"))
        except Exception:  # noqa: BLE001 - repr must not raise
            return f"<{type(self).__name__} {getattr(self, 'src', '?')} (not connected)>"


def _check_event_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"max_event_size must be a number of bytes above 0, got {value!r}.")
    return value


def as_callbacks(
    callbacks: Callable[..., Any] | list[Callable[..., Any]] | None,
) -> list[Callable[..., Any]]:
    """``result_callbacks`` as a list (it may be one function, a list, or None)."""
    if not callbacks:
        return []
    return callbacks if isinstance(callbacks, list) else [callbacks]


def current_ip_token() -> str | None:
    """The ``x-ip-token`` header of the Gradio request being handled, if any.

    Gradio keeps the request of the running event in a context variable; gradio is only
    looked at if the process has already imported it (gradiox never imports it).
    """
    import sys

    context = sys.modules.get("gradio.context")
    local = getattr(context, "LocalContext", None)
    request = getattr(local, "request", None)
    current = request.get(None) if request is not None else None
    headers = getattr(current, "headers", None)
    if headers is None:
        return None
    try:
        token = headers.get("x-ip-token")
    except (AttributeError, TypeError):
        return None
    return token if isinstance(token, str) else None


async def duplicate_to_space_id(
    from_id: str,
    *,
    to_id: str | None,
    token: str | None,
    private: bool,
    hardware: str | None,
    secrets: dict[str, str] | None,
    sleep_timeout: int,
    verbose: bool,
    httpx_kwargs: dict[str, Any] | None,
    ssl_verify: bool = True,
) -> str:
    """Duplicate ``from_id`` for the token's user (or reuse their copy); return its id."""
    from gradiox._engine.duplicate import duplicate_space
    from gradiox._engine.http import HttpSession
    from gradiox._spaces import implicit_token
    from gradiox.exceptions import SpaceDuplicationError

    token = token or implicit_token()
    if not token:
        raise SpaceDuplicationError(
            "Duplicating a Space needs a Hugging Face token with write access: pass "
            "token='hf_...', set HF_TOKEN, or log in with `hf auth login`."
        )
    options = dict(httpx_kwargs or {})
    options.pop("cookies", None)
    http = HttpSession(headers={}, verify=ssl_verify, httpx_kwargs=options)
    try:
        return await duplicate_space(
            http,
            from_id,
            to_id=to_id,
            token=token,
            private=private,
            hardware=hardware,
            secrets=secrets,
            sleep_timeout=sleep_timeout,
            report=print if verbose else (lambda _message: None),
        )
    finally:
        await http.aclose()
