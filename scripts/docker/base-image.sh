#!/usr/bin/env bash
# Makes a Debian 12 base image without a registry, once: debootstrap --variant=minbase from the
# mirror apt already uses, then `podman import` as IMAGE. Kept in podman's storage between runs
# (an existing IMAGE is reused as it is).
#
#   scripts/docker/base-image.sh IMAGE WORKDIR
set -euo pipefail
image=$1
work=$2
if podman image exists "$image"; then
    echo "base-image: $image exists, reused"
    exit 0
fi

# The first Debian mirror in apt's sources (deb822 .sources files, then one-line lists).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources \
    2>/dev/null || true)
if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $3 ~ /^bookworm$/ { print $2; exit }' /etc/apt/sources.list \
        /etc/apt/sources.list.d/*.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "base-image: no Debian mirror found in apt's sources" >&2; exit 1; }

rootfs="$work/rootfs"
rm -rf "$rootfs"
echo "base-image: debootstrap --variant=minbase bookworm from $mirror"
debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log" >&2
    exit 1
}
# What an image does not keep: downloaded packages and package lists (apt-get update fetches
# them again in a build).
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import - "$image" >/dev/null
rm -rf "$rootfs"
echo "base-image: imported $image"
