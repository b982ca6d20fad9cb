"""Small helpers shared by the integration tests (not fixtures: those live in conftest)."""

from __future__ import annotations

import asyncio
import struct
import wave
import zlib
from typing import TYPE_CHECKING, Any

from gradiox import AsyncClient, Status

if TYPE_CHECKING:
    from pathlib import Path


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


def png(width: int, height: int) -> bytes:
    """A red RGB PNG (the test process has no imaging library)."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))


def write_wav(path: Path, frames: int = 4000) -> Path:
    """A mono 16-bit 8 kHz WAV file of ``frames`` samples (default: half a second)."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(
            b"".join(struct.pack("<h", (i * 97) % 20000 - 10000) for i in range(frames))
        )
    return path
