#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# make demo-canary: the demo (tests/demo/run.sh) must fail, and name the
# right checks, with planted faults; two guest boots:
#   A. a cnid tool that gives details to anyone and prints `cnid read` as
#      JSON, and a cnidd that writes its record 0644 and never removes it:
#      demo.T.watch-public, demo.T.decoded, demo.T.record,
#      demo.T.record-refused-to-others and demo.T.record-gone must fail
#      for every card type T;
#   B. a cnidd that announces neither card_read nor card_removed to cnid.ko
#      (its log still says it read the card), logs the card's number and
#      is deaf to udev's "remove": demo.T.watch-details, demo.T.uevent,
#      demo.T.uevent-removed, demo.privacy.cnidd.log and demo.cnidd-removed
#      must fail, and demo.T.cnidd-read must still pass.
# Usage: tests/demo/canary.sh OUTDIR KERNEL
# env: CC, CFLAGS_ALL, DAEMON_CFLAGS, CLI_CFLAGS, DAEMON_OBJS, DAEMON_LIBS,
#      LIBCNID, CLI_OBJS_STATIC, CLI_LIBS, CNID_CLI_STATIC, DAEMON_GUEST_DYN,
#      VM_GUEST_BINS, VM_GUEST_FILES, BUILD
set -eu
out=$1 kernel=$2
rm -rf "$out"
mkdir -p "$out/A" "$out/B"
die() { echo "demo-canary: $*" >&2; exit 1; }
TYPES="resident hkmotw_permit foreign_permanent_2017 foreign_permanent_2023"

# plant SRC OUT COUNT SED-ARGS...: OUT is SRC with the edits, which must
# change COUNT lines
plant() {
	_src=$1 _o=$2 _n=$3
	shift 3
	sed "$@" "$_src" >"$_o"
	[ "$(diff "$_src" "$_o" | grep -c '^>')" = "$_n" ] || die "the plants in $_src did not apply"
}
# cnidd_with DIR FILE...: the dynamic cnidd (cnidd-udev) with DIR/FILE.c
# in place of helper/daemon/FILE.c
cnidd_with() {
	_d=$1 _objs=$DAEMON_OBJS
	shift
	for f in "$@"; do
		# shellcheck disable=SC2086
		$CC $CFLAGS_ALL $DAEMON_CFLAGS $CLI_CFLAGS -Ihelper/daemon -c -o "$_d/$f.o" "$_d/$f.c"
		_objs=$(for x in $_objs; do case $x in */helper/daemon/$f.o) echo "$_d/$f.o" ;; *) echo "$x" ;; esac; done)
	done
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL -o "$_d/cnidd-udev" $_objs "$LIBCNID" $DAEMON_LIBS
}
# run_demo DIR BINS FILES: the demo with those guest contents; its TEST lines in DIR/tests
run_demo() {
	_rc=0
	VM_GUEST_BINS=$2 VM_GUEST_FILES=$3 tests/demo/run.sh "$kernel" >"$1/demo.log" 2>&1 || _rc=$?
	res=$(ls -d "${BUILD:-build}"/vm/"$kernel"*/last | head -n 1)/results.log
	grep -a '^TEST demo' "$res" >"$1/tests" || true
	[ "$_rc" != 0 ] || die "the demo passed with the plants of $1 (log: $1/demo.log)"
	echo "demo-canary: $1: make demo's run exits $_rc"
}
expect() { # DIR VERDICT TEST...
	_d=$1 _v=$2
	shift 2
	for t in "$@"; do
		grep -q "^TEST $t $_v" "$_d/tests" || { cat "$_d/tests" >&2; die "$t: not $_v in $_d"; }
	done
	echo "demo-canary: $_d: $_v as planted: $*"
}
each() { for T in $TYPES; do echo "demo.$T.$1"; done; }

# --- A: the tool and the record ---
plant helper/cli/watch.c "$out/A/watch.c" 1 \
	-e 's/details = reader_state(id, devname, \&st) == 0 \&\& st.seq == seq;/details = (reader_state(id, devname, \&st), 1);/'
plant helper/cli/read.c "$out/A/read.c" 1 \
	-e 's/cli_decode_buffer("read", o.name, io.reply, io.reply_len, o.json,/cli_decode_buffer("read", o.name, io.reply, io.reply_len, true,/'
objs=$CLI_OBJS_STATIC
for f in watch read; do
	# shellcheck disable=SC2086
	$CC $CFLAGS_ALL $CLI_CFLAGS -Ihelper/cli -c -o "$out/A/$f.o" "$out/A/$f.c"
	objs=$(for x in $objs; do case $x in */helper/cli/$f.o) echo "$out/A/$f.o" ;; *) echo "$x" ;; esac; done)
done
mkdir -p "$out/A/bin"
# shellcheck disable=SC2086
$CC $CFLAGS_ALL -static -o "$out/A/bin/cnid" $objs "$LIBCNID" $CLI_LIBS -lpthread -lm 2>/dev/null
plant helper/daemon/record.c "$out/A/record.c" 2 \
	-e 's/fchmod(fd, 0640)/fchmod(fd, 0644)/' \
	-e 's/if (record_path(r, path, sizeof(path)) == 0 \&\& unlink(path) < 0/if (record_path(r, path, sizeof(path)) == 0 \&\& 0/'
cnidd_with "$out/A" record
binsA=$(for b in $VM_GUEST_BINS; do [ "$b" = "$CNID_CLI_STATIC" ] && echo "$out/A/bin/cnid" || echo "$b"; done)
filesA=$(for f in $VM_GUEST_FILES; do [ "$f" = "$DAEMON_GUEST_DYN/cnidd-udev" ] && echo "$out/A/cnidd-udev" || echo "$f"; done)
# shellcheck disable=SC2086,SC2116 # (one line, space separated)
run_demo "$out/A" "$(echo $binsA)" "$(echo $filesA)"
# shellcheck disable=SC2046
expect "$out/A" FAIL $(each watch-public) $(each decoded) $(each record) $(each record-refused-to-others) $(each record-gone)

# --- B: the daemon's announcements, its log, udev's remove ---
plant helper/daemon/announce.c "$out/B/announce.c" 1 \
	-e 's/^\tif (!an || an->srv < 0)$/\tif (!an || an->srv < 0 || a->event == CNID_NL_EVENT_CARD_READ || a->event == CNID_NL_EVENT_CARD_REMOVED)/'
plant helper/daemon/reader.c "$out/B/reader.c" 1 \
	-e 's/^\tr->reads++;/\tr->reads++; log_info("%s", cnid_card_get_field(r->card_data, CNID_F_NUMBER));/'
plant helper/daemon/devices.c "$out/B/devices.c" 1 \
	-e 's/if (action \&\& !strcmp(action, "remove"))/if (0)/'
cnidd_with "$out/B" announce reader devices
filesB=$(for f in $VM_GUEST_FILES; do [ "$f" = "$DAEMON_GUEST_DYN/cnidd-udev" ] && echo "$out/B/cnidd-udev" || echo "$f"; done)
# shellcheck disable=SC2086,SC2116
run_demo "$out/B" "$VM_GUEST_BINS" "$(echo $filesB)"
# shellcheck disable=SC2046
expect "$out/B" FAIL $(each watch-details) $(each uevent) $(each uevent-removed) demo.privacy.cnidd.log demo.cnidd-removed
# shellcheck disable=SC2046
expect "$out/B" PASS $(each cnidd-read)
echo "demo-canary: every planted fault caught"
