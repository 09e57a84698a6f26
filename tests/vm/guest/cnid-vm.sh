# SPDX-License-Identifier: LGPL-2.1-or-later
# /lib/cnid-vm.sh: helpers for the scenarios of the QEMU rig (busybox sh).
# Source it first: `. /lib/cnid-vm.sh`.  The contract is tests/vm/README.md.

: "${CNID_VM_UDCS:=2}"
: "${CNID_VM_STRESS:=0}"
: "${CNID_TEST_DIR:=/usr/share/cnid-test}"
: "${CNID_VM_TMP:=/tmp}"
CNID_MODULE=/lib/modules/cnid.ko
CNID_GADGETS=/sys/kernel/config/usb_gadget
_cnid_failed=0

# Result lines (see README): one word names, a free-text reason.
cnid_pass() { echo "TEST $1 PASS"; }
cnid_skip() {
	_n=$1
	shift
	echo "TEST $_n SKIP $*"
}
cnid_fail() {
	_n=$1
	shift
	echo "TEST $_n FAIL ${*:-failed}"
	_cnid_failed=1
}
# cnid_check NAME CMD...: PASS when CMD succeeds, else FAIL; returns CMD's
# exit status, so `cnid_check NAME CMD || cnid_finish` stops the scenario.
# CMD is one simple command: `cnid_check N [ a ] && [ b ]` checks only the
# first test (use sh -c '...' for a compound condition).
cnid_check() {
	_n=$1
	shift
	if "$@"; then _ck_rc=0; else _ck_rc=$?; fi
	if [ "$_ck_rc" = 0 ]; then
		cnid_pass "$_n"
	else
		cnid_fail "$_n" "exit $_ck_rc from: $*"
	fi
	return "$_ck_rc"
}
# cnid_finish: the scenario's exit status (1 when anything failed).
cnid_finish() { exit "$_cnid_failed"; }
cnid_failed() { [ "$_cnid_failed" != 0 ]; }

# cnid_kmsg TEXT: a marker line in the kernel log.
cnid_kmsg() { echo "cnid-vm: $*" >/dev/kmsg 2>/dev/null || true; }

# cnid_iterations NORMAL STRESS: how many times to loop.
cnid_iterations() {
	case $CNID_VM_STRESS in
	'' | 0) echo "$1" ;;
	1) echo "$2" ;;
	*) echo "$CNID_VM_STRESS" ;;
	esac
}

# cnid_wait_for TIMEOUT_S CMD...: poll CMD every 0.1 s until it succeeds.
cnid_wait_for() {
	_t=$(($1 * 10))
	shift
	while [ "$_t" -gt 0 ]; do
		"$@" && return 0
		usleep 100000
		_t=$((_t - 1))
	done
	"$@"
}

# cnid_emu_env: what every scenario that runs the virtual reader as a gadget
# sets up: GADGET (gadget.sh), CARD (the default card description) and the
# exported, created run directory CNID_EMU_RUN.
cnid_emu_env() {
	GADGET=$CNID_TEST_DIR/gadget.sh
	CARD=$CNID_TEST_DIR/resident-fp2.card
	export CNID_EMU_RUN="$CNID_VM_TMP/emu"
	mkdir -p "$CNID_EMU_RUN"
}

# cnid_both_modes FUNC [ARGS...]: run "FUNC NAME UDC_INDEX MODE ARGS..." for a
# split-pipe and a single-pipe reader.  With two UDCs (CNID_VM_UDCS >= 2) both
# run at once, sam0 on UDC 0 and sam1 on UDC 1, their output kept in
# $CNID_EMU_RUN.split.out / .single.out and printed in that order when both
# are done; with one UDC, sam0 on UDC 0 in one mode after the other.
# Returns 1 when either run failed.
cnid_both_modes() {
	_bm_fn=$1 _bm_rc=0
	shift
	if [ "${CNID_VM_UDCS:-1}" -ge 2 ]; then
		"$_bm_fn" sam0 0 split "$@" >"$CNID_EMU_RUN.split.out" 2>&1 &
		_bm_p1=$!
		"$_bm_fn" sam1 1 single "$@" >"$CNID_EMU_RUN.single.out" 2>&1 &
		_bm_p2=$!
		wait $_bm_p1 || _bm_rc=1
		wait $_bm_p2 || _bm_rc=1
		cat "$CNID_EMU_RUN.split.out" "$CNID_EMU_RUN.single.out"
	else
		"$_bm_fn" sam0 0 split "$@" || _bm_rc=1
		"$_bm_fn" sam0 0 single "$@" || _bm_rc=1
	fi
	return $_bm_rc
}

# The module: present in the image when kmod/ had sources.
cnid_have_module() { [ -f "$CNID_MODULE" ]; }
cnid_module_loaded() { grep -q '^cnid ' /proc/modules; }
cnid_load() {
	cnid_have_module || {
		echo "cnid_load: no $CNID_MODULE in this image" >&2
		return 1
	}
	cnid_module_loaded && return 0
	insmod "$CNID_MODULE" "$@"
}
cnid_unload() {
	cnid_module_loaded || return 0
	rmmod cnid
}

