#!/usr/bin/env bash
# The benchmark's one command. From the repo root:
#
#   bash bench/run.sh            # full run (25-45 min on 2 cores); writes bench/RESULTS.md
#   bash bench/run.sh --quick    # a few calls per scenario, small files (a couple of minutes)
#
# Other options go to bench/runner.py (`bash bench/run.sh --help`).
#
# 1. scripts/setup.sh builds .venv/ and the Gradio server venvs (.servers/<stem>/).
# 2. The bench venv .servers/bench/ gets bench/requirements.txt (gradio_client, psutil,
#    profilers) and gradiox, built as a wheel with compiled bytecode like a user's install;
#    it is rebuilt when the requirements change. .servers/bench-import/ holds only gradiox
#    and its dependencies, for the import times.
# 3. bench/runner.py starts the servers and runs every client in its own processes.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[bench] %s\n' "$*" >&2; }

export UV_PYTHON_DOWNLOADS=never
export UV_NO_PROGRESS=1

# Server venvs the benchmark uses (those with a requirements file; 4.44.1 when it exists).
stems=()
for stem in gradio-6.31.0 gradio-5.50.0 gradio-4.44.1; do
    [ -f "requirements/servers/$stem.txt" ] && stems+=("$stem")
done
# BENCH_SKIP_SETUP=1: the caller (e.g. the smoke test, under scripts/test.sh) already ran it.
if [ "${BENCH_SKIP_SETUP:-0}" != 1 ]; then
    bash scripts/setup.sh "${stems[@]}"
fi

UV="$ROOT/.venv/bin/uv"
VENV=".servers/bench"
PYTHON="${PYTHON:-python3}"
BASE_PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
want="$(sha256sum bench/requirements.txt | cut -d' ' -f1) $("$BASE_PYTHON" -c 'import platform; print(platform.python_version())')"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.stamp" ] || [ "$(cat "$VENV/.stamp")" != "$want" ]; then
    log "building the bench venv $VENV from bench/requirements.txt"
    rm -rf "$VENV"
    mkdir -p .servers
    "$UV" venv --quiet --python "$BASE_PYTHON" "$VENV"
    # Bytecode compiled at install, as pip does for users: import times then measure
    # imports, not compiling (this machine may set PYTHONDONTWRITEBYTECODE).
    "$UV" pip sync --quiet --compile-bytecode --python "$VENV/bin/python" bench/requirements.txt
    printf '%s\n' "$want" >"$VENV/.stamp"
fi
# gradiox itself, from a built wheel with compiled bytecode like a user's install (rebuilt
# every run); its dependencies are pinned above, and `pip check` fails if one is missing.
"$UV" pip install --quiet --python "$VENV/bin/python" --no-deps --compile-bytecode \
    --reinstall-package gradiox .
"$UV" pip check --quiet --python "$VENV/bin/python"
# For import times alone: a venv with only gradiox and its dependencies (same pins), as
# `pip install gradiox` makes it.
IMPORT_VENV=".servers/bench-import"
rm -rf "$IMPORT_VENV"
"$UV" venv --quiet --python "$BASE_PYTHON" "$IMPORT_VENV"
"$UV" pip install --quiet --python "$IMPORT_VENV/bin/python" --compile-bytecode \
    --constraint bench/requirements.txt .

exec "$VENV/bin/python" bench/runner.py "$@"
