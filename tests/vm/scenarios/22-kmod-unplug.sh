#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=900 stress-timeout=7200
#
# cnid.ko and hot-unplug: the device leaves in the middle of a reply, and
# during a blocked read(), a blocked transaction and a poll() at once,
# then comes back as a new /dev/cnidN.  `make check` runs a few dozen
# cycles per kernel; `make vmstress` runs 1,000 per pipe mode and prints
# how many survived ("unplug cycles survived: N of M").
#
# Then what is left: with the second reader unplugged for good, exactly one
# /dev/cnid* node and exactly one reader in `cnid-nl dump` (lines "reader
# ..."), the same one (kmod.unplug.one-reader-left); then rmmod with that
# reader plugged (no node left), insmod again (the module probes the
# plugged reader) and a card read through it, byte for byte
# (kmod.unplug.reinsmod.read).
# Planted faults, each judge must fail on them (kept in the suite):
#   - the count judge, fed the state while the second reader is still
#     plugged: two nodes, two readers (kmod.unplug.left-judge-sees-two);
#   - the read after re-insmod, run before the insmod (module not loaded):
#     it must fail (kmod.unplug.read-judge-needs-module).
. /lib/cnid-vm.sh

cnid_emu_env
CYCLES=$(cnid_iterations 15 1000)
T=$CNID_VM_TMP

cnid_check kmod.load cnid_load || cnid_finish

# reader NAME UDC MODE: the unplug cycles; the gadget stays plugged (the
# counts below need it).  With one UDC the previous mode's reader goes first.
reader() {
	name=$1 idx=$2 mode=$3 rc=0
	sh "$GADGET" teardown -n "$name" >/dev/null 2>&1
	if ! sh "$GADGET" setup -n "$name" -u "$idx" -m "$mode" -c "$CARD" >"$CNID_EMU_RUN.$name.setup" 2>&1; then
		echo "TEST kmod.unplug.$mode.setup FAIL $(tail -n 3 "$CNID_EMU_RUN.$name.setup" | tr '\n' ' ')"
		return 1
	fi
	kmod-test --serial "$name" --mode "$mode" --ctl "$CNID_EMU_RUN/$name/ctl" \
		--card "$CARD" --name "kmod.unplug.$mode" --cycles "$CYCLES" unplug || rc=1
	return $rc
}

# snapshot PREFIX: the nodes (PREFIX.nodes) and the dump (PREFIX.dump) now.
snapshot() {
	ls /dev | grep '^cnid[0-9]' >"$1.nodes"
	cnid-nl dump >"$1.dump" 2>&1 || echo "cnid-nl dump failed: exit $?" >>"$1.dump"
}
# left_judge PREFIX: exactly one node, exactly one reader in the dump, and
# that reader is the node's.  Prints why not; exit 1 then.
left_judge() {
	_nodes=$(grep -c . "$1.nodes")
	_readers=$(grep -c '^reader ' "$1.dump")
	_node=$(head -n 1 "$1.nodes")
	if [ "$_nodes" != 1 ] || [ "$_readers" != 1 ]; then
		echo "$_nodes node(s) ($(tr '\n' ' ' <"$1.nodes")), $_readers reader(s) in cnid-nl dump"
		return 1
	fi
	if ! grep -q "^reader .* devname=$_node " "$1.dump"; then
		echo "the dump's reader is not $_node: $(grep '^reader ' "$1.dump" | cut -c 1-80)"
		return 1
	fi
	return 0
}
# judge NAME PREFIX: left_judge as a result line.
judge() {
	if _why=$(left_judge "$2"); then cnid_pass "$1"; else cnid_fail "$1" "$_why"; fi
}

cnid_both_modes reader || _cnid_failed=1

# The planted fault: a second reader still plugged must fail the count.
if [ "${CNID_VM_UDCS:-1}" -ge 2 ]; then
	snapshot "$T/two"
	left=sam0 lmode=split
else	# one UDC: plant the second reader into the judge's input instead
	snapshot "$T/one"
	cat "$T/one.nodes" "$T/one.nodes" >"$T/two.nodes"
	cat "$T/one.dump" "$T/one.dump" >"$T/two.dump"
	left=sam0 lmode=single
fi
if why=$(left_judge "$T/two"); then
	cnid_fail kmod.unplug.left-judge-sees-two "the judge passed two readers: $(tr '\n' ' ' <"$T/two.nodes")"
else
	echo "TEST kmod.unplug.left-judge-sees-two PASS  # planted: $why"
fi

# The real check: the other reader gone, one node and one reader are left.
if [ "${CNID_VM_UDCS:-1}" -ge 2 ]; then
	sh "$GADGET" teardown -n sam1 >/dev/null 2>&1
	cnid_wait_for 10 sh -c '[ "$(ls /dev | grep -c "^cnid[0-9]")" -le 1 ]'
fi
snapshot "$T/left"
judge kmod.unplug.one-reader-left "$T/left"

# rmmod with the reader plugged; nothing of it may stay.
cnid_check kmod.unload-after-unplugs cnid_unload
cnid_check kmod.unplug.no-node-after-rmmod sh -c '! ls /dev | grep -q "^cnid[0-9]"'

# The planted fault for the read judge: no module, so it must fail.
rc=0
kmod-test --serial "$left" --mode "$lmode" --ctl "$CNID_EMU_RUN/$left/ctl" --card "$CARD" \
	--name planted --wait 500 read >"$T/planted" 2>&1 || rc=$?
if [ "$rc" != 0 ] && ! grep -q '^TEST planted.read PASS' "$T/planted"; then
	echo "TEST kmod.unplug.read-judge-needs-module PASS  # planted: exit $rc, $(grep -m 1 FAIL "$T/planted" | cut -c 6-80)"
else
	sed 's/^/  planted: /' "$T/planted"
	cnid_fail kmod.unplug.read-judge-needs-module "a card read passed with no module loaded (exit $rc)"
fi

# insmod again: it probes the plugged reader, and a card read works.
cnid_check kmod.unplug.reinsmod cnid_load || cnid_finish
kmod-test --serial "$left" --mode "$lmode" --ctl "$CNID_EMU_RUN/$left/ctl" --card "$CARD" \
	--name kmod.unplug.reinsmod read || _cnid_failed=1
sh "$GADGET" teardown -n "$left" >/dev/null 2>&1
cnid_check kmod.unload-at-end cnid_unload
cnid_finish
