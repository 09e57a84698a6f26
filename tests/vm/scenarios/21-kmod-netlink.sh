#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=300 stress-timeout=600
#
# Trust, privacy and the netlink family "cnid" (kmod/README.md, "Trust and
# privacy"):
# - strict netlink: malformed requests (unknown, over-maximum, short, long,
#   nested-flagged, UNSPEC attributes, trailing bytes, a reserved header
#   byte, v1's ANNOUNCE, an event's command) are refused with an extack
#   message; the policy dump shows the one op and its one attribute;
#   a dump interrupted by a list change says NLM_F_DUMP_INTR;
# - trust: only a server fd announces: CNID_IOC_SERVE needs device access
#   AND CAP_NET_ADMIN (either alone fails), one server per reader, the
#   role ends with the fd; ANNOUNCE on the node itself is ENOTTY; netlink
#   has no announce; malformed announcements change nothing;
# - details: CNID_IOC_STATE and EPOLLPRI for a user the node admits, not
#   for others; a serial reader registered on /dev/cnid-ctl lives as long
#   as its server fd and shows in dumps, events, uevents and STATE (ctl);
# - privacy: the card is read (name, number and the announced token kept
#   aside in $T/secrets), offered to the kernel where it must refuse or keep
#   them private (cnid-nl offer); then every public channel is searched for
#   them (cnid-nl scan: UTF-8, UCS-2LE, raw and hex, on one line or across
#   lines): every netlink message an unprivileged user got (dumps, the
#   events group), every uevent, dmesg, every readable sysfs file of the
#   reader's USB device and of the module, the emulator's log; and the
#   public events carry only their allowed attributes and uevent keys (no
#   card type).  tests/kmod/privacy-canary.sh boots this scenario with a
#   module built to leak every reply into dmesg (KCFLAGS=-DCNID_TEST_LEAK),
#   tests/kmod/nl-canary.sh with one that puts the card type and token into
#   the public event and uevent (and five trust/netlink faults); each
#   requires its checks to fail.
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
# the group that may use the nodes: cnid, given by udev-rules/70-cnid.rules (23-kmod-udev tests
# the rule; udevd applies it again on every change uevent, so a chown here would not last)
G=$(sed -n 's/^cnid:x:\([0-9]*\):.*/\1/p' /etc/group)
member() { cnid-nl --as "1000:$G" "$@"; }
nobody() { cnid-nl --as 1000 "$@"; }
# A canary's image carries its planted build instead of cnid.ko: the privacy
# canary's leaky one, or tests/kmod/nl-canary.sh's with broken trust checks.
for _k in privacy-canary nl-canary; do
	[ -f "$CNID_TEST_DIR/cnid-$_k.ko" ] && CNID_MODULE=$CNID_TEST_DIR/cnid-$_k.ko
done

# kmod.nl.no-secret-in-WHERE FILE...: the card's name, number and token in none of the files.
no_secret_in() {
	_w=$1
	shift
	if cnid-nl scan "$T/secrets" "$@" >"$T/scan.$_w" 2>&1; then
		sed -n 's/^scan: /  scanned: /p' "$T/scan.$_w"
		cnid_pass "kmod.nl.no-secret-in-$_w"
	else
		cnid_fail "kmod.nl.no-secret-in-$_w" "$(grep -c '^leak' "$T/scan.$_w") finding(s):" \
			"$(grep -v '^scan:' "$T/scan.$_w" | head -n 4 | tr '\n' ';')"
	fi
}
# every readable regular file under the reader's USB device and the module
snap_sysfs() {
	_usb=$(readlink -f "/sys/class/usbmisc/$name/device/..")
	find "$_usb" /sys/module/cnid -type f -perm -400 2>/dev/null | while read -r _f; do
		echo "== $_f"
		cat "$_f" 2>/dev/null
		echo
	done >"$1"
}
# says FILE TEXT: FILE has a line that is exactly TEXT
says() { grep -qx "$2" "$1"; }

cnid_check kmod.nl.load cnid_load || cnid_finish
# a real build never carries the canary's leak (MODULE_INFO cnid_test_build)
cnid_check kmod.nl.not-a-test-build sh -c "! tr '\\000' '\\n' <'$CNID_MODULE' | grep -q '^cnid_test_build='"
sh "$GADGET" setup -n sam0 -u 0 -m split -c "$CARD" >"$T/setup" 2>&1 ||
	{ cnid_fail kmod.nl.setup "$(tail -n 2 "$T/setup")"; cnid_finish; }
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
cnid_wait_for 10 test -c /dev/cnid-ctl
name=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
minor=$(cut -d: -f2 "/sys/class/usbmisc/$name/dev")
udevadm settle -t 10 2>/dev/null
cnid_check kmod.nl.nodes-for-group-cnid sh -c "[ -n '$G' ] && [ \"\$(stat -c '%g %a' /dev/$name /dev/cnid-ctl | sort -u)\" = '$G 660' ]"

