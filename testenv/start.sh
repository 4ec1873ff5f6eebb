#!/usr/bin/env bash
# Starts a real Kubernetes control plane on loopback for the end-to-end tests:
#   etcd -> kube-apiserver (TLS, token auth, RBAC) -> kube-controller-manager,
#   kube-scheduler, mpi-operator v2 (the real MPIJob controller) and kwok
#   (fake nodes advertising nvidia.com/gpu; its upstream pod stages run,
#   complete and fail pods, and its kubelet server serves their logs), and
#   one real node (node.sh: kubelet, containerd, CNI bridge, CoreDNS) where
#   pods really run; TESTENV_REAL_NODE=0 leaves it out.
# State lives in $MPIJOB_TESTENV_DIR (default testenv/.run): kubeconfig,
# certificates, logs of every component and their pids. `stop.sh` ends it.
#
# Three users, all with tokens: `admin` (system:masters), `alice`, who has
# no rights until a test grants them (RBAC tests), and `bench`
# (system:masters), whose requests alone the API server's audit log records
# (logs/audit.log), so a benchmark counts what a job service running as
# `bench` asked for. kubeconfig contexts: `testenv` (admin), `testenv-alice`
# and `testenv-bench`.
#
# TESTENV_KWOK_PARALLELISM sets kwok's pod and node stage workers (default
# 8 and 4; the scale benchmark raises it). TESTENV_CONTROLLERS_QPS sets
# kube-controller-manager's client rate (upstream's default 20 a second,
# burst 30, is what bounds how fast its garbage collector removes a deleted
# job's pods; burst is twice the rate). The mpi-operator's flags are read
# from mpi-operator.args each time it (re)starts: operator.sh changes them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
run="${MPIJOB_TESTENV_DIR:-$here/.run}"
# shellcheck source=testenv/ports.sh
source "$here/ports.sh"
# shellcheck source=testenv/node.sh
source "$here/node.sh"

started=$SECONDS
"$here/stop.sh" --quiet || true
# --one-file-system: never into a mount a crashed real node may have left.
rm -rf --one-file-system "$run"
mkdir -p "$run/pki" "$run/logs" "$run/etcd"
chmod 700 "$run"

