#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=420
# (a passing run takes ~40 s; one whose events do not come waits each out:
# ~4 min under load, make demo-canary)
#
# make demo's guest part (tests/demo/run.sh boots it with tests/vm/run.sh
# --scenario): what a user of a machine with a reader sees.  cnid.ko is
# loaded, cnidd (dynamic, libudev, as installed) waits for readers, the
# virtual reader is plugged in (realistic delays: find 20 ms, select 20 ms,
# read 600 ms; cnidd polls every 500 ms as configured by default), and the
# four card types are presented in turn.  For each it shows, and checks:
# the events of `cnid watch` as a user in no group (public: no details) and
# as a member of group cnid (type, validity), the uevent as udev passes it
# on (udevadm monitor), the record file /run/cnid/cnidN.json (0640, group
# cnid) and the card in the human format (`cnid read` as the member).  Any
# expected event missing is a FAIL line, so the rig fails the run and
# `make demo` exits non-zero.  All cards are synthetic (tests/emu/cards).
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
W=$CNID_TEST_DIR
G=$(sed -n 's/^cnid:x:\([0-9]*\):.*/\1/p' /etc/group)
LOG=$T/cnidd.log
CTL=$CNID_EMU_RUN/sam0/ctl
emu() { cnid-emu ctl "$CTL" "$@" >/dev/null; }
# only the show on the console, not the kernel's messages
dmesg -n 1 2>/dev/null

# shellcheck disable=SC2154 # _from: set by eval
# since FILE: what came into FILE since the last look at it (by line
# count) into $T/new; not in a pipeline or $(...), it remembers how far
# it read
since() {
	_k=$(echo "$1" | tr -c 'a-zA-Z0-9\n' _)
	eval "_from=\${_seen_$_k:-0}"
	_to=$(wc -l <"$1")
	tail -n "+$((_from + 1))" "$1" | head -n "$((_to - _from))" >"$T/new"
	eval "_seen_$_k=$_to"
}
mark_all() { for _f in "$LOG" "$T/watch.nobody" "$T/watch.member" "$T/uev"; do since "$_f"; done; }
seen() { # FILE PATTERN: PATTERN (grep -E) in what came into FILE since mark_all
	_k=$(echo "$1" | tr -c 'a-zA-Z0-9\n' _)
	eval "_from=\${_seen_$_k:-0}"
	tail -n "+$((_from + 1))" "$1" | grep -Eq "$2"
}
wait_seen() { cnid_wait_for "${3:-10}" seen "$1" "$2"; }
# udevadm monitor --property blocks, one line each: the header and CNID_*
uevents() { awk '/^UDEV/ { if (h) print h; h = $1 " " $3 " " $4; next }
	/^(CNID_|DEVNAME=)/ { h = h " " $0 } END { if (h) print h }'; }
show() { sed 's/^/    /'; }
say() { echo "$*"; }

say "--- cnid demo: one virtual reader, four synthetic cards ---"
cnid_check demo.module-loaded cnid_load || cnid_finish
say "cnid.ko loaded (on a real machine udev loads it when the reader is plugged in)"

udevadm monitor --udev --property --subsystem-match=usbmisc >"$T/uev" 2>&1 &
su -s /bin/sh nobody -c 'exec cnid watch' >"$T/watch.nobody" 2>&1 &
cnid_as_user cnid watch >"$T/watch.member" 2>&1 &
mkdir -p /run/cnid
printf 'record_dir = /run/cnid\nrecord_group = %s\n' "$G" >"$T/cnidd.conf"
: >"$LOG"
LD_LIBRARY_PATH=$W "$W/cnidd-udev" -c "$T/cnidd.conf" >"$LOG" 2>&1 &
dpid=$!
sleep 1
say "started: cnidd (waits for readers through udev), 'cnid watch' as nobody (no group)"
say "and as cnidtest (group cnid), udevadm monitor; no reader yet"
mark_all

# --- the reader is plugged in ---
say ""
say "== the reader is plugged in (USB 0400:c35a, virtual: cnid-emu on dummy_hcd, realistic delays)"
sh "$GADGET" setup -n sam0 -u 0 -m split -- --delay realistic >"$T/setup" 2>&1 ||
	{ cnid_fail demo.reader-plugged "$(tail -n 2 "$T/setup")"; cnid_finish; }
cnid_check demo.udev-add wait_seen "$T/uev" '^DEVNAME=/dev/cnid[0-9]+$'
name=$(sed -n 's|^DEVNAME=/dev/\(cnid[0-9]*\)$|\1|p' "$T/uev" | head -n 1)
udevadm settle -t 10 2>/dev/null
cnid_check demo.cnidd-serves wait_seen "$LOG" "$name: serving the reader for cnid.ko"
cnid_check demo.sam-ok wait_seen "$LOG" "event $name sam_state state=ok"
cnid_check demo.watch-reader-added wait_seen "$T/watch.nobody" "reader_added"
say "  udev event (udevadm monitor):"
since "$T/uev"; uevents <"$T/new" | show
say "  $(ls -l "/dev/$name" | awk '{ print $1, $3, $4, $NF }')  (group cnid, 0660, and the seat's user by uaccess)"
say "  cnidd's log:"
since "$LOG"; show <"$T/new"
say "  cnid watch as nobody:"
since "$T/watch.nobody"; show <"$T/new"
say "  cnid watch as cnidtest (group cnid):"
since "$T/watch.member"; show <"$T/new"

# --- the four card types ---
i=0 shown="" ms=""
for card in resident-long-term permit-fp1 foreign-2017 foreign-2023; do
	i=$((i + 1))
	case $card in
	resident*) type=resident what="resident identity card (居民身份证)" ;;
	permit*) type=hkmotw_permit what="Hong Kong/Macau/Taiwan residence permit (港澳台居民居住证)" ;;
	foreign-2017) type=foreign_permanent_2017 what="foreign permanent resident ID card, 2017 (外国人永久居留身份证)" ;;
	foreign-2023) type=foreign_permanent_2023 what="foreign permanent resident ID card, 2023 (外国人永久居留身份证)" ;;
	esac
	say ""
	say "== card $i/4: $what, placed on the reader ($card.card, synthetic)"
	mark_all
	emu present "$card.card"
	cnid_check "demo.$type.cnidd-read" wait_seen "$LOG" "event $name card_read type=$type valid=1 expired=0" 15
	# (cnidd logs an event just before it announces it: the rest follows at once)
	cnid_check "demo.$type.watch-public" wait_seen "$T/watch.nobody" "event=card_read .*details=false" 5
	cnid_check "demo.$type.watch-details" wait_seen "$T/watch.member" \
		"event=card_read .*details=true card_type=$type valid=true expired=false" 5
	cnid_check "demo.$type.uevent" wait_seen "$T/uev" "^CNID_EVENT=card_read$" 5
	sleep 1
	say "  cnid watch as nobody (public):"
	since "$T/watch.nobody"; show <"$T/new"
	say "  cnid watch as cnidtest (group cnid: the details):"
	since "$T/watch.member"; show <"$T/new"
	say "  udev events (udevadm monitor):"
	since "$T/uev"; uevents <"$T/new" | show
	say "  cnidd's log (no name, no number):"
	since "$LOG"; show <"$T/new"
	rec=/run/cnid/$name.json
	cnid_check "demo.$type.record" sh -c "[ \"\$(stat -c '%a %g' $rec)\" = '640 $G' ] &&
		grep -q '\"type\": \"$type\"' $rec"
	cnid_check "demo.$type.record-refused-to-others" sh -c "! su -s /bin/sh nobody -c 'cat $rec' >/dev/null 2>&1"
	say "  the record $rec ($(stat -c '%A %U:%G' "$rec" | sed "s/:$G\$/:cnid/"); long values cut here):"
	ms="$ms $type $(sed -n 's/^ *"read_ms": \([0-9]*\).*/\1/p' "$rec") ms,"
	cnid_as_user cat "$rec" | sed -E 's/("[^"]{20})[^"]{20,}"/\1..."/' | show
	cnid_as_user cnid read "$name" >"$T/read" 2>&1
	cnid_check "demo.$type.decoded" grep -Eq "Card type +$type " "$T/read"
	say "  cnid read $name (as cnidtest), the card for people:"
	show <"$T/read"
	mark_all
	emu remove
	cnid_check "demo.$type.removed" wait_seen "$LOG" "event $name card_removed"
	cnid_check "demo.$type.uevent-removed" wait_seen "$T/uev" "^CNID_EVENT=card_removed$" 5
	cnid_check "demo.$type.record-gone" cnid_wait_for 5 test ! -e "$rec"
	sleep 1
	since "$T/watch.nobody"
	say "  card taken away, cnid watch as nobody:"
	show <"$T/new"
	mark_all
	shown="$shown $type"
