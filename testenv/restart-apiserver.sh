#!/usr/bin/env bash
# Stops kube-apiserver and starts it again with the same flags, as an
# upgrade or a crash would: tests check that watches resume afterwards.
# Prints the seconds it was unavailable.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${MPIJOB_TESTENV_DIR:-$here/.run}"
pid="$(cat "$run/kube-apiserver.pid")"
start=$SECONDS
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
read -r -a args <"$run/apiserver.args"
setsid "$here/.bin/kube-apiserver" "${args[@]}" >>"$run/logs/kube-apiserver.log" 2>&1 &
echo $! >"$run/kube-apiserver.pid"
until "$here/.bin/kubectl" --kubeconfig "$run/kubeconfig" --context testenv get --raw=/readyz >/dev/null 2>&1; do
  ((SECONDS - start < 120)) || { echo "kube-apiserver did not come back" >&2; exit 1; }
  sleep 0.3
done
echo "$((SECONDS - start))"
