#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run pytest from the repo root; arguments go to pytest.
#
#   bash scripts/test.sh                                   # everything, on every Python
#   bash scripts/test.sh tests/unit -q                     # unit tests only (3.11 only)
#   bash scripts/test.sh -m integration -k g6              # integration tests on Gradio 6
#
# Without arguments, the whole suite runs on .venv's Python (3.11), then the unit suite and
# a core integration subset run on Python 3.10, 3.12 and 3.13 (scripts/test_pythons.sh; a
# missing interpreter is skipped with a message; GRADIOX_OTHER_PYTHONS=0 skips them all).
# With arguments, only pytest runs, on .venv's Python.
#
# The exit code is pytest's (5 = no tests collected is a failure, not a success), or 1 if
# the run on another Python failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
if [ "$#" -gt 0 ] || [ "${GRADIOX_OTHER_PYTHONS:-1}" = 0 ]; then
    exec .venv/bin/python -m pytest "$@"
fi

status=0
.venv/bin/python -m pytest || status=$?
bash scripts/test_pythons.sh || { [ "$status" -ne 0 ] || status=1; }
exit "$status"
