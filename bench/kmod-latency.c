// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod-latency: round-trip latency of the 1295-byte read (30 01) against
 * one virtual reader, in one run, two ways: through cnid.ko's /dev/cnidN
 * (CNID_IOC_XFER) and through raw usbfs (cnid.ko detached from the
 * interface for the duration).  Runs in the QEMU guest.
 *
 *   kmod-latency --serial NAME --ctl SOCKET [--iterations N] [--rounds R]
 *                [--seed S] [--cnid-delay-us US]
 *
 * The usbfs baseline works as the module does (kmod/xfer.c), with the
 * same URBs, asynchronously (USBDEVFS_SUBMITURB, USBDEVFS_REAPURB): one
 * IN URB per pipe is always in flight, one packet long ("listening");
 * a transaction submits its OUT URBs (split: header, body); once the
 * reply's LEN is known the pipe that carries the rest is resubmitted for
 * exactly the rest in whole packets; when the reply is whole the
 * listeners are posted again before the call returns.
 * The two paths alternate in R rounds of N transactions each (after one
 * untimed warm-up each), in an order drawn at random per round (seeded;
 * the seed is printed).  Prints the median and the 90th percentile of each
 * path over all its transactions and the ratio of the medians cnid/usbfs.
 *
 * --cnid-delay-us adds a fixed sleep inside every timed cnid.ko round trip:
 * a planted slowdown the latency gate (tests/vm/latency-gate.sh) must catch.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "emu-client.h"
#include "uapi/cnid.h"

static const char *serial = "sam0";
static char node[300], usbdev[300];
static uint8_t req[64], reply[4096];
static int req_len;

