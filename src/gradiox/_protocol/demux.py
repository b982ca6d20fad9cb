"""Route the messages of one session's shared stream to the jobs they belong to.

Pure bookkeeping, owned by one thread (the engine's event loop). Must not import httpx,
anyio or any gradiox I/O module.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from gradiox._protocol.messages import Message

__all__ = ["Demux"]

SinkT = TypeVar("SinkT")

# A message may arrive for a job whose join response has not been processed yet. Such
# messages wait here; the cap only guards against a server that floods unknown ids.
MAX_EARLY_MESSAGES = 100_000
# Ids of ended jobs whose late messages (e.g. the completion after a cancel) are dropped.
MAX_ENDED_IDS = 4096


class Demux(Generic[SinkT]):
    """Maps event ids to sinks and buffers messages that arrive before their job registers.

    Example:
        >>> demux = Demux[str]()
        >>> demux.route(message)          # no sink yet: buffered
        >>> demux.register("ev1", "job")  # returns the buffered messages
    """

    def __init__(self) -> None:
        self._sinks: dict[str, SinkT] = {}
        self._early: defaultdict[str, list[Message]] = defaultdict(list)
        self._early_count = 0
        self._ended: deque[str] = deque(maxlen=MAX_ENDED_IDS)
        self._ended_set: set[str] = set()

    def register(self, event_id: str, sink: SinkT) -> list[Message]:
        """Attach a sink to ``event_id``; return messages that were waiting for it, in order."""
        self._sinks[event_id] = sink
        early = self._early.pop(event_id, [])
        self._early_count -= len(early)
        return early

    def unregister(self, event_id: str) -> None:
        """Forget ``event_id`` (its job has ended); later messages for it are dropped."""
        if self._sinks.pop(event_id, None) is None:
            return
        if len(self._ended) == self._ended.maxlen:
            self._ended_set.discard(self._ended[0])
        self._ended.append(event_id)
        self._ended_set.add(event_id)

    def route(self, message: Message) -> SinkT | None:
        """Return the sink for ``message``, or buffer it and return None."""
        event_id = message.event_id
        if event_id is None:
            return None
        sink = self._sinks.get(event_id)
        if sink is None and event_id in self._ended_set:
            return None
        if sink is None and self._early_count < MAX_EARLY_MESSAGES:
            self._early[event_id].append(message)
            self._early_count += 1
        return sink

    def sinks(self) -> list[SinkT]:
        """Every registered sink."""
        return list(self._sinks.values())

    @property
    def has_pending(self) -> bool:
        """True while some registered job has not ended."""
        return bool(self._sinks)

    def drop_early(self) -> None:
        """Discard buffered messages of ids that never registered."""
        self._early.clear()
        self._early_count = 0
