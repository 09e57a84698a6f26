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
set -u

CONFIGFS=${CNID_CONFIGFS:-/sys/kernel/config}
RUN=${CNID_EMU_RUN:-/run/cnid-emu}
EMU=${CNID_EMU:-cnid-emu}

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
	udc=$(udc_name "$idx") || die "no UDC with index $idx"
	dir=$RUN/$name
	g=$CONFIGFS/usb_gadget/cnid-$name
	[ -n "$sock" ] || sock=$dir/ctl
	[ -n "$log" ] || log=$dir/log
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
