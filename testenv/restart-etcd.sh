#!/usr/bin/env bash
# Stops etcd and starts it again with the same flags and data, as a crash
# or an upgrade would: the API server's watches break and resume. Prints
# the seconds until the API server was ready again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${MPIJOB_TESTENV_DIR:-$here/.run}"
pid="$(cat "$run/etcd.pid")"
start=$SECONDS
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
read -r -a args <"$run/etcd.args"
setsid "$here/.bin/etcd" "${args[@]}" >>"$run/logs/etcd.log" 2>&1 &
echo $! >"$run/etcd.pid"
until "$here/.bin/kubectl" --kubeconfig "$run/kubeconfig" --context testenv get --raw=/readyz >/dev/null 2>&1; do
  ((SECONDS - start < 120)) || { echo "the API server did not get ready again" >&2; exit 1; }
  sleep 0.3
done
echo "$((SECONDS - start))"