# --- netlink: public, strict, self-describing ---
nobody dump >"$T/dump" 2>&1
cnid_check kmod.nl.unprivileged-dump grep -q "^reader reader=$minor devname=$name busnum=[0-9]* devnum=[0-9]* vendor=1024 product=50010 pipe_mode=1 packet_size=64 served=0 card_state=0 sam_state=0 seq=0$" "$T/dump"
nobody get "$minor" >"$T/get" 2>&1
cnid_check kmod.nl.unprivileged-get grep -q "^reader reader=$minor devname=$name " "$T/get"
cnid_check kmod.nl.no-such-reader sh -c "cnid-nl get 250 | grep -q '^get: No such device no reader with this id'"
cnid-nl policy >"$T/policy" 2>&1
sed 's/^/  /' "$T/policy"
cnid_check kmod.nl.policy-one-op sh -c "[ \"\$(grep '^op ' '$T/policy')\" = 'op 1 do=0 dump=0' ]"
cnid_check kmod.nl.policy-one-attr sh -c "grep -q '^policy 0 attr 1 .*type u32' '$T/policy' && [ \$(grep -c '^policy ' '$T/policy') = 1 ]"
for c in unknown-attr over-op-max short long nested-flag unspec trailing reserved missing dump-unknown; do
	nobody forge "$c" "$minor" >"$T/forge.$c" 2>&1
	cnid_check "kmod.nl.strict-$c" grep -q "^forge $c: Invalid argument extack='..*'$" "$T/forge.$c" ||
		cat "$T/forge.$c"
done
for c in old-announce event-cmd; do
	cnid-nl forge "$c" "$minor" >"$T/forge.$c" 2>&1
	cnid_check "kmod.nl.refused-$c" grep -q "^forge $c: Operation not supported" "$T/forge.$c" ||
		cat "$T/forge.$c"
done
cnid_check kmod.nl.strict-accepts-ok sh -c "cnid-nl --as 1000 forge ok $minor | grep -qx 'forge ok: ok' && cnid-nl --as 1000 forge dump-ok | grep -qx 'forge dump-ok: ok'"

# the public listeners: an unprivileged one on the events group, and udev
nobody listen 100000 200 >"$T/mc" 2>&1 &
lpid=$!
cnid_wait_for 5 grep -q listening "$T/mc"
udevadm monitor --kernel --udev --property >"$T/uev" 2>&1 &
upid=$!
sleep 1

# --- trust: who may serve and announce ---
member serve "/dev/$name" 0 >"$T/s1" 2>&1
cnid_check kmod.nl.serve-needs-capability says "$T/s1" 'serve: Operation not permitted'
cnid-nl --as 1000 --cap serve "/dev/$name" 0 >"$T/s2" 2>&1
cnid_check kmod.nl.capability-alone-cannot-open says "$T/s2" "open /dev/$name: Permission denied"
cnid-nl --as "1000:$G" --cap serve "/dev/$name" 0 >"$T/s3" 2>&1
cnid_check kmod.nl.serve-access-and-capability says "$T/s3" 'serve: ok'
cnid-nl serve "/dev/$name" "$T/release-serve" >"$T/hold" 2>&1 &
hpid=$!
cnid_wait_for 5 grep -q 'serve: ok' "$T/hold"
cnid_check kmod.nl.one-server-per-reader sh -c "cnid-nl serve /dev/$name 0 | grep -qx 'serve: Device or resource busy'"
cnid_check kmod.nl.dump-shows-served sh -c "cnid-nl dump | grep -q '^reader reader=$minor .* served=1 '"
touch "$T/release-serve"
wait $hpid
cnid_check kmod.nl.role-ends-with-fd sh -c "cnid-nl serve /dev/$name 0 | grep -qx 'serve: ok'"
cnid_check kmod.nl.announce-on-node-enotty sh -c "cnid-nl announce - card_removed /dev/$name | grep -qx 'announce card_removed: Inappropriate ioctl for device'"

