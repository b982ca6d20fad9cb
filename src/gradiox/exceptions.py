"""The gradiox error tree: one root, and gradio_client's names with their built-in bases.

Every error gradiox raises derives from :class:`GradioxError`. The names that
``gradio_client`` users already catch keep their historical built-in base classes
(``ValueError`` for ``AppError`` and friends, ``Exception`` for ``QueueError``) through
multiple inheritance, so ``except ValueError`` code keeps working::

    GradioxError
    ├── TransportError                 network failure (also ConnectionError); wraps httpx errors
    │   ├── RequestTimeoutError        also builtins.TimeoutError
    │   └── ConnectionLostError        a job's event stream broke or went silent mid-job
    ├── DeadlineExceededError          a Timeout budget ran out (also TimeoutError); .phase
    ├── SessionLostError               the app restarted or forgot the session; state was reset
    ├── HTTPStatusError                unexpected HTTP status; .status_code, .body
    │   ├── AuthenticationError        also ValueError
    │   ├── AppUnavailableError        /config or API info answered 5xx at connect (also ValueError)
    │   ├── TooManyRequestsError
    │   └── FileDownloadError          an output file's download failed (403 not allowed, 404
    │                                  gone); also httpx.HTTPStatusError, as gradio_client raises
    ├── NotAGradioAppError             the URL answers, but not as a Gradio app (also ValueError)
    ├── ProtocolError                  unreadable or truncated stream, unsupported protocol
    │   └── MissingWebsocketsError     a 3.x app needs gradiox[ws] (also ImportError)
    ├── QueueError (= QueueFullError)  the app's queue is full or stopped
    ├── EndpointError                  unknown api_name / fn_index (also ValueError)
    │   └── InvalidAPIEndpointError    the endpoint exists but cannot be called
    ├── ArgumentError                  arguments don't bind (also TypeError and ValueError)
    ├── StreamClosedError              a chunk sent to a streaming job that takes no more input
    ├── MissingVideoSupportError       video_frames() needs gradiox[video] (also ImportError)
    ├── VideoReadError                 video_frames() can't decode the file (also ValueError)
    ├── ValidationError                the app's validator rejected the inputs (also ValueError)
    ├── AppError                       the app raised (also ValueError): message, title, duration
    ├── JobCancelledError              an AsyncJob was cancelled
    ├── SpaceError                     a Hugging Face Space can't be used (also ValueError)
    │   ├── SpaceNotFoundError         no such Space, or the token can't see it
    │   ├── SpacePausedError           its owner paused it
    │   ├── SpaceFailedError           BUILD_ERROR, RUNTIME_ERROR, CONFIG_ERROR, NO_APP_FILE
    │   └── SpaceTimeoutError          still building/starting when the wait ran out (TimeoutError)
    ├── FileTransferError              a local file could not be read or saved (also OSError)
    ├── FileNotFoundForUploadError     no such file to upload (ValueError, FileNotFoundError)
    ├── CheckpointError                a map() checkpoint can't be read or written (also ValueError)
    │   └── CheckpointMismatchError    the checkpoint was written for other inputs or endpoint
    ├── ReplicaMismatchError           a Pool's replicas don't expose the same endpoints
    ├── PoolConnectError               no replica of a Pool could be connected (ConnectionError)
    ├── ClientClosedError              the client was used after close() (also RuntimeError)
    └── EventLoopError                 gradiox's loop thread can't run a call (also RuntimeError)
        ├── LoopThreadCallError        a blocking call from inside that thread (would deadlock)
        └── EventLoopStoppedError      the loop has stopped (interpreter shutting down)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

__all__ = [
    "APIInfoParseError",
    "AppError",
    "AppUnavailableError",
    "ArgumentError",
    "AuthenticationError",
    "CheckpointError",
    "CheckpointMismatchError",
    "ClientClosedError",
    "ConnectionLostError",
    "DeadlineExceededError",
    "EndpointError",
    "EventLoopError",
    "EventLoopStoppedError",
    "FileDownloadError",
    "FileNotFoundForUploadError",
    "FileTransferError",
    "GradioxError",
    "HTTPStatusError",
    "InvalidAPIEndpointError",
    "JobCancelledError",
    "LoopThreadCallError",
    "MissingVideoSupportError",
    "MissingWebsocketsError",
    "NotAGradioAppError",
    "PoolConnectError",
    "ProtocolError",
    "QueueError",
    "QueueFullError",
    "ReplicaMismatchError",
    "RequestTimeoutError",
    "SerializationSetupError",
    "SessionLostError",
    "SpaceDuplicationError",
    "SpaceError",
    "SpaceFailedError",
    "SpaceNotFoundError",
    "SpacePausedError",
    "SpaceTimeoutError",
    "StreamClosedError",
    "TooManyRequestsError",
    "TransportError",
    "ValidationError",
    "VideoReadError",
]


class GradioxError(Exception):
    """Base class of every error raised by gradiox."""


class TransportError(GradioxError, ConnectionError):
    """The request could not be sent or the connection broke (host unreachable, reset, ...)."""


class RequestTimeoutError(TransportError, TimeoutError):
    """A network operation took longer than its timeout."""


class ConnectionLostError(TransportError):
    """The event stream that carried a job broke or went silent before the job ended.

    Gradio keeps no replay buffer, so the job's undelivered messages are gone for good.

    Attributes:
        may_still_run: True if the server may still be running the job (it had reached the
            server and the loss was on the way back); False if it certainly stopped.
    """

    def __init__(self, message: str, *, may_still_run: bool = False) -> None:
        super().__init__(message)
        self.may_still_run = may_still_run


class DeadlineExceededError(GradioxError, TimeoutError):
    """A budget of the client's :class:`~gradiox.Timeout` ran out; the job was cancelled.

    Attributes:
        phase: Which budget ran out: "connect", "upload", "queue", "run", "total" or
            "stream_idle".
        seconds: The budget, in seconds.
    """

    def __init__(self, message: str, *, phase: str, seconds: float) -> None:
        super().__init__(message)
        self.phase = phase
        self.seconds = seconds


class SessionLostError(GradioxError):
    """The app restarted or no longer knows the session: its state (gr.State) was reset.

    Jobs that were running in the lost session fail with this error; the client starts a
    new session for the next call.
    """


class HTTPStatusError(GradioxError):
    """The app answered with an HTTP status gradiox did not expect.

    Attributes:
        status_code: The HTTP status code.
        url: The URL that was requested.
        body: The start of the response body, for diagnosis.
    """

    def __init__(self, message: str, *, status_code: int, url: str = "", body: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.url = url
        self.body = body


class AuthenticationError(HTTPStatusError, ValueError):
    """The app needs credentials that were not provided, or they were wrong."""

    def __init__(
        self, message: str, *, status_code: int = 401, url: str = "", body: str = ""
    ) -> None:
        super().__init__(message, status_code=status_code, url=url, body=body)


class AppUnavailableError(HTTPStatusError, ValueError):
    """The app failed while the client connected (``/config`` 5xx, or API info refused).

    A ``ValueError``, like the error gradio_client raises when it cannot fetch the config or
    the API info. The app may be starting, restarting or broken: check its logs, or retry.
    """


class TooManyRequestsError(HTTPStatusError):
    """The app (or the Hugging Face proxy in front of it) rate-limited the client.

    Attributes:
        retry_after: Seconds the server asked the client to wait (``Retry-After``), if sent.
    """

    def __init__(
        self,
        message: str = "Too many requests to the API, please try again later.",
        *,
        status_code: int = 429,
        url: str = "",
        body: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, url=url, body=body)
        self.retry_after = retry_after


class NotAGradioAppError(GradioxError, ValueError):
    """The URL answered, but not with a Gradio app's config."""


