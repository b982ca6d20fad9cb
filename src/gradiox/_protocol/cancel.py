"""How a job is stopped on servers without ``POST cancel`` (Gradio 3.x to 4.29).

Those servers cancel a running event only through the app's own cancel events (a
dependency whose ``cancels`` list names the event's fn_index, e.g. a Stop button), and
stop a generator's iterator through ``POST reset``. This module finds the cancel event
and builds the reset body; ``gradiox._engine.cancel`` sends them.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping

    from gradiox._protocol.features import Features

__all__ = ["Canceller", "find_canceller", "reset_body"]


@dataclass(frozen=True, slots=True)
class Canceller:
    """The app event that cancels a job.

    Attributes:
        fn_index: The cancel event to call.
        also_cancels: Other fn_indices it cancels too (in the same session).
    """

    fn_index: int
    also_cancels: tuple[int, ...]


def find_canceller(config: Mapping[str, Any], fn_index: int) -> Canceller | None:
    """Find the app event that cancels ``fn_index``, preferring the narrowest one.

    Returns:
        The event cancelling the fewest other events, or None if the app has none.

    Example:
        >>> deps = [{"cancels": []}, {"cancels": [0, 2]}, {"cancels": [0]}]
        >>> find_canceller({"dependencies": deps}, 0)
        Canceller(fn_index=2, also_cancels=())
    """
    best: Canceller | None = None
    for position, dep in enumerate(config.get("dependencies") or []):
        if not isinstance(dep, dict):
            continue
        cancels = [c for c in dep.get("cancels") or [] if isinstance(c, int)]
        if fn_index not in cancels or dep.get("backend_fn") is False:
            continue
        others = tuple(c for c in cancels if c != fn_index)
        candidate = Canceller(int(dep.get("id", position)), others)
        if best is None or len(others) < len(best.also_cancels):
            best = candidate
    return best


def reset_body(
    features: Features, *, session_hash: str, fn_index: int, event_id: str | None
) -> dict[str, Any] | None:
    """The ``POST reset`` body that stops a job's iterator, or None if none is needed.

    3.x resets by session and fn_index, 4.0-4.29 by event id; 4.31+ need no reset (their
    ``/cancel`` does it), and neither does a job whose event id is unknown on 4.x.
    """
    if features.reset == "session":
        return {"session_hash": session_hash, "fn_index": fn_index}
    if features.reset == "event" and event_id is not None:
        return {"event_id": event_id}
    return None
