#!/usr/bin/env bash
# Sets everything up, runs every test suite (lint, mypy, jest, pytest, Galata UI
# tests) and ends with one line "N passed, N failed" over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export PATH="$PWD/.venv/bin:$PATH"
out=.ci/out
rm -rf "$out" && mkdir -p "$out"

printf '\n== lint\n'
npm run --silent lint:check >"$out/lint.log" 2>&1
echo $? >"$out/lint.rc"
tail -n 20 "$out/lint.log"

printf '\n== mypy --strict (Python SDK)\n'
mypy >"$out/mypy.log" 2>&1
echo $? >"$out/mypy.rc"
tail -n 20 "$out/mypy.log"

printf '\n== Kubernetes control plane (testenv: etcd, kube-apiserver, controller-manager, scheduler, mpi-operator, kwok, a real kubelet + containerd node)\n'
# Built from Go modules and Debian packages once per machine (about 20 min on
# 2 cores), cached after.
export MPIJOB_TESTENV_DIR="$PWD/testenv/.run"
export MPIJOB_TESTENV_REQUIRED=1
trap 'bash testenv/stop.sh' EXIT
if bash testenv/build.sh >"$out/testenv-build.log" 2>&1; then
  tail -n 3 "$out/testenv-build.log"
  bash testenv/start.sh 2>&1 | tail -n 20
else
  tail -n 30 "$out/testenv-build.log"
  echo "testenv build failed: the Kubernetes end-to-end tests will fail"
fi

printf '\n== jest (src/core, src/node)\n'
npx jest --ci --json --outputFile="$out/jest.json" 2>&1 | tail -n 40

printf '\n== pytest (Python package)\n'
pytest -q --junitxml="$out/pytest.xml" jupyterlab_mpijob/tests 2>&1 | tail -n 20

printf '\n== ui-tests (Galata, Chromium, real jupyter lab)\n'
(cd ui-tests && CI=true npx playwright test 2>&1 | tail -n 40)
cp ui-tests/test-results/results.json "$out/playwright.json" 2>/dev/null

printf '\n== ui-tests on the Kubernetes backend (Galata against the testenv control plane)\n'
# Needs the control plane started above; without it the configuration
# refuses to run, and the summary counts the suite as failed.
started=$SECONDS
rm -f ui-tests/test-results/kubernetes.json
(cd ui-tests && CI=true npx playwright test -c playwright.kubernetes.config.js 2>&1 | tail -n 40)
echo "ui-tests on Kubernetes took $((SECONDS - started)) s"
cp ui-tests/test-results/kubernetes.json "$out/playwright-kubernetes.json" 2>/dev/null

node scripts/summarize-tests.mjs "$out"
