#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cnid-vm: timeout=400 stress-timeout=900
#
# Event latency end to end (issue 10's measurement): from the virtual
# reader's last byte of the read reply to the card_read event in a netlink
# subscriber of cnid.ko's "events" group, p50/p99 over N presentations.
# All in one guest, one clock (CLOCK_MONOTONIC): cnid-emu's log stamps each
# segment it sends (tests/emu/README.md, "Log"; the stamp is taken just
# before the segment goes to the bus, so the bus time of the last segment is
# counted in), cnid-nl `listen ... mono` stamps each message when recv()
# returns, cnidd `--log-time` stamps its `event` line just before the
# announcement ioctl.  Printed per presentation:
#   read     last byte of the read reply (30 01)     -> subscriber
#   confirm  last byte of the confirming select      -> subscriber
#   helper   last byte of the confirming select      -> cnidd's event line
#            (decode, validate, record file; the host bench's figure)
#   relay    cnidd's event line -> subscriber (the announcement ioctl,
#            cnid.ko's multicast, the subscriber's wake-up)
# N = 20 (make vmcheck: a loose gate, read -> subscriber p50 < 150 ms under
# TCG, where 14-41 ms is measured at load 4-9 and the p99 of 20 swings with
# the load, and a check that every presentation gave exactly one card_read
# and no read_failed), or
# cnidvm_daemon_latency_n=N on the kernel command line (make
# bench-daemon-vm: 200).  `make daemon-vm-canary` boots it with a cnidd
# that sleeps 200 ms before each announcement: the gate must fail.
. /lib/cnid-vm.sh

cnid_emu_env
T=$CNID_VM_TMP
W=$CNID_TEST_DIR
N=$(sed -n 's/.*cnidvm_daemon_latency_n=\([0-9]*\).*/\1/p' /proc/cmdline)
: "${N:=20}"
GATE_US=150000
CTL=$CNID_EMU_RUN/sam0/ctl
emu() { cnid-emu ctl "$CTL" "$@" >/dev/null; }
LOG=$T/cnidd.log
G=$(sed -n 's/^cnid:x:\([0-9]*\):.*/\1/p' /etc/group)

cnid_check daemon-latency.load cnid_load || cnid_finish
sh "$GADGET" setup -n sam0 -u 0 -m single -c "$CARD" -- --cards-dir "$W" >"$T/setup" 2>&1 ||
	{ cnid_fail daemon-latency.setup "$(tail -n 2 "$T/setup")"; cnid_finish; }
emu remove
cnid_wait_for 10 sh -c 'ls /sys/class/usbmisc | grep -q "^cnid"'
name=$(ls /sys/class/usbmisc | grep '^cnid' | head -n 1)
udevadm settle -t 10 2>/dev/null

# the subscriber: an unprivileged member of no group, the public group
cnid-nl --as 1000 listen $((3 * N + 20)) $((N * 3 + 60)) mono >"$T/nl" 2>&1 &
lpid=$!
cnid_wait_for 5 grep -q listening "$T/nl"
mkdir -p /run/cnid
cat >"$T/cnidd.conf" <<EOF
poll_interval_ms = 50
timeout_ms = 3000
read_timeout_ms = 3000
reader = /dev/$name
record_dir = /run/cnid
record_group = $G
EOF
cnidd --no-udev --log-time -c "$T/cnidd.conf" >"$LOG" 2>&1 &
dpid=$!
cnid_wait_for 10 grep -q "event $name sam_state state=ok" "$LOG" ||
	{ cnid_fail daemon-latency.sam "no sam_state ok"; sed 's/^/  /' "$LOG"; cnid_finish; }

