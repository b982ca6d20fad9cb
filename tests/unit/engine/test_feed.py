"""UpdateFeed: threads and event loops wait for items without polling."""

from __future__ import annotations

import asyncio
import threading
import time

from gradiox._engine.feed import UpdateFeed


def test_wait_sync_returns_at_once_when_the_item_exists() -> None:
    feed: UpdateFeed[int] = UpdateFeed()
    feed.append(1)
    assert feed.wait_sync(0, timeout=0) is True
    assert feed.wait_sync(1, timeout=0.01) is False


def test_wait_sync_wakes_on_append_from_another_thread() -> None:
    feed: UpdateFeed[int] = UpdateFeed()
    woke: list[float] = []

    def waiter() -> None:
        assert feed.wait_sync(0, timeout=10)
        woke.append(time.monotonic())

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.05)
    appended = time.monotonic()
    feed.append(7)
    thread.join(10)
    assert not thread.is_alive()
    assert woke and woke[0] >= appended
    assert feed.items == [7]


def test_wait_sync_keeps_waiting_until_its_index_exists() -> None:
    feed: UpdateFeed[int] = UpdateFeed()
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(feed.wait_sync(2, timeout=10)))
    thread.start()
    feed.append(0)
    feed.append(1)
    time.sleep(0.05)
    assert thread.is_alive()  # two items are not enough for index 2
    feed.append(2)
    thread.join(10)
    assert result == [True]


def test_close_wakes_every_thread_and_loop() -> None:
    feed: UpdateFeed[int] = UpdateFeed()
    results: list[bool] = []
    threads = [
        threading.Thread(target=lambda: results.append(feed.wait_sync(0, timeout=10)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()

    async def wait_on_loop() -> str:
        waiting = asyncio.ensure_future(feed.wait_async(0))
        await asyncio.sleep(0.05)
        threading.Thread(target=feed.close).start()
        await asyncio.wait_for(waiting, 10)
        return "woken"

    assert asyncio.run(wait_on_loop()) == "woken"
    for thread in threads:
        thread.join(10)
    assert results == [True, True, True]
    assert feed.closed
    feed.close()  # idempotent
    assert feed.wait_sync(5, timeout=0) is True


def test_wait_sync_times_out() -> None:
    feed: UpdateFeed[int] = UpdateFeed()
    started = time.monotonic()
    assert feed.wait_sync(0, timeout=0.05) is False
    assert time.monotonic() - started >= 0.04


class _ClosesWhileRead(list):  # type: ignore[type-arg]
    """Items whose next length check, once armed, races with the engine's last append.

    The engine appends a final item and closes the feed right after the reader has seen
    the length, which is the window where a reader checking ``closed`` after draining would
    stop without yielding that item.
    """

    def __init__(self, feed: UpdateFeed[str], *items: str) -> None:
        super().__init__(items)
        self.feed = feed
        self.armed = False

    def __len__(self) -> int:
        seen = super().__len__()
        if self.armed:
            self.armed = False
            self.append("last")
            self.feed.closed = True
        return seen


def _racing_feed() -> tuple[UpdateFeed[str], _ClosesWhileRead]:
    feed: UpdateFeed[str] = UpdateFeed()
    items = _ClosesWhileRead(feed, "first")
    feed.items = items
    return feed, items


def test_follow_sync_yields_an_item_appended_just_before_close() -> None:
    feed, items = _racing_feed()
    follow = feed.follow_sync(lambda: False)
    assert next(follow) == "first"
    items.armed = True
    assert list(follow) == ["last"]


def test_follow_async_yields_an_item_appended_just_before_close() -> None:
    feed, items = _racing_feed()

    async def main() -> list[str]:
        seen = []
        async for item in feed.follow_async():
            seen.append(item)
            items.armed = True
        return seen

    assert asyncio.run(asyncio.wait_for(main(), 10)) == ["first", "last"]


def test_follow_sync_stops_when_asked() -> None:
    feed: UpdateFeed[int] = UpdateFeed()
    feed.append(1)
    assert list(feed.follow_sync(lambda: True)) == [1]  # drains what is there, then stops
