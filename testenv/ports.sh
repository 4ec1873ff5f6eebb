# Loopback ports of the test control plane (sourced by start.sh and stop.sh).
TESTENV_ETCD_PORT="${TESTENV_ETCD_PORT:-23790}"
TESTENV_ETCD_PEER_PORT="${TESTENV_ETCD_PEER_PORT:-23800}"
TESTENV_APISERVER_PORT="${TESTENV_APISERVER_PORT:-16443}"
TESTENV_SCHEDULER_PORT="${TESTENV_SCHEDULER_PORT:-16459}"
TESTENV_KWOK_PORT="${TESTENV_KWOK_PORT:-16250}"
# The real node (testenv/node.sh): its kubelet's API (on the node's address)
# and health ports, CoreDNS's readiness port (loopback), and the host network
# pieces it owns: a bridge, its /24 pod subnet (the bridge holds .1, which is
# also the node's address and the cluster DNS server), and a cgroup subtree.
# Two testenvs with a real node on one machine need different values of all.
TESTENV_KUBELET_PORT="${TESTENV_KUBELET_PORT:-16350}"
TESTENV_KUBELET_HEALTHZ_PORT="${TESTENV_KUBELET_HEALTHZ_PORT:-16348}"
TESTENV_DNS_READY_PORT="${TESTENV_DNS_READY_PORT:-16181}"
TESTENV_NODE_BRIDGE="${TESTENV_NODE_BRIDGE:-mpijob-br0}"
TESTENV_NODE_SUBNET="${TESTENV_NODE_SUBNET:-10.245.0.0/24}"
