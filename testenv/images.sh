#!/usr/bin/env bash
# Builds the container images the real node of testenv runs, with no registry
# and no docker daemon: each is an OCI image layout (one uncompressed layer)
# packed in a tar that `ctr images import` reads (start.sh imports them).
#   mpijob.test/runtime:openmpi4  Open MPI 4.1 (images/openmpi4.Dockerfile)
#   mpijob.test/runtime:openmpi5  Open MPI 5   (images/openmpi5.Dockerfile)
#   mpijob.test/pause:testenv     the pod sandbox image (.bin/pause)
# The runtime images are what images/*.Dockerfile build, made with
# debootstrap from the same images/packages.txt and images/setup.sh; the
# Debian suite is the one the Dockerfile's FROM names. Each image is rebuilt
# only when its inputs change (a stamp beside its tar). `.test` never
# resolves, so a missing image fails instead of being pulled from anywhere.
# Usage: images.sh [IMAGE...]   (default: all; prints where they are)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
out="$here/.images"
mirror="${TESTENV_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
runtime_images=(openmpi4 openmpi5)
mkdir -p "$out"
# Work directories never outlive a run (--one-file-system: never follow a
# mount debootstrap may have left in a root).
cleanup() { rm -rf --one-file-system "$out"/.rootfs-* "$out"/.layout.*; }
cleanup
trap cleanup EXIT

log() { echo "testenv images: $*"; }

# oci_pack ROOTFS TAR REF CONFIG_JSON: packs the directory ROOTFS as the only
# layer of image REF (config: the OCI "config" object) into TAR.
oci_pack() {
  local rootfs="$1" tar="$2" ref="$3" config="$4"
  local layout
  layout="$(mktemp -d "$out/.layout.XXXXXX")"
  mkdir -p "$layout/blobs/sha256"
  # Device nodes, /proc and /sys come from the runtime, not the image.
  tar --numeric-owner --xattrs --xattrs-include='security.capability' -C "$rootfs" \
    --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -cf "$layout/layer.tar" .
  local layer_digest layer_size
  layer_digest="$(sha256sum "$layout/layer.tar" | cut -d' ' -f1)"
  layer_size="$(stat -c %s "$layout/layer.tar")"
  mv "$layout/layer.tar" "$layout/blobs/sha256/$layer_digest"
  put_blob() { # put_blob JSON: stores a blob, prints "digest size"
    local digest
    digest="$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"
    printf '%s' "$1" >"$layout/blobs/sha256/$digest"
    echo "$digest ${#1}"
  }
  local image_config manifest cfg man
  image_config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":$config,\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$layer_digest\"]}}"
  read -r -a cfg <<<"$(put_blob "$image_config")"
  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:${cfg[0]}\",\"size\":${cfg[1]}},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$layer_digest\",\"size\":$layer_size}]}"
  read -r -a man <<<"$(put_blob "$manifest")"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "${man[0]}" "${man[1]}" "$ref" "${ref##*:}" >"$layout/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  tar -C "$layout" -cf "$tar.tmp" oci-layout index.json blobs
  mv "$tar.tmp" "$tar"
  rm -rf "$layout"
}

# fresh NAME STAMP: true when NAME's tar exists and was built from STAMP.
fresh() { [[ -f "$out/$1.tar" && "$(cat "$out/$1.stamp" 2>/dev/null)" == "$2" ]]; }

build_runtime() {
  local name="$1"
  local dockerfile="$repo/images/$name.Dockerfile"
  local suite
  suite="$(sed -n 's/^FROM debian:\([a-z]*\).*/\1/p' "$dockerfile" | tail -n 1)"
  [[ -n "$suite" ]] || { echo "images.sh: no 'FROM debian:SUITE' in $dockerfile" >&2; exit 1; }
  local stamp
  stamp="$(cat "$repo/images/packages.txt" "$repo/images/packages.sh" "$repo/images/setup.sh" "$0" \
    | { cat; echo "$suite $mirror"; } | sha256sum | cut -c1-16)"
  if fresh "$name" "$stamp"; then
    log "$name up to date"
    return
  fi
  local start=$SECONDS rootfs
  rootfs="$(mktemp -d "$out/.rootfs-$name.XXXXXX")"
  log "$name: debootstrap $suite with $("$repo/images/packages.sh" "$name")"
  debootstrap --variant=minbase --include="$("$repo/images/packages.sh" "$name" ,)" \
    "$suite" "$rootfs" "$mirror" >"$out/$name.debootstrap.log" 2>&1 || {
    tail -n 30 "$out/$name.debootstrap.log" >&2
    exit 1
  }
  mkdir -p "$rootfs/tmp/mpijob-image"
  cp "$repo/images/packages.txt" "$repo/images/packages.sh" "$repo/images/setup.sh" "$rootfs/tmp/mpijob-image/"
  chroot "$rootfs" sh /tmp/mpijob-image/setup.sh
  # The build machine's name and resolver are no part of the image (the
  # kubelet provides both to every container).
  rm -rf "$rootfs/tmp/mpijob-image" "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf" \
    "$rootfs"/var/log/*.log "$rootfs/var/cache/debconf"/*-old
  oci_pack "$rootfs" "$out/$name.tar" "mpijob.test/runtime:$name" \
    '{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["/bin/bash"],"WorkingDir":"/"}'
  echo "$stamp" >"$out/$name.stamp"
  rm -rf --one-file-system "$rootfs"
  log "$name built in $((SECONDS - start)) s ($(du -m "$out/$name.tar" | cut -f1) MB)"
}

build_pause() {
  local pause="$here/.bin/pause"
  [[ -x "$pause" ]] || { echo "images.sh: $pause missing (run testenv/build.sh)" >&2; exit 1; }
  local stamp
  stamp="$(cat "$pause" "$0" | sha256sum | cut -c1-16)"
  if fresh pause "$stamp"; then
    log "pause up to date"
    return
  fi
  local rootfs
  rootfs="$(mktemp -d "$out/.rootfs-pause.XXXXXX")"
  cp "$pause" "$rootfs/pause"
  oci_pack "$rootfs" "$out/pause.tar" "mpijob.test/pause:testenv" \
    '{"Entrypoint":["/pause"],"WorkingDir":"/","User":"65535:65535"}'
  rm -rf "$rootfs"
  echo "$stamp" >"$out/pause.stamp"
  log "pause built"
}

targets=("$@")
((${#targets[@]})) || targets=(pause "${runtime_images[@]}")
for t in "${targets[@]}"; do
  case "$t" in
    pause) build_pause ;;
    *) build_runtime "$t" ;;
  esac
done
