"""``python -m gradiox.cli``: the ``gradiox`` command."""

from __future__ import annotations

import sys

from gradiox.cli import main

if __name__ == "__main__":
    sys.exit(main())