# --- details: for whom the node admits ---
member wait-pri "/dev/$name" 20000 >"$T/pri" 2>&1 &
ppid=$!
cnid_wait_for 5 grep -q waiting "$T/pri"
cnid_check kmod.nl.read-and-announce cnid-nl read-announce "/dev/$name" "$T/secrets"
wait $ppid
sed 's/^/  /' "$T/pri"
cnid_check kmod.nl.epollpri-then-cleared sh -c "grep -qx 'pri seq=1' '$T/pri' && grep -qx cleared '$T/pri'"
tok=$(printf %s "$(sed -n 3p "$T/secrets")" | od -An -tx1 | tr -d ' \n')
member state "/dev/$name" >"$T/st1" 2>&1
cnid_check kmod.nl.state-details grep -q "^state reader=$minor seq=1 event=2 card_state=3 card_type=1 valid=[01] expired=[01] expiry=[0-9]\{8\} reason=0 sw3=0 sam_state=0 flags=1 token=$tok sam_id=$" "$T/st1"
nobody state "/dev/$name" >"$T/st2" 2>&1
cnid_check kmod.nl.state-needs-device-access says "$T/st2" "open /dev/$name: Permission denied"
# refused announcements change nothing
for a in "card_removed pad=1" "card_read type=9" "card_removed token=abc" "card_read type=1 expiry=20261399" \
	"sam_state state=1 id=05.01-x" "card_removed seq=5" "card_present flags=4" "read_failed reason=9" \
	"card_read type=1 valid=2" "card_removed reserved=1"; do
	# shellcheck disable=SC2086 # the words are the arguments
	cnid-nl announce "/dev/$name" $a >"$T/bad" 2>&1
	cnid_check "kmod.nl.refused-announce-$(echo "$a" | tr ' =' '_-')" grep -qx "announce ${a%% *}: Invalid argument" "$T/bad"
done
cnid_check kmod.nl.refused-changed-nothing sh -c "cnid-nl state /dev/$name | grep -q '^state reader=$minor seq=1 event=2 card_state=3 '"
cnid-nl offer "/dev/$name" "$T/secrets" >"$T/offer" 2>&1
rc=$?
sed 's/^/  /' "$T/offer"
cnid_check kmod.nl.offers-refused-or-private [ "$rc" = 0 ]
cnid_check kmod.nl.announce-present cnid-nl announce "/dev/$name" card_present
cnid_check kmod.nl.announce-read-failed cnid-nl announce "/dev/$name" read_failed reason=3 sw3=0x41
cnid_check kmod.nl.announce-sam-state cnid-nl announce "/dev/$name" sam_state state=1 id=05.01-20101129-0001228293-0296863149
cnid_check kmod.nl.sam-keeps-card-fields sh -c "cnid-nl state /dev/$name | grep -q ' event=5 card_state=4 card_type=0 valid=0 expired=0 expiry=0 reason=3 sw3=65 sam_state=1 flags=2 '"
cnid_check kmod.nl.announce-removed cnid-nl announce "/dev/$name" card_removed
nobody dump >"$T/dump2" 2>&1
cnid_check kmod.nl.dump-public-state grep -q "^reader reader=$minor .* served=0 card_state=1 sam_state=1 sam_id=05.01-20101129-0001228293-0296863149 seq=" "$T/dump2"
snap_sysfs "$T/sysfs"
cnid_check kmod.nl.sysfs-transport-only sh -c "[ \"\$(ls /sys/class/usbmisc/$name/device/cnid | tr '\n' ' ')\" = 'checksum_errors errors garbage_bytes packet_size pipe_mode resyncs timeouts transactions ' ]"

# --- a serial reader: registered on /dev/cnid-ctl, alive with its server fd ---
cnid-nl serial ttyS9 "$T/release-serial" card_read type=2 valid=1 expired=0 token=serialtokenabcde >"$T/ser" 2>&1 &
spid=$!
cnid_wait_for 5 grep -q 'announce card_read' "$T/ser"
sed 's/^/  /' "$T/ser"
sid=$(sed -n 's/^register: ok reader=//p' "$T/ser")
cnid_check kmod.nl.serial-registered sh -c "[ '$sid' -ge 256 ] && grep -qx 'announce card_read: ok' '$T/ser'"
cnid_check kmod.nl.serial-register-needs-capability sh -c "cnid-nl --as 1000:$G serial ttyS8 0 | grep -qx 'register: Operation not permitted'"
cnid_check kmod.nl.serial-bad-port sh -c "cnid-nl serial 'tty S8' 0 | grep -qx 'register: Invalid argument'"
nobody dump >"$T/dump3" 2>&1
cnid_check kmod.nl.serial-in-dump grep -q "^reader reader=$sid devname=cnid-s0 port=ttyS9 served=1 card_state=3 sam_state=0 seq=1$" "$T/dump3"
cnid_check kmod.nl.serial-state sh -c "cnid-nl --as 1000:$G state ctl:$sid | grep -q '^state reader=$sid seq=1 event=2 card_state=3 card_type=2 valid=1 '"
cnid_check kmod.nl.serial-state-not-usb sh -c "cnid-nl state ctl:$minor | grep -qx 'state: No such device'"
cnid_check kmod.nl.serial-state-needs-access sh -c "cnid-nl --as 1000 state ctl:$sid | grep -qx 'open /dev/cnid-ctl: Permission denied'"
touch "$T/release-serial"
wait $spid
cnid_check kmod.nl.serial-gone-with-fd sh -c "! cnid-nl dump | grep -q '^reader reader=$sid '"
cnid-nl dump-intr 120 >"$T/intr" 2>&1
rc=$?
sed 's/^/  /' "$T/intr"
cnid_check kmod.nl.dump-intr-on-change [ "$rc" = 0 ]

