// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * card-read-time: the whole card read a daemon does (find 20 01, select
 * 20 02, read 30 01) through cnid.ko's /dev/cnidN, timed per command and in
 * total, beside the delays the virtual reader was configured with (its
 * control socket's status line): what the bus and the module add on top of
 * the reader's own time.  Runs in the QEMU guest (tests/vm/README.md,
 * "Figures": the card read on uhci in the realistic profile).
 *
 *   card-read-time --serial NAME --ctl SOCKET --card FILE [--rounds N]
 *
 * Each round: "remove" then "present FILE" (a fresh arrival, so find
 * answers 9F), then the three commands.  Prints one line per command and
 * the total: median and max over the rounds, the configured delay, and the
 * median minus the delay.  Exits 1 if a command failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "emu-client.h"
#include "uapi/cnid.h"

#define MAX_ROUNDS 200

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n ? v[(n - 1) / 2] : 0;
}

static uint64_t maxv(const uint64_t *v, int n)
{
	uint64_t m = 0;

	for (int i = 0; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

/* the configured delay of a command, from "delays=find:20,..." of status */
static unsigned delay_of(const char *status, const char *cmd)
{
	char key[40];
	const char *p = strstr(status, "delays=");

	if (!p)
		return 0;
	snprintf(key, sizeof(key), "%s:", cmd);
	for (p += 7; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (strncmp(p, key, strlen(key)) == 0)
			return (unsigned)atoi(p + strlen(key));
	return 0;
}

static int xfer(int fd, enum cnid_cmd_id id, uint8_t *reply, size_t size)
{
	uint8_t req[64];
	int n = cnid_command_build(id, NULL, req, sizeof(req));
	struct cnid_xfer x = { .request = (uintptr_t)req, .reply = (uintptr_t)reply,
			       .request_len = (uint32_t)n, .reply_size = (uint32_t)size,
			       .timeout_ms = 5000 };

	if (n < 0)
		return n;
	return ioctl(fd, CNID_IOC_XFER, &x) < 0 ? -errno : (int)x.reply_len;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' },
		{ "ctl", required_argument, NULL, 'c' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "card", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static const enum cnid_cmd_id cmds[3] = { CNID_CMD_FIND, CNID_CMD_SELECT, CNID_CMD_READ };
	static const char *const names[3] = { "find", "select", "read" };
	static uint64_t t[4][MAX_ROUNDS];
	static uint8_t reply[CNID_FRAME_MAX + 64];
	const char *serial = "sam0", *sock = NULL, *card = NULL;
	char name[64], node[80], status[1024];
	unsigned d[3], dsum = 0;
	int rounds = 10, o, fd, failed = 0;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': serial = optarg; break;
		case 'c': sock = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 'k': card = optarg; break;
		default: return 2;
		}
	}
	if (!sock || !card || rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: card-read-time --serial NAME --ctl SOCKET --card FILE "
			"[--rounds 1..%d]\n",
			MAX_ROUNDS);
		return 2;
	}
	if (cnid_find_by_serial(serial, name, sizeof(name)) < 0) {
		fprintf(stderr, "card-read-time: no /dev/cnid node for %s\n", serial);
		return 1;
	}
	snprintf(node, sizeof(node), "/dev/%s", name);
	fd = open(node, O_RDWR | O_CLOEXEC);
	if (fd < 0 || emu_ctl(sock, status, sizeof(status), "status") != 0) {
		fprintf(stderr, "card-read-time: %s or the control socket: %s\n", node, strerror(errno));
		return 1;
	}
	for (int c = 0; c < 3; c++) {
		d[c] = delay_of(status, names[c]);
		dsum += d[c];
	}
	for (int r = 0; r < rounds; r++) {
		uint64_t t0, t1;

		emu_ctl(sock, status, sizeof(status), "remove");
		emu_ctl(sock, status, sizeof(status), "present %s", card);
		t0 = now_us();
		for (int c = 0; c < 3; c++) {
			uint64_t a = now_us();
			int n = xfer(fd, cmds[c], reply, sizeof(reply));

			t[c][r] = now_us() - a;
			if (n <= 0 || (c == 2 && n != 1295)) {
				fprintf(stderr, "card-read-time: round %d: %s: %d\n", r, names[c], n);
				failed++;
			}
		}
		t1 = now_us();
		t[3][r] = t1 - t0;
	}
	for (int c = 0; c < 4; c++) {
		unsigned want = c < 3 ? d[c] : dsum;
		uint64_t mx = maxv(t[c], rounds), med = median(t[c], rounds);

		printf("card-read %-6s median %7.1f ms  max %7.1f ms  configured %4u ms  "
		       "bus+module %+7.1f ms\n", c < 3 ? names[c] : "total", med / 1000.0,
		       mx / 1000.0, want, med / 1000.0 - want);
	}
	printf("RESULT rounds=%d failed=%d\n", rounds, failed);
	close(fd);
	return failed ? 1 : 0;
}
