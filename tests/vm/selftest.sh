#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# selftest.sh: host-only tests of the rig's judges, no QEMU needed:
#  - check-log.sh trips on every kind of kernel report (canned log lines)
#    and stays quiet on a clean boot log;
#  - verdict.sh fails on a FAIL line, a missing completion marker, a report
#    only in the final dmesg dump, and counts PASS/FAIL/SKIP right;
#  - the guest's scenario runner (guest/cnid-vm-runner.sh, under busybox sh)
#    turns a timeout, a bare non-zero exit and a silent scenario into FAIL
#    lines, and does not hang on a scenario that leaves a daemon behind.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "TEST vm-selftest.$1 PASS"; pass=$((pass + 1)); }
ko() { echo "TEST vm-selftest.$1 FAIL $2"; fail=$((fail + 1)); }

# --- check-log.sh -----------------------------------------------------
reports=(
	'BUG: unable to handle page fault for address: ffff888003a1c000'
	'BUG: KASAN: slab-use-after-free in cnid_read+0x1d/0x200 [cnid]'
	'BUG kmalloc-128 (Tainted: G           OE     ): Poison overwritten'
	'BUG kmalloc-64 (Not tainted): Right Redzone overwritten'
	'BUG kmalloc-96 (Tainted: G  O): Object padding overwritten'
	'kernel BUG at drivers/usb/core/urb.c:123!'
	'WARNING: CPU: 1 PID: 213 at drivers/usb/core/urb.c:503 usb_submit_urb+0x1ec/0x5a0'
	'Oops: 0000 [#1] PREEMPT SMP NOPTI'
	'general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1]'
	'INFO: task cnid-test:321 blocked for more than 30 seconds.'
	'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [kworker/0:1:34]'
	'Kernel panic - not syncing: hung_task: blocked tasks'
	'WARNING: possible circular locking dependency detected'
	'UBSAN: array-index-out-of-bounds in kmod/xfer.c:99:7'
	'kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)'
	'BUG: sleeping function called from invalid context at kernel/locking/mutex.c:580'
	'list_del corruption. prev->next should be ffff8880035c2e48, but was dead000000000100'
	'refcount_t: underflow; use-after-free.'
	'Call Trace:'
	'softdog: Initiating panic'
	'ODEBUG: free active (active state 0) object: ffff888004a8d0c8 object type: timer_list hint: cnid_timeout+0x0/0x20 [cnid]'
	'INFO: trying to register non-static key.'
	'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
	'BUG: scheduling while atomic: kworker/0:1/34/0x00000002'
)
# expect_report NAME LINE: a log holding LINE after a normal boot line must
# make check-log.sh report it (exit 1, the line in its output).
expect_report() {
	local rc=0 out
	printf '[    1.000000] usb 1-1: new full-speed USB device\n[   12.345678] %s\n' "$2" >"$tmp/log"
	out=$("$here/check-log.sh" "$tmp/log") || rc=$?
	if [ "$rc" = 1 ] && grep -qF "$2" <<<"$out"; then ok "$1"; else ko "$1" "rc=$rc, missed: $2"; fi
}
i=0
for r in "${reports[@]}"; do
	i=$((i + 1))
	expect_report "check-log.trips.$i" "$r"
done
# A report that starts in the middle of a line a program was writing.
printf 'TEST emu.read PASS[   12.345678] BUG: unable to handle page fault\n' >"$tmp/log"
if "$here/check-log.sh" "$tmp/log" >/dev/null; then ko check-log.midline "missed"; else ok check-log.midline; fi
# A report names the scenario it appeared in.
printf '[    7.1] cnid-vm: scenario 20-kmod-basic start\n[    8.200000] WARNING: CPU: 1 PID: 9 at x\n' >"$tmp/log"
out=$("$here/check-log.sh" "$tmp/log")
if grep -q 'WARNING: CPU: 1 PID: 9 at x   <- during scenario 20-kmod-basic$' <<<"$out"; then
	ok check-log.attribution
else
	ko check-log.attribution "no 'during scenario 20-kmod-basic'"