# UDCs of dummy_hcd, and the first one no gadget is bound to.
cnid_udcs() { ls /sys/class/udc 2>/dev/null; }
cnid_free_udc() {
	for _u in $(cnid_udcs); do
		if ! cat "$CNID_GADGETS"/*/UDC 2>/dev/null | grep -qx "$_u"; then
			echo "$_u"
			return 0
		fi
	done
	return 1
}

# cnid_gadget_cleanup: unbind and remove every configfs gadget and unmount
# every functionfs; the state every scenario starts from.  Kill the
# FunctionFS programs first (the runner does, between scenarios).
cnid_gadget_cleanup() {
	_rc=0
	for _g in "$CNID_GADGETS"/*/; do
		[ -d "$_g" ] || continue
		[ -n "$(cat "$_g/UDC" 2>/dev/null)" ] && { echo "" >"$_g/UDC" || _rc=1; }
		for _l in "$_g"configs/*/* "$_g"os_desc/*; do
			[ -L "$_l" ] && rm -f "$_l"
		done
	done
	awk '$3 == "functionfs" { print $2 }' /proc/mounts |
		while read -r _m; do umount "$_m" || umount -l "$_m"; done
	for _g in "$CNID_GADGETS"/*/; do
		[ -d "$_g" ] || continue
		for _d in "$_g"configs/*/strings/*/ "$_g"configs/*/ "$_g"functions/*/ \
			"$_g"strings/*/; do
			[ -d "$_d" ] && { rmdir "$_d" 2>/dev/null || _rc=1; }
		done
		rmdir "$_g" || _rc=1
	done
	return "$_rc"
}

# dummy_hcd as the rig loads it (full speed, CNID_VM_UDCS UDCs).  A scenario
# may reload it otherwise (cnid_reload_hcd is_high_speed=1 num=1); the
# runner puts it back (cnid_restore_hcd) before the next scenario.
CNID_HCD_KO=/lib/modules/rig/dummy_hcd.ko
cnid_reload_hcd() {
	[ -f "$CNID_HCD_KO" ] || return 1	# built in: cannot
	if grep -q '^dummy_hcd ' /proc/modules; then rmmod dummy_hcd || return 1; fi
	insmod "$CNID_HCD_KO" "$@"
}
cnid_hcd_as_rig() {
	[ "$(cat /sys/module/dummy_hcd/parameters/is_high_speed 2>/dev/null)" = N ] &&
		[ "$(cnid_udcs | wc -l)" = "$CNID_VM_UDCS" ]
}
cnid_restore_hcd() {
	cnid_hcd_as_rig && return 0
	cnid_reload_hcd is_high_speed=0 num="$CNID_VM_UDCS" && cnid_hcd_as_rig
}

# cnid_want_udcs N: room for N virtual readers (gadget.sh setup -u 0..N-1).
# On dummy_hcd, with fewer UDCs than N, dummy_hcd is reloaded with num=N (no
# gadget may be bound yet; the runner restores the rig's count after the
# scenario).  On QEMU's controllers the slots are the usb-redir devices
# run.sh made (--udcs N).  Returns 1 when N readers cannot be had.
cnid_want_udcs() {
	case ${CNID_VM_HCD:-dummy} in
	dummy)
		[ "$(cnid_udcs | wc -l)" -ge "$1" ] && return 0
		cnid_reload_hcd is_high_speed=0 num="$1" || return 1
		cnid_wait_for 5 sh -c "[ \$(ls /sys/class/udc | wc -l) -ge $1 ]"
		;;
	*) [ "${CNID_VM_UDCS:-1}" -ge "$1" ] ;;
	esac
}

# cnid_dump_group PGID: what each process of a process group is doing, with
# its kernel stack (for a scenario that timed out).
cnid_dump_group() {
	_pg=$1
	for _s in /proc/[0-9]*/stat; do
		_p=${_s#/proc/}
		_p=${_p%/stat}
		# fields after the ")" of comm: state ppid pgrp
		set -- $(sed 's/.*) //' "$_s" 2>/dev/null)
		[ "${3:-x}" = "$_pg" ] || continue
		echo "-- pid $_p state $1: $(tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null)"
		echo "   wchan $(cat "/proc/$_p/wchan" 2>/dev/null)"
		sed 's/^/   /' "/proc/$_p/stack" 2>/dev/null
	done
}

# cnid_as_user CMD ARGS...: run CMD as the unprivileged user cnidtest
# (uid/gid 1000, supplementary groups plugdev and cnid, no capabilities).
# CNID_VM_USER=name picks another user of /etc/passwd.  (busybox setpriv
# has no --reuid: this goes through busybox su, which root may use without
# a password; "--" keeps su from taking CMD's own options, e.g. sh -c.)
cnid_as_user() {
	su -s /bin/sh -c 'exec "$@"' -- "${CNID_VM_USER:-cnidtest}" cnid_as_user "$@"
}
