#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make daemon-vm-canary: the QEMU scenario 40-daemon must fail with a
# cnidd built with two planted faults: a read committed without its
# confirming select (a card pulled mid-read gets a record and card_read)
# and the card's number in the log (the guest's privacy scan); and with a
# cnid tool that prints details for a reader the user may not open.  The
# scenario 41-daemon-udev must fail with a dynamic cnidd whose udev code
# neither enumerates the readers present at its start nor hears "remove".
# Two more boots: 40-daemon with a cnidd that waits for each reply: with one
# of its four readers stalled, the others' rounds must exceed the bound
# (daemon.four.stalled-delays-nobody); 32-daemon-latency
# with a cnidd that sleeps 200 ms before announcing a card: its latency gate
# must fail (bench.daemon-latency); 42-daemon-usb-serial on QEMU's xHCI
# (DAEMON_VM_CANARY_SERIAL, default xhci:6.12) with the udev-deaf cnidd: the
# tagged tty's attach and removal must fail to show.
#
# Usage: tests/daemon/vm-canary.sh OUTDIR KERNEL
# env: CC, CFLAGS_ALL, DAEMON_CFLAGS, CLI_CFLAGS, DAEMON_OBJS_STATIC, LIBCNID,
#      CNIDD_STATIC, CLI_OBJS_STATIC, CLI_LIBS, CNID_CLI_STATIC, VM_GUEST_BINS,
#      VM_GUEST_FILES, VM_GUEST_DYN_BINS, DAEMON_OBJS, DAEMON_LIBS, DAEMON_GUEST_DYN,
#      DAEMON_VM_CANARY_SERIAL
set -eu
out=$1 kernel=$2
rm -rf "$out"
mkdir -p "$out"
src=helper/daemon/reader.c
sed -e 's/if (e == 0 \&\& memcmp(serial, r->serial_new, 8) == 0) {/if (1) {/' \
	-e 's/^\tr->reads++;/\tr->reads++; log_info("%s", cnid_card_get_field(r->card_data, CNID_F_NUMBER));/' \
	"$src" >"$out/reader.c"
[ "$(diff "$src" "$out/reader.c" | grep -c '^>')" = 2 ] || { echo "daemon-vm-canary: the plants did not apply" >&2; exit 1; }
others=$(for x in $DAEMON_OBJS_STATIC; do case $x in */reader.o) ;; *) echo "$x" ;; esac; done)
# shellcheck disable=SC2086
$CC $CFLAGS_ALL $DAEMON_CFLAGS $CLI_CFLAGS -Ihelper/daemon -DCNIDD_NO_UDEV -DCNIDD_NO_PLUGIN \
	-c -o "$out/reader.o" "$out/reader.c"
mkdir -p "$out/bin"
# shellcheck disable=SC2086
$CC $CFLAGS_ALL -static -o "$out/bin/cnidd" "$out/reader.o" $others "$LIBCNID" -ljson-c -lnettle 2>/dev/null
sed 's/details = reader_state(id, devname, \&st) == 0 \&\& st.seq == seq;/details = (reader_state(id, devname, \&st), 1);/' \
	helper/cli/watch.c >"$out/watch.c"
cmp -s helper/cli/watch.c "$out/watch.c" && { echo "daemon-vm-canary: the watch.c plant did not apply" >&2; exit 1; }
# shellcheck disable=SC2086
$CC $CFLAGS_ALL $CLI_CFLAGS -Ihelper/cli -c -o "$out/watch.o" "$out/watch.c"
others=$(for x in $CLI_OBJS_STATIC; do case $x in */watch.o) ;; *) echo "$x" ;; esac; done)
# shellcheck disable=SC2086
$CC $CFLAGS_ALL -static -o "$out/bin/cnid" "$out/watch.o" $others "$LIBCNID" $CLI_LIBS -lpthread -lm 2>/dev/null
bins=$(for b in $VM_GUEST_BINS; do
	case $b in
	"$CNIDD_STATIC") echo "$out/bin/cnidd" ;;
	"$CNID_CLI_STATIC") echo "$out/bin/cnid" ;;
	*) echo "$b" ;;
	esac
done)
# the udev build: no enumeration, deaf to "remove"
sed -e 's/^\tudev_enumerate_scan_devices(en);/\t(void)0;/' \
	-e 's/if (action \&\& !strcmp(action, "remove"))/if (0)/' \
	helper/daemon/devices.c >"$out/devices.c"
[ "$(diff helper/daemon/devices.c "$out/devices.c" | grep -c '^>')" = 2 ] ||
	{ echo "daemon-vm-canary: the devices.c plants did not apply" >&2; exit 1; }
# shellcheck disable=SC2086
$CC $CFLAGS_ALL $DAEMON_CFLAGS $CLI_CFLAGS -Ihelper/daemon -c -o "$out/devices.o" "$out/devices.c"
others=$(for x in $DAEMON_OBJS; do case $x in */devices.o) ;; *) echo "$x" ;; esac; done)
mkdir -p "$out/dyn"
# shellcheck disable=SC2086
$CC $CFLAGS_ALL -o "$out/dyn/cnidd-udev" "$out/devices.o" $others "$LIBCNID" $DAEMON_LIBS
files=$(for f in $VM_GUEST_FILES; do
	[ "$f" = "$DAEMON_GUEST_DYN/cnidd-udev" ] && echo "$out/dyn/cnidd-udev" || echo "$f"
done)
rc=0
VM_GUEST_BINS=$(echo $bins) VM_GUEST_FILES=$(echo $files) \
	tests/vm/run.sh --kernel "$kernel" --only 40-daemon,41-daemon >"$out/vm.log" 2>&1 || rc=$?