# count EVENT: the subscriber's messages of that event number
count() { grep -c "^[0-9]* card_event .* event=$1 " "$T/nl"; }
# wait_count EVENT K: until the subscriber has K of them, up to 10 s
uptime_cs() { cut -d' ' -f1 /proc/uptime | tr -d .; }
wait_count() {
	_end=$(($(uptime_cs) + 1000))
	while [ "$(count "$1")" -lt "$2" ]; do
		[ "$(uptime_cs)" -gt "$_end" ] && return 1
		usleep 20000
	done
}
i=0 lost=0
while [ "$i" -lt "$N" ]; do
	i=$((i + 1))
	case $((i % 4)) in
	0) c=resident-fp2 ;; 1) c=permit-fp1 ;; 2) c=foreign-2017 ;; 3) c=foreign-2023 ;;
	esac
	emu present "$c.card"
	wait_count 2 "$i" || { lost=$((lost + 1)); break; }
	emu remove
	wait_count 4 "$i" || { lost=$((lost + 1)); break; }
done
kill -TERM "$dpid"
wait "$dpid"
kill "$lpid" 2>/dev/null

# one time line per source, merged in time order; per presentation K the
# K-th card_read of the subscriber and the K-th of cnidd's log
{
	cat "$CNID_EMU_RUN/sam0/log"
	grep '^[0-9]* card_event ' "$T/nl"
	grep -E "^[0-9]+ event $name card_read " "$LOG"
} | sort -n -s -k1,1 | awk '
	$2 == "rx" { cur = $4 ~ /300132$/ ? "read" : $4 ~ /200221$/ ? "sel" : "other"; next }
	$2 == "tx" { if (cur == "read") rd = $1; else if (cur == "sel") sl = $1; next }
	$2 == "event" { dl[++nd] = $1; sld[nd] = sl; next }
	$2 == "card_event" && / event=2 / { nt[++nn] = $1; rdn[nn] = rd; sln[nn] = sl }
	END {
		for (k = 1; k <= nn && k <= nd; k++)
			print nt[k] - rdn[k], nt[k] - sln[k], dl[k] - sld[k], nt[k] - dl[k]
	}' >"$T/lat"
# pct COLUMN P: the P-th percentile (nearest rank) of a column, in us
pct() {
	cut -d' ' -f"$1" "$T/lat" | sort -n | awk -v p="$2" '{ v[NR] = $1 }
		END { k = int(NR * p / 100 + 0.999999); if (k < 1) k = 1; print v[k] }'
}
n=$(wc -l <"$T/lat")
reads=$(count 2)
failed=$(count 3)
fig="n=$n read_p50=$(pct 1 50) read_p99=$(pct 1 99) read_max=$(pct 1 100)"
fig="$fig confirm_p50=$(pct 2 50) confirm_p99=$(pct 2 99)"
fig="$fig helper_p50=$(pct 3 50) helper_p99=$(pct 3 99) helper_max=$(pct 3 100)"
fig="$fig relay_p50=$(pct 4 50) relay_p99=$(pct 4 99)"
echo "  daemon latency (us) over $n presentations: $fig"
if [ "$lost" != 0 ] || [ "$reads" != "$N" ] || [ "$failed" != 0 ] || [ "$n" != "$N" ]; then
	cnid_fail bench.daemon-latency "$reads card_read and $failed read_failed events for $N presentations, $n measured"
	echo "  presentation $i; the subscriber:"
	grep -v raw= "$T/nl" | tail -n 12 | sed 's/^/  /'
	echo "  cnidd:"
	tail -n 12 "$LOG" | sed 's/^/  /'
	echo "  the reader:"
	tail -n 20 "$CNID_EMU_RUN/sam0/log" | sed 's/^/  /'
elif [ "$(pct 1 50)" -ge "$GATE_US" ] || [ "$(pct 1 1)" -lt 0 ]; then
	cnid_fail bench.daemon-latency "read -> subscriber p50 $(pct 1 50) us, over the loose TCG gate $GATE_US us (or negative): $fig"
else
	echo "TEST bench.daemon-latency PASS  # $fig"
fi
cnid_check daemon-latency.privacy scan-log "$T/nl" "$W"/*.card
sh "$GADGET" teardown -n sam0 >/dev/null 2>&1
cnid_finish
