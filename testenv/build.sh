#!/usr/bin/env bash
# Builds the control-plane binaries the Kubernetes end-to-end tests run, from
# their upstream Go modules through the Go module proxy (no binary downloads):
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#     (k8s.io/kubernetes v1.35.4, etcd v3.6.5: testenv/go/go.mod)
#   mpi-operator v0.8.0 (the v2beta1 controller, same module graph)
#   kwok v0.8.0 (its own module graph: it needs client-go v0.36)
# Binaries land in testenv/.bin; a stamp of go.mod/go.sum skips the build when
# nothing changed, and Go's module and build caches make a rebuild cheap.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
kwok_version=v0.8.0
tools=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl mpi-operator kwok)

stamp_of() { cat "$here/go/go.mod" "$here/go/go.sum" "$here/go/etcd/main.go" "$0" | sha256sum | cut -c1-16; }
stamp="$(stamp_of)"
if [[ -f "$bin/.stamp" && "$(cat "$bin/.stamp")" == "$stamp" ]]; then
  missing=0
  for t in "${tools[@]}"; do [[ -x "$bin/$t" ]] || missing=1; done
  if [[ $missing == 0 ]]; then
    echo "testenv: binaries up to date in $bin"
    exit 0
  fi
fi

mkdir -p "$bin"
start=$SECONDS
echo "testenv: building etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, mpi-operator (Go $(go env GOVERSION))"
# Stamp the Kubernetes version (a module build has none): clients and
# controllers read it from /version.
k8s_version="$(cd "$here/go" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
minor="$(echo "$k8s_version" | cut -d. -f2)"
ldflags="-s -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
(cd "$here/go" && go build -trimpath -ldflags="$ldflags" -o "$bin/" tool ./etcd)
echo "testenv: building kwok $kwok_version"
GOBIN="$bin" GOFLAGS=-trimpath go install -ldflags=-s "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
echo "$stamp" >"$bin/.stamp"
echo "testenv: built in $((SECONDS - start)) s"
