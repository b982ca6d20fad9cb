#!/usr/bin/env bash
# Run the unit suite and a core integration subset on every other Python gradiox supports.
#
#   bash scripts/test_pythons.sh                 # 3.10, 3.12 and 3.13
#   GRADIOX_PYTHONS="3.12" bash scripts/test_pythons.sh
#
# scripts/test.sh calls this after the main suite (which runs on .venv's Python, 3.11).
# For each version it finds an interpreter (pyenv's newest patch release of that version,
# else python3.X on PATH), makes .venv-py3.X/ with gradiox installed editable with its
# `test` extra, and runs pytest there. Only the client side varies: the Gradio servers keep
# running from their own venvs in .servers/. A missing interpreter is skipped with a message
# (not a failure); any failing run makes this script exit non-zero.
# Needs scripts/setup.sh to have run (it provides uv in .venv/ and the server venvs).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[pythons] %s\n' "$*" >&2; }

export UV_PYTHON_DOWNLOADS=never
export UV_NO_PROGRESS=1
UV="$ROOT/.venv/bin/uv"
PYTHONS="${GRADIOX_PYTHONS:-3.10 3.12 3.13}"

# The core integration subset: predict, generators, cancel, files and AsyncClient, on gradio 6.
SUBSET_FILES=(tests/integration/test_core.py tests/integration/test_files.py)
SUBSET_K="g6 and (predict or generator or cancel or async or concurrent or file_round_trip)"

# Print the path of a Python $1 (e.g. 3.12) interpreter, or nothing.
find_python() {
    local want="$1" candidates=() dir py
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root="$(pyenv root)"
        while IFS= read -r dir; do
            candidates+=("$dir/bin/python")
        done < <(find "$root/versions" -maxdepth 1 -name "$want.*" 2>/dev/null | sort -V -r)
    fi
    if py="$(command -v "python$want" 2>/dev/null)"; then
        candidates+=("$py")
    fi
    for py in "${candidates[@]+"${candidates[@]}"}"; do
        if [ -x "$py" ] && [ "$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
            printf '%s\n' "$py"
            return 0
        fi
    done
    return 1
}

failed=()
skipped=()
tested=()
for version in $PYTHONS; do
    if ! python="$(find_python "$version")"; then
        log "SKIP Python $version: no interpreter found (looked in \$(pyenv root)/versions/$version.* and for python$version on PATH); install it, e.g. 'pyenv install $version', to test it"
        skipped+=("$version")
        continue
    fi
    venv=".venv-py$version"
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
        log "creating $venv with $python"
        rm -rf "$venv"
        "$UV" venv --quiet --python "$python" "$venv"
    fi
    log "installing gradiox (editable, [test]) into $venv"
    "$UV" pip install --quiet --python "$venv/bin/python" -e '.[test]'
    log "Python $version: unit suite and the core integration subset on gradio 6"
    tested+=("$version")
    if ! "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/unit "${SUBSET_FILES[@]}" \
        -k "not integration or ($SUBSET_K)"; then
        failed+=("$version")
    fi
done

if [ "${#skipped[@]}" -gt 0 ]; then
    log "skipped (no interpreter): ${skipped[*]}"
fi
if [ "${#failed[@]}" -gt 0 ]; then
    log "FAILED on Python ${failed[*]}"
    exit 1
fi
log "passed on Python ${tested[*]:-(none found)}"
