#!/usr/bin/env bash
# Stops a control-plane component and starts it again with the same flags
# (and etcd's data), as a crash or an upgrade would: the watches through
# the API server break and must resume. Prints the seconds until the API
# server was ready again.
# Usage: restart.sh etcd|kube-apiserver
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${MPIJOB_TESTENV_DIR:-$here/.run}"
component="${1:-}"
case "$component" in
  etcd) args_file="$run/etcd.args" ;;
  kube-apiserver) args_file="$run/apiserver.args" ;;
  *) echo "usage: $0 etcd|kube-apiserver" >&2; exit 2 ;;
esac
pid="$(cat "$run/$component.pid")"
start=$SECONDS
kill -TERM "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
read -r -a args <"$args_file"
setsid "$here/.bin/$component" "${args[@]}" >>"$run/logs/$component.log" 2>&1 &
echo $! >"$run/$component.pid"
until "$here/.bin/kubectl" --kubeconfig "$run/kubeconfig" --context testenv get --raw=/readyz >/dev/null 2>&1; do
  ((SECONDS - start < 120)) || { echo "the API server did not get ready again after restarting $component" >&2; exit 1; }
  sleep 0.3
done
echo "$((SECONDS - start))"
