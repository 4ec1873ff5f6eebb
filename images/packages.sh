#!/bin/sh
# Prints the Debian packages of one runtime image (packages.txt), separated by
# SEP (default: a space).  Usage: packages.sh IMAGE [SEP]
set -eu
image="$1"
sep="${2:- }"
list="$(dirname "$0")/packages.txt"
packages="$(awk -v image="$image" '
  /^[ \t]*(#|$)/ { next }
  { for (i = 2; i <= NF; i++) if ($i == image) { print $1; next } }
' "$list")"
if [ -z "$packages" ]; then
  echo "packages.sh: no image \"$image\" in $list" >&2
  exit 1
fi
printf '%s\n' "$packages" | paste -sd "$sep"