fi
# dmesg dump with CRLF line ends (serial)
printf '[   12.345678] WARNING: CPU: 0 PID: 1 at x\r\n' >"$tmp/log"
if "$here/check-log.sh" "$tmp/log" >/dev/null; then ko check-log.crlf "missed"; else ok check-log.crlf; fi
# A clean log: command line options, rig markers, user-space words.
cat >"$tmp/clean" <<'EOF'
[    0.000000] Command line: console=ttyS0 panic=-1 oops=panic hung_task_panic=1 softlockup_panic=1 slub_debug=FZPU
[    0.000000] Kernel command line: console=ttyS0 hung_task_panic=1
[    0.000000] Unknown kernel command line parameters "cnidvm_only=20-kmod-oops", will be passed to user space.
[    3.774491] softdog: initialized. soft_noboot=0 soft_margin=120 sec soft_panic=1 (nowayout=0)
[    4.000000] cnid: loading out-of-tree module taints kernel.
[    4.000001] cnid: module verification failed: signature and/or required key missing - tainting kernel
[    7.295112] cnid-vm: scenario 20-kmod-Oops-and-BUG: start
[    8.100000] usb 1-1: USB disconnect, device number 2
TEST kmod.warning-free PASS
WARNING: this line has no timestamp, user space wrote it
EOF
if out=$("$here/check-log.sh" "$tmp/clean"); then ok check-log.clean; else ko check-log.clean "false alarm: $out"; fi

# --- verdict.sh ---------------------------------------------------------
mkres() { # name, then lines
	local f=$tmp/$1.res
	shift
	printf '%s\n' "$@" >"$f"
}
good=("CNID-VM-BOOT uptime=3.1 kernel=x" "CNID-VM-READY uptime=5.0 udcs=2"
	"TEST a PASS" "TEST b SKIP no module" "TEST c PASS"
	"CNID-VM-TAINT mask=12288" "CNID-VM-SUMMARY passed=2 failed=0 skipped=1"
	"CNID-VM-DMESG-BEGIN" "[    1.000000] usb 1-1: hello" "TEST fake FAIL inside dmesg" "CNID-VM-DMESG-END"
	"CNID-VM-DONE uptime=9.0")
verdict() { "$here/verdict.sh" --counts "$tmp/counts" "$tmp/clean" "$tmp/$1.res" >"$tmp/verdict.out" 2>&1; }
mkres good "${good[@]}"
if verdict good && [ "$(cat "$tmp/counts")" = "2 0 1" ]; then
	ok verdict.good
else
	ko verdict.good "$(cat "$tmp/counts" "$tmp/verdict.out")"
fi
mkres failed "${good[@]:0:2}" "TEST a FAIL wrong reply" "${good[@]:3:3}" \
	"CNID-VM-SUMMARY passed=1 failed=1 skipped=1" "${good[@]:7}"
if ! verdict failed && [ "$(cat "$tmp/counts")" = "1 1 1" ] && grep -q 'TEST a FAIL' "$tmp/verdict.out"; then
	ok verdict.fail-line
else
	ko verdict.fail-line "$(cat "$tmp/counts")"
fi
# the FAIL lines are repeated under the run's label, also when it has a slash (--hcd)
"$here/verdict.sh" --label "vm 6.1/uhci" --counts "$tmp/counts" "$tmp/clean" "$tmp/failed.res" \
	>"$tmp/verdict.out" 2>&1
if grep -qx '  vm 6.1/uhci: TEST a FAIL wrong reply' "$tmp/verdict.out"; then
	ok verdict.fail-line-labelled
else
	ko verdict.fail-line-labelled "$(head -n 3 "$tmp/verdict.out")"
fi
mkres nomarker "${good[@]:0:5}"
if ! verdict nomarker && grep -q 'no completion marker' "$tmp/verdict.out"; then
	ok verdict.no-marker
else
	ko verdict.no-marker "accepted a run without its completion marker"
fi
mkres dmesgwarn "${good[@]:0:8}" "[    9.100000] WARNING: CPU: 0 PID: 9 at kmod/x.c:1 f+0x1/0x2" "${good[@]:9}"
if ! verdict dmesgwarn && grep -q 'kernel log reports' "$tmp/verdict.out"; then
	ok verdict.dmesg-report
else
	ko verdict.dmesg-report "missed a WARNING in the final dmesg"
fi
: >"$tmp/empty.res"
if ! verdict empty; then ok verdict.empty; else ko verdict.empty "accepted an empty run"; fi

