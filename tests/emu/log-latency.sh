#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Latency of a cnid-emu --log: for every request (an "rx" line that follows
# a reply or starts the log), the time to the first and to the last "tx"
# segment of its reply.  Prints count, p50 and max in µs.  busybox compatible.
#   tests/emu/log-latency.sh LOG
set -eu
[ $# -eq 1 ] || { echo "usage: $0 LOG" >&2; exit 2; }
awk '
$2 == "rx" && !open { t0 = $1; open = 1; first = 0; last = 0; next }
$2 == "tx" && open { if (!first) first = $1 - t0; last = $1 - t0 }
$2 == "rx" && open && first { f[n] = first; l[n] = last; n++; t0 = $1; first = 0; last = 0 }
END {
	if (open && first) { f[n] = first; l[n] = last; n++ }
	if (n == 0) { print "no request/reply pairs"; exit 1 }
	for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) {
		if (f[j] < f[i]) { t = f[i]; f[i] = f[j]; f[j] = t }
		if (l[j] < l[i]) { t = l[i]; l[i] = l[j]; l[j] = t }
	}
	printf "%d replies; request->first byte p50 %d us max %d us; request->last byte p50 %d us max %d us\n",
		n, f[int(n / 2)], f[n - 1], l[int(n / 2)], l[n - 1]
}' "$1"
