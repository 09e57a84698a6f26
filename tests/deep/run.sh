#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# tests/deep/run.sh [tests/vm/run.sh options...]: the module's whole QEMU
# suite on the deep tier's debug kernel (KASAN, lockdep, kmemleak, UBSAN),
# through the rig's own run.sh with tests/deep/kernel.conf as its kernel.
#
# The rig takes extra kernels from VM_KERNEL_CONFS; it builds cnid.ko
# against the debug tree (make -C TREE M=<copy of Kbuild + kmod/>) itself.
#
# Environment: BUILD (default build), VM_GUEST_BINS, VM_GUEST_FILES (as for
# the rig), CNID_DEEP_SEED (replay the hostile device's random cases),
# CNID_DEEP_CASES (named hostile cases: all, none or a,b,...), CNID_DEEP_RANDOM
# (how many random cases; default 10, 300 when stressed),
# CNID_DEEP_APPEND (extra kernel command line), CNID_DEEP_CACHE (kernel cache).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
export CNID_DEEP_DIR=$ROOT/tests/deep

# The kernel first, timed, so the figure is on record even when cached.
t0=$(date +%s)
tree=$(tests/deep/build-kernel.sh | tail -n 1)
t1=$(date +%s)
key=$(tests/deep/build-kernel.sh --print-key)
echo "deep: debug kernel $(cat "$key/kernelrelease") ready in $((t1 - t0)) s" \
	"(built in $(cat "$key/build-seconds") s when it was built): $tree"

append=()
[ -n "${CNID_DEEP_SEED:-}" ] && append+=(--append "cnid_deep_seed=$CNID_DEEP_SEED")
[ -n "${CNID_DEEP_CASES:-}" ] && append+=(--append "cnid_deep_cases=$CNID_DEEP_CASES")
[ -n "${CNID_DEEP_RANDOM:-}" ] && append+=(--append "cnid_deep_random=$CNID_DEEP_RANDOM")

rc=0
VM_KERNEL_CONFS=$ROOT/tests/deep/kernel.conf tests/vm/run.sh --kernel deep "${append[@]}" "$@" || rc=$?

# What the hostile device survived, per run (the rig prints pass/fail only).
work=$ROOT/$BUILD/vm/$(cat "$key/kernelrelease")
for log in "$work/last/console.log" "$work/console.log"; do
	[ -f "$log" ] || continue
	grep -h '^HOSTILE-SUMMARY' "$log" | sed 's/^/deep: /' || true
	echo "deep: guest console: $log"
	break
done
exit $rc
