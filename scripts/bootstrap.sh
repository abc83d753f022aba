#!/usr/bin/env bash
# Creates .venv from uv.lock with a Python 3.13 interpreter (the Lambda runtime's version).
# Looks for 3.13 on PATH, then in pyenv, then through uv; fails clearly when there is none.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"

find_python() {
    local candidate
    for candidate in python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then
            command -v "$candidate"; return 0
        fi
    done
    if command -v pyenv >/dev/null 2>&1; then
        for candidate in "$(pyenv root)"/versions/3.13*/bin/python3.13; do
            [ -x "$candidate" ] && { echo "$candidate"; return 0; }
        done
    fi
    if command -v uv >/dev/null 2>&1 && candidate=$(uv python find 3.13 2>/dev/null); then
        echo "$candidate"; return 0
    fi
    return 1
}

if ! PYTHON=$(find_python); then
    echo "error: Python 3.13 not found on PATH, in pyenv, or via 'uv python find 3.13'." >&2
    echo "       Install it (e.g. 'pyenv install 3.13' or 'uv python install 3.13') and retry." >&2
    exit 1
fi

if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv with pip"
    "$PYTHON" -m pip install --quiet --user uv || pip install --quiet uv
    export PATH="$HOME/.local/bin:$PATH"
fi

uv sync --frozen --python "$PYTHON" --quiet
echo "environment ready: .venv ($("$PYTHON" -V))"
