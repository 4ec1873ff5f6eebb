#!/usr/bin/env bash
# The supervised mpi-operator of start.sh:
#   operator.sh kill               kill -9 it; its supervisor starts it again,
#                                  as a Deployment would
#   operator.sh flags ARGS...      start it again with these flags instead
#                                  (e.g. --kube-api-qps=5 --kube-api-burst=10)
#   operator.sh flags --testenv    the flags start.sh gives it
# Waits until the new one holds its leader lease and prints the seconds that took.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${MPIJOB_TESTENV_DIR:-$here/.run}"
log="$run/logs/mpi-operator.log"
supervisor="$(cat "$run/mpi-operator.pid")"
case "${1:-}" in
  kill) ;;
  flags)
    shift
    if [[ "${1:-}" == --testenv ]]; then
      set -- --threadiness=4 --kube-api-qps=50 --kube-api-burst=100 --controller-queue-rate-limit=10 --controller-queue-burst=100
    fi
    echo "$*" >"$run/mpi-operator.args"
    ;;
  *)
    echo "usage: operator.sh kill | flags ARGS... | flags --testenv" >&2
    exit 2
    ;;
esac
start=$SECONDS
leases_before="$(grep -ci "successfully acquired lease" "$log" || true)"
operator="$(pgrep -P "$supervisor" -x mpi-operator || true)"
[[ -n "$operator" ]] && kill -KILL "$operator"
until (( $(grep -ci "successfully acquired lease" "$log" || true) > leases_before )); do
  ((SECONDS - start < 120)) || { echo "the mpi-operator did not take its lease again" >&2; exit 1; }
  sleep 0.2
done
echo "$((SECONDS - start))"
