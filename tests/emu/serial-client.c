// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * serial-client: a SAM exchange over a serial line, as a serial reader's
 * client does it: raw 115200 8N1, a request frame written, the reply read
 * as a byte stream through libcnid's parser.  In the QEMU guest it runs on
 * /dev/ttyUSB0, QEMU's usb-serial (an FTDI bridge, ftdi_sio) whose far end
 * is cnid-emu --tty (tests/vm/scenarios/13-emu-usb-serial.sh).
 *
 *   serial-client --tty PATH --card FILE [--name PREFIX]
 *
 * SAM status, find, select and the card read (compared byte for byte with
 * what the card description gives).  Prints "TEST <PREFIX>.<check> PASS|FAIL
 * reason" lines and exits 1 if any failed.  No card data is printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "emu-client.h"

#define TIMEOUT_MS 5000

static const char *prefix = "serial";
static int failures;
static int fd = -1;
static uint8_t frame[CNID_FRAME_MAX + 64];

#define result(name, ok, ...) emu_result(prefix, &failures, name, ok, __VA_ARGS__)

static int set_raw(int f)
{
	struct termios t;

	if (tcgetattr(f, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cflag &= ~(CSTOPB | PARENB | CSIZE | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	return tcsetattr(f, TCSANOW, &t) < 0 ? -errno : 0;
}

/* One request out, its reply frame in: its length or -errno. */
static int transact(enum cnid_cmd_id id, struct cnid_response *resp)
{
	uint8_t req[64];
	struct cnid_parser p;
	int n = cnid_command_build(id, NULL, req, sizeof(req)), r = 0;
	uint64_t end = now_ms() + TIMEOUT_MS;

	if (n < 0)
		return n;
	tcflush(fd, TCIFLUSH);
	if (write(fd, req, (size_t)n) != n)
		return -EIO;
	cnid_parser_init(&p);
	while (r == 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint8_t buf[512];
		size_t used, off = 0;
		ssize_t got;
		int64_t left = (int64_t)(end - now_ms());

		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		got = read(fd, buf, sizeof(buf));
		if (got <= 0)
			return got < 0 ? -errno : -EPIPE;
		while (off < (size_t)got && r == 0) {
			r = cnid_parser_feed(&p, buf + off, (size_t)got - off, &used);
			off += used;
			if (used == 0 && r == 0)
				break;
		}
	}
	if (r < 0)
		return r;
	memcpy(frame, p.buf, p.need);
	if (cnid_response_parse(frame, p.need, resp) < 0)
		return -EBADMSG;
	return (int)p.need;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tty", required_argument, NULL, 't' },
		{ "card", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tty = NULL, *card = NULL;
	struct cnid_card_desc want;
	struct cnid_response r;
	uint8_t d4[4], serial8[8], expect[CNID_FRAME_MAX];
	int o, n, e;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 't': tty = optarg; break;
		case 'c': card = optarg; break;
		case 'n': prefix = optarg; break;
		default: return 2;
		}
	}
	if (!tty || !card || emu_load_desc(card, &want) < 0) {
		fprintf(stderr, "usage: serial-client --tty PATH --card FILE [--name PREFIX]\n");
		return 2;
	}
	fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	n = fd < 0 ? -errno : set_raw(fd);
	result("open", n == 0, "%s: %s", tty, strerror(-n));
	if (n)
		return 1;
	n = transact(CNID_CMD_SAM_STATUS, &r);
	result("sam-status", n == 11 && r.sw3 == CNID_SW3_OK, "got %d", n);
	n = transact(CNID_CMD_FIND, &r);
	result("find", n > 0 && cnid_decode_find(&r, d4) == 0, "got %d", n);
	n = transact(CNID_CMD_SELECT, &r);
	result("select", n > 0 && cnid_decode_select(&r, serial8) == 0, "got %d", n);
	n = transact(CNID_CMD_READ, &r);
	e = cnid_card_desc_frame(&want, false, expect, sizeof(expect));
	result("read", n > 0 && n == e && memcmp(frame, expect, (size_t)n) == 0,
	       "got %d bytes, want %d equal to the card description's reply", n, e);
	close(fd);
	return failures ? 1 : 0;
}