done

# --- unplugged ---
say ""
say "== the reader is unplugged"
mark_all
emu unplug
cnid_check demo.udev-remove wait_seen "$T/uev" '^ACTION=remove$'
cnid_check demo.cnidd-removed wait_seen "$LOG" "$name: removed \(unplugged\)"
sleep 1
since "$T/uev"; uevents <"$T/new" | show
since "$LOG"; show <"$T/new"
kill -TERM "$dpid"
cnid_check demo.cnidd-exit-0 wait "$dpid"
# nothing personal where others can read it
dmesg >"$T/dmesg"
say ""
say "== privacy: the names, numbers and addresses of the six cards of the wallet, in every"
say "   encoding, looked for in what others can read (tests/daemon/scan-log.c):"
for f in "$LOG" "$T/watch.nobody" "$T/uev" "$T/dmesg"; do
	scan-log "$f" "$W"/*.card >"$T/scan" 2>&1
	cnid_check "demo.privacy.$(basename "$f")" test $? = 0
	say "    $(basename "$f"): $(tail -n 1 "$T/scan")"
done
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
dmesg -n 7 2>/dev/null

say ""
if cnid_failed; then
	say "--- summary: some of what a user should see did not come (the FAIL lines above) ---"
else
	say "--- summary: cnid.ko served one reader; cnidd read$shown;"
	say "    from the card seen to its record:${ms%,}"
	say "    (the reader's own delays: select 20 + read 600 + confirming select 20 = 640 ms);"
	say "    each gave card_present, card_read and card_removed to 'cnid watch' (details only"
	say "    for group cnid), the same events as uevents, a 0640 record for group cnid and"
	say "    the decoded card; no name or number in cnidd's log, the public events, the"
	say "    uevents or the kernel log. ---"
fi
cnid_finish
