#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/privacy-canary.sh: prove the privacy test can fail.  Builds
# cnid.ko for one kernel (default 6.1) with KCFLAGS=-DCNID_TEST_LEAK, the
# planted leak of kmod/xfer.c (every reply, card included, print_hex_dump()ed
# into the kernel log), boots the rig with it in place of cnid.ko and only
# the netlink scenario, and requires that run to FAIL with
# kmod.nl.no-secret-in-dmesg failing.  Exit 0 when the leak was caught.
#   tests/kmod/privacy-canary.sh [KERNEL]     (make privacy-canary)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
kname=${1:-6.1}
out=$ROOT/$BUILD/kmod/privacy-canary
kver=$(tests/vm/run.sh --list-kernels | awk -v k="$kname" '$1 == k && $2 !~ /^\(/ { print $2 }')
[ -n "$kver" ] || { echo "privacy-canary: kernel $kname not installed (tools/install-deps.sh vm)"; exit 1; }

# the leaky module, staged like kmod/kmod.mk does (never built in kmod/)
rm -rf "$out"
mkdir -p "$out/src/kmod/uapi"
cp Kbuild "$out/src/"
cp kmod/Kbuild kmod/*.c kmod/*.h "$out/src/kmod/"
cp kmod/uapi/cnid.h "$out/src/kmod/uapi/"
make -C "/lib/modules/$kver/build" M="$out/src" KCFLAGS=-DCNID_TEST_LEAK -j"$(nproc)" modules \
	>"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
ko=$out/cnid-privacy-canary.ko
cp "$out/src/kmod/cnid.ko" "$ko"
if ! modinfo -F cnid_test_build "$ko" | grep -q leaks-replies; then
	echo "privacy-canary: $ko has no planted leak (MODULE_INFO cnid_test_build)"
	exit 1
fi

# Started by hand (not from make): what goes into the guest, as run.sh asks.
if [ -z "${VM_GUEST_BINS+set}" ]; then
	vars=$(make --no-print-directory -s BUILD="$BUILD" vm-print-guest)
	VM_GUEST_BINS=$(sed -n 's/^VM_GUEST_BINS=//p' <<<"$vars")
	VM_GUEST_FILES=$(sed -n 's/^VM_GUEST_FILES=//p' <<<"$vars")
	make --no-print-directory -s BUILD="$BUILD" vm-guest >&2
fi

log=$out/run.log
# 21-kmod-netlink loads $CNID_TEST_DIR/cnid-privacy-canary.ko when the image has one
if VM_GUEST_BINS=$VM_GUEST_BINS VM_GUEST_FILES="${VM_GUEST_FILES:-} $ko" BUILD=$BUILD \
	tests/vm/run.sh --kernel "$kname" --no-module --only 21-kmod-netlink >"$log" 2>&1; then
	echo "privacy-canary: the run PASSED with a module that dumps every reply into dmesg:" \
		"the privacy test is blind ($log)"
	exit 1
fi
# verdict.sh prints each failed result line of the guest as "  vm KVER: TEST ..."
want="^  vm $kver: TEST kmod.nl.no-secret-in-dmesg FAIL"
if ! grep -q "$want" "$log"; then
	echo "privacy-canary: the run failed, but not kmod.nl.no-secret-in-dmesg ($log):"
	grep -E "^  vm $kver: " "$log" | head -n 20
	exit 1
fi
echo "privacy-canary: the planted leak was caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\.nl\.(no-secret|not-a-test)" "$log" | cut -c 1-200
