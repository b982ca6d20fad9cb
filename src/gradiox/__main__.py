"""``python -m gradiox``: the ``gradiox`` command line (see ``gradiox --help``)."""

from __future__ import annotations

import sys

from gradiox.cli import main

if __name__ == "__main__":
    sys.exit(main())
