#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Create (or remove) a virtual SAM reader on a USB device controller:
# a configfs gadget 0400:c35a with one FunctionFS function served by
# cnid-emu.  busybox sh compatible.
#
#   gadget.sh setup [-n NAME] [-u UDC_INDEX] [-m split|single] [-c CARD]
#                   [-s CTL_SOCKET] [-l LOG] [-- CNID_EMU_ARGS...]
#   gadget.sh teardown [-n NAME]
#   gadget.sh udc INDEX        print the UDC name for an index
#
# Defaults: NAME=sam0, UDC_INDEX=0, mode split, no card, socket
# $RUN/NAME/ctl, log $RUN/NAME/log, where RUN=${CNID_EMU_RUN:-/run/cnid-emu}.
# The gadget's serial number is NAME, so clients can tell readers apart.
# Order matters (qemu-rig.md): the function's descriptors must be written
# (cnid-emu signals with its --ready-file) before the UDC is bound.
#
# Transport: CNID_EMU_TRANSPORT=ffs (the configfs gadget above, on a UDC)
# or usbredir (default: ffs, or usbredir when the rig booted with a QEMU
# host controller, CNID_VM_HCD=uhci|xhci).  With usbredir, UDC_INDEX N is
# the virtio-serial port named cnid.redirN that QEMU joins to its
# -device usb-redir N: cnid-emu-redir speaks usbredir's device side on it
# and the reader appears on QEMU's host controller, at the real reader's
# endpoint addresses.  Its session is handed from one cnid-emu to the next
# in $CNID_EMU_REDIR_STATE/redirN.state (default /run/cnid-emu-redir: one
# place for the whole boot, whatever RUN a scenario uses; tests/emu/usbredir.c).
set -u

CONFIGFS=${CNID_CONFIGFS:-/sys/kernel/config}
RUN=${CNID_EMU_RUN:-/run/cnid-emu}
EMU=${CNID_EMU:-cnid-emu}
EMU_REDIR=${CNID_EMU_REDIR:-cnid-emu-redir}
REDIR_STATE=${CNID_EMU_REDIR_STATE:-/run/cnid-emu-redir}
if [ -z "${CNID_EMU_TRANSPORT:-}" ]; then
	case ${CNID_VM_HCD:-dummy} in
	dummy) CNID_EMU_TRANSPORT=ffs ;;
	*) CNID_EMU_TRANSPORT=usbredir ;;
	esac
fi

die() {
	echo "gadget.sh: $*" >&2
	exit 1
}

nap() { usleep 100000 2>/dev/null || sleep 0.1; }

# wait_file SECONDS PATH
wait_file() {
	n=$(($1 * 10))
	while [ ! -e "$2" ]; do
		[ "$n" -le 0 ] && return 1
		n=$((n - 1))
		nap
	done
	return 0
}

udc_name() {
	if [ -e "/sys/class/udc/dummy_udc.$1" ]; then
		echo "dummy_udc.$1"
		return 0
	fi
	# Any other controller: the INDEX-th name in sorted order.
	u=$(ls /sys/class/udc 2>/dev/null | sort | sed -n "$(($1 + 1))p")
	[ -n "$u" ] || return 1
	echo "$u"
}

