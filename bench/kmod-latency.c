// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod-latency: round-trip latency of the 1295-byte read (30 01) against
 * one virtual reader, in one run, two ways: through cnid.ko's /dev/cnidN
 * (CNID_IOC_XFER) and through raw usbfs (USBDEVFS_BULK, cnid.ko detached
 * from the interface for the duration).  The usbfs client does the least
 * a correct client can: one bulk OUT per pipe and one bulk IN per pipe
 * with a buffer big enough for the whole reply.  Runs in the QEMU guest.
 *
 *   kmod-latency --serial NAME --ctl SOCKET [--iterations N] [--rounds R]
 *
 * The two paths alternate in R rounds of N transactions each; prints the
 * median of each path over all its transactions and the ratio cnid/usbfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
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

static double median_us(uint64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	return n ? (double)v[n / 2] / 1000.0 : 0;
}

/* ---- usbfs -------------------------------------------------------- */

struct ufs {
	int fd;
	uint8_t in[2], out[2];
	int n_in, n_out;
};

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
	for (ssize_t i = 0; i + 2 <= n && desc[i] >= 2; i += desc[i]) {
		if (desc[i + 1] != USB_DT_ENDPOINT || (desc[i + 3] & 3) != USB_ENDPOINT_XFER_BULK)
			continue;
		if (desc[i + 2] & USB_DIR_IN) {
			if (u->n_in < 2)
				u->in[u->n_in++] = desc[i + 2];
		} else if (u->n_out < 2) {
			u->out[u->n_out++] = desc[i + 2];
		}
	}
	ioctl(u->fd, USBDEVFS_IOCTL, &disc);	/* detach cnid.ko */
	if (ioctl(u->fd, USBDEVFS_CLAIMINTERFACE, &ifno) < 0)
		return -errno;
	return 0;
}

static void ufs_close(struct ufs *u)
{
	unsigned ifno = 0;
	struct usbdevfs_ioctl conn = { .ifno = 0, .ioctl_code = USBDEVFS_CONNECT };

	ioctl(u->fd, USBDEVFS_RELEASEINTERFACE, &ifno);
	ioctl(u->fd, USBDEVFS_IOCTL, &conn);	/* re-attach cnid.ko */
	close(u->fd);
}

static int bulk(struct ufs *u, uint8_t ep, void *data, unsigned len)
{
	struct usbdevfs_bulktransfer b = { .ep = ep, .len = len, .timeout = 5000, .data = data };
	int r = ioctl(u->fd, USBDEVFS_BULK, &b);

	return r < 0 ? -errno : r;
}

static int ufs_transact(struct ufs *u)
{
	int n, m;

	if (u->n_out == 2) {	/* split: header + body out, header + body in */
		if (bulk(u, u->out[0], req, 7) != 7 ||
		    bulk(u, u->out[1], req + 7, (unsigned)req_len - 7) != req_len - 7)
			return -EIO;
		n = bulk(u, u->in[0], reply, 64);
		if (n != 7)
			return -EIO;
		m = bulk(u, u->in[1], reply + 7, 2368);
		return m < 0 ? m : n + m;
	}
	if (bulk(u, u->out[0], req, (unsigned)req_len) != req_len)
		return -EIO;
	return bulk(u, u->in[0], reply, 2368);
}

/* ---- cnid.ko ------------------------------------------------------ */

static int cnid_transact(int fd)
{
	struct cnid_xfer x = { .request = (uintptr_t)req, .reply = (uintptr_t)reply,
			       .request_len = (uint32_t)req_len, .reply_size = sizeof(reply) };

	return ioctl(fd, CNID_IOC_XFER, &x) < 0 ? -errno : (int)x.reply_len;
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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' }, { "ctl", required_argument, NULL, 'c' },
		{ "iterations", required_argument, NULL, 'i' }, { "rounds", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ctl_sock = NULL;
	int o, iters = 50, rounds = 4, nk = 0, nu = 0, bad = 0;
	uint64_t *tk, *tu;
	char rep[256];

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': serial = optarg; break;
		case 'c': ctl_sock = optarg; break;
		case 'i': iters = atoi(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		default: return 2;
		}
	}
	if (!ctl_sock || iters < 1 || rounds < 1)
		return 2;
	tk = calloc((size_t)(iters * rounds), sizeof(*tk));
	tu = calloc((size_t)(iters * rounds), sizeof(*tu));
	req_len = cnid_command_build(CNID_CMD_READ, NULL, req, sizeof(req));
	if (!tk || !tu || req_len < 0 || emu_ctl(ctl_sock, rep, sizeof(rep), "quirk off") != 0 ||
	    wait_node() < 0) {
		fprintf(stderr, "kmod-latency: setup failed\n");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		int fd = wait_node() == 0 ? open(node, O_RDWR | O_CLOEXEC) : -1;
		struct ufs u;

		if (fd < 0)
			return 1;
		cnid_transact(fd);	/* warm-up */
		for (int i = 0; i < iters; i++) {
			uint64_t t0 = now_ns();

			if (cnid_transact(fd) != 1295)
				bad++;
			tk[nk++] = now_ns() - t0;
		}
		close(fd);
		if (ufs_open(&u) < 0) {
			fprintf(stderr, "kmod-latency: usbfs open %s failed\n", usbdev);
			return 1;
		}
		ufs_transact(&u);
		for (int i = 0; i < iters; i++) {
			uint64_t t0 = now_ns();

			if (ufs_transact(&u) != 1295)
				bad++;
			tu[nu++] = now_ns() - t0;
		}
		ufs_close(&u);
	}
	emu_ctl(ctl_sock, rep, sizeof(rep), "quirk on");
	double mk = median_us(tk, nk), mu = median_us(tu, nu);

	printf("kmod-latency: %d x 1295-byte read: cnid.ko median %.0f us, usbfs median %.0f us, "
	       "ratio %.3f (%d failed)\n", nk, mk, mu, mu > 0 ? mk / mu : 0, bad);
	printf("RESULT cnid_us=%.0f usbfs_us=%.0f ratio=%.3f failed=%d\n", mk, mu, mu > 0 ? mk / mu : 0, bad);
	free(tk);
	free(tu);
	return bad ? 1 : 0;
}
