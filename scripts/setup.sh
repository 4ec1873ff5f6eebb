#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine, then
# builds and installs the extension into .venv. Idempotent: a second run only
# redoes what changed. Used by scripts/lab.sh, scripts/test.sh and CI.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

# 1. System packages (Debian): Chromium for the UI tests, Open MPI and MPICH
#    for the local backend, openssl and curl for the test control plane.
APT_PACKAGES=(chromium openmpi-bin libopenmpi-dev mpich openssl curl)
missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Python: a venv with exactly the tested versions.
if [ ! -x .venv/bin/python ]; then
  log "python venv"
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements-dev.txt constraints.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "pip install -r requirements-dev.txt"
  .venv/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
  echo "$want" >"$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"

# 3. JavaScript: exactly what the lockfiles say.
npm_ci() {
  local dir=$1
  local want
  want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$dir/node_modules/.lock.sha" 2>/dev/null)" != "$want" ]; then
    log "npm ci ($dir)"
    (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$dir/node_modules/.lock.sha"
  fi
}
npm_ci .
npm_ci ui-tests

# 4. Build the library, the prebuilt labextension and the CLI bundle, then
#    install the Python package (which ships both) into the venv.
log "build"
npm run --silent build:prod
log "pip install ."
pip install -q --disable-pip-version-check --no-build-isolation -c constraints.txt .
jupyter labextension list 2>&1 | grep -q 'jupyterlab-mpijob.*enabled.*OK' || {
  jupyter labextension list >&2
  echo "error: the jupyterlab-mpijob labextension is not enabled and OK" >&2
  exit 1
}
