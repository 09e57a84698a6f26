#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-log.sh [FILE...]: print every kernel report found in guest kernel
# logs (console output or a dmesg dump; stdin without FILE) and exit 1 if
# there is any.  Only kernel lines count, i.e. lines carrying a printk
# timestamp "[   12.345678]" (anywhere: on a serial console a kernel message
# may start in the middle of a line a program was writing); the rig's own
# "cnid-vm:" markers are not reports.  Exit 0: clean; 1: reports; 2: the
# checker itself failed (unreadable log, awk or grep error).
# tests/vm/selftest.sh proves it trips.
set -eu

# One extended regular expression per line; case-sensitive.
PATTERNS='BUG:
BUG [a-z0-9_-]+ \(
kernel BUG
WARNING:
Oops
general protection
Poison overwritten
Redzone
Object padding
Padding overwritten
Freepointer corrupt
Kernel panic
blocked for more than
soft lockup
hard LOCKUP
hung task
rcu: INFO: .*stall
self-detected stall
detected (expedited )?stalls on
INFO: rcu_[a-z_]+ detected stalls
rcu_[a-z_]+ kthread (starved|timer wakeup didn)
KASAN
UBSAN
KFENCE
possible circular locking
possible recursive locking
inconsistent lock state
suspicious RCU usage
sleeping function called from invalid context
scheduling while atomic
list_add corruption
list_del corruption
refcount_t:
unreferenced object
kmemleak: [0-9]+ new suspected
Call Trace
ODEBUG:
trying to register non-static key
double fault
stack-protector
softdog: Initiating panic
Software Watchdog Timer expired'

tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.in" "$tmp.k" "$tmp.hits"' EXIT
printf '%s\n' "$PATTERNS" >"$tmp"
# Exit 2, not 0, when the checker itself fails (a file that cannot be read,
# an awk or grep error): a checker that cannot look must not say "clean".
die() { echo "check-log.sh: $*" >&2; exit 2; }

cat "$@" >"$tmp.in" || die "cannot read the log(s): $*"
tr -d '\r' <"$tmp.in" >"$tmp.k" || die "tr failed"
# grep: 0 kernel lines found, 1 none (an empty log is clean), 2+ an error.
rc=0
grep -E '\[ *[0-9]+\.[0-9]+\]' "$tmp.k" >"$tmp.in" || rc=$?
[ "$rc" -le 1 ] || die "grep failed (exit $rc)"

# Each report is printed once, from its timestamp on, with the scenario
# during which it appeared (from the runner's "cnid-vm: scenario" markers).
# The awk program ends with "checked N" on its last line: no such line (an
# awk that died or printed nothing) is an error too.
rc=0
npat=$(wc -l <"$tmp") || die "wc failed"
awk -v pf="$tmp" -v npat="$npat" '
BEGIN {
	while ((r = (getline p < pf)) > 0) pats[n++] = p
	if (r < 0 || n != npat + 0 || n == 0) { print "cannot read the patterns" > "/dev/stderr"; exit 2 }
	at = "boot"
}
/cnid-vm: scenario [^ ]+ start/ {
	s = $0; sub(/.*cnid-vm: scenario /, "", s); sub(/ .*/, "", s)
	at = "during scenario " s; next
}
/cnid-vm: scenario [^ ]+ end/ {
	s = $0; sub(/.*cnid-vm: scenario /, "", s); sub(/ .*/, "", s)
	at = "after scenario " s; next
}
/cnid-vm: |ommand line|passed to user space/ { next }
{
	for (i = 0; i < n; i++) {
		if ($0 !~ pats[i]) continue
		line = $0
		if (match(line, /\[ *[0-9]+\.[0-9]+\]/)) line = substr(line, RSTART)
		if (!seen[line]++) print line "   <- " at
		break
	}
}
END { if (n) print "checked " NR }' "$tmp.in" >"$tmp.hits" || rc=$?
[ "$rc" = 0 ] || die "awk failed (exit $rc)"
last=$(tail -n 1 "$tmp.hits")
case $last in
"checked "[0-9]*) ;;
*) die "awk printed no closing line" ;;
esac
sed '$d' "$tmp.hits" >"$tmp.in" || die "sed failed"
if [ -s "$tmp.in" ]; then
	cat "$tmp.in"
	exit 1
fi
exit 0
