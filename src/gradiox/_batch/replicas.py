"""The replicas of a pool: same-API check, least-loaded routing, and taking failures out.

A job goes to the replica where the fewest jobs are ahead of it: the pool's own jobs in
flight there, plus the other users' jobs that the server reports queued (the ``queue_size``
of its latest queue estimate for one of the pool's jobs still waiting there).

A replica whose server fails (transport errors, 5xx, lost streams) leaves the rotation and a
probe asks its server every few seconds (with a growing pause) until it answers again. A
replica that could not be connected at the start is probed the same way: the probe connects
it, and it joins only if it exposes the same endpoints as the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from typing import TYPE_CHECKING, Any

from gradiox._batch.retry import replica_failed
from gradiox._types import Status
from gradiox.exceptions import (
    DeadlineExceededError,
    GradioxError,
    HTTPStatusError,
    PoolConnectError,
    ReplicaMismatchError,
    SpaceTimeoutError,
    TransportError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from gradiox._engine.jobs import JobRun
    from gradiox._protocol.api_info import EndpointInfo
    from gradiox.async_client import AsyncClient

__all__ = ["Replica", "ReplicaSet", "check_same_api", "connect_replicas"]

logger = logging.getLogger("gradiox")

PROBE_FIRST = 1.0
PROBE_MAX = 15.0
PROBE_TIMEOUT = 5.0
PROBE_CONNECT_TIMEOUT = 60.0


class Replica:
    """One server of a pool and its state."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.in_flight = 0
        self.runs: set[JobRun] = set()  # the pool's jobs here that have not ended
        self.up = True
        self.jobs = 0
        self.retired = False  # came back serving another app: never used again
        self._probe: asyncio.Task[None] | None = None

    @property
    def src(self) -> str:
        """The replica's URL."""
        return self.client.src

    @property
    def load(self) -> int:
        """Jobs ahead of a new job here: the pool's in flight, and others' reported queued."""
        waiting = [
            run.status
            for run in self.runs
            if run.status.code is Status.IN_QUEUE and run.status.queue_size is not None
        ]
        if not waiting:
            return self.in_flight
        latest = max(waiting, key=lambda status: status.time.timestamp() if status.time else 0)
        others = (latest.queue_size or 0) - len(waiting)
        return self.in_flight + max(0, others)

    @property
    def connected(self) -> bool:
        """Whether the replica's client is connected (jobs can be prepared on it)."""
        return self.client._conn is not None


