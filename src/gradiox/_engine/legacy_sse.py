"""The Gradio 4.0-4.8 transport (protocol ``sse``): one event stream per job.

``GET queue/join?fn_index=&session_hash=`` opens the job's stream; when a worker is free
the server sends ``send_data`` with the job's event id and the client posts the inputs to
``queue/data``. The stream then carries the job's messages (full values, no diffs) and ends
after ``process_completed``. Closing it early makes the server drop the job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gradiox._engine.http import expect_event_stream, raise_for_status, stream_timeout
from gradiox._engine.per_job import PerJobTransport, refuse_if_full
from gradiox._engine.stream import parse_event
from gradiox._protocol.messages import MessageKind
from gradiox._protocol.routes import legacy_join_params, send_data_body
from gradiox._protocol.sse import SSEDecoder
from gradiox.exceptions import ConnectionLostError, TransportError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from gradiox._engine.transport import QueuedJob

__all__ = ["LegacySSETransport"]


class LegacySSETransport(PerJobTransport):
    """One session of a Gradio 4.0-4.8 app."""

    async def follow(self, run: QueuedJob, data: list[Any]) -> bool:
        """Open the job's stream, send its inputs when asked, deliver its messages.

        Raises:
            ConnectionLostError: The stream broke (or went silent) after it opened.
        """
        url = self.app.routes.queue_join
        params = legacy_join_params(run.endpoint.fn_index, self.hash)
        timeout = stream_timeout(self.options.stream_idle)
        opened = False
        try:
            async with self.http.stream(
                "GET", url, params=params, headers=run.headers, timeout=timeout
            ) as response:
                await expect_event_stream(response, url, f"join the queue for {run.endpoint.label}")
                opened = True
                return await self._read(run, data, response.aiter_bytes())
        except ConnectionLostError:
            raise
        except TransportError as exc:  # (httpx errors are translated as they leave `with`)
            if not opened:
                raise
            raise ConnectionLostError(f"the job's event stream broke: {exc}") from exc

    async def _read(self, run: QueuedJob, data: list[Any], chunks: AsyncIterator[bytes]) -> bool:
        decoder = SSEDecoder(self.options.max_event_size)
        async for chunk in chunks:
            for event in decoder.feed(chunk):
                message = await parse_event(event.pieces)
                if message.kind is MessageKind.HEARTBEAT:
                    continue
                refuse_if_full(message)
                if message.kind is MessageKind.SEND_DATA:
                    run.set_event_id(message.event_id)
                    await self._send_data(run, data, message.event_id)
                await self.deliver(run, message)
                if run.is_over:
                    return True
        return False

    async def _send_data(self, run: QueuedJob, data: list[Any], event_id: str | None) -> None:
        body = send_data_body(run.endpoint.fn_index, data, self.hash, event_id, run.extra)
        response = await self.http.request(
            "POST", self.app.routes.queue_data, json=body, headers=run.headers
        )
        raise_for_status(response, f"send the inputs of {run.endpoint.label}")
