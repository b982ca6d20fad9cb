#!/usr/bin/env bash
# Write a fully pinned requirements/servers/gradio-<version>.txt for a Gradio server venv.
#
#   bash scripts/pin_server.sh 6.31.0 [extra requirement ...]
#
# Resolves `gradio==<version>` (plus any extra requirements, e.g. an older pin of a
# transitive dependency) for this machine's python3 into a scratch venv and freezes it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "$#" -lt 1 ]; then
    echo "usage: bash scripts/pin_server.sh <gradio version> [extra requirement ...]" >&2
    exit 2
fi
version="$1"
shift

export UV_PYTHON_DOWNLOADS=never
UV="$ROOT/.venv/bin/uv"
if [ ! -x "$UV" ]; then
    UV="$(command -v uv || true)"
fi
if [ -z "$UV" ]; then
    echo "uv not found: run bash scripts/setup.sh first" >&2
    exit 1
fi

PY="$(python3 -c 'import sys; print(sys.executable)')"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

"$UV" venv --quiet --python "$PY" "$scratch/venv"
"$UV" pip install --quiet --python "$scratch/venv/bin/python" "gradio==$version" "$@"

out="requirements/servers/gradio-$version.txt"
{
    echo "# Gradio $version server venv for the gradiox integration tests (Python 3.11)."
    echo "# Fully pinned; regenerate with: bash scripts/pin_server.sh $version${*:+ $*}"
    "$UV" pip freeze --python "$scratch/venv/bin/python"
} >"$out"
echo "wrote $out"
