#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run pytest from the repo root; arguments go to pytest.
#
#   bash scripts/test.sh                                   # everything
#   bash scripts/test.sh tests/unit -q                     # unit tests only
#   bash scripts/test.sh -m integration -k g6              # integration tests on Gradio 6
#
# pytest's exit code is returned as is (5 = no tests collected is a failure, not a success).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
