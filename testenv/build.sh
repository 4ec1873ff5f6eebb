#!/usr/bin/env bash
# Builds the control-plane binaries the Kubernetes end-to-end tests run, from
# their upstream Go modules through the Go module proxy (no binary downloads):
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
#     kubelet (k8s.io/kubernetes v1.35.4, etcd v3.6.5: testenv/go/go.mod)
#   mpi-operator v0.8.0 (the v2beta1 controller, same module graph)
#   pause (the sandbox image's program) and cri-reset (stop.sh's CRI
#     clean-up), small commands of ours in the same module
#   kwok v0.8.0 (its own module graph: it needs client-go v0.36)
#   CoreDNS v1.14.7 with the plugins cluster DNS needs (testenv/coredns)
# then the real node's images (images.sh: debootstrap, no registry), and
# installs the Debian packages the real node runs (containerd, runc, CNI
# plugins) and debootstrap, when missing.
# Binaries land in testenv/.bin; a stamp of their inputs skips the Go build
# when nothing changed, and Go's module and build caches make a rebuild cheap;
# images.sh keeps its own stamps.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.bin"
kwok_version=v0.8.0
tools=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet mpi-operator kwok coredns pause cri-reset)
start=$SECONDS

# The real node's runtime and the image builder (Debian 12 packages).
apt_packages=(containerd runc containernetworking-plugins debootstrap iproute2)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "testenv: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "testenv: packages installed in $((SECONDS - start)) s"
fi

stamp_of() {
  cat "$here"/go/go.mod "$here"/go/go.sum "$here"/go/*/main.go \
    "$here"/coredns/go.mod "$here"/coredns/go.sum "$here"/coredns/main.go "$0" | sha256sum | cut -c1-16
}
stamp="$(stamp_of)"
up_to_date=0
if [[ -f "$bin/.stamp" && "$(cat "$bin/.stamp")" == "$stamp" ]]; then
  up_to_date=1
  for t in "${tools[@]}"; do [[ -x "$bin/$t" ]] || up_to_date=0; done
fi

if ((up_to_date)); then
  echo "testenv: binaries up to date in $bin"
else
  mkdir -p "$bin"
  step=$SECONDS
  echo "testenv: building etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, mpi-operator (Go $(go env GOVERSION))"
  # Stamp the Kubernetes version (a module build has none): clients and
  # controllers read it from /version.
  k8s_version="$(cd "$here/go" && go list -m -f '{{.Version}}' k8s.io/kubernetes)"
  minor="$(echo "$k8s_version" | cut -d. -f2)"
  ldflags="-s -X k8s.io/component-base/version.gitVersion=$k8s_version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  (cd "$here/go" && go build -trimpath -ldflags="$ldflags" -o "$bin/" tool ./etcd ./cri-reset)
  # Static: it is the only file of the sandbox image.
  (cd "$here/go" && CGO_ENABLED=0 go build -trimpath -ldflags=-s -o "$bin/pause" ./pause)
  echo "testenv: Kubernetes binaries built in $((SECONDS - step)) s"
  step=$SECONDS
  echo "testenv: building kwok $kwok_version"
  GOBIN="$bin" GOFLAGS=-trimpath go install -ldflags=-s "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
  echo "testenv: kwok built in $((SECONDS - step)) s"
  step=$SECONDS
  echo "testenv: building CoreDNS $(cd "$here/coredns" && go list -m -f '{{.Version}}' github.com/coredns/coredns)"
  (cd "$here/coredns" && go build -trimpath -ldflags=-s -o "$bin/coredns" .)
  echo "testenv: CoreDNS built in $((SECONDS - step)) s"
  echo "$stamp" >"$bin/.stamp"
fi

step=$SECONDS
"$here/images.sh"
echo "testenv: images ready in $((SECONDS - step)) s"
echo "testenv: built in $((SECONDS - start)) s"
