#!/usr/bin/env bash
# Set up the dev venv and the Gradio 6.31.0 server venv, then run the guided tour
# (examples/tour.py, which starts examples/demo_app.py as a local server). Arguments go to
# the tour.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/setup.sh gradio-6.31.0
exec .venv/bin/python examples/tour.py "$@"
