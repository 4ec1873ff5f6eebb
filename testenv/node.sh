# The real node of testenv: kubelet + containerd (Debian's 1.6, runc) + a CNI
# bridge + CoreDNS for cluster DNS, beside kwok's simulated GPU nodes, so pods
# really run (images, ssh between pods, mpirun across pods).
# Sourced by start.sh (node_start, after the control plane is up) and stop.sh
# (node_stop). Everything lives under $run/node, on its own bridge, subnet,
# cgroup subtree, ports and sockets (ports.sh); node_stop removes it all:
# pods (through the CRI), processes, mounts, network namespaces, the bridge,
# CNI state, cgroups. Nothing is ever pulled: the images are imported from
# testenv/.images (images.sh), the sandbox image included.
#
# Only pods meant for it land there: it is labelled and tainted
# mpijob-testenv/real=true. A namespace annotated as realNodeNamespace()
# in testenv.ts does (PodNodeSelector + PodTolerationRestriction):
#   scheduler.alpha.kubernetes.io/node-selector: mpijob-testenv/real=true
#   scheduler.alpha.kubernetes.io/defaultTolerations:
#     '[{"key":"mpijob-testenv/real","operator":"Equal","value":"true","effect":"NoSchedule"}]'

REAL_NODE_NAME="${TESTENV_NODE_NAME:-real-node}"
REAL_NODE_LABEL=mpijob-testenv/real

# node_paths: the variables both halves use; node_stop reads the settings
# node_start ran with, whatever the environment says now.
node_paths() {
  node_dir="$run/node"
  if [[ -f "$node_dir/settings" ]]; then
    # shellcheck source=/dev/null
    source "$node_dir/settings"
  fi
  node_sock="$node_dir/containerd/containerd.sock"
  node_cgroup="mpijob-$TESTENV_NODE_BRIDGE"
  node_net="mpijob-$TESTENV_NODE_BRIDGE"
  if [[ ! "$TESTENV_NODE_SUBNET" =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]]; then
    echo "testenv: TESTENV_NODE_SUBNET must be a /24 like 10.245.0.0/24, not $TESTENV_NODE_SUBNET" >&2
    return 1
  fi
  node_ip="${BASH_REMATCH[1]}.1"
}

# node_missing: prints what the real node needs and this machine lacks.
node_missing() {
  local t
  for t in kubelet coredns cri-reset; do [[ -x "$bin/$t" ]] || echo "$bin/$t (testenv/build.sh)"; done
  for t in pause openmpi4 openmpi5; do [[ -f "$here/.images/$t.tar" ]] || echo "$here/.images/$t.tar (testenv/build.sh)"; done
  command -v ip >/dev/null || echo "ip (testenv/build.sh installs iproute2)"
  for t in containerd ctr runc; do command -v "$t" >/dev/null || echo "$t (testenv/build.sh installs Debian's)"; done
  for t in bridge host-local loopback; do [[ -x "/usr/lib/cni/$t" ]] || echo "/usr/lib/cni/$t (containernetworking-plugins)"; done
}