# --- the guest runner, under busybox sh -------------------------------------
if command -v busybox >/dev/null; then
	sc=$tmp/scenarios
	mkdir -p "$sc"
	printf '#!/bin/sh\necho "TEST one.a PASS"\necho "TEST one.b SKIP nothing to do"\n' >"$sc/01-pass.sh"
	printf '#!/bin/sh\necho doing things\nexit 3\n' >"$sc/02-exit.sh"
	printf '#!/bin/sh\n# cnid-vm: timeout=1\necho "TEST hang.start PASS"\nsleep 30\n' >"$sc/03-hang.sh"
	printf '#!/bin/sh\necho chatter only\n' >"$sc/04-silent.sh"
	printf '#!/bin/sh\n(sleep 30; echo late) &\necho "TEST daemon.left PASS"\n' >"$sc/05-daemon.sh"
	printf '#!/bin/sh\necho "TEST x.y FAIL bad reply"\nexit 1\n' >"$sc/06-fail.sh"
	cat >"$tmp/host-runner.sh" <<EOF
RES=$tmp/runner.res stress=0 tdefault=20 only=
passed=0 failed=0 skipped=0
CNID_VM_HOST_TEST=1 CNID_VM_RUNDIR=$tmp/run CNID_VM_LIB=$here/guest/cnid-vm.sh CNID_VM_DIAG=$tmp/diag
uptime_s() { cut -d' ' -f1 /proc/uptime; }
feed() { :; }
. $here/guest/cnid-vm.sh
cnid_kmsg() { :; }
. $here/guest/cnid-vm-runner.sh
for f in $sc/*.sh; do run_scenario "\$f"; done
echo "COUNTS \$passed \$failed \$skipped"
EOF
	start=$(date +%s)
	timeout 60 busybox sh "$tmp/host-runner.sh" >"$tmp/runner.out" 2>&1
	took=$(($(date +%s) - start))
	if [ "$(grep -c '^CNID-VM-TIME [0-9][0-9]-[a-z]* [0-9.]*$' "$tmp/runner.res")" = 6 ]; then
		ok runner.times
	else
		ko runner.times "want one CNID-VM-TIME line per scenario"
	fi
	sed -i '/^CNID-VM-TIME /d' "$tmp/runner.res"
	expect="TEST one.a PASS
TEST one.b SKIP nothing to do
TEST 02-exit FAIL exit 3
TEST hang.start PASS
TEST 03-hang FAIL timeout after 1s
TEST 04-silent FAIL no-result
TEST daemon.left PASS
TEST x.y FAIL bad reply"
	if [ "$(cat "$tmp/runner.res" 2>/dev/null)" = "$expect" ] &&
		grep -q '^COUNTS 3 4 1$' "$tmp/runner.out"; then
		ok runner.synthesis
	else
		ko runner.synthesis "got: $(tr '\n' '|' <"$tmp/runner.res" 2>/dev/null) $(tail -3 "$tmp/runner.out" | tr '\n' '|')"
	fi
	if [ "$took" -lt 15 ]; then ok runner.no-hang; else ko runner.no-hang "took ${took}s"; fi
	if grep -q 'scenario 03-hang timed out' "$tmp/diag" && grep -q -- '-- pid .*sleep 30' "$tmp/diag"; then
		ok runner.timeout-diagnostics
	else
		ko runner.timeout-diagnostics "$(head -c 300 "$tmp/diag" 2>/dev/null)"
	fi
else
	echo "TEST vm-selftest.runner SKIP busybox not installed"
fi

# --- judges repaired for issue 8 item 5: RCU stalls, taint, tool errors, ----
# --- exact counts and the guest's own totals (planted faults) --------------
# Stalls of every RCU flavour, as 6.1/6.12 print them (PREEMPT: rcu_preempt).
stalls=(
	'rcu: INFO: rcu_preempt self-detected stall on CPU'
	'rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:'
	'rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21 jiffies s: 345 root: 0x2/.'
	'rcu: rcu_preempt kthread starved for 10502 jiffies! g1234 f0x0 RCU_GP_WAIT_FQS(5) ->state=0x0 ->cpu=1'
	'rcu: INFO: rcu_sched self-detected stall on CPU'
	'INFO: rcu_tasks detected stalls on tasks:'
	'INFO: rcu_tasks_trace detected stalls? (Late IPI?)'
)
i=0
for r in "${stalls[@]}"; do
	i=$((i + 1))
	expect_report "check-log.rcu-stall.$i" "$r"
done
# The checker's own tools fail: it must exit 2, never 0 ("clean").  Shims
# first in PATH: an awk/grep that errors, an awk that dies silently with 0.
mkdir -p "$tmp/bin-awk2" "$tmp/bin-awk0" "$tmp/bin-grep2" "$tmp/bin-wc2"
printf '#!/bin/sh\necho "awk: syntax error" >&2\nexit 2\n' >"$tmp/bin-awk2/awk"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin-awk0/awk"
printf '#!/bin/sh\necho "grep: error" >&2\nexit 2\n' >"$tmp/bin-grep2/grep"
printf '#!/bin/sh\nexit 2\n' >"$tmp/bin-wc2/wc"
chmod +x "$tmp"/bin-*/*
printf '[    1.000000] usb 1-1: new full-speed USB device\n' >"$tmp/log"
for shim in awk2 awk0 grep2; do
	rc=0
	PATH=$tmp/bin-$shim:$PATH "$here/check-log.sh" "$tmp/log" >/dev/null 2>&1 || rc=$?
	if [ "$rc" = 2 ]; then ok "check-log.tool-error.$shim"; else ko "check-log.tool-error.$shim" "exit $rc, want 2"; fi
