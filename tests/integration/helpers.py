"""Small helpers shared by the integration tests (not fixtures: those live in conftest)."""

from __future__ import annotations

import asyncio
from typing import Any

from gradiox import AsyncClient, Status


def run(coro: Any) -> Any:
    """Run a coroutine to completion, failing after two minutes instead of hanging."""
    return asyncio.run(asyncio.wait_for(coro, 120))


def progress_indices(url: str, steps: int) -> list[int]:
    """Run the app's ``/progress`` job; return every progress index seen by async iteration.

    The job's result must be ``"done"``.
    """

    async def main() -> list[int]:
        async with AsyncClient(url, verbose=False) as client:
            job = client.submit(steps, api_name="/progress")
            seen = [
                u.progress_data[0].index
                async for u in job
                if u.type == "status" and u.code is Status.PROGRESS and u.progress_data
            ]
            assert await job.result() == "done"
            return seen

    result: list[int] = run(main())
    return result
