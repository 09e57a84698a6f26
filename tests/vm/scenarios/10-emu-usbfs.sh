#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=3600
#
# The virtual reader proven before any driver relies on it: cnid-emu as a
# FunctionFS gadget, driven through raw usbfs (usbfs-client), no cnid.ko.
# Two readers at once, one per pipe mode, each on its own dummy UDC (one
# after the other when the guest has a single UDC).
. /lib/cnid-vm.sh

cnid_emu_env
ITER=$(cnid_iterations 20 500)
UNPLUGS=$(cnid_iterations 2 50)
# Under vmstress, also walk all 2320 packet boundaries of a 30 10 reply.
WALK=
[ "${CNID_VM_STRESS:-0}" != 0 ] && WALK=--walk-all

# Two readers at once (two UDCs): each reader, once set up, waits until both
# are enumerated, notes whether both are (both_enumerated), then runs its
# client, and keeps its gadget plugged until both clients have ended.  Each
# client reads the card among its first checks, long before either client's
# own unplug checks: two readers plugged, a card read through each.
AT_ONCE=0
[ "${CNID_VM_UDCS:-1}" -ge 2 ] && AT_ONCE=1
# enumerated SERIAL: the host sees the 0400:c35a device with that serial.
enumerated() {
	for d in /sys/bus/usb/devices/*; do
		[ "$(cat "$d/idVendor" 2>/dev/null):$(cat "$d/idProduct" 2>/dev/null)" = 0400:c35a ] &&
			[ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] && return 0
	done
	return 1
}
# both_set_up: both readers are set up (or gave up).
both_set_up() {
	for _s in sam0 sam1; do
		[ -e "$CNID_EMU_RUN.$_s.up" ] || [ -e "$CNID_EMU_RUN.$_s.done" ] || return 1
	done
}
# both_enumerated SERIAL SERIAL: prints "yes" or what is missing.
both_enumerated() {
	_miss=
	for _s in "$@"; do enumerated "$_s" || _miss="$_miss $_s"; done
	if [ -z "$_miss" ]; then echo yes; else echo "not enumerated:$_miss"; fi
}
# two_readers_verdict AT_ONCE_FILE... -- MODE=CLIENT_OUTPUT...: "PASS", or
# "FAIL why".
two_readers_verdict() {
	_why=
	while [ "$1" != -- ]; do
		[ "$(cat "$1" 2>/dev/null)" = yes ] ||
			_why="$_why ${1##*.}: $(cat "$1" 2>/dev/null || echo 'never both up')"
		shift
	done
	shift
	for _o in "$@"; do
		grep -qx "TEST emu.${_o%%=*}.read PASS" "${_o#*=}" 2>/dev/null ||
			_why="$_why no card read through the ${_o%%=*} reader"
	done
	if [ -z "$_why" ]; then echo PASS; else echo "FAIL$_why"; fi
}

# reader NAME UDC_INDEX MODE: set up, test, tear down; prints TEST lines.
reader() {
	name=$1 idx=$2 mode=$3 rc=0
	if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
		echo "TEST emu.$mode.setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
		sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
		: >"$CNID_EMU_RUN.$name.done"
		return 1
	fi
	echo "TEST emu.$mode.setup PASS"
	if [ "$AT_ONCE" = 1 ]; then
		: >"$CNID_EMU_RUN.$name.up"
		cnid_wait_for 30 both_set_up
		cnid_wait_for 10 enumerated sam0 && cnid_wait_for 10 enumerated sam1
		both_enumerated sam0 sam1 >"$CNID_EMU_RUN.at-once.$name"
		# planted fault, kept: a second reader that is not there (sam9)
		both_enumerated sam0 sam9 >"$CNID_EMU_RUN.plant.$name"
	fi
	usbfs-client --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
		--card "$CARD" --name "emu.$mode" --iterations "$ITER" --unplugs "$UNPLUGS" $WALK || rc=1
	if [ $rc != 0 ]; then
		echo "--- last lines of the $mode emulator's log:"
		tail -n 40 "$CNID_EMU_RUN/$name/log"
	fi
	# The emulator's log recorded both directions with timestamps.
	if grep -q ' rx ' "$CNID_EMU_RUN/$name/log" && grep -q ' tx ' "$CNID_EMU_RUN/$name/log"; then
		echo "TEST emu.$mode.log PASS"
	else
		echo "TEST emu.$mode.log FAIL no rx/tx lines in the emulator log"
		rc=1
	fi
	: >"$CNID_EMU_RUN.$name.done"
	if [ "$AT_ONCE" = 1 ]; then
		# stay plugged until the other client is done too
		while [ ! -e "$CNID_EMU_RUN.sam0.done" ] || [ ! -e "$CNID_EMU_RUN.sam1.done" ]; do
			usleep 200000
		done
	fi
	if sh "$GADGET" teardown -n "$name"; then
		echo "TEST emu.$mode.teardown PASS"
	else
		echo "TEST emu.$mode.teardown FAIL gadget.sh teardown"
		rc=1
	fi
	return $rc
}

cnid_both_modes reader || _cnid_failed=1
if [ "$AT_ONCE" = 1 ]; then
	R=$CNID_EMU_RUN
	v=$(two_readers_verdict "$R.at-once.sam0" "$R.at-once.sam1" -- split="$R.split.out" single="$R.single.out")
	case $v in
	PASS) cnid_pass emu.two-readers-at-once ;;
	*) cnid_fail emu.two-readers-at-once "${v#FAIL }" ;;
	esac
	# The judge must fail on planted faults: a second reader not enumerated
	# (sam9, looked up at the same moment), a second reader through which no
	# card was read (its client's read check turned to FAIL).
	sed 's/^TEST emu.single.read PASS$/TEST emu.single.read FAIL planted/' "$R.single.out" >"$R.plant.single"
	v1=$(two_readers_verdict "$R.plant.sam0" "$R.at-once.sam1" -- split="$R.split.out" single="$R.single.out")
	v2=$(two_readers_verdict "$R.at-once.sam0" "$R.at-once.sam1" -- split="$R.split.out" single="$R.plant.single")
	case $v1 in
	"FAIL sam0: not enumerated: sam9") cnid_pass emu.two-readers-at-once.catches-absent-reader ;;
	*) cnid_fail emu.two-readers-at-once.catches-absent-reader "judge said '$v1'" ;;
	esac
	case $v2 in
	"FAIL no card read through the single reader") cnid_pass emu.two-readers-at-once.catches-no-card-read ;;
	*) cnid_fail emu.two-readers-at-once.catches-no-card-read "judge said '$v2'" ;;
	esac
else
	cnid_skip emu.two-readers-at-once "one UDC: the readers ran one after the other"
fi
cnid_finish