class ReplicaSet:
    """Routes each job to the up replica with the fewest jobs ahead of it."""

    def __init__(
        self,
        replicas: Sequence[Replica],
        probe_first: float = PROBE_FIRST,
        fresh: Callable[[str], AsyncClient] | None = None,
    ) -> None:
        """Route over ``replicas``.

        Args:
            replicas: The pool's replicas.
            probe_first: Seconds before the first probe of a failed replica.
            fresh: Makes a new client for a replica's URL: a probe connects one to check
                that a replica which comes back still serves the same app.
        """
        self.replicas = list(replicas)
        self._turn = itertools.count()
        self._probe_first = probe_first
        self._fresh = fresh

    @property
    def reference(self) -> AsyncClient:
        """A connected replica's client: the API every other replica must match."""
        usable = [r for r in self.replicas if r.connected and not r.retired]
        return (usable or [r for r in self.replicas if r.connected])[0].client

    def pick(self) -> Replica:
        """The replica for the next job (a down one only if every replica is down)."""
        up = (
            [r for r in self.replicas if r.up]
            or [r for r in self.replicas if r.connected and not r.retired]
            or [r for r in self.replicas if r.connected]
        )
        start = next(self._turn) % len(up)  # rotate ties
        rotated = up[start:] + up[:start]
        return min(rotated, key=lambda r: r.load)

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
        replica.runs.add(run)

        def ended(run: JobRun) -> None:
            replica.in_flight -= 1
            replica.runs.discard(run)
            if run.error is not None and replica_failed(run.error):
                self.mark_down(replica, run.error)

        run.add_listener(ended)
        return run

    def mark_down(self, replica: Replica, error: BaseException) -> None:
        """Take ``replica`` out of rotation and start probing it."""
        if not replica.up:
            return
        replica.up = False
        if replica.connected:
            logger.warning("gradiox: pool replica %s is out of rotation: %s", replica.src, error)
        else:
            logger.warning(
                "gradiox: pool replica %s could not be connected (%s: %s); the pool starts "
                "without it and will keep trying it",
                replica.src, type(error).__name__, error,
            )  # fmt: skip
        replica._probe = asyncio.ensure_future(self._probe_until_up(replica))

    async def _probe_until_up(self, replica: Replica) -> None:
        pause = self._probe_first
        while not replica.up:
            await asyncio.sleep(pause)
            pause = min(PROBE_MAX, pause * 2)
            verdict = await self._probe(replica)
            if verdict is None:
                continue  # still not answering
            if verdict:
                replica.up = True
                logger.warning("gradiox: pool replica %s is back in rotation", replica.src)
            return

    async def _probe(self, replica: Replica) -> bool | None:
        """None: not answering; True: the same app is back; False: another app answers."""
        if not replica.connected:
            if not await _connects(replica.client):
                return None
            same = await self._same_api(replica, replica.client)
            if not same:
                await replica.client.aclose()
            return same
        if not await _answers(replica):
            return None
        if self._fresh is None:
            return True
        fresh = self._fresh(replica.src)  # what the server serves now
        try:
            if not await _connects(fresh):
                return None
            return await self._same_api(replica, fresh)
        finally:
            await fresh.aclose()

    async def _same_api(self, replica: Replica, client: AsyncClient) -> bool:
        """Keep a returning replica out for good if it serves another app (and say why)."""
        try:
            check_same_api([self.reference, client])
        except ReplicaMismatchError as exc:
            logger.warning("gradiox: pool replica %s stays out of rotation: %s", replica.src, exc)
            replica.retired = True
            return False
        return True

    async def aclose(self) -> None:
        """Stop the probes and close every replica's client."""
        for replica in self.replicas:
            if replica._probe is not None:
                replica._probe.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await replica._probe
        await asyncio.gather(*(r.client.aclose() for r in self.replicas), return_exceptions=True)


async def connect_replicas(replicas: Sequence[Replica]) -> dict[Replica, BaseException]:
    """Connect every replica at once; return the unreachable ones and why.

    Raises:
        PoolConnectError: None could be connected (the message names each one and why).
        GradioxError: A replica refused in a way waiting won't fix (bad login, not a Gradio
            app, no such Space): the first such error.
    """
    results = await asyncio.gather(*(r.client.connect() for r in replicas), return_exceptions=True)
    failed = {r: e for r, e in zip(replicas, results, strict=True) if isinstance(e, BaseException)}
    for error in failed.values():
        if not unreachable(error):
            raise error
    if len(failed) == len(replicas):
        reasons = "; ".join(f"{r.src}: {type(e).__name__}: {e}" for r, e in failed.items())
        raise PoolConnectError(
            f"None of the pool's {len(replicas)} replicas could be connected ({reasons}). "
            "Check the URLs and that at least one server is running.",
            {r.src: e for r, e in failed.items()},
        )
    return failed


def unreachable(error: BaseException) -> bool:
    """True if a replica's connect failed in a way that may pass (down, overloaded, starting)."""
    if isinstance(error, HTTPStatusError):
        return error.status_code >= 500 or error.status_code in (408, 429)
    return isinstance(error, (TransportError, DeadlineExceededError, SpaceTimeoutError))


async def _connects(client: AsyncClient) -> bool:
    """Try to connect a replica's client (False if it still can't be reached)."""
    try:
        await asyncio.wait_for(client.connect(), PROBE_CONNECT_TIMEOUT)
    except (GradioxError, asyncio.TimeoutError) as exc:
        logger.debug("gradiox: pool replica %s still unreachable: %s", client.src, exc)
        return False
    return True


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
