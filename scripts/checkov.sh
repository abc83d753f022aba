#!/usr/bin/env bash
# Runs checkov over template.yaml (settings and the commented skip list: .checkov.yaml) from its
# own uv tool environment, installing the pinned version on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_PYTHON_DOWNLOADS="${UV_PYTHON_DOWNLOADS:-never}"
CHECKOV_VERSION="${CHECKOV_VERSION:-3.3.30}"
PY313="$(.venv/bin/python -c 'import sys; print(sys._base_executable)')"
CHECKOV="$(uv tool dir --bin)/checkov"
if ! "$CHECKOV" --version 2>/dev/null | grep -qxF "$CHECKOV_VERSION"; then
    echo "installing checkov $CHECKOV_VERSION as a uv tool" >&2
    uv tool install --quiet --force --python "$PY313" "checkov==$CHECKOV_VERSION"
fi
exec "$CHECKOV" --config-file .checkov.yaml "$@"
