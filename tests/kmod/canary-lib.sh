# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/kmod/canary-lib.sh: the shared half of the module canaries
# (privacy-canary.sh, quarantine-canary.sh).  Source it, then call
#   canary_run NAME KCFLAG TAG SCENARIO [KERNEL]
# It builds cnid.ko for KERNEL (default 6.1) with KCFLAGS=-DKCFLAG into
# $BUILD/kmod/NAME/ (never in kmod/), checks the module carries the test
# build's MODULE_INFO cnid_test_build matching TAG (KCFLAG and TAG may be
# empty: then a function canary_plant, if the caller defines one, edits
# the copied sources, its argument the copy's kmod/), and boots the rig with
# it in place of cnid.ko and only SCENARIO (the scenario loads
# $CNID_TEST_DIR/cnid-NAME.ko when the image has one).  It sets $kver and
# $log (the run's output) and returns the run's exit status: a canary must
# then check that the run failed for the reason it planted.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}

# canary_missing CASE...: the cases that did NOT fail in both pipe modes
# ("TEST kmod.MODE.CASE FAIL" lines of $log), space-separated as MODE.CASE.
canary_missing() {
	local m c missing=
	for m in split single; do
		for c in "$@"; do
			grep -q "^  vm $kver: TEST kmod\.$m\.$c FAIL" "$log" || missing="$missing $m.$c"
		done
	done
	echo "$missing"
}

canary_run() {
	local name=$1 flag=$2 tag=$3 scenario=$4 kname=${5:-6.1}
	local out=$ROOT/$BUILD/kmod/$name vars ko
	kver=$(tests/vm/run.sh --list-kernels | awk -v k="$kname" '$1 == k && $2 !~ /^\(/ { print $2 }')
	[ -n "$kver" ] || { echo "$name: kernel $kname not installed (make deps)"; exit 1; }

	rm -rf "$out"
	mkdir -p "$out/src/kmod/uapi"
	cp Kbuild "$out/src/"
	cp kmod/Kbuild kmod/*.c kmod/*.h "$out/src/kmod/"
	cp kmod/uapi/cnid.h "$out/src/kmod/uapi/"
	if declare -F canary_plant >/dev/null; then canary_plant "$out/src/kmod"; fi
	make -C "/lib/modules/$kver/build" M="$out/src" ${flag:+KCFLAGS="-D$flag"} -j"$(nproc)" \
		modules >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
	ko=$out/cnid-$name.ko
	cp "$out/src/kmod/cnid.ko" "$ko"
	if [ -n "$tag" ] && ! modinfo -F cnid_test_build "$ko" | grep -q "$tag"; then
		echo "$name: $ko is not the test build $flag (MODULE_INFO cnid_test_build)"
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
	VM_GUEST_BINS=$VM_GUEST_BINS VM_GUEST_FILES="${VM_GUEST_FILES:-} $ko" BUILD=$BUILD \
		tests/vm/run.sh --kernel "$kname" --no-module --only "$scenario" >"$log" 2>&1
}
