#!/usr/bin/env bash
# Sets everything up, then starts JupyterLab with the extension, in examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
args=(--notebook-dir=examples)
[ "$(id -u)" = 0 ] && args+=(--allow-root)
exec jupyter lab "${args[@]}" "$@"
