"""Ray Data over a real Gradio 6 app: 1,000 rows, 2 actors, failed rows in an error column."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import ray

from gradiox.ray import GradioxMapper

if TYPE_CHECKING:
    from collections.abc import Iterator

    from conftest import ServerRegistry

STEM = "gradio-6.31.0"


def _start_ray() -> None:
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        object_store_memory=100 * 1024**2,
    )


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """A local Ray with 2 CPUs; a second try if the raylet is slow to start (busy machine)."""
    try:
        _start_ray()
    except Exception as exc:  # Ray raises a bare Exception when its node start times out
        if "timed out during startup" not in str(exc):
            raise
        ray.shutdown()
        _start_ray()
    try:
        yield
    finally:
        ray.shutdown()


def test_map_batches_thousand_rows(gradio_servers: ServerRegistry, local_ray: None) -> None:
    url = gradio_servers.get("replica_app.py", STEM, env={"REPLICA": "a"}).url
    ds = ray.data.from_items([{"x": float(i)} for i in range(1000)])
    out = ds.map_batches(
        GradioxMapper,
        fn_constructor_kwargs={"src": url, "api_name": "/checked", "input_columns": ["x"]},
        concurrency=2,
        batch_size=100,
    ).take_all()
    assert len(out) == 1000
    rows = sorted(out, key=lambda row: row["x"])
    for i, row in enumerate(rows):
        assert row["x"] == i
        if i % 10 == 3:
            assert row["error"] == f"AppError: rejected {i}"
        else:
            assert row["error"] is None and row["output"] == 2 * i