# reader removed / added, seen by the unprivileged listener
cnid-emu ctl "$CNID_EMU_RUN/sam0/ctl" unplug >/dev/null
sleep 1
cnid-emu ctl "$CNID_EMU_RUN/sam0/ctl" replug >/dev/null
cnid_wait_for 10 grep -q '^reader_added reader=[0-9]* devname=cnid[0-9]' "$T/mc"
sleep 1
kill $lpid $upid 2>/dev/null
wait $lpid $upid 2>/dev/null
dmesg >"$T/dmesg"

grep -v '^  raw=' "$T/mc" | grep -v 'devname=cnid-s[1-9]' | grep -v port=dump | sed 's/^/  multicast: /'
grep '^CNID_' "$T/uev" | sed 's/^/  uevent: /'
cnid_check kmod.nl.mc-card-read grep -qx "card_event reader=$minor devname=$name event=2 seq=1" "$T/mc"
cnid_check kmod.nl.mc-read-failed grep -q "^card_event reader=$minor .* event=3 seq=" "$T/mc"
cnid_check kmod.nl.mc-sam-state grep -q "^card_event reader=$minor .* event=5 seq=[0-9]* sam_state=1 sam_id=05.01-20101129-0001228293-0296863149$" "$T/mc"
cnid_check kmod.nl.mc-reader-removed grep -qx "reader_removed reader=$minor devname=$name" "$T/mc"
cnid_check kmod.nl.mc-serial sh -c "grep -q '^reader_added reader=$sid devname=cnid-s0 port=ttyS9$' '$T/mc' && grep -qx 'card_event reader=$sid devname=cnid-s0 event=2 seq=1' '$T/mc' && grep -qx 'reader_removed reader=$sid devname=cnid-s0' '$T/mc'"
# the public events carry nothing but their allowed attributes (no card type, token, validity)
grep '^card_event' "$T/mc" | grep -Ev '^card_event reader=[0-9]+ devname=cnid[-s0-9]+ event=[1-5] seq=[0-9]+( sam_state=[0-2]( sam_id=[0-9.-]+)?)?$' >"$T/mc.extra"
cnid_check kmod.nl.mc-public-only sh -c "[ ! -s '$T/mc.extra' ]" || sed 's/^/  extra: /' "$T/mc.extra"
cnid_check kmod.nl.uevent-card-read sh -c "grep -qx CNID_EVENT=card_read '$T/uev' && grep -qx CNID_READER=$minor '$T/uev' && grep -qx CNID_SEQ=1 '$T/uev'"
cnid_check kmod.nl.uevent-sam-state grep -qx CNID_SAM_STATE=ok "$T/uev"
cnid_check kmod.nl.uevent-card-removed grep -qx CNID_EVENT=card_removed "$T/uev"
cnid_check kmod.nl.uevent-serial sh -c "grep -qx CNID_READER=$sid '$T/uev' && grep -q '^DEVPATH=.*/misc/cnid-ctl$' '$T/uev'"
grep -o '^CNID_[A-Z_]*=' "$T/uev" | grep -v '^CNID_VM_' | sort -u | grep -vx -e CNID_EVENT= -e CNID_READER= -e CNID_SEQ= -e CNID_SAM_STATE= >"$T/uev.extra"
cnid_check kmod.nl.uevent-public-keys sh -c "[ ! -s '$T/uev.extra' ]" || sed 's/^/  extra: /' "$T/uev.extra"

# The card's name, number and token were read (they are in $T/secrets) and must be nowhere public.
cnid_check kmod.nl.secrets-were-read [ "$(grep -c . "$T/secrets")" = 3 ]
# the scanner does find them (here, where they are)
cnid_check kmod.nl.scan-finds-secrets sh -c "! cnid-nl scan '$T/secrets' '$T/secrets' >/dev/null"
no_secret_in netlink "$T/dump" "$T/dump2" "$T/dump3" "$T/get" "$T/mc"
no_secret_in uevents "$T/uev"
no_secret_in dmesg "$T/dmesg"
no_secret_in sysfs "$T/sysfs"
no_secret_in emu-log "$CNID_EMU_RUN/sam0/log"
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
cnid_finish
