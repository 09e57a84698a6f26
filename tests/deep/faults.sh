#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/deep/faults.sh: prove the deep tier's own judges fail when they must
# (`make deep-faults`, part of make check; the canary, tests/deep/canary.sh,
# does the same for the debug kernel's detectors).  Two guest boots of the
# debug kernel, each with faults planted, each required to FAIL for exactly
# the planted reasons:
#
#  1. the hostile harness and the detectors: cnid_deep_fault= makes
#     no-endpoints' gadget fail USB_RAW_IOCTL_INIT (it never plugs in: the
#     case must FAIL, it used to pass as "not enumerated"), leaves only-in's
#     device plugged in (the case passes; the summary must count 3 unplug
#     cycles for 5 cases), and unloads cnid.ko after two-in (ok-single.last
#     must FAIL); kmemleak=off and lockdep.prove_locking=0 on the command
#     line must fail 00-rig, 50-deep-hostile and 99-deep-kmemleak;
#  2. raw_gadget left out of the guest (CNID_DEEP_WITHOUT=raw_gadget): 00-rig
#     and 50-deep-hostile must FAIL (they used to skip).
# Exit 0 when every planted fault was caught.  Logs: $BUILD/deep/faults/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
out=$ROOT/$BUILD/deep/faults
rm -rf "$out"
mkdir -p "$out"
tests/deep/build-kernel.sh >/dev/null
key=$(tests/deep/build-kernel.sh --print-key)
last=$ROOT/$BUILD/vm/$(cat "$key/kernelrelease")/last

missing=0
# expect RUN FILE ERE WHAT: FILE of run RUN has a line matching ERE
expect() {
	if grep -q -E -- "$3" "$out/$1.$2"; then
		echo "deep-faults: $1: caught: $4"
	else
		echo "deep-faults: $1: NOT CAUGHT: $4 (no line matching '$3' in $out/$1.$2)"
		missing=$((missing + 1))
	fi
}
# run NAME ENV... -- RUN.SH-ARGS...: one boot; it must fail
run() {
	local name=$1 t0 rc=0
	shift
	local envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	t0=$(date +%s)
	env "${envs[@]}" BUILD="$BUILD" tests/deep/run.sh "$@" >"$out/$name.log" 2>&1 || rc=$?
	cp "$last/results.log" "$out/$name.results" 2>/dev/null || : >"$out/$name.results"
	cp "$last/console.log" "$out/$name.console" 2>/dev/null || : >"$out/$name.console"
	echo "deep-faults: $name: run exit $rc in $(($(date +%s) - t0)) s"
	if [ "$rc" = 0 ]; then
		echo "deep-faults: $name: NOT CAUGHT: the run PASSED with planted faults ($out/$name.log)"
		missing=$((missing + 1))
	fi
}

# --- 1. the hostile harness, kmemleak and lockdep --------------------------
run hostile CNID_DEEP_CASES=no-endpoints,only-in,two-in CNID_DEEP_RANDOM=0 -- --udcs 1 \
	--only 00-rig,50-deep,99-deep \
	--append "cnid_deep_fault=init-fail:no-endpoints,keep-plugged:only-in,driver-gone:two-in" \
	--append "kmemleak=off lockdep.prove_locking=0"
r=results
expect hostile $r '^TEST deep\.hostile\.ok-single PASS' "(control) ok-single passes first"
expect hostile $r '^TEST deep\.hostile\.no-endpoints FAIL the gadget died: USB_RAW_IOCTL_INIT' \
	"a gadget whose USB_RAW_IOCTL_INIT fails FAILS its case"
expect hostile $r '^TEST deep\.hostile\.only-in PASS' "(control) the case left plugged in passes by itself"
expect hostile $r '^TEST deep\.hostile\.two-in PASS' "(control) two-in passes before the driver is unloaded"
expect hostile $r '^TEST deep\.hostile\.summary FAIL 3 unplug cycles for 5 cases' \
	"the summary counts the case never plugged in and the case never unplugged"
expect hostile $r '^TEST deep\.hostile\.ok-single\.last FAIL did not bind' \
	"ok-single.last FAILS once the driver stopped working"
expect hostile $r '^TEST rig\.deep\.raw-gadget PASS' "(control) 00-rig sees raw_gadget"
expect hostile $r '^TEST rig\.deep\.kmemleak FAIL' "00-rig FAILS with kmemleak off"
expect hostile $r '^TEST rig\.deep\.lockdep FAIL' "00-rig FAILS with lockdep not proving"
expect hostile $r '^TEST deep\.hostile\.kmemleak FAIL kmemleak is off' "50-deep-hostile FAILS with kmemleak off"
expect hostile $r '^TEST deep\.kmemleak FAIL kmemleak is off' "99-deep-kmemleak FAILS with kmemleak off"
expect hostile $r '^TEST deep\.lockdep-alive FAIL lockdep does not prove locking' \
	"99-deep-kmemleak FAILS with lockdep not proving"

# --- 2. no raw_gadget in the guest -------------------------------------------
run no-raw-gadget CNID_DEEP_WITHOUT=raw_gadget -- --udcs 1 --no-module --only 00-rig,50-deep
r=results
expect no-raw-gadget $r '^TEST rig\.modules PASS' "(control) every module the guest was given is loaded"
expect no-raw-gadget $r '^TEST rig\.deep\.raw-gadget FAIL' "00-rig FAILS without raw_gadget"
expect no-raw-gadget $r "^TEST deep\.hostile FAIL no /dev/raw-gadget on the deep tier's kernel" \
	"50-deep-hostile FAILS without raw_gadget (it used to skip)"
expect no-raw-gadget $r '^TEST rig\.deep\.kmemleak PASS' "(control) 00-rig sees kmemleak on"
expect no-raw-gadget $r '^TEST rig\.deep\.lockdep PASS' "(control) 00-rig sees lockdep on"

if [ "$missing" != 0 ]; then
	echo "deep-faults: $missing planted fault(s) or control(s) NOT as required: the deep tier's judges are blind (logs: $out)"
	exit 1
fi
echo "deep-faults: every planted fault caught (hostile harness: gadget death, unplug count, driver gone; kmemleak, lockdep and raw_gadget missing)"