class ProtocolError(GradioxError):
    """The server's messages could not be understood (garbled or truncated stream, ...)."""


class MissingWebsocketsError(ProtocolError, ImportError):
    """Calling a Gradio 3.x app needs the ``websockets`` package (``pip install 'gradiox[ws]'``)."""


class QueueError(GradioxError):
    """The app's queue refused the job (full, or stopped).

    Attributes:
        retry_after: Seconds the server asked the client to wait (``Retry-After``), if sent.
    """

    def __init__(self, *args: object, retry_after: float | None = None) -> None:
        super().__init__(*args)
        self.retry_after = retry_after


QueueFullError = QueueError


class EndpointError(GradioxError, ValueError):
    """The requested endpoint does not exist or is not callable (bad api_name or fn_index)."""


class InvalidAPIEndpointError(EndpointError):
    """The endpoint exists in the app but cannot be called through the API."""


class StreamClosedError(GradioxError):
    """A chunk was sent to a streaming job that no longer takes input.

    The stream was closed, reached the app's time limit, was cancelled, or failed. Its
    outputs and result stay readable.
    """


class MissingVideoSupportError(GradioxError, ImportError):
    """``video_frames()`` needs PyAV, the optional extra ``pip install 'gradiox[video]'``."""


class VideoReadError(GradioxError, ValueError):
    """``video_frames()`` cannot decode the file: not a video, or it has no video stream."""


