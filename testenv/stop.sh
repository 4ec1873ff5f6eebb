#!/usr/bin/env bash
# Stops the control plane start.sh started (TERM, then KILL after 10 s),
# the real node first: its pods, containers, mounts, network and cgroups go
# too (node.sh).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
run="${MPIJOB_TESTENV_DIR:-$here/.run}"
bin="$here/.bin"
quiet=0
[[ "${1:-}" == "--quiet" ]] && quiet=1
# shellcheck source=testenv/ports.sh
source "$here/ports.sh"
# shellcheck source=testenv/node.sh
source "$here/node.sh"
node_stop
# The markers of a running control plane (start.sh writes them last): the
# tests read them, so a stopped one is not taken for a running one.
rm -f "$run/real-node" "$run/env"
pids=()
for f in "$run"/*.pid; do
  [[ -f "$f" ]] || continue
  pid="$(cat "$f")"
  # Each component leads a process group (start.sh uses setsid): end all of it.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  pids+=("$pid")
  rm -f "$f"
done
for _ in $(seq 1 20); do
  alive=0
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  ((alive)) || break
  sleep 0.5
done
for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null; kill -KILL "$pid" 2>/dev/null; done
((quiet)) || echo "testenv: stopped ${#pids[@]} component(s)"
exit 0