log() { echo "testenv: $*"; }
die() {
  echo "testenv: $*" >&2
  for f in "$run"/logs/*.log; do
    [[ -f "$f" ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
  exit 1
}

# --- certificates and tokens -------------------------------------------------
pki="$run/pki"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mpijob-testenv-ca" \
  -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
  -keyout "$pki/serving.key" -out "$pki/serving.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >"$pki/serving.ext"
openssl x509 -req -in "$pki/serving.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
  -days 2 -extfile "$pki/serving.ext" -out "$pki/serving.crt" 2>/dev/null
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
# The API server's client certificate towards kubelets (the real node's checks it).
openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=kube-apiserver-kubelet-client" \
  -keyout "$pki/kubelet-client.key" -out "$pki/kubelet-client.csr" 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$pki/kubelet-client.ext"
openssl x509 -req -in "$pki/kubelet-client.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
  -days 2 -extfile "$pki/kubelet-client.ext" -out "$pki/kubelet-client.crt" 2>/dev/null
admin_token="$(openssl rand -hex 24)"
alice_token="$(openssl rand -hex 24)"
bench_token="$(openssl rand -hex 24)"
node_token="$(openssl rand -hex 24)"
printf '%s,admin,uid-admin,"system:masters"\n%s,alice,uid-alice,"mpijob-testenv:tenants"\n%s,system:node:%s,uid-node,"system:nodes"\n%s,bench,uid-bench,"system:masters"\n' \
  "$admin_token" "$alice_token" "$node_token" "$REAL_NODE_NAME" "$bench_token" >"$pki/tokens.csv"
chmod 600 "$pki"/*

server="https://127.0.0.1:$TESTENV_APISERVER_PORT"
kubeconfig="$run/kubeconfig"
cat >"$kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 "$pki/ca.crt")
users:
- name: admin
  user:
    token: $admin_token
- name: alice
  user:
    token: $alice_token
- name: bench
  user:
    token: $bench_token
contexts:
- name: testenv
  context: {cluster: testenv, user: admin, namespace: default}
- name: testenv-alice
  context: {cluster: testenv, user: alice, namespace: team-a}
- name: testenv-bench
  context: {cluster: testenv, user: bench, namespace: default}
current-context: testenv
EOF
chmod 600 "$kubeconfig"
export KUBECONFIG="$kubeconfig"

# start NAME ARGS... : runs a component in the background in a process group
# of its own (stop.sh ends the group), logging to logs/NAME.log
start() {
  local name="$1"
  shift
  setsid "$@" >"$run/logs/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
}

# supervise NAME ARGS... : like start, but restarted when it exits, as its
# Deployment would restart it (the mpi-operator exits when it loses its
# leader lease, e.g. while the API server restarts).
supervise() {
  local name="$1"
  shift
  start "$name" bash -c 'while :; do "$@"; echo "testenv: exited with $?, restarting" >&2; sleep 1; done' supervise "$@"
}

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local limit="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what not ready after ${limit}s"
    sleep 0.5
  done
}

# --- etcd ----------------------------------------------------------------------
etcd_args=(
  --name testenv --data-dir "$run/etcd"
  --listen-client-urls "http://127.0.0.1:$TESTENV_ETCD_PORT"
  --advertise-client-urls "http://127.0.0.1:$TESTENV_ETCD_PORT"
  --listen-peer-urls "http://127.0.0.1:$TESTENV_ETCD_PEER_PORT"
  --initial-advertise-peer-urls "http://127.0.0.1:$TESTENV_ETCD_PEER_PORT"
  --initial-cluster "testenv=http://127.0.0.1:$TESTENV_ETCD_PEER_PORT"
  --unsafe-no-fsync --quota-backend-bytes 1073741824 --log-level warn
)
# restart.sh starts it again with the same flags.
echo "${etcd_args[*]}" >"$run/etcd.args"
start etcd "$bin/etcd" "${etcd_args[@]}"
wait_for 60 etcd curl -fsS "http://127.0.0.1:$TESTENV_ETCD_PORT/health"
log "etcd up after $((SECONDS - started)) s"

# --- kube-apiserver ------------------------------------------------------------
# The audit log records the `bench` user's requests only (metadata, no
# bodies): the truth of what a benchmarked job service asked for.
cat >"$run/audit-policy.yaml" <<'EOF'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  users: [bench]
- level: None
EOF
apiserver_args=(
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1
  --secure-port="$TESTENV_APISERVER_PORT"
  --etcd-servers="http://127.0.0.1:$TESTENV_ETCD_PORT"
  --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key"
  --client-ca-file="$pki/ca.crt"
  --token-auth-file="$pki/tokens.csv"
  --authorization-mode=Node,RBAC
  # NodeRestriction: the real node's kubelet changes only its own objects.
  # PodNodeSelector, PodTolerationRestriction: a namespace's annotations give
  # its pods the real node's nodeSelector and toleration (node.sh).
  --enable-admission-plugins=NodeRestriction,PodNodeSelector,PodTolerationRestriction
  --kubelet-client-certificate="$pki/kubelet-client.crt" --kubelet-client-key="$pki/kubelet-client.key"
  --service-account-issuer=https://kubernetes.default.svc
  --service-account-key-file="$pki/sa.pub"
  --service-account-signing-key-file="$pki/sa.key"
  --service-cluster-ip-range=10.96.0.0/16
  --allow-privileged=true
  --enable-priority-and-fairness=false
  --kubelet-preferred-address-types=InternalIP
  --profiling=false
  --audit-policy-file="$run/audit-policy.yaml"
  --audit-log-path="$run/logs/audit.log" --audit-log-format=json
)
echo "${apiserver_args[*]}" >"$run/apiserver.args"
start kube-apiserver "$bin/kube-apiserver" "${apiserver_args[@]}"
kubectl_() { "$bin/kubectl" --kubeconfig "$kubeconfig" --context testenv "$@"; }
wait_for 120 kube-apiserver kubectl_ get --raw=/readyz
log "kube-apiserver up after $((SECONDS - started)) s"

# --- controllers -----------------------------------------------------------------
start kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig="$kubeconfig" --leader-elect=false --secure-port=0 \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --use-service-account-credentials=false --concurrent-gc-syncs=5 \
  ${TESTENV_CONTROLLERS_QPS:+--kube-api-qps="$TESTENV_CONTROLLERS_QPS" --kube-api-burst="$((TESTENV_CONTROLLERS_QPS * 2))"} \
  --controllers='*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route'
start kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig="$kubeconfig" --leader-elect=false \
  --authentication-kubeconfig="$kubeconfig" --authorization-kubeconfig="$kubeconfig" \
  --secure-port="$TESTENV_SCHEDULER_PORT" --bind-address=127.0.0.1

# The real CRD, from the mpi-operator module the operator was built from.
operator_dir="$(cd "$here/go" && go mod download -json github.com/kubeflow/mpi-operator | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -f "$operator_dir/manifests/base/kubeflow.org_mpijobs.yaml" ]] || die "the mpi-operator module has no CRD at $operator_dir (run testenv/build.sh)"
kubectl_ apply --server-side -f "$operator_dir/manifests/base/kubeflow.org_mpijobs.yaml" >/dev/null
crd_established() { [[ "$(kubectl_ get crd mpijobs.kubeflow.org -o jsonpath='{.status.conditions[?(@.type=="Established")].status}')" == True ]]; }
wait_for 60 "the MPIJob CRD" crd_established
kubectl_ create namespace mpi-operator >/dev/null
# Its client's rate limit (upstream: 5/10), work queue rate (upstream: 10/100) and workers, read at
# every (re)start: operator.sh rewrites the file and restarts it.
echo "--threadiness=4 --kube-api-qps=50 --kube-api-burst=100 --controller-queue-rate-limit=10 --controller-queue-burst=100" >"$run/mpi-operator.args"
start mpi-operator bash -c 'while :; do read -r -a flags <"$0"; "$@" "${flags[@]}"; echo "testenv: exited with $?, restarting" >&2; sleep 1; done' \
  "$run/mpi-operator.args" "$bin/mpi-operator" --kubeConfig="$kubeconfig" --lock-namespace=mpi-operator

# --- kwok: fake nodes, pod lifecycle stages and logs ---------------------------
stages="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v0.8.0/kustomize/stage"
[[ -d "$stages" ]] || die "kwok stages not found at $stages (run testenv/build.sh)"
{
  cat <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  manageAllNodes: false
  manageNodesWithAnnotationSelector: kwok.x-k8s.io/node=fake
  podPlayStageParallelism: ${TESTENV_KWOK_PARALLELISM:-8}
  nodePlayStageParallelism: ${TESTENV_KWOK_PARALLELISM:-4}
  nodeLeaseParallelism: 4
  podsOnNodeSyncParallelism: 2
  enableDebuggingHandlers: true
  nodeLeaseDurationSeconds: 40
  cidr: 10.0.0.0/16
EOF
  # Upstream's stages: nodes come up and keep a lease; pods are created,
  # become ready, Job pods complete, deletions finish; the chaos stage fails a
  # container when a pod carries its label.
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
    pod/general/pod-create.yaml pod/general/pod-init-container-running.yaml \
    pod/general/pod-init-container-completed.yaml pod/general/pod-ready.yaml \
    pod/general/pod-delete.yaml pod/chaos/pod-container-running-failed.yaml; do
    echo "---"
    cat "$stages/$f"
  done
  # A launcher (mpirun) runs a while after its workers are up: Job pods
  # complete 8-10 s after they are ready (upstream: 1-5 s), so the operator
  # sees launcher and workers running together, as on a real cluster. (kwok's
  # jitter is the upper bound of the delay, not an addition to it.) Pods
  # labelled mpijob-testenv/keep-running run until deleted: the scale
  # benchmark keeps every job Running at once.
  echo "---"
  sed -e '0,/durationMilliseconds: 1000/s//durationMilliseconds: 8000/' \
    -e 's/jitterDurationMilliseconds: 5000/jitterDurationMilliseconds: 10000/' \
    -e "s|^    matchExpressions:\$|    matchExpressions:\n    - key: '.metadata.labels[\"mpijob-testenv/keep-running\"]'\n      operator: 'DoesNotExist'|" \
    "$stages/pod/general/pod-complete.yaml"
  # Every container "prints" this file (CRI log format), as a kubelet would serve it.
  cat <<EOF
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: testenv-logs
spec:
  logs:
  - logsFile: $here/fixtures/container.log
    follow: false
EOF
} >"$run/kwok.yaml"
supervise kwok "$bin/kwok" --kubeconfig="$kubeconfig" --config="$run/kwok.yaml" \
  --server-address="127.0.0.1:$TESTENV_KWOK_PORT" \
  --tls-cert-file="$pki/serving.crt" --tls-private-key-file="$pki/serving.key" \
  --node-ip=127.0.0.1 --node-port="$TESTENV_KWOK_PORT"

for i in 0 1 2 3; do
  cat <<EOF
apiVersion: v1
kind: Node
metadata:
  name: gpu-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: gpu-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    nvidia.com/gpu.present: "true"
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", nvidia.com/gpu: "8"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", nvidia.com/gpu: "8"}
---
EOF
done | kubectl_ apply -f - >/dev/null
for ns in team-a team-b; do kubectl_ create namespace "$ns" >/dev/null; done

node_ready() { [[ "$(kubectl_ get nodes -o jsonpath='{.items[*].status.conditions[?(@.type=="Ready")].status}')" == "True True True True" ]]; }
wait_for 60 "kwok nodes" node_ready
default_sa() { kubectl_ -n team-a get serviceaccount default && kubectl_ -n default get serviceaccount default; }
wait_for 60 "default service accounts" default_sa
operator_ready() { grep -qi "successfully acquired lease" "$run/logs/mpi-operator.log"; }
wait_for 60 "mpi-operator leader election" operator_ready

# --- the real node ------------------------------------------------------------
# A failure leaves the control plane up for the kwok tests; the real-pod tests
# then fail, naming what is missing.
if [[ "${TESTENV_REAL_NODE:-1}" != 0 ]]; then
  # Its output is kept: the real-pod tests quote it when the node is missing.
  if (node_start) >"$run/logs/real-node-start.log" 2>&1; then
    cat "$run/logs/real-node-start.log"
    echo "$REAL_NODE_NAME" >"$run/real-node"
  else
    cat "$run/logs/real-node-start.log"
    log "the real node did not start (see above); tests that need real pods will fail"
    node_stop || true
  fi
fi

cat >"$run/env" <<EOF
KUBECONFIG=$kubeconfig
MPIJOB_TESTENV_DIR=$run
MPIJOB_TESTENV_SERVER=$server
EOF
log "control plane ready in $((SECONDS - started)) s (kubeconfig: $kubeconfig)"
echo "$((SECONDS - started))" >"$run/start-seconds"