done
rc=0
"$here/check-log.sh" "$tmp/no-such-log" >/dev/null 2>&1 || rc=$?
if [ "$rc" = 2 ]; then ok check-log.unreadable; else ko check-log.unreadable "exit $rc, want 2"; fi
# verdict.sh: each fault must fail the run, and for the right reason.
vfails() { # test-name fixture grep-pattern [PATH prefix]
	local rc=0
	PATH=${4:+$4:}$PATH "$here/verdict.sh" --counts "$tmp/counts" "$tmp/clean" "$tmp/$2.res" \
		>"$tmp/verdict.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] && grep -qE -- "$3" "$tmp/verdict.out"; then
		ok "verdict.$1"
	else
		ko "verdict.$1" "exit $rc: $(head -c 300 "$tmp/verdict.out" | tr '\n' '|')"
	fi
}
# a PASS word in the middle of a line is no pass (the old grep -c ' PASS' took it)
mkres midpass "${good[@]:0:2}" "TEST a FAIL expected PASS got FAIL" "${good[@]:3:3}" \
	"CNID-VM-SUMMARY passed=1 failed=1 skipped=1" "${good[@]:7}"
vfails pass-mid-line midpass 'vm: 1 passed, 1 failed'
# a line that fits no result grammar ("PASS" with trailing words)
mkres malformed "${good[@]:0:2}" "TEST a PASS but only half" "${good[@]:3}"
vfails malformed-line malformed 'malformed result line'
# a PASS with a "# comment" (cnid-hostile's form) is a pass
mkres comment "${good[@]:0:2}" "TEST a PASS  # bound, 12 ms" "${good[@]:3}"
if verdict comment && [ "$(cat "$tmp/counts")" = "2 0 1" ]; then ok verdict.pass-comment; else ko verdict.pass-comment "$(cat "$tmp/counts")"; fi
# the guest's totals disagree with the lines the host received (one lost)
mkres lost "${good[@]:0:4}" "${good[@]:5}"
vfails guest-totals lost 'the guest counted passed=2 failed=0 skipped=1, the host received passed=1'
# a taint bit other than O/E (W: a WARN), attributed to the scenario after
# which the mask first showed it
mkres taint "${good[@]:0:5}" "CNID-VM-TAINT mask=12800" "${good[@]:6:2}" \
	"[    5.0] cnid-vm: scenario 10-emu end rc=0 taint=0" \
	"[    6.0] cnid-vm: scenario 20-kmod end rc=0 taint=12800" "${good[@]:8}"
vfails taint-warn taint 'kernel tainted: mask 12800, unexpected: W\(bit 9\) \(first seen after scenario 20-kmod\)'
mkres taint2 "${good[@]:0:5}" "CNID-VM-TAINT mask=$(((1 << 0) | (1 << 7) | (1 << 22) | 4096))" "${good[@]:6}"
vfails taint-bits taint2 'unexpected: P\(bit 0\) D\(bit 7\) \(bit 22\)$'
mkres notaint "${good[@]:0:5}" "${good[@]:6}"
vfails no-taint-line notaint 'no taint line'
# the tools fail under verdict.sh (grep counting, awk, the log checker's wc)
vfails grep-error good 'grep failed' "$tmp/bin-grep2"
if [ "$(cat "$tmp/counts")" = "0 1 0" ]; then ok verdict.died-counts-failed; else ko verdict.died-counts-failed "counts '$(cat "$tmp/counts")' after a verdict that died"; fi
vfails awk-error good '' "$tmp/bin-awk2"
vfails checker-error good 'kernel log checker failed \(exit 2\)' "$tmp/bin-wc2"

