#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install the Debian 12 packages cnid's build, demo and tests need.
# Fast no-op when everything is present.  Run as root (or with sudo).
# Usage: tools/install-deps.sh [all|build|vm]
set -eu
what=${1:-all}

build_pkgs="build-essential pkg-config libcmocka-dev libjson-c-dev nettle-dev iso-codes python3
clang libclang-rt-14-dev llvm valgrind libnl-3-dev libnl-genl-3-dev libudev-dev"
vm_pkgs="qemu-system-x86 busybox-static cpio kmod sparse dkms xz-utils zstd rsync file udev
linux-image-amd64 linux-headers-amd64 linux-source-6.1 libusb-1.0-0-dev"

case $what in
build) pkgs=$build_pkgs ;;
vm) pkgs=$vm_pkgs ;;
*) pkgs="$build_pkgs $vm_pkgs" ;;
esac

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done

# The 6.12 kernel (bookworm's backport flavour) has no metapackage: take
# the newest linux-image/linux-headers 6.12.N+deb12-amd64 pair apt offers,
# unless one is already installed.
if [ "$what" != build ] && ! ls /boot/vmlinuz-6.12.*+deb12-amd64 >/dev/null 2>&1; then
	need612=1
else
	need612=0
fi

[ -z "$missing" ] && [ "$need612" = 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing; run as root" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
if [ "$need612" = 1 ]; then
	v=$(apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | tail -n 1)
	[ -n "$v" ] || { echo "install-deps: no 6.12 kernel found in apt" >&2; exit 1; }
	missing="$missing linux-image-$v-unsigned linux-headers-$v"
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
