#!/usr/bin/env bash
# Set up everything the tests, the demo and the benchmarks need. Idempotent.
#
#   bash scripts/setup.sh                   # dev venv + every server venv
#   bash scripts/setup.sh gradio-6.31.0     # dev venv + only these server venvs
#
# 1. .venv/  development venv (python3 -m venv), with uv (requirements/uv.txt) and
#            gradiox installed editable with its `test` extra.
# 2. .servers/<stem>/  one venv per requirements/servers/<stem>.txt, installed exactly from
#            that pinned file. A venv is rebuilt only when its stamp (sha256 of the
#            requirements file + Python version) changes.
#
# Needs only python3 (3.11), pip and access to PyPI. Gradio is never installed into .venv/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[setup] %s\n' "$*" >&2; }

PYTHON="${PYTHON:-python3}"
# The real interpreter (not a pyenv shim), so that venvs do not depend on the shim.
BASE_PYTHON="$("$PYTHON" -c 'import sys; print(sys.executable)')"
PY_VERSION="$("$BASE_PYTHON" -c 'import platform; print(platform.python_version())')"

# uv must never try to download a Python build: only PyPI is reachable.
export UV_PYTHON_DOWNLOADS=never
export UV_NO_PROGRESS=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

# --- which server venvs --------------------------------------------------------------------
shopt -s nullglob
all_stems=()
for req in requirements/servers/*.txt; do
    stem="$(basename "$req" .txt)"
    all_stems+=("$stem")
done
shopt -u nullglob

if [ "$#" -gt 0 ]; then
    stems=()
    for stem in "$@"; do
        stem="${stem%.txt}"
        if [ ! -f "requirements/servers/$stem.txt" ]; then
            log "unknown server version '$stem' (known: ${all_stems[*]:-none})"
            exit 2
        fi
        stems+=("$stem")
    done
else
    stems=("${all_stems[@]}")
fi

# --- 1. development venv -------------------------------------------------------------------
if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys' >/dev/null 2>&1; then
    log "creating .venv with $BASE_PYTHON (Python $PY_VERSION)"
    rm -rf .venv
    "$BASE_PYTHON" -m venv .venv
fi

uv_pin="$(grep -E '^uv==' requirements/uv.txt | head -n1 | cut -d= -f3)"
if [ ! -x .venv/bin/uv ] || [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$uv_pin" ]; then
    log "installing uv $uv_pin into .venv"
    .venv/bin/python -m pip install --quiet -r requirements/uv.txt
fi
UV="$ROOT/.venv/bin/uv"

log "installing gradiox (editable, [test,ray]) into .venv"
"$UV" pip install --quiet --python .venv/bin/python -e '.[test,ray]'

# --- 2. server venvs -----------------------------------------------------------------------
for stem in "${stems[@]}"; do
    req="requirements/servers/$stem.txt"
    venv=".servers/$stem"
    want="$(sha256sum "$req" | cut -d' ' -f1) python-$PY_VERSION"
    if [ -x "$venv/bin/python" ] && [ -f "$venv/.stamp" ] && [ "$(cat "$venv/.stamp")" = "$want" ]; then
        log "server venv $venv is up to date"
        continue
    fi
    log "building server venv $venv from $req"
    rm -rf "$venv"
    mkdir -p .servers
    "$UV" venv --quiet --python "$BASE_PYTHON" "$venv"
    "$UV" pip sync --quiet --strict --python "$venv/bin/python" "$req"
    "$venv/bin/python" -c 'import gradio, sys; print("[setup]   gradio", gradio.__version__, file=sys.stderr)'
    printf '%s\n' "$want" >"$venv/.stamp"
done

log "done"