res=$(ls -d build/vm/"$kernel"*/last 2>/dev/null | head -n 1)/results.log
grep -a '^TEST daemon' "$res" >"$out/tests" || true
if [ "$rc" = 0 ]; then
	echo "daemon-vm-canary: 40-daemon PASSED with the planted cnidd" >&2
	exit 1
fi
for t in daemon.pulled.read-failed daemon.pulled.no-record daemon.privacy.cnidd.log daemon.cnid-watch \
	daemon-udev.enumerated daemon-udev.sam0-removed; do
	grep -q "^TEST $t FAIL" "$out/tests" ||
		{ echo "daemon-vm-canary: $t did not fail:" >&2; cat "$out/tests" >&2; exit 1; }
	echo "daemon-vm-canary: $(grep "^TEST $t FAIL" "$out/tests" | cut -c1-150)"
done
# planted_boot NAME FILE SED SCENARIO TEST: a static cnidd with FILE
# (helper/daemon/X.c) changed by SED, booted with SCENARIO alone; TEST must fail.
planted_boot() {
	_n=$1 _f=$2 _sed=$3 _scen=$4 _t=$5 _b=$(basename "$2" .c)
	mkdir -p "$out/$_n"
	sed -e "$_sed" "$_f" >"$out/$_n/$_b.c"
	! cmp -s "$_f" "$out/$_n/$_b.c" || { echo "daemon-vm-canary: the $_n plant did not apply" >&2; exit 1; }
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL $DAEMON_CFLAGS $CLI_CFLAGS -Ihelper/daemon -I"$(dirname "$_f")" -DCNIDD_NO_UDEV \
		-DCNIDD_NO_PLUGIN -c -o "$out/$_n/$_b.o" "$out/$_n/$_b.c"
	_o=$(for x in $DAEMON_OBJS_STATIC; do case $x in */"$_b.o") ;; *) echo "$x" ;; esac; done)
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL -static -o "$out/$_n/cnidd" "$out/$_n/$_b.o" $_o "$LIBCNID" -ljson-c -lnettle 2>/dev/null
	_bins=$(for x in $VM_GUEST_BINS; do [ "$x" = "$CNIDD_STATIC" ] && echo "$out/$_n/cnidd" || echo "$x"; done)
	_rc=0
	VM_GUEST_BINS=$(echo $_bins) tests/vm/run.sh --kernel "$kernel" --only "$_scen" >"$out/vm-$_n.log" 2>&1 || _rc=$?
	grep -a '^TEST ' "$res" >"$out/tests-$_n" || true
	if [ "$_rc" = 0 ] || ! grep -q "^TEST $_t FAIL" "$out/tests-$_n"; then
		echo "daemon-vm-canary: $_t did not fail with the $_n plant (exit $_rc):" >&2
		grep -a '^TEST ' "$out/tests-$_n" >&2
		exit 1
	fi
	echo "daemon-vm-canary: $_n: $(grep "^TEST $_t FAIL" "$out/tests-$_n" | cut -c1-200)"
}
# 40-daemon with a cnidd that waits for each reply (the host canary's
# sync-wait, a poll() on the reader after each request, up to its deadline):
# with one of four readers stalled, the others must be seen to wait.  (The
# host's blocking-io plant is no canary here: cnidd writes to /dev/cnidN only
# when epoll says so and reads only when a reply is there, so a blocking
# file never blocks it; 40-daemon passed with it.)
planted_boot sync-wait "$src" \
	's/#include <errno.h>/#include <errno.h>\n#include <poll.h>/;s/^\tr->transactions++;/\tr->transactions++; { struct pollfd p = { r->io.fd, POLLIN, 0 }; poll(\&p, 1, (int)t); }/' \
	40-daemon daemon.four.stalled-delays-nobody
grep -a "round\|stalled, " "$(dirname "$res")/console.log" | sed 's/^ */daemon-vm-canary: sync-wait: /'
# 32-daemon-latency with a cnidd that sleeps 200 ms before announcing a card
planted_boot slow-announce helper/daemon/announce.c \
	's/^\tlog_event(r, a);/\tif (a->event == CNID_NL_EVENT_CARD_READ) usleep(200000);\n\tlog_event(r, a);/' \
	32-daemon bench.daemon-latency
# 42-daemon-usb-serial (on QEMU's xHCI, DAEMON_VM_CANARY_SERIAL) with the
# udev-deaf cnidd above: the tagged ttyUSB0 present at its start must not be
# seen attached, its unplug not seen removed
hk=${DAEMON_VM_CANARY_SERIAL:-xhci:6.12}
rc=0
VM_GUEST_BINS=$(echo $VM_GUEST_BINS) VM_GUEST_FILES=$(echo $files) \
	tests/vm/run.sh --hcd "${hk%%:*}" --kernel "${hk#*:}" --only 42-daemon >"$out/vm-serial.log" 2>&1 || rc=$?
res=$(ls -d build/vm/"${hk#*:}"*/last-"${hk%%:*}" 2>/dev/null | head -n 1)/results.log
grep -a '^TEST ' "$res" >"$out/tests-serial" || true
for t in daemon-serial.attached daemon-serial.unplug-removed; do
	if [ "$rc" = 0 ] || ! grep -q "^TEST $t FAIL" "$out/tests-serial"; then
		echo "daemon-vm-canary: $t did not fail with the udev-deaf cnidd (exit $rc):" >&2
		cat "$out/tests-serial" >&2
		exit 1
	fi
	echo "daemon-vm-canary: udev-deaf: $(grep "^TEST $t FAIL" "$out/tests-serial" | cut -c1-150)"
done
echo "daemon-vm-canary: every planted fault caught by 40-daemon, 41-daemon-udev, 32-daemon-latency and 42-daemon-usb-serial"