# cgroup_hierarchies: every mounted cgroup hierarchy (v1 controllers, the
# named systemd one and the v2 mount), where the node's subtree is made.
cgroup_hierarchies() {
  local h
  for h in /sys/fs/cgroup/*/; do [[ -f "$h/cgroup.procs" ]] && echo "${h%/}"; done
}

# Who made each bridge: a file per bridge naming the node folder, on tmpfs
# like the bridge itself, so both go at a reboot. A bridge whose owner is
# gone (a run killed before stop.sh, its checkout since deleted, as on a CI
# machine that is reused) is reclaimed instead of blocking every later run.
node_owners=/run/mpijob-testenv

# node_cgroups_kill / node_cgroups_remove: processes in the node's cgroup
# subtree, then the subtree itself, leaves first (rmdir fails while a
# process is still inside).
node_cgroups_kill() {
  local h
  for h in $(cgroup_hierarchies); do
    [[ -d "$h/$node_cgroup" ]] || continue
    find "$h/$node_cgroup" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null
  done
}
node_cgroups_remove() {
  local h
  for h in $(cgroup_hierarchies); do
    [[ -d "$h/$node_cgroup" ]] || continue
    for _ in $(seq 1 20); do
      find "$h/$node_cgroup" -depth -type d -exec rmdir {} + 2>/dev/null
      [[ -d "$h/$node_cgroup" ]] || break
      sleep 0.5
    done
  done
}

# node_bridge_in_use: true when the bridge's owner still runs (its
# containerd is alive); prints the owner's folder.
node_bridge_in_use() {
  local owner pid
  owner="$(cat "$node_owners/$TESTENV_NODE_BRIDGE" 2>/dev/null)" || owner=""
  echo "${owner:-unknown}"
  [[ -n "$owner" && -f "$owner/../containerd.pid" ]] || return 1
  pid="$(cat "$owner/../containerd.pid")"
  kill -0 "$pid" 2>/dev/null
}

node_start() {
  node_paths
  local missing
  missing="$(node_missing)"
  [[ -z "$missing" ]] || die "the real node needs: $missing"
  # Before anything is made: node_stop removes what $node_dir names, and
  # this bridge (and the cgroups named after it) would be someone else's.
  if ip link show "$TESTENV_NODE_BRIDGE" >/dev/null 2>&1; then
    local owner
    if owner="$(node_bridge_in_use)"; then
      die "the network interface $TESTENV_NODE_BRIDGE belongs to the running testenv at $owner (stop it with its stop.sh, or give this one TESTENV_NODE_BRIDGE and TESTENV_NODE_SUBNET of its own)"
    fi
    log "real node: reclaiming $TESTENV_NODE_BRIDGE and its cgroups, left by a testenv that no longer runs ($owner)"
    node_cgroups_kill
    node_cgroups_remove
    ip link del "$TESTENV_NODE_BRIDGE" || die "could not remove the stale network interface $TESTENV_NODE_BRIDGE"
  fi
  mkdir -p "$node_owners"
  echo "$node_dir" >"$node_owners/$TESTENV_NODE_BRIDGE"
  local started_node=$SECONDS
  mkdir -p "$node_dir"/{containerd,cni/net.d,cni/ipam,kubelet/pki,pod-logs,volume-plugins}
  printf 'TESTENV_NODE_BRIDGE=%q\nTESTENV_NODE_SUBNET=%q\n' "$TESTENV_NODE_BRIDGE" "$TESTENV_NODE_SUBNET" >"$node_dir/settings"

  # Host network: the bridge holds the node's address, which is also where
  # CoreDNS listens; pods get the rest of the /24 and no default route (they
  # need nothing outside it), so nothing is NATed or forwarded.
  ip link add "$TESTENV_NODE_BRIDGE" type bridge
  ip addr add "$node_ip/24" dev "$TESTENV_NODE_BRIDGE"
  ip link set "$TESTENV_NODE_BRIDGE" up
  cat >"$node_dir/cni/net.d/10-$node_net.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$node_net",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$TESTENV_NODE_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$TESTENV_NODE_SUBNET", "gateway": "$node_ip"}]],
        "dataDir": "$node_dir/cni/ipam"
      }
    }
  ]
}
EOF

  # kubelet's cgroup root must exist in every hierarchy (cgroup v1: runc's
  # cgroupfs driver works here, systemd does not run).
  local h
  for h in $(cgroup_hierarchies); do mkdir -p "$h/$node_cgroup"; done

  # containerd: own root, state, socket; the CRI never pulls (the sandbox
  # image is local) and asks for no negative OOM score (this VM drops
  # CAP_SYS_RESOURCE, so runc could not set one).
  cat >"$node_dir/containerd/config.toml" <<EOF
version = 2
root = "$node_dir/containerd/root"
state = "$node_dir/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$node_sock"

[plugins."io.containerd.internal.v1.opt"]
  path = "$node_dir/containerd/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "mpijob.test/pause:testenv"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$node_dir/containerd/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$node_dir/cni/net.d"
    max_conf_num = 1
EOF
  start containerd containerd --config "$node_dir/containerd/config.toml"
  ctr_() { ctr --address "$node_sock" --namespace k8s.io "$@"; }
  wait_for 60 containerd ctr_ version
  local t
  for t in pause openmpi4 openmpi5; do
    ctr_ images import "$here/.images/$t.tar" >/dev/null ||
      die "importing $here/.images/$t.tar into containerd failed"
  done
  log "real node: containerd up, images imported after $((SECONDS - started_node)) s"

  # Cluster DNS: the Services and headless pod names (mpi-operator's hostfile
  # names <pod>.<job>.<namespace>.svc) of this cluster, nothing else.
  cat >"$node_dir/Corefile" <<EOF
cluster.local:53 {
    bind $node_ip
    errors
    log . {
        class denial error
    }
    kubernetes cluster.local {
        kubeconfig $kubeconfig testenv
    }
    ready 127.0.0.1:$TESTENV_DNS_READY_PORT
}
EOF
  start coredns "$bin/coredns" -conf "$node_dir/Corefile"

  # kubelet: authenticates as system:node:<name> (Node authorizer +
  # NodeRestriction), accepts the API server's client certificate, and checks
  # other callers with the API server (webhook).
  cat >"$node_dir/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: kubelet
  user:
    token: $node_token
contexts:
- name: kubelet
  context: {cluster: testenv, user: kubelet}
current-context: kubelet
EOF
  chmod 600 "$node_dir/kubelet.kubeconfig"
  cat >"$node_dir/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This VM mounts cgroup v1 controllers only (the v2 mount has none).
failCgroupV1: false
# containerd 1.6 has no RuntimeConfig RPC to say which driver it uses.
cgroupDriver: cgroupfs
cgroupRoot: /$node_cgroup
containerRuntimeEndpoint: unix://$node_sock
address: $node_ip
port: $TESTENV_KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $TESTENV_KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $pki/ca.crt}
authorization:
  mode: Webhook
clusterDomain: cluster.local
clusterDNS: [$node_ip]
# Pods resolve cluster names only; the host's resolver is not theirs.
resolvConf: ""
podLogsDir: $node_dir/pod-logs
volumePluginDir: $node_dir/volume-plugins
# No iptables chains: nothing here needs them, and none are left behind.
makeIPTablesUtilChains: false
failSwapOn: false
# The images cannot be pulled again: never collect them; and the disk is
# shared with other work, so do not evict for it.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
registerWithTaints:
- {key: $REAL_NODE_LABEL, value: "true", effect: NoSchedule}
EOF
  start kubelet "$bin/kubelet" --config="$node_dir/kubelet.yaml" \
    --kubeconfig="$node_dir/kubelet.kubeconfig" --root-dir="$node_dir/kubelet" \
    --cert-dir="$node_dir/kubelet/pki" --hostname-override="$REAL_NODE_NAME" \
    --node-ip="$node_ip" --node-labels="$REAL_NODE_LABEL=true" --v=1

  dns_ready() { curl -fsS "http://127.0.0.1:$TESTENV_DNS_READY_PORT/ready"; }
  wait_for 60 "CoreDNS" dns_ready
  node_is_ready() { [[ "$(kubectl_ get node "$REAL_NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')" == True ]]; }
  wait_for 120 "the real node $REAL_NODE_NAME" node_is_ready
  log "real node $REAL_NODE_NAME ready after $((SECONDS - started_node)) s (pods on $TESTENV_NODE_SUBNET, DNS $node_ip)"
}

# node_stop: removes everything node_start made, also after a crash. Never
# fails (start.sh runs it under set -e).
node_stop() {
  node_paths || return 0
  # Without its folder there is nothing of ours to stop (a bridge of the same
  # name would be another testenv's).
  [[ -d "$node_dir" ]] || return 0
  stop_group() { # stop_group NAME: TERM its process group, KILL after 10 s
    local f="$run/$1.pid" pid
    [[ -f "$f" ]] || return 0
    pid="$(cat "$f")"
    kill -TERM -- "-$pid" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$pid" 2>/dev/null
    rm -f "$f"
  }
  # The kubelet first, or it would start the pods again.
  stop_group kubelet
  # Pods through the CRI: containers, network (CNI DEL), mounts and shims go.
  if [[ -S "$node_sock" ]] && [[ -x "$bin/cri-reset" ]]; then
    "$bin/cri-reset" -endpoint "$node_sock" -timeout 90s >/dev/null ||
      echo "testenv: cri-reset failed; removing the real node's pods by hand" >&2
  fi
  stop_group coredns
  stop_group containerd
  # What a crash may have left: shims of this containerd (found by its socket,
  # nothing else's) and processes in this node's cgroups.
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF -- "-address $node_sock "; then
      kill -KILL "${p#/proc/}" 2>/dev/null
    fi
  done
  node_cgroups_kill
  # Mounts (rootfs overlays, /dev/shm, volumes, network namespaces), deepest first.
  local m
  while read -r m; do umount -l "$m" 2>/dev/null; done < <(
    awk -v dir="$node_dir/" 'index($5, dir) == 1 { print $5 }' /proc/self/mountinfo | sort -r
  )
  node_cgroups_remove
  ip link del "$TESTENV_NODE_BRIDGE" 2>/dev/null
  rm -f "$node_owners/$TESTENV_NODE_BRIDGE"
  # A killed shim leaves its socket in /run/containerd/s, named by the hash
  # of containerd's socket, namespace and shim (= sandbox) id; libcni's cache
  # at its fixed path keeps each pod's results, for our network and for the
  # loopback containerd adds. Both are gone unless something crashed.
  local id
  for id in $(ls "$node_dir/containerd/state/io.containerd.runtime.v2.task/k8s.io" 2>/dev/null); do
    rm -f "/run/containerd/s/$(printf '%s' "$node_sock/k8s.io/$id" | sha256sum | cut -d' ' -f1)" \
      "/var/lib/cni/results/cni-loopback-$id-lo"
  done
  rm -f /var/lib/cni/results/"$node_net"-*
  rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null
  # So do the kubelet's links to container logs.
  local link
  for link in /var/log/containers/*.log; do
    [[ -L "$link" && "$(readlink "$link")" == "$node_dir"/* ]] && rm -f "$link"
  done
  rmdir /var/log/containers 2>/dev/null
  # The kubelet's device-plugin socket has a fixed path too (so one kubelet
  # per machine).
  rm -f /var/lib/kubelet/device-plugins/kubelet.sock
  rmdir /var/lib/kubelet/device-plugins /var/lib/kubelet 2>/dev/null
  # The folder containerd 1.6 always puts shim sockets in, when empty.
  rmdir /run/containerd/s /run/containerd 2>/dev/null
  # Images and container layers are big; logs stay for a post-mortem.
  rm -rf --one-file-system "$node_dir/containerd" "$node_dir/kubelet" "$node_dir/cni"
  return 0
}
