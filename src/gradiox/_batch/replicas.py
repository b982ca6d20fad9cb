"""The replicas of a pool: same-API check, least-loaded routing, and taking failures out.

A replica whose server fails (transport errors, 5xx, lost streams) leaves the rotation and a
probe asks its server every few seconds (with a growing pause) until it answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import TYPE_CHECKING, Any

from gradiox._batch.retry import replica_failed
from gradiox.exceptions import GradioxError, ReplicaMismatchError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from gradiox._engine.jobs import JobRun
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox.async_client import AsyncClient

__all__ = ["Replica", "ReplicaSet", "check_same_api"]

logger = logging.getLogger("gradiox")

PROBE_FIRST = 1.0
PROBE_MAX = 15.0
PROBE_TIMEOUT = 5.0


class Replica:
    """One server of a pool and its state."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.in_flight = 0
        self.up = True
        self.jobs = 0
        self._probe: asyncio.Task[None] | None = None

    @property
    def src(self) -> str:
        """The replica's URL."""
        return self.client.src


class ReplicaSet:
    """Routes each job to the up replica with the fewest jobs in flight."""

    def __init__(self, replicas: Sequence[Replica], probe_first: float = PROBE_FIRST) -> None:
        self.replicas = list(replicas)
        self._turn = itertools.count()
        self._probe_first = probe_first

    def pick(self) -> Replica:
        """The replica for the next job (a down one only if every replica is down)."""
        up = [r for r in self.replicas if r.up] or self.replicas
        start = next(self._turn) % len(up)  # rotate ties
        rotated = up[start:] + up[:start]
        return min(rotated, key=lambda r: r.in_flight)

    def submit(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        api_name: str | None,
        fn_index: int | None,
        headers: dict[str, str] | None,
    ) -> JobRun:
        """Create a job's run on the chosen replica (not started), tracked until it ends."""
        replica = self.pick()
        run = replica.client._prepare(args, kwargs, api_name, fn_index, headers)
        replica.in_flight += 1
        replica.jobs += 1

        def ended(run: JobRun) -> None:
            replica.in_flight -= 1
            if run.error is not None and replica_failed(run.error):
                self.mark_down(replica, run.error)

        run.add_listener(ended)
        return run

    def mark_down(self, replica: Replica, error: BaseException) -> None:
        """Take ``replica`` out of rotation and start probing it."""
        if not replica.up:
            return
        replica.up = False
        logger.warning("gradiox: pool replica %s is out of rotation: %s", replica.src, error)
        replica._probe = asyncio.ensure_future(self._probe_until_up(replica))

    async def _probe_until_up(self, replica: Replica) -> None:
        pause = self._probe_first
        while not replica.up:
            await asyncio.sleep(pause)
            if await _answers(replica):
                replica.up = True
                logger.warning("gradiox: pool replica %s is back in rotation", replica.src)
                return
            pause = min(PROBE_MAX, pause * 2)

    async def aclose(self) -> None:
        """Stop the probes and close every replica's client."""
        for replica in self.replicas:
            if replica._probe is not None:
                replica._probe.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await replica._probe
        await asyncio.gather(*(r.client.aclose() for r in self.replicas), return_exceptions=True)


async def _answers(replica: Replica) -> bool:
    """True if the replica's server answers its config route without a server error."""
    try:
        conn = replica.client._connection()
        response = await asyncio.wait_for(
            conn.http.request("GET", conn.app.routes.config), PROBE_TIMEOUT
        )
    except (GradioxError, asyncio.TimeoutError):
        return False
    return response.status_code < 500


def _signature(endpoint: EndpointInfo) -> tuple[Any, ...]:
    inputs = tuple(
        t for t, skip in zip(endpoint.input_types, endpoint.input_skip, strict=False) if not skip
    )
    return inputs, endpoint.output_skip.count(False), endpoint.is_generator


def _api(client: AsyncClient) -> dict[str, tuple[Any, ...]]:
    return {e.label: _signature(e) for e in client._connection().app.endpoints if e.is_valid}


def check_same_api(clients: Sequence[AsyncClient]) -> None:
    """Raise unless every client's app exposes the same endpoints as the first's.

    Raises:
        ReplicaMismatchError: Naming each replica that differs and how.
    """
    reference = _api(clients[0])
    problems = []
    for client in clients[1:]:
        api = _api(client)
        missing = sorted(set(reference) - set(api))
        extra = sorted(set(api) - set(reference))
        changed = sorted(k for k in set(api) & set(reference) if api[k] != reference[k])
        parts = []
        if missing:
            parts.append("lacks " + ", ".join(missing))
        if extra:
            parts.append("has extra " + ", ".join(extra))
        if changed:
            parts.append("has other inputs or outputs for " + ", ".join(changed))
        if parts:
            problems.append(f"{client.src} {'; '.join(parts)}")
    if problems:
        raise ReplicaMismatchError(
            f"The pool's replicas are not the same app as {clients[0].src}: "
            + "; ".join(problems)
            + ". Pass only replicas of one app (same code and version)."
        )
