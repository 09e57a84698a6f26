#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# DKMS round trip on the host for every kernel given: add, build, install,
# status, remove.  DKMS only builds and copies files; nothing is loaded
# (the host kernel is not ours).  Needs root and dkms: without them it fails
# (a round trip that did not run must not pass).
#   tests/kmod/dkms-test.sh STAGE_DIR KVER...
set -eu
stage=$1
shift
if [ "$(id -u)" != 0 ]; then
	echo "kmod: dkms round trip FAILED: it must run as root (make check runs as root)"
	exit 1
fi
command -v dkms >/dev/null 2>&1 ||
	{ echo "kmod: dkms round trip FAILED: dkms is not installed (make deps)"; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
src=/usr/src/cnid-$ver
log=$stage.log
rm -rf "$stage"
mkdir -p "$stage/kmod/uapi"
cp dkms.conf Kbuild "$stage/"
cp kmod/Kbuild kmod/*.c kmod/*.h "$stage/kmod/"
cp kmod/uapi/cnid.h "$stage/kmod/uapi/"

fail() {
	echo "kmod: dkms round trip FAILED: $*"
	cat "$log"
	dkms remove "cnid/$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
	exit 1
}
: >"$log"
dkms remove "cnid/$ver" --all >/dev/null 2>&1 || true
rm -rf "$src"
cp -r "$stage" "$src"
dkms add "cnid/$ver" >>"$log" 2>&1 || fail "dkms add"
for k in "$@"; do
	t0=$(date +%s)
	dkms build "cnid/$ver" -k "$k" >>"$log" 2>&1 || fail "dkms build -k $k"
	dkms install "cnid/$ver" -k "$k" >>"$log" 2>&1 || fail "dkms install -k $k"
	ls "/lib/modules/$k/updates/dkms/"cnid.ko* >/dev/null 2>&1 || fail "no cnid.ko under /lib/modules/$k/updates/dkms"
	modinfo -k "$k" cnid 2>/dev/null | grep -q '^alias: *usb:v0400pC35A' ||
		fail "modinfo -k $k does not show the 0400:c35a alias"
	echo "kmod: dkms build+install for $k ok ($(($(date +%s) - t0)) s)"
done
dkms status cnid >>"$log" 2>&1
dkms remove "cnid/$ver" --all >>"$log" 2>&1 || fail "dkms remove"
for k in "$@"; do
	if ls "/lib/modules/$k/updates/dkms/"cnid.ko* >/dev/null 2>&1; then
		fail "cnid.ko left in /lib/modules/$k after remove"
	fi
done
rm -rf "$src"
echo "kmod: dkms add/build/install/remove round trip ok for: $*"