static int find_reader(void)
{
	char name[64], path[600], bus[16] = "", dev[16] = "";
	int r = cnid_find_by_serial(serial, name, sizeof(name));

	if (r < 0)
		return r;
	snprintf(node, sizeof(node), "/dev/%s", name);
	snprintf(path, sizeof(path), "/sys/class/usbmisc/%s/device/../busnum", name);
	read_attr(path, bus, sizeof(bus));
	snprintf(path, sizeof(path), "/sys/class/usbmisc/%s/device/../devnum", name);
	read_attr(path, dev, sizeof(dev));
	snprintf(usbdev, sizeof(usbdev), "/dev/bus/usb/%03d/%03d", atoi(bus), atoi(dev));
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The P-th percentile (nearest rank) of V[0..N), in microseconds; sorts V. */
static double pct_us(uint64_t *v, int n, int p)
{
	int k = (n * p + 99) / 100;

	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	if (!n)
		return 0;
	return (double)v[k > 0 ? k - 1 : 0] / 1000.0;
}

/* ---- usbfs -------------------------------------------------------- */

struct ufs {
	int fd;
	uint8_t in[2], out[2];
	unsigned in_maxp[2];
	int n_in, n_out;
	struct usbdevfs_urb lis[2];	/* the IN URBs, one per pipe */
	bool posted[2];
	unsigned have[2];
	uint8_t buf[2][CNID_WIRE_FRAME_MAX + 1024];
};

/* Post IN URB i for len bytes at offset have[i]. */
static int ufs_post(struct ufs *u, int i, unsigned len)
{
	u->lis[i] = (struct usbdevfs_urb){ .type = USBDEVFS_URB_TYPE_BULK,
		.endpoint = u->in[i], .buffer = u->buf[i] + u->have[i], .buffer_length = (int)len };
	u->posted[i] = ioctl(u->fd, USBDEVFS_SUBMITURB, &u->lis[i]) == 0;
	return u->posted[i] ? 0 : -errno;
}

static int ufs_open(struct ufs *u)
{
	uint8_t desc[1024];
	ssize_t n;
	unsigned ifno = 0;
	struct usbdevfs_ioctl disc = { .ifno = 0, .ioctl_code = USBDEVFS_DISCONNECT };

	memset(u, 0, sizeof(*u));
	u->fd = open(usbdev, O_RDWR | O_CLOEXEC);
	if (u->fd < 0)
		return -errno;
	n = read(u->fd, desc, sizeof(desc));
	for (ssize_t i = 0; i + 6 <= n && desc[i] >= 2; i += desc[i]) {
		if (desc[i + 1] != USB_DT_ENDPOINT || (desc[i + 3] & 3) != USB_ENDPOINT_XFER_BULK)
			continue;
		if (desc[i + 2] & USB_DIR_IN) {
			if (u->n_in < 2) {
				u->in_maxp[u->n_in] = (unsigned)(desc[i + 4] | (desc[i + 5] << 8)) & 0x7ff;
				u->in[u->n_in++] = desc[i + 2];
			}
		} else if (u->n_out < 2) {
			u->out[u->n_out++] = desc[i + 2];
		}
	}
	if (u->n_in < 1 || u->n_in != u->n_out || !u->in_maxp[0] ||
	    (u->n_in == 2 && !u->in_maxp[1]))
		return -ENODEV;
	ioctl(u->fd, USBDEVFS_IOCTL, &disc);	/* detach cnid.ko */
	if (ioctl(u->fd, USBDEVFS_CLAIMINTERFACE, &ifno) < 0)
		return -errno;
	for (int i = 0; i < u->n_in; i++)
		if (ufs_post(u, i, u->in_maxp[i]) < 0)
			return -errno;
	return 0;
}

static void ufs_close(struct ufs *u)
{
	unsigned ifno = 0;
	struct usbdevfs_ioctl conn = { .ifno = 0, .ioctl_code = USBDEVFS_CONNECT };
	struct usbdevfs_urb *done;

	for (int i = 0; i < u->n_in; i++)
		if (u->posted[i] && ioctl(u->fd, USBDEVFS_DISCARDURB, &u->lis[i]) == 0)
			ioctl(u->fd, USBDEVFS_REAPURB, &done);
	ioctl(u->fd, USBDEVFS_RELEASEINTERFACE, &ifno);
	ioctl(u->fd, USBDEVFS_IOCTL, &conn);	/* re-attach cnid.ko */
	close(u->fd);
}

static unsigned roundup_u(unsigned x, unsigned m)
{
	return (x + m - 1) / m * m;
}

/*
 * One transaction as kmod/xfer.c runs it: the listeners are in flight; send
 * the request; after each IN completion resubmit that pipe for one packet
 * (LEN unknown; split: the body before the header) or exactly the rest.
 * Returns the reply length or -errno.
 */
static int ufs_transact(struct ufs *u)
{
	bool split = u->n_out == 2;
	int b = split ? 1 : 0;		/* the pipe that carries the rest */
	struct usbdevfs_urb out[2], *done;
	int nout = split ? 2 : 1, bad = 0;
	unsigned need = 0;		/* bytes pipe b must deliver */

	u->have[0] = u->have[1] = 0;
	out[0] = (struct usbdevfs_urb){ .type = USBDEVFS_URB_TYPE_BULK, .endpoint = u->out[0],
		.buffer = req, .buffer_length = split ? CNID_WIRE_HDR_LEN : req_len };
	out[1] = (struct usbdevfs_urb){ .type = USBDEVFS_URB_TYPE_BULK, .endpoint = u->out[1],
		.buffer = req + CNID_WIRE_HDR_LEN, .buffer_length = req_len - CNID_WIRE_HDR_LEN };
	for (int i = 0; i < nout; i++)
		if (ioctl(u->fd, USBDEVFS_SUBMITURB, &out[i]) < 0)
			return -errno;
	while (nout > 0 || !need || u->have[b] < need) {
		int i;

		if (ioctl(u->fd, USBDEVFS_REAPURB, &done) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (done == &out[0] || done == &out[1]) {
			nout--;
			bad += done->status || done->actual_length != done->buffer_length;
			continue;
		}
		i = done == &u->lis[0] ? 0 : 1;
		u->posted[i] = false;
		if (done->status)
			return -EIO;
		u->have[i] += (unsigned)done->actual_length;
		if (!need && u->have[0] >= CNID_WIRE_HDR_LEN)
			need = (unsigned)(u->buf[0][5] << 8 | u->buf[0][6]) +
			       (split ? 0 : CNID_WIRE_HDR_LEN);
		if (i == 0 && split && u->have[0] < CNID_WIRE_HDR_LEN)
			ufs_post(u, 0, u->in_maxp[0]);
		if (i == b && (!need || u->have[b] < need))
			ufs_post(u, b, need ? roundup_u(need - u->have[b], u->in_maxp[b]) :
				 u->in_maxp[b]);
	}
	u->have[0] = u->have[1] = 0;
	for (int i = 0; i < u->n_in; i++)
		if (!u->posted[i])
			ufs_post(u, i, u->in_maxp[i]);
	if (bad)
		return -EIO;
	return (int)need + (split ? CNID_WIRE_HDR_LEN : 0);
}

/* ---- cnid.ko ------------------------------------------------------ */

static unsigned cnid_delay_us;	/* planted slowdown (--cnid-delay-us) */

static int cnid_transact(int fd)
{
	struct cnid_xfer x = { .request = (uintptr_t)req, .reply = (uintptr_t)reply,
			       .request_len = (uint32_t)req_len, .reply_size = sizeof(reply) };
	int r = ioctl(fd, CNID_IOC_XFER, &x) < 0 ? -errno : (int)x.reply_len;

	if (cnid_delay_us)
		usleep(cnid_delay_us);
	return r;
}

static int wait_node(void)
{
	for (int i = 0; i < 100; i++) {
		if (find_reader() == 0 && access(node, R_OK | W_OK) == 0)
			return 0;
		usleep(100000);
	}
	return -ENOENT;
}

/* R rounds of N timed round trips through cnid.ko; appends to T[*n]. */
static int run_cnid(uint64_t *t, int *n, int iters, int *bad)
{
	int fd = wait_node() == 0 ? open(node, O_RDWR | O_CLOEXEC) : -1;

	if (fd < 0) {
		fprintf(stderr, "kmod-latency: no /dev/cnid node for %s\n", serial);
		return -1;
	}
	cnid_transact(fd);	/* warm-up */
	for (int i = 0; i < iters; i++) {
		uint64_t t0 = now_ns();

		if (cnid_transact(fd) != 1295)
			(*bad)++;
		t[(*n)++] = now_ns() - t0;
	}
	close(fd);
	return 0;
}

static int run_usbfs(uint64_t *t, int *n, int iters, int *bad)
{
	struct ufs u;

	if (wait_node() < 0 || ufs_open(&u) < 0) {
		fprintf(stderr, "kmod-latency: usbfs open %s failed\n", usbdev);
		return -1;
	}
	ufs_transact(&u);	/* warm-up */
	for (int i = 0; i < iters; i++) {
		uint64_t t0 = now_ns();

		if (ufs_transact(&u) != 1295)
			(*bad)++;
		t[(*n)++] = now_ns() - t0;
	}
	ufs_close(&u);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' }, { "ctl", required_argument, NULL, 'c' },
		{ "iterations", required_argument, NULL, 'i' }, { "rounds", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 'S' }, { "cnid-delay-us", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctl_sock = NULL;
	int o, iters = 25, rounds = 40, nk = 0, nu = 0, bad = 0, first_cnid = 0;
	unsigned seed = (unsigned)(now_ns() ^ (uint64_t)getpid());
	uint64_t *tk, *tu;
	char rep[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': serial = optarg; break;
		case 'c': ctl_sock = optarg; break;
		case 'i': iters = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'S': seed = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'd': cnid_delay_us = (unsigned)strtoul(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!ctl_sock || iters < 1 || rounds < 1)
		return 2;
	srand(seed);
	tk = calloc((size_t)iters * (size_t)rounds, sizeof(*tk));
	tu = calloc((size_t)iters * (size_t)rounds, sizeof(*tu));
	req_len = cnid_command_build(CNID_CMD_READ, NULL, req, sizeof(req));
	if (!tk || !tu || req_len < 0 || emu_ctl(ctl_sock, rep, sizeof(rep), "quirk off") != 0 ||
	    wait_node() < 0) {
		fprintf(stderr, "kmod-latency: setup failed\n");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		int cnid_first = rand() & 1;

		first_cnid += cnid_first;
		for (int k = 0; k < 2; k++) {
			bool cnid_now = (k == 0) == cnid_first;

			if ((cnid_now ? run_cnid(tk, &nk, iters, &bad) :
			     run_usbfs(tu, &nu, iters, &bad)) < 0)
				return 1;
		}
	}
	emu_ctl(ctl_sock, rep, sizeof(rep), "quirk on");
	double mk = pct_us(tk, nk, 50), k90 = pct_us(tk, nk, 90);
	double mu = pct_us(tu, nu, 50), u90 = pct_us(tu, nu, 90);
	double ratio = mu > 0 ? mk / mu : 0;

	printf("kmod-latency: %d + %d x 1295-byte read in %d rounds (cnid.ko first in %d, seed %u%s): "
	       "cnid.ko median %.0f us p90 %.0f us, usbfs median %.0f us p90 %.0f us, ratio %.3f "
	       "(%d failed)\n", nk, nu, rounds, first_cnid, seed,
	       cnid_delay_us ? ", PLANTED cnid.ko delay" : "", mk, k90, mu, u90, ratio, bad);
	printf("RESULT n=%d cnid_p50=%.0f cnid_p90=%.0f usbfs_p50=%.0f usbfs_p90=%.0f ratio=%.3f "
	       "failed=%d\n", nk, mk, k90, mu, u90, ratio, bad);
	free(tk);
	free(tu);
	return bad ? 1 : 0;
}