# redir_port INDEX: the virtio-serial port cnid.redirINDEX (/dev/vportNpM)
redir_port() {
	for d in /sys/class/virtio-ports/*; do
		[ "$(cat "$d/name" 2>/dev/null)" = "cnid.redir$1" ] && { echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

# usb_dev_by_serial NAME: the sysfs directory of the USB device with that serial
usb_dev_by_serial() {
	for d in /sys/bus/usb/devices/*; do
		[ -f "$d/serial" ] && [ "$(cat "$d/serial" 2>/dev/null)" = "$1" ] &&
			[ -f "$d/idVendor" ] && { echo "$d"; return 0; }
	done
	return 1
}

setup_redir() {
	# $name $idx $mode $card $sock $log set by setup; "$@": cnid-emu options
	port=$(redir_port "$idx") || die "no virtio-serial port cnid.redir$idx (booted with --hcd uhci|xhci?)"
	dir=$RUN/$name
	mkdir -p "$dir" "$REDIR_STATE" || die "mkdir $dir"
	rm -f "$dir/ready" "$dir/usbdev"
	usb_dev_by_serial "$name" >/dev/null && die "a USB device with serial $name exists; teardown first"
	card_arg=""
	[ -n "$card" ] && card_arg="--card $card"
	# shellcheck disable=SC2086
	"$EMU_REDIR" --usbredir "$port" --usbredir-state "$REDIR_STATE/redir$idx.state" --serial "$name" \
		--mode "$mode" --ready-file "$dir/ready" --ctl "$sock" --log "$log" \
		--cards-dir "${CNID_TEST_DIR:-/usr/share/cnid-test}" $card_arg "$@" \
		>"$dir/stdout" 2>"$dir/stderr" &
	echo $! >"$dir/pid"
	echo "redir$idx" >"$dir/udc"
	if ! wait_file 10 "$dir/ready"; then
		cat "$dir/stderr" >&2
		die "cnid-emu-redir did not start"
	fi
	# Wait for enumeration: the host side sets a configuration.
	n=$((${CNID_GADGET_WAIT:-10} * 10))
	while :; do
		d=$(usb_dev_by_serial "$name") && [ "$(cat "$d/bConfigurationValue" 2>/dev/null)" = 1 ] && break
		[ "$n" -le 0 ] && { cat "$dir/stderr" >&2; die "the usbredir reader $name was not configured"; }
		n=$((n - 1))
		nap
	done
	echo "$d" >"$dir/usbdev"
	echo "gadget $name on usbredir port $port ($(basename "$d")) mode $mode ctl $sock"
}

setup() {
	name=sam0 idx=0 mode=split card="" sock="" log=""
	while getopts n:u:m:c:s:l: o; do
		case $o in
		n) name=$OPTARG ;;
		u) idx=$OPTARG ;;
		m) mode=$OPTARG ;;
		c) card=$OPTARG ;;
		s) sock=$OPTARG ;;
		l) log=$OPTARG ;;
		*) die "bad option" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ "${1:-}" = "--" ] && shift
	case $mode in split | single) ;; *) die "mode must be split or single" ;; esac
	dir=$RUN/$name
	[ -n "$sock" ] || sock=$dir/ctl
	[ -n "$log" ] || log=$dir/log
	if [ "$CNID_EMU_TRANSPORT" = usbredir ]; then
		setup_redir "$@"
		return
	fi
	udc=$(udc_name "$idx") || die "no UDC with index $idx"
	g=$CONFIGFS/usb_gadget/cnid-$name
	[ -d "$CONFIGFS/usb_gadget" ] || die "configfs usb_gadget missing (libcomposite loaded?)"
	[ -e "$g" ] && die "gadget $name exists; teardown first"
	mkdir -p "$dir/ffs" || die "mkdir $dir"
	rm -f "$dir/ready"

	mkdir "$g" || die "mkdir $g"
	echo 0x0400 >"$g/idVendor"
	echo 0xc35a >"$g/idProduct"
	echo 0x0100 >"$g/bcdDevice"
	echo 0x0200 >"$g/bcdUSB"
	# The real readers are full speed.  FunctionFS gets full-speed descriptors
	# only, but descriptors do not set the bus speed: cap the gadget itself
	# (dummy_hcd is also loaded with is_high_speed=0 by the rig).
	# CNID_GADGET_MAX_SPEED=none leaves it alone (for the speed experiment).
	ms=${CNID_GADGET_MAX_SPEED:-full-speed}
	[ "$ms" != none ] && [ -e "$g/max_speed" ] && echo "$ms" >"$g/max_speed"
	mkdir -p "$g/strings/0x409"
	echo "cnid" >"$g/strings/0x409/manufacturer"
	echo "SAM ID-card reader (virtual)" >"$g/strings/0x409/product"
	echo "$name" >"$g/strings/0x409/serialnumber"
	mkdir -p "$g/configs/c.1/strings/0x409"
	echo "SAM" >"$g/configs/c.1/strings/0x409/configuration"
	# Self-powered, remote wake-up (as the reference says of the device).
	echo 0xe0 >"$g/configs/c.1/bmAttributes"
	echo 0 >"$g/configs/c.1/MaxPower"
	mkdir "$g/functions/ffs.$name" || die "functionfs function (usb_f_fs loaded?)"
	ln -s "$g/functions/ffs.$name" "$g/configs/c.1/" || die "link function"
	mount -t functionfs "$name" "$dir/ffs" || die "mount functionfs $name"

	card_arg=""
	[ -n "$card" ] && card_arg="--card $card"
	# shellcheck disable=SC2086
	"$EMU" --ffs "$dir/ffs" --mode "$mode" --udc-file "$g/UDC" --udc "$udc" \
		--ready-file "$dir/ready" --ctl "$sock" --log "$log" \
		--cards-dir "${CNID_TEST_DIR:-/usr/share/cnid-test}" $card_arg "$@" \
		>"$dir/stdout" 2>"$dir/stderr" &
	echo $! >"$dir/pid"
	if ! wait_file 10 "$dir/ready"; then
		cat "$dir/stderr" >&2
		die "cnid-emu did not write its descriptors"
	fi
	echo "$udc" >"$g/UDC" || die "bind $udc"
	echo "$udc" >"$dir/udc"
	# Wait for enumeration: the host side sets a configuration.
	n=$((${CNID_GADGET_WAIT:-10} * 10))
	while [ "$(cat "/sys/class/udc/$udc/state" 2>/dev/null)" != configured ]; do
		[ "$n" -le 0 ] && die "$udc did not reach 'configured'"
		n=$((n - 1))
		nap
	done
	echo "gadget $name on $udc mode $mode ctl $sock"
}

teardown() {
	name=sam0
	while getopts n: o; do
		case $o in
		n) name=$OPTARG ;;
		*) die "bad option" ;;
		esac
	done
	dir=$RUN/$name
	g=$CONFIGFS/usb_gadget/cnid-$name
	[ -e "$g/UDC" ] && echo "" >"$g/UDC" 2>/dev/null
	if [ -f "$dir/pid" ]; then
		pid=$(cat "$dir/pid")
		kill "$pid" 2>/dev/null
		n=50
		while kill -0 "$pid" 2>/dev/null && [ "$n" -gt 0 ]; do
			n=$((n - 1))
			nap
		done
		kill -9 "$pid" 2>/dev/null
		rm -f "$dir/pid"
	fi
	# usbredir: cnid-emu disconnected on SIGTERM; wait until the device left
	if [ -f "$dir/usbdev" ]; then
		n=50
		while [ -e "$(cat "$dir/usbdev")" ] && [ "$n" -gt 0 ]; do
			n=$((n - 1))
			nap
		done
		[ -e "$(cat "$dir/usbdev")" ] && die "the usbredir reader $name did not leave"
		rm -f "$dir/usbdev"
	fi
	grep -q " $dir/ffs " /proc/mounts && umount "$dir/ffs"
	if [ -e "$g" ]; then
		rm -f "$g/configs/c.1/ffs.$name"
		rmdir "$g/configs/c.1/strings/0x409" "$g/configs/c.1" "$g/functions/ffs.$name" \
			"$g/strings/0x409" "$g" 2>/dev/null
	fi
	[ -e "$g" ] && die "could not remove $g"
	return 0
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
setup) setup "$@" ;;
teardown) teardown "$@" ;;
udc) udc_name "${1:-0}" ;;
*)
	sed -n '4,17p' "$0" >&2
	exit 2
	;;
esac
