"""Run ``Client.map`` over ``/add`` with a checkpoint: the process the kill-and-resume test kills.

Usage: ``python batch_worker.py URL CHECKPOINT N`` -- item ``i`` is ``(i, 1)``, so its
output must be ``i + 1``.
"""

from __future__ import annotations

import sys

from gradiox import Client


def main() -> None:
    url, checkpoint, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with Client(url, verbose=False) as client:
        items = ((i, 1) for i in range(count))
        for record in client.map(
            items, api_name="/add", concurrency=16, checkpoint=checkpoint, progress=False
        ):
            if record.error is not None:
                print(f"item {record.index} failed: {record.error!r}", file=sys.stderr)
                sys.exit(1)


if __name__ == "__main__":
    main()