class ArgumentError(GradioxError, TypeError, ValueError):
    """The arguments given to predict/submit do not fit the endpoint's parameters.

    It is both a ``TypeError`` (what gradio_client raises for bad keyword arguments) and a
    ``ValueError`` (what it raises when an endpoint takes no keyword arguments).
    """


class ValidationError(GradioxError, ValueError):
    """The app's validator rejected the inputs before queueing the job (HTTP 422)."""


class AppError(GradioxError, ValueError):
    """The upstream Gradio app raised an error while running the job.

    Attributes:
        message: The error text the app chose to show (or a generic explanation).
        title: The title of the error modal (``gr.Error(title=...)``).
        duration: How long the app wanted the error shown, in seconds.
        visible: Whether the app wanted the error shown.
    """

    def __init__(
        self,
        message: str = "Error raised.",
        duration: float | None = 10,
        visible: bool = True,
        title: str = "Error",
        print_exception: bool = True,
    ) -> None:
        self.title = title
        self.message = message
        self.duration = duration
        self.visible = visible
        self.print_exception = print_exception
        super().__init__(message)


class JobCancelledError(GradioxError):
    """The job was cancelled before it produced a result (raised by AsyncJob)."""


class FileTransferError(GradioxError, OSError):
    """A file could not be uploaded or downloaded because of the local disk.

    For example: an input file cannot be read, or an output cannot be written to the
    ``download_files`` folder (permissions, disk full). The OS error is the cause.
    """


class FileNotFoundForUploadError(GradioxError, ValueError, FileNotFoundError):
    """A file to upload does not exist (and is not a URL); also importable from gradiox.files."""


class CheckpointError(GradioxError, ValueError):
    """A ``map()`` checkpoint file cannot be read or written, or is not a gradiox checkpoint."""


class CheckpointMismatchError(CheckpointError):
    """The checkpoint was written for other inputs (or another endpoint) than this run's.

    Resuming would mix results of different inputs, so the run is refused before any work.
    """


class ReplicaMismatchError(GradioxError, ValueError):
    """The replicas of a :class:`~gradiox.Pool` don't expose the same endpoints."""


class PoolConnectError(GradioxError, ConnectionError):
    """No replica of a ``Pool`` could be connected; the message names each one and why.

    Attributes:
        errors: Each replica's URL (or Space id) and the error its connect raised.
    """

    def __init__(self, message: str, errors: dict[str, BaseException] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, BaseException] = dict(errors or {})


