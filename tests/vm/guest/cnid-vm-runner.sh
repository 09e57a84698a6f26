# SPDX-License-Identifier: LGPL-2.1-or-later
# /lib/cnid-vm-runner.sh: how the rig's /init runs one scenario (busybox sh).
# Kept apart from /init so that tests/vm/selftest.sh can run it on the host
# against canned scenarios.  Uses: RES (result channel), stress, tdefault,
# only; updates passed, failed, skipped.  CNID_VM_HOST_TEST=1 skips the USB
# and module cleanup.

# scenario timeouts: '# cnid-vm: timeout=S stress-timeout=S'
scenario_timeout() {
	_key=timeout
	[ "$stress" != 0 ] && _key=stress-timeout
	_t=$(sed -n "s/^# cnid-vm:.*[[:space:]]$_key=\([0-9][0-9]*\).*/\1/p" "$1" | head -n 1)
	if [ -z "$_t" ]; then
		_t=$tdefault
		[ "$stress" != 0 ] && _t=3600
	fi
	echo "$_t"
}
selected() {
	[ -z "$only" ] && return 0
	for _p in $only; do
		case $1 in "$_p"*) return 0 ;; esac
	done
	return 1
}

run_scenario() {
	f=$1
	n=$(basename "$f" .sh)
	t=$(scenario_timeout "$f")
	d=${CNID_VM_RUNDIR:-/tmp/cnid-vm}/$n
	mkdir -p "$d/tmp"
	out=$d/out
	echo "==== scenario $n (timeout ${t}s) at $(uptime_s)s"
	cnid_kmsg "scenario $n start"
	_t0=$(uptime_s)
	mkfifo "$d/fifo"
	tee "$out" <"$d/fifo" &
	teepid=$!
	CNID_VM_SCENARIO=$n CNID_VM_TMP=$d/tmp setsid sh "$f" >"$d/fifo" 2>&1 </dev/null 9>&- &
	pid=$!
	setsid sh -c "sleep $t; echo timeout >$d/timedout
		echo 'cnid-vm: scenario $n timed out after ${t}s; its processes:'
		. ${CNID_VM_LIB:-/lib/cnid-vm.sh}; cnid_dump_group $pid
		kill -TERM -$pid; sleep 3; kill -KILL -$pid" \
		>>"${CNID_VM_DIAG:-/dev/console}" 2>&1 </dev/null 9>&- &
	wdpid=$!
	wait "$pid"
	rc=$?
	kill -KILL -"$wdpid" 2>/dev/null
	# whatever the scenario left running
	kill -TERM -"$pid" 2>/dev/null && usleep 200000
	kill -KILL -"$pid" 2>/dev/null
	i=0
	while kill -0 "$teepid" 2>/dev/null && [ $i -lt 20 ]; do
		usleep 100000
		i=$((i + 1))
	done
	kill "$teepid" 2>/dev/null
	wait "$teepid" 2>/dev/null
	# the taint mask so far: verdict.sh names the scenario that first tainted
	cnid_kmsg "scenario $n end rc=$rc taint=$(cat /proc/sys/kernel/tainted 2>/dev/null)"

	tr -d '\r' <"$out" | grep -E '^TEST [^ ]+ (PASS|FAIL|SKIP)' >"$d/results"
	if [ -f "$d/timedout" ]; then
		echo "TEST $n FAIL timeout after ${t}s" >>"$d/results"
	elif [ "$rc" != 0 ] && ! grep -q '^TEST [^ ]* FAIL' "$d/results"; then
		echo "TEST $n FAIL exit $rc" >>"$d/results"
	elif [ ! -s "$d/results" ]; then
		echo "TEST $n FAIL no-result" >>"$d/results"
	fi
	if [ "${CNID_VM_HOST_TEST:-0}" = 1 ]; then
		:
	elif ! cnid_gadget_cleanup >"$d/cleanup" 2>&1; then
		echo "TEST $n.cleanup FAIL gadget cleanup: $(tr '\n' ' ' <"$d/cleanup")" >>"$d/results"
	fi
	if [ "${CNID_VM_HOST_TEST:-0}" != 1 ] && cnid_module_loaded && ! rmmod cnid >"$d/cleanup" 2>&1; then
		echo "TEST $n.cleanup FAIL rmmod cnid: $(tr '\n' ' ' <"$d/cleanup")" >>"$d/results"
	fi
	if [ "${CNID_VM_HOST_TEST:-0}" != 1 ] && ! cnid_hcd_as_rig; then
		echo "cnid-vm: $n left dummy_hcd changed: reloading it as the rig had it"
		cnid_restore_hcd ||
			echo "TEST $n.cleanup FAIL cannot restore dummy_hcd (is_high_speed=0 num=$CNID_VM_UDCS)" >>"$d/results"
	fi
	while read -r _ _ verdict _; do
		case $verdict in
		PASS) passed=$((passed + 1)) ;;
		FAIL) failed=$((failed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		esac
	done <"$d/results"
	cat "$d/results" >>"$RES"
	echo "CNID-VM-TIME $n $(awk -v a="$_t0" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }')" >>"$RES"
	grep ' FAIL' "$d/results" | sed 's/^/cnid-vm: /'
	echo "==== scenario $n done rc=$rc at $(uptime_s)s"
	feed
}

