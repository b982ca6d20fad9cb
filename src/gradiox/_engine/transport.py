"""The interface every transport (how jobs reach the server and come back) implements.

``Session`` (sse_v1 to sse_v3: one shared stream per session) is the main one; older
servers get their own transports with the same interface, chosen once from the features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Coroutine

    from gradiox._engine.connect import AppDescription
    from gradiox._engine.jobs import JobRun

__all__ = ["Transport"]


class Transport(Protocol):
    """One session of an app, as the engine uses it."""

    app: AppDescription
    hash: str

    async def start(self, run: JobRun) -> None:
        """Submit ``run`` and arrange for its messages to reach ``run.on_message``.

        Sets ``run.event_id`` when the server names the job. If ``run`` was cancelled
        meanwhile (``run.done``), stop it on the server instead.
        """

    async def cancel(self, run: JobRun) -> None:
        """Stop ``run`` on the server; it has already ended locally."""

    def release(self, event_id: str | None) -> None:
        """The job ``event_id`` has ended locally: stop routing its messages."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a background task owned by this session."""

    @property
    def has_pending(self) -> bool:
        """True while some job of this session has not ended."""

    def start_heartbeat(self) -> None:
        """Keep the session alive on the server, if the app wants that."""

    def retire(self) -> None:
        """Take no new jobs; wind down when the pending ones end."""

    async def aclose(self) -> None:
        """Stop everything now."""
