"""Run a Gradio app over a Ray Data dataset: a callable class for ``Dataset.map_batches``.

Each Ray actor holds one connected :class:`~gradiox.AsyncClient` (or, given several URLs, an
:class:`~gradiox.AsyncPool`) on an event loop of its own, and runs the rows of each batch
concurrently through ``map()``. A row that fails gets None in the output column and the
error's text in the error column; the dataset goes on. Ray schedules the actors (locally or
on a cluster: ``ray.init(address=...)``); gradiox adds no scheduler. This module does not
import Ray: install it with ``pip install gradiox[ray]``.

Example:
    >>> import ray
    >>> from gradiox.ray import GradioxMapper
    >>> ds = ray.data.from_items([{"text": t} for t in texts])
    >>> out = ds.map_batches(
    ...     GradioxMapper,
    ...     fn_constructor_kwargs={"src": url, "api_name": "/embed", "input_columns": ["text"]},
    ...     concurrency=4,  # actors, each with its own client
    ...     batch_size=64,
    ... )
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from gradiox.async_client import AsyncClient
    from gradiox.pool import AsyncPool

__all__ = ["GradioxMapper"]


class GradioxMapper:
    """A ``map_batches`` callable: call an endpoint once per row, rows of a batch at once.

    Args:
        src: The app's URL or Space id, or a list of replicas' (then an ``AsyncPool``).
        api_name: The endpoint, as for ``predict``.
        fn_index: The endpoint by index, as for ``predict``.
        input_columns: The columns passed as the endpoint's positional arguments, in order
            (default: every column of the batch, in its order).
        output_column: Where each row's result goes.
        error_column: Where each failed row's error text goes (None for rows that succeeded).
        concurrency: Rows in flight at once in each actor.
        **client_kwargs: Options for the client (``token``, ``headers``, ...).
    """

    def __init__(
        self,
        src: str | Sequence[str],
        *,
        api_name: str | None = None,
        fn_index: int | None = None,
        input_columns: Sequence[str] | None = None,
        output_column: str = "output",
        error_column: str = "error",
        concurrency: int = 8,
        **client_kwargs: Any,
    ) -> None:
        self.api_name = api_name
        self.fn_index = fn_index
        self.input_columns = list(input_columns) if input_columns is not None else None
        self.output_column = output_column
        self.error_column = error_column
        self.concurrency = concurrency
        self._loop = asyncio.new_event_loop()
        self._client = self._loop.run_until_complete(_connect(src, client_kwargs))

    def __call__(self, batch: Mapping[str, Any]) -> dict[str, Any]:
        """Run one batch (a dict of columns); return it with the output and error columns."""
        columns = self.input_columns if self.input_columns is not None else list(batch)
        values = [_as_list(batch[name]) for name in columns]
        rows = list(zip(*values, strict=True)) if values else []
        outputs, errors = self._loop.run_until_complete(self._run(rows))
        result = {name: batch[name] for name in batch}
        result[self.output_column] = outputs
        result[self.error_column] = errors
        return result

    async def _run(self, rows: list[tuple[Any, ...]]) -> tuple[list[Any], list[str | None]]:
        outputs: list[Any] = [None] * len(rows)
        errors: list[str | None] = [None] * len(rows)
        results = self._client.map(
            rows,
            api_name=self.api_name,
            fn_index=self.fn_index,
            concurrency=self.concurrency,
            ordered=False,
            progress=False,
        )
        async for record in results:
            outputs[record.index] = record.output
            if record.error is not None:
                errors[record.index] = f"{type(record.error).__name__}: {record.error}"
        return outputs, errors

    def close(self) -> None:
        """Close the client and the actor's event loop."""
        if self._loop.is_closed():
            return
        with contextlib.suppress(Exception):
            self._loop.run_until_complete(self._client.aclose())
        self._loop.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()


async def _connect(src: str | Sequence[str], options: dict[str, Any]) -> AsyncClient | AsyncPool:
    options.setdefault("verbose", False)
    if isinstance(src, str):
        from gradiox.async_client import AsyncClient

        client = AsyncClient(src, **options)
        await client.connect()
        return client
    from gradiox.pool import AsyncPool

    pool = AsyncPool(list(src), **options)
    await pool.connect()
    return pool


def _as_list(column: Any) -> list[Any]:
    """A column as plain Python values (numpy arrays and scalars become lists and numbers)."""
    tolist = getattr(column, "tolist", None)
    return list(tolist()) if callable(tolist) else list(column)
