#!/usr/bin/env sh
# Builds the local busybox image the Docker tests run (no image registry is reachable):
# a root folder with busybox-static and the applets the tests use, imported as
# localhost/busybox:latest. Idempotent.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF="$here/podman/containers.conf"
if podman image exists localhost/busybox:latest 2>/dev/null; then
  exit 0
fi
bb=$(command -v busybox || true)
[ -n "$bb" ] || { echo "podman-image: busybox (Debian busybox-static) is missing" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/rootfs/bin"
cp "$bb" "$dir/rootfs/bin/busybox"
for applet in sh sleep yes cat dd; do ln -s busybox "$dir/rootfs/bin/$applet"; done
tar -C "$dir/rootfs" -cf "$dir/rootfs.tar" .
podman import "$dir/rootfs.tar" localhost/busybox:latest >/dev/null
echo "podman-image: imported localhost/busybox:latest"
