"""Stopping a job on the server.

Every Gradio version cancels by session and fn_index: a cancel stops every running job of
that endpoint in the session, and the others never end (protocol.md 11.3).
:func:`spares_siblings` decides when a job must stop only locally to spare them, and a
:class:`CancelGate` holds new jobs of an endpoint while a cancel of it is on its way, so
that the cancel cannot stop a job that started in the meantime.

Servers without ``POST cancel`` (Gradio 3.x to 4.29): the app's own cancel event is called
(through the direct route, as the browser's Stop button would), then ``POST reset`` stops
the job's iterator. When the app has no cancel event for the job, gradiox warns once per
app: the job then stops only locally (a generator still stops at its next step through the
reset).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Protocol

from gradiox._engine.direct import call_direct
from gradiox._engine.http import raise_for_status
from gradiox._protocol.cancel import find_canceller, reset_body
from gradiox.exceptions import GradioxError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession
    from gradiox._protocol.api_info import EndpointInfo

__all__ = ["CancelGate", "spares_siblings", "stop_without_cancel_route"]

logger = logging.getLogger("gradiox")

# (app URL, what) pairs already warned about: each warning is given once per app.
_warned: set[tuple[str, str]] = set()


class RunningJob(Protocol):
    """A job of this session, as far as cancelling needs to know it."""

    def may_run_on_server(self, fn_index: int) -> bool:
        """True if this is a job of ``fn_index`` that is joining, queued or running."""


def spares_siblings(
    jobs: Iterable[RunningJob], endpoint: EndpointInfo, event_id: str | None
) -> bool:
    """True (with a warning) if a job must not be cancelled on the server.

    That is when other jobs of the same endpoint are under way in the same session: the
    server's cancel would stop those running when it arrives, and they would never end. A
    queued one counts too, since it may start before the cancel arrives. The cancelled job
    then stops only locally, and the server finishes it.
    """
    siblings = sum(1 for job in jobs if job.may_run_on_server(endpoint.fn_index))
    if siblings:
        logger.warning(
            "gradiox: job %s was cancelled here but left to finish on the server: Gradio's "
            "cancel would also stop the %d other queued or running job(s) of %s in this "
            "session.",
            event_id,
            siblings,
            endpoint.label,
        )
    return bool(siblings)


class CancelGate:
    """Holds the joins of an endpoint while a cancel of that endpoint is on its way.

    Gradio's cancel stops every job of the endpoint that runs in the session when it
    arrives; a job joined meanwhile could be one of them, and would never end.
    """

    def __init__(self) -> None:
        self._open: dict[int, asyncio.Event] = {}

    async def wait(self, fn_index: int) -> None:
        """Return once no cancel of ``fn_index`` is on its way."""
        while (cancel := self._open.get(fn_index)) is not None:
            await cancel.wait()

    @contextlib.asynccontextmanager
    async def cancelling(self, fn_index: int) -> AsyncIterator[None]:
        """Hold new joins of ``fn_index`` for the duration of the block."""
        await self.wait(fn_index)
        done = self._open[fn_index] = asyncio.Event()
        try:
            yield
        finally:
            del self._open[fn_index]
            done.set()


def _warn_once(app: AppDescription, key: str, text: str, *args: object) -> None:
    if (app.src, key) in _warned:
        return
    _warned.add((app.src, key))
    logger.warning(text, *args)


async def stop_without_cancel_route(
    http: HttpSession,
    app: AppDescription,
    session_hash: str,
    endpoint: EndpointInfo,
    event_id: str | None,
) -> None:
    """Stop a job with the app's cancel event and ``POST reset`` (best effort, never raises).

    Args:
        http: The app's HTTP session.
        app: The app.
        session_hash: The session the job runs in (cancel events act per session).
        endpoint: The job's endpoint.
        event_id: The job's event id, if the server gave one.
    """
    version = ".".join(map(str, app.features.version))
    canceller = find_canceller(app.config, endpoint.fn_index)
    if canceller is None:
        _warn_once(
            app,
            "no-canceller",
            "gradiox: the Gradio %s app at %s has no cancel route and no cancel event for "
            "%s, so a cancelled job stops only here; the server may finish it (generators "
            "stop at their next step).",
            version,
            app.src,
            endpoint.label,
        )
    else:
        if canceller.also_cancels:
            _warn_once(
                app,
                f"wide-canceller-{endpoint.fn_index}",
                "gradiox: cancelling %s on this Gradio %s app also cancels fn_index %s "
                "in the same session (the app's cancel event stops them together).",
                endpoint.label,
                version,
                ", ".join(map(str, canceller.also_cancels)),
            )
        try:
            await call_direct(
                http, app, fn_index=canceller.fn_index, session_hash=session_hash, data=[]
            )
        except GradioxError as exc:
            logger.warning("gradiox: the app's cancel event failed: %s", exc)
    body = reset_body(
        app.features, session_hash=session_hash, fn_index=endpoint.fn_index, event_id=event_id
    )
    if body is not None:
        try:
            response = await http.request("POST", app.routes.reset, json=body)
            raise_for_status(response, "reset the job's iterator")
        except GradioxError as exc:
            logger.debug("gradiox: reset after cancel failed: %s", exc)