class ClientClosedError(GradioxError, RuntimeError):
    """The client was used after it was closed: create a new client to go on."""


class EventLoopError(GradioxError, RuntimeError):
    """gradiox's event loop thread cannot run a blocking call."""


class LoopThreadCallError(EventLoopError):
    """A blocking call was made from gradiox's own loop thread (it would deadlock)."""


class EventLoopStoppedError(EventLoopError):
    """gradiox's event loop thread has stopped (the interpreter is shutting down)."""


class SerializationSetupError(GradioxError, ValueError):
    """Kept for import compatibility with gradio_client; gradiox never raises it."""


class SpaceDuplicationError(GradioxError):
    """Duplicating a Hugging Face Space failed."""


class SpaceError(GradioxError, ValueError):
    """A Hugging Face Space could not be resolved or is not running.

    A ``ValueError`` like the error gradio_client raises for a Space in a bad state.

    Attributes:
        space_id: The Space, as "owner/name".
        stage: The Space's runtime stage when it was last checked (e.g. "PAUSED"), if known.
    """

    def __init__(self, message: str, *, space_id: str = "", stage: str | None = None) -> None:
        super().__init__(message)
        self.space_id = space_id
        self.stage = stage


class SpaceNotFoundError(SpaceError):
    """The Hub knows no such Space, or the token used (if any) cannot see it."""


class SpacePausedError(SpaceError):
    """The Space's owner paused it; only the owner can restart it."""


class SpaceFailedError(SpaceError):
    """The Space failed to build or to run (BUILD_ERROR, RUNTIME_ERROR, CONFIG_ERROR, ...)."""


class SpaceTimeoutError(SpaceError, TimeoutError):
    """The Space was still building, starting or waking up when the bounded wait ran out."""


class APIInfoParseError(GradioxError, ValueError):
    """A JSON schema in the app's API info could not be rendered as a Python type."""


def _define_file_download_error() -> type[HTTPStatusError]:
    import httpx

    class FileDownloadError(HTTPStatusError, httpx.HTTPStatusError):
        """A file in a job's output could not be downloaded: the app answered an error.

        Raised by ``predict()``/``result()`` when ``download_files`` is on. It is also an
        ``httpx.HTTPStatusError`` (what gradio_client raises), so ``except
        httpx.HTTPStatusError`` code written for gradio_client keeps working. A 401 (login
        needed) raises :class:`AuthenticationError` instead.

        Attributes:
            status_code: The HTTP status (403: the app does not allow the file, or it no
                longer exists; 404: it is gone).
            url: The URL of the download.
            file_name: The file's name, as the app gave it.
            body: The start of the response body.
            request: The ``httpx.Request`` (as on ``httpx.HTTPStatusError``).
            response: The ``httpx.Response`` (as on ``httpx.HTTPStatusError``).
        """

        def __init__(
            self,
            message: str,
            *,
            file_name: str,
            request: httpx.Request,
            response: httpx.Response,
            body: str = "",
        ) -> None:
            httpx.HTTPStatusError.__init__(self, message, request=request, response=response)
            self.status_code = response.status_code
            self.url = str(request.url)
            self.file_name = file_name
            self.body = body

    FileDownloadError.__qualname__ = "FileDownloadError"
    return FileDownloadError


if TYPE_CHECKING:

    class FileDownloadError(HTTPStatusError, httpx.HTTPStatusError):
        """See ``_define_file_download_error`` (the class is built on first use)."""

        file_name: str

        def __init__(self, message: str, **kwargs: Any) -> None: ...


def __getattr__(name: str) -> Any:
    # FileDownloadError derives from httpx.HTTPStatusError: it is built (and httpx imported)
    # on first use, so that importing gradiox or its error tree stays light.
    if name == "FileDownloadError":
        value = _define_file_download_error()
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradiox.exceptions' has no attribute {name!r}")
