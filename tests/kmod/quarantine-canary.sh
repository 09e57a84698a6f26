#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/quarantine-canary.sh: prove the stale-reply tests can fail.
# Builds cnid.ko for one kernel (default 6.1) with
# KCFLAGS=-DCNID_TEST_NO_QUARANTINE (kmod/xfer.c: no quarantine after an
# abandoned reply, so the next caller gets it, as before the fix), boots the
# rig with it in place of cnid.ko and only 24-kmod-stale, and requires that
# run to FAIL with every stale-reply case of both pipe modes failing (B's
# SAM-status request, or the O_NONBLOCK one, gets A's card).
# Exit 0 when the planted fault was caught.
#   tests/kmod/quarantine-canary.sh [KERNEL]     (make quarantine-canary)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
kname=${1:-6.1}
out=$ROOT/$BUILD/kmod/quarantine-canary
kver=$(tests/vm/run.sh --list-kernels | awk -v k="$kname" '$1 == k && $2 !~ /^\(/ { print $2 }')
[ -n "$kver" ] || { echo "quarantine-canary: kernel $kname not installed (tools/install-deps.sh vm)"; exit 1; }

# the leaky module, staged like kmod/kmod.mk does (never built in kmod/)
rm -rf "$out"
mkdir -p "$out/src/kmod/uapi"
cp Kbuild "$out/src/"
cp kmod/Kbuild kmod/*.c kmod/*.h "$out/src/kmod/"
cp kmod/uapi/cnid.h "$out/src/kmod/uapi/"
make -C "/lib/modules/$kver/build" M="$out/src" KCFLAGS=-DCNID_TEST_NO_QUARANTINE -j"$(nproc)" modules \
	>"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
ko=$out/cnid-quarantine-canary.ko
cp "$out/src/kmod/cnid.ko" "$ko"
if ! modinfo -F cnid_test_build "$ko" | grep -q no-quarantine; then
	echo "quarantine-canary: $ko is no test build (MODULE_INFO cnid_test_build)"
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
# 24-kmod-stale loads $CNID_TEST_DIR/cnid-quarantine-canary.ko when the image has one
if VM_GUEST_BINS=$VM_GUEST_BINS VM_GUEST_FILES="${VM_GUEST_FILES:-} $ko" BUILD=$BUILD \
	tests/vm/run.sh --kernel "$kname" --no-module --only 24-kmod-stale >"$log" 2>&1; then
	echo "quarantine-canary: the run PASSED with a module that has no quarantine:" \
		"the stale-reply tests are blind ($log)"
	exit 1
fi
# verdict.sh prints each failed result line of the guest as "  vm KVER: TEST ..."
missing=
for m in split single; do
	for c in ioctl-timeout nonblock-eagain write-close write-sigkill trailing-bytes; do
		grep -q "^  vm $kver: TEST kmod\.$m\.stale-$c FAIL" "$log" || missing="$missing $m.$c"
	done
done
if [ -n "$missing" ]; then
	echo "quarantine-canary: the run failed, but these cases did not:$missing ($log):"
	grep -E "^  vm $kver: " "$log" | head -n 20
	exit 1
fi
echo "quarantine-canary: the planted fault was caught on $kver (the run failed, as it must):"
grep -E "^  vm $kver: TEST kmod\.(split|single)\.stale-[a-z-]* FAIL" "$log" | grep -v then-read | cut -c 1-200
