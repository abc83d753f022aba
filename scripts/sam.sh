#!/usr/bin/env bash
# Runs aws-sam-cli from its own uv tool environment (never the project's), installing the pinned
# version on first use. Usage: scripts/sam.sh validate --lint | scripts/sam.sh build | ...
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}" SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"
SAM_VERSION="${SAM_VERSION:-1.170.0}"

# The 3.13 interpreter bootstrap built .venv from: sam runs on it, and `sam build` needs
# python3.13 first on PATH because that is the functions' runtime (no Docker).
PY313="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
export PATH="$(dirname "$PY313"):$PATH"

SAM="$(uv tool dir --bin)/sam"
if ! "$SAM" --version 2>/dev/null | grep -qF "version $SAM_VERSION"; then
    echo "installing aws-sam-cli $SAM_VERSION as a uv tool" >&2
    uv tool install --quiet --force --python "$PY313" "aws-sam-cli==$SAM_VERSION"
fi
exec "$SAM" "$@"
