"""The one I/O implementation: asyncio + one pooled httpx.AsyncClient."""