# --- cnid_check's status (issue 8 item 7): `cnid_check ... || cnid_finish` ---
# Planted fault: a scenario whose first check fails must stop there (its later
# lines never run) and exit 1; a passing check returns 0, a failing one the
# command's own status.
if command -v busybox >/dev/null; then
	cat >"$tmp/early.sh" <<EOF
. $here/guest/cnid-vm.sh
cnid_check early.first false || cnid_finish
echo "TEST early.after-the-exit PASS"
EOF
	out=$(busybox sh "$tmp/early.sh" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && [ "$out" = "TEST early.first FAIL exit 1 from: false" ]; then
		ok check.early-exit
	else
		ko check.early-exit "rc=$rc: $(tr '\n' '|' <<<"$out")"
	fi
	cat >"$tmp/status.sh" <<EOF
. $here/guest/cnid-vm.sh
cnid_check st.ok true >/dev/null; a=\$?
cnid_check st.seven sh -c 'exit 7' >/dev/null; b=\$?
echo "\$a \$b \$_cnid_failed"
EOF
	out=$(busybox sh "$tmp/status.sh" 2>&1)
	if [ "$out" = "0 7 1" ]; then ok check.status; else ko check.status "got '$out', want '0 7 1'"; fi
else
	echo "TEST vm-selftest.check SKIP busybox not installed"
fi

# --- module_list failures are fatal (issue 8 item 4) ------------------------
# Planted fault: a kernel conf whose KMODS names a module modprobe cannot
# resolve must fail the run before any guest boots.  module_list used to run
# inside $(...), where its vm_die only ended the subshell: the guest booted
# without the module (a missing raw_gadget made the hostile tier skip).
selftest_module_list() {
	local kver out rc root conf
	kver=$(. "$here/lib.sh" && kver_glob '*')
	if [ -z "$kver" ]; then
		ko module-list.kernel "no installed kernel with /boot/vmlinuz-* and modules (tools/install-deps.sh vm)"
		return
	fi
	out=$(. "$here/lib.sh" && module_list "$kver" "/lib/modules/$kver" dummy_hcd libcomposite 2>&1)
	rc=$?
	if [ "$rc" = 0 ] && grep -q '/dummy_hcd\.ko' <<<"$out" && grep -q '/libcomposite\.ko' <<<"$out"; then
		ok module-list.resolves
	else
		ko module-list.resolves "rc=$rc: $(tr '\n' '|' <<<"$out")"
	fi
	out=$(. "$here/lib.sh" && module_list "$kver" "/lib/modules/$kver" dummy_hcd cnid_no_such_module 2>&1)
	rc=$?
	if [ "$rc" != 0 ] && grep -q 'cannot resolve module cnid_no_such_module' <<<"$out"; then
		ok module-list.unresolvable-fails
	else
		ko module-list.unresolvable-fails "rc=$rc: $(tr '\n' '|' <<<"$out")"
	fi
	# the whole rig: fails, says why, boots nothing (bounded if it regresses)
	root=$(cd "$here/../.." && pwd)
	conf=$tmp/cnid-selftest-bogus.conf
	printf 'KNAME=cnid-selftest-bogus\nKDEFAULT=0\nKVER=%s\nKMODS="dummy_hcd cnid_no_such_module"\n' \
		"$kver" >"$conf"
	rc=0
	out=$(VM_KERNEL_CONFS=$conf BUILD=$(realpath --relative-to="$root" "$tmp/build") \
		VM_GUEST_BINS= VM_GUEST_FILES= timeout 120 "$here/run.sh" --kernel cnid-selftest-bogus \
		--no-module --only 00-rig --accel tcg --timeout 20 2>&1) || rc=$?
	if [ "$rc" = 1 ] && grep -q 'cannot resolve module cnid_no_such_module' <<<"$out" &&
		grep -q "vm $kver: 0 passed, 1 failed (the initramfs cannot be built" <<<"$out" &&
		[ ! -e "$tmp/build/vm/$kver/last/console.log" ]; then
		ok run.unresolvable-module-fails
	else
		ko run.unresolvable-module-fails "rc=$rc: $(tail -n 5 <<<"$out" | tr '\n' '|')"
	fi
}
selftest_module_list

echo "vm-selftest: $pass passed, $fail failed"
[ "$fail" = 0 ]
