// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * usbfs-client: drives a (virtual) 0400:c35a reader through raw usbfs
 * ioctls (USBDEVFS_CLAIMINTERFACE, USBDEVFS_BULK) with no kernel driver,
 * and checks, from libcnid's side, that it answers every command correctly
 * in its pipe mode at full speed.  Runs inside the QEMU guest (static).
 *
 *   usbfs-client --serial NAME --mode split|single --ctl SOCKET --card FILE
 *                [--name PREFIX] [--iterations N] [--unplugs N] [--walk-all]
 *
 * Prints "TEST <PREFIX>.<check> PASS|FAIL reason" lines (tests/vm contract)
 * and exits 1 if any check failed.  Endpoints are taken from the interface
 * descriptor in order (first bulk OUT = header OUT, ...), never by address.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/usb/ch9.h>
#include <linux/usbdevice_fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "emu-client.h"

#define TIMEOUT_MS 3000
#define MAX_XFERS 512

static const char *prefix = "emu";
static const char *serial = "sam0";
static const char *ctl_sock;
static const char *card_path;
static int want_split = 1;
static int failures;
static bool walk_all;

struct reader {
	int fd;
	char dev[64];
	char sysdir[256];      /* e.g. "2-1" */
	char devnum[16];
	uint8_t out_ep[2], in_ep[2];
	int n_out, n_in;
	unsigned maxp[4];
	int n_eps;
	char speed[16];
};

static struct reader rd = { .fd = -1 };

/* Sizes of the IN transfers of the last reply (to check packet boundaries). */
static size_t xfer_size[MAX_XFERS];
static int n_xfers;

#define result(name, ok, ...) emu_result(prefix, &failures, name, ok, __VA_ARGS__)

static int read_sysfs(const char *dir, const char *attr, char *buf, size_t size)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/%s", dir, attr);
	return read_attr(path, buf, size);
}

/* Find the reader by VID:PID and serial number in sysfs. */
static int find_device(char *ret_dir, size_t size)
{
	DIR *d = opendir("/sys/bus/usb/devices");
	struct dirent *de;
	int r = -ENODEV;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char v[32], p[32], s[128];

		if (de->d_name[0] == '.' || strchr(de->d_name, ':'))
			continue;
		if (read_sysfs(de->d_name, "idVendor", v, sizeof(v)) < 0 ||
		    read_sysfs(de->d_name, "idProduct", p, sizeof(p)) < 0)
			continue;
		if (strcmp(v, "0400") || strcmp(p, "c35a"))
			continue;
		if (read_sysfs(de->d_name, "serial", s, sizeof(s)) < 0 || strcmp(s, serial))
			continue;
		snprintf(ret_dir, size, "%s", de->d_name);
		r = 0;
		break;
	}
	closedir(d);
	return r;
}

/* Parse the descriptors usbfs returns on read(): device, then configuration. */
static int parse_descriptors(struct reader *r)
{
	uint8_t buf[1024];
	ssize_t n = pread(r->fd, buf, sizeof(buf), 0);
	bool in_intf = false;

	if (n < (ssize_t)USB_DT_DEVICE_SIZE)
		return -EIO;
	r->n_in = r->n_out = r->n_eps = 0;
	for (ssize_t off = 0; off + 2 <= n && buf[off] >= 2; off += buf[off]) {
		const uint8_t *d = buf + off;

		if (d[1] == USB_DT_INTERFACE)
			in_intf = d[2] == 0 && d[3] == 0;     /* interface 0, alt 0 */
		if (d[1] != USB_DT_ENDPOINT || !in_intf || d[0] < USB_DT_ENDPOINT_SIZE)
			continue;
		if ((d[3] & USB_ENDPOINT_XFERTYPE_MASK) != USB_ENDPOINT_XFER_BULK || r->n_eps >= 4)
			continue;
		r->maxp[r->n_eps++] = (unsigned)(d[4] | d[5] << 8);
		if (d[2] & USB_DIR_IN) {
			if (r->n_in < 2)
				r->in_ep[r->n_in++] = d[2];
		} else if (r->n_out < 2) {
			r->out_ep[r->n_out++] = d[2];
		}
	}
	return 0;
}

static void close_reader(void)
{
	if (rd.fd >= 0)
		close(rd.fd);
	rd.fd = -1;
}

/* Open and claim the reader; wait up to timeout_ms for it to appear. */
static int open_reader(int timeout_ms)
{
	char dir[256], bus[16], dev[16], cfg[16];
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	unsigned intf = 0;
	int r;

	close_reader();
	for (;;) {
		/*
		 * The device node appears before the host has set a configuration;
		 * claiming an interface of an unconfigured device fails (ENOENT).
		 */
		r = find_device(dir, sizeof(dir));
		if (r == 0 && read_sysfs(dir, "bConfigurationValue", cfg, sizeof(cfg)) == 0 &&
		    atoi(cfg) > 0 && read_sysfs(dir, "busnum", bus, sizeof(bus)) == 0 &&
		    read_sysfs(dir, "devnum", dev, sizeof(dev)) == 0) {
			snprintf(rd.dev, sizeof(rd.dev), "/dev/bus/usb/%03d/%03d", atoi(bus), atoi(dev));
			rd.fd = open(rd.dev, O_RDWR | O_CLOEXEC);
			if (rd.fd >= 0) {
				if (ioctl(rd.fd, USBDEVFS_CLAIMINTERFACE, &intf) == 0)
					break;
				r = -errno;
				close_reader();
			} else {
				r = -errno;
			}
		}
		if (now_ms() > end)
			return r < 0 ? r : -ENODEV;
		usleep(50000);
	}
	read_sysfs(dir, "speed", rd.speed, sizeof(rd.speed));
	snprintf(rd.sysdir, sizeof(rd.sysdir), "%s", dir);
	snprintf(rd.devnum, sizeof(rd.devnum), "%s", dev);
	return parse_descriptors(&rd);
}

/*
 * Wait until the device we had open has left sysfs.  dummy_hcd fails the
 * URBs in flight (EPROTO) a little before the hub thread removes the
 * device: reopening at once could find the departing one.
 */
static bool wait_gone(int timeout_ms)
{
	uint64_t end = now_ms() + (uint64_t)timeout_ms;
	char dev[16];

	while (read_sysfs(rd.sysdir, "devnum", dev, sizeof(dev)) == 0 && strcmp(dev, rd.devnum) == 0) {
		if (now_ms() > end)
			return false;
		usleep(10000);
	}
	return true;
}

static int bulk(uint8_t ep, void *data, size_t len, unsigned timeout)
{
	struct usbdevfs_bulktransfer b = {
		.ep = ep, .len = (unsigned)len, .timeout = timeout, .data = data,
	};
	int r = ioctl(rd.fd, USBDEVFS_BULK, &b);

	return r < 0 ? -errno : r;
}

/* One whole OUT transfer: 0, or -errno (-EIO for a short one). */
static int bulk_out(uint8_t ep, const uint8_t *p, size_t n)
{
	int r = bulk(ep, (void *)p, n, TIMEOUT_MS);

	return r < 0 ? r : (r == (int)n ? 0 : -EIO);
}

/* Send a request frame the way the pipe mode wants it. */
static int send_frame(const uint8_t *f, size_t n)
{
	int r;

	if (!want_split || n <= CNID_HDR_LEN)
		return bulk_out(rd.out_ep[0], f, n);
	r = bulk_out(rd.out_ep[0], f, CNID_HDR_LEN);
	if (r < 0)
		return r;
	return bulk_out(rd.out_ep[1], f + CNID_HDR_LEN, n - CNID_HDR_LEN);
}

/* One IN transfer into buf (recording its size). */
static int read_xfer(uint8_t ep, uint8_t *buf, size_t ask, unsigned timeout)
{
	int r = bulk(ep, buf, ask, timeout);

	if (r >= 0 && n_xfers < MAX_XFERS)
		xfer_size[n_xfers++] = (size_t)r;
	return r;
}

/* Split mode: exactly want bytes from one endpoint (more is an error). */
static int read_exact(uint8_t ep, uint8_t *buf, size_t want, unsigned timeout)
{
	size_t got = 0;

	while (got < want) {
		uint8_t tmp[4096];
		size_t ask = (want - got + 63) / 64 * 64;
		int r;

		if (ask > sizeof(tmp))
			ask = sizeof(tmp);
		r = read_xfer(ep, tmp, ask, timeout);
		if (r < 0)
			return r;
		if ((size_t)r > want - got)
			return -EOVERFLOW;
		memcpy(buf + got, tmp, (size_t)r);
		got += (size_t)r;
	}
	return 0;
}

/*
 * Read one reply.  Split mode: 7 header bytes from the header endpoint, then
 * LEN bytes from the body endpoint.  Single mode: 64-byte transfers from
 * the one IN endpoint until LEN + 7 bytes are in.  Returns the byte count,
 * or -errno.  The frame is not verified here: the caller's parser does it.
 */
static int read_reply(uint8_t *out, unsigned timeout)
{
	size_t len, have = 0;
	int r;

	n_xfers = 0;
	if (want_split) {
		r = read_exact(rd.in_ep[0], out, CNID_HDR_LEN, timeout);
		if (r < 0)
			return r;
		len = (size_t)out[5] << 8 | out[6];
		if (len > CNID_LEN_MAX || memcmp(out, cnid_preamble, CNID_PREAMBLE_LEN) != 0)
			return CNID_HDR_LEN;    /* let the parser say what is wrong */
		r = read_exact(rd.in_ep[1], out + CNID_HDR_LEN, len, timeout);
		return r < 0 ? r : (int)(CNID_HDR_LEN + len);
	}
	for (size_t total = CNID_HDR_LEN; have < total;) {
		r = read_xfer(rd.in_ep[0], out + have, 64, timeout);
		if (r < 0)
			return r;
		have += (size_t)r;
		if (have >= CNID_HDR_LEN) {
			len = (size_t)out[5] << 8 | out[6];
			if (len > CNID_LEN_MAX || memcmp(out, cnid_preamble, CNID_PREAMBLE_LEN) != 0)
				return (int)have;
			total = CNID_HDR_LEN + len;
		}
	}
	return (int)have;
}

static uint8_t frame[CNID_FRAME_MAX + 64];

/* Command → verified, parsed reply (parser result in *ret_perr). */
static int transact_raw(const uint8_t *req, size_t n, struct cnid_response *resp, int *ret_perr)
{
	struct cnid_parser p;
	size_t used;
	int len, r;

	r = send_frame(req, n);
	if (r < 0)
		return r;
	len = read_reply(frame, TIMEOUT_MS);
	if (len < 0)
		return len;
	cnid_parser_init(&p);
	r = cnid_parser_feed(&p, frame, (size_t)len, &used);
	if (r == 0)
		r = cnid_parser_finish(&p);
	if (ret_perr)
		*ret_perr = r;
	if (r != 1)
		return r < 0 ? r : -EBADMSG;
	if (cnid_response_parse(frame, (size_t)len, resp) < 0)
		return -EBADMSG;
	return len;
}

static int transact(enum cnid_cmd_id id, const uint8_t *data, struct cnid_response *resp)
{
	uint8_t req[64];
	int n = cnid_command_build(id, data, req, sizeof(req));

	if (n < 0)
		return n;
	return transact_raw(req, (size_t)n, resp, NULL);
}

/* One control command; false (and a line on stderr) unless the reply is "ok". */
#define ctl(...) emu_ctl_report(ctl_sock, "usbfs-client", __VA_ARGS__)

/* ------------------------------------------------------------------ */
/* Checks                                                              */

static void check_bus(void)
{
	bool maxp_ok = rd.n_eps > 0;

	fprintf(stderr, "%s: %s speed %s, bulk OUT", prefix, rd.dev, rd.speed);
	for (int i = 0; i < rd.n_out; i++)
		fprintf(stderr, " 0x%02x", rd.out_ep[i]);
	fprintf(stderr, ", bulk IN");
	for (int i = 0; i < rd.n_in; i++)
		fprintf(stderr, " 0x%02x", rd.in_ep[i]);
	fprintf(stderr, "\n");

	for (int i = 0; i < rd.n_eps; i++)
		maxp_ok &= rd.maxp[i] == 64;
	result("full-speed", strcmp(rd.speed, "12") == 0, "speed %s, want 12", rd.speed);
	result("maxpacket-64", maxp_ok, "wMaxPacketSize %u (of %d endpoints)", rd.maxp[0], rd.n_eps);
	if (want_split)
		result("endpoints", rd.n_in == 2 && rd.n_out == 2, "%d IN, %d OUT", rd.n_in, rd.n_out);
	else
		result("endpoints", rd.n_in == 1 && rd.n_out == 1, "%d IN, %d OUT", rd.n_in, rd.n_out);
}

static void check_commands(const struct cnid_card_desc *want)
{
	static const uint8_t status_reply[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04,
						0x00, 0x00, 0x90, 0x94 };
	struct cnid_response r;
	struct cnid_sam_id id;
	struct cnid_read rdd;
	char idstr[64];
	uint8_t d4[4], serial8[8], rf = 0x50;
	uint8_t expect[CNID_FRAME_MAX];
	int n, e;

	n = transact(CNID_CMD_RESET, NULL, &r);
	result("reset", n > 0 && r.sw3 == CNID_SW3_OK, "n=%d sw3=%02x", n, n > 0 ? r.sw3 : 0);
	n = transact(CNID_CMD_SAM_STATUS, NULL, &r);
	result("sam-status", n == (int)sizeof(status_reply) &&
	       memcmp(frame, status_reply, sizeof(status_reply)) == 0 &&
	       cnid_decode_sam_status(&r) == 0, "n=%d", n);
	n = transact(CNID_CMD_SAM_ID, NULL, &r);
	idstr[0] = '\0';
	if (n > 0 && cnid_decode_sam_id(&r, &id) == 0)
		cnid_sam_id_format(&id, idstr, sizeof(idstr));
	result("sam-id", strcmp(idstr, "05.01-20101129-0001228293-0296863149") == 0,
	       "n=%d id '%s'", n, idstr);
	n = transact(CNID_CMD_SET_RF_MAX, &rf, &r);
	result("set-rf-max", n > 0 && r.sw3 == CNID_SW3_OK, "n=%d", n);
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("find", n > 0 && cnid_decode_find(&r, d4) == 0, "n=%d", n);
	n = transact(CNID_CMD_SELECT, NULL, &r);
	result("select", n > 0 && cnid_decode_select(&r, serial8) == 0, "n=%d", n);
	for (int fp = 0; fp <= 1; fp++) {
		n = transact(fp ? CNID_CMD_READ_FP : CNID_CMD_READ, NULL, &r);
		e = cnid_card_desc_frame(want, fp, expect, sizeof(expect));
		result(fp ? "read-fp" : "read",
		       n > 0 && n == e && memcmp(frame, expect, (size_t)n) == 0 &&
		       cnid_decode_read(&r, fp, &rdd) == 0,
		       "n=%d want %d bytes equal to the card description's reply", n, e);
	}
	n = transact(CNID_CMD_READ_ADDR, NULL, &r);
	result("read-address", n > 0 && r.sw3 == 0x91, "n=%d", n);
	/* Quirk: after the read, find says no card, select still works. */
	n = transact(CNID_CMD_FIND, NULL, &r);
	e = n > 0 ? cnid_decode_find(&r, d4) : n;
	n = transact(CNID_CMD_SELECT, NULL, &r);
	result("quirk", e == -ENOENT && n > 0 && cnid_decode_select(&r, serial8) == 0,
	       "find after read %d", e);
	ctl("remove");
	n = transact(CNID_CMD_FIND, NULL, &r);
	e = n > 0 ? cnid_decode_find(&r, d4) : n;
	ctl("present %s", card_path);
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("card-leaves-and-returns", e == -ENOENT && n > 0 && cnid_decode_find(&r, d4) == 0,
	       "find with no card %d", e);
}

static void check_malformed(void)
{
	struct cnid_response r;
	uint8_t req[64], extra = 0;
	int n;

	n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));
	req[n - 1] ^= 0x03;
	n = transact_raw(req, (size_t)n, &r, NULL);
	result("bad-checksum-request", n > 0 && r.sw3 == 0x10, "n=%d", n);
	n = cnid_request_build(0x20, 0x01, &extra, 1, req, sizeof(req));
	n = transact_raw(req, (size_t)n, &r, NULL);
	result("bad-length-request", n > 0 && r.sw3 == 0x11, "n=%d", n);
	n = cnid_request_build(0x40, 0x01, NULL, 0, req, sizeof(req));
	n = transact_raw(req, (size_t)n, &r, NULL);
	result("unknown-command", n > 0 && r.sw3 == 0x21, "n=%d", n);
}

static void check_faults(void)
{
	struct cnid_response r;
	uint8_t req[64];
	int n, perr = 0, bad = 0;
	const struct cnid_status *st;

	ctl("fault checksum");
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("fault-checksum", n == -EBADMSG, "got %d", n);
	for (size_t i = 0; (st = cnid_status_at(i)); i++) {
		ctl("fault sw3 0x%02x", st->sw3);
		n = transact(CNID_CMD_SELECT, NULL, &r);
		if (n <= 0 || r.sw3 != st->sw3)
			bad++;
	}
	result("fault-every-sw3", bad == 0, "%d statuses wrong", bad);
	ctl("fault stall");
	n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));
	send_frame(req, (size_t)n);
	n = read_reply(frame, 300);
	result("fault-stall", n == -ETIMEDOUT, "got %d", n);
	n = transact(CNID_CMD_SAM_STATUS, NULL, &r);
	result("after-stall", n > 0 && r.sw3 == CNID_SW3_OK, "got %d", n);
	ctl("fault toolong");
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("fault-toolong", n == -EMSGSIZE, "got %d", n);
	/* The body of that reply is still queued on the device: drain it. */
	while (bulk(rd.in_ep[want_split ? 1 : 0], frame, 4096, 200) > 0)
		;
	if (!want_split) {
		/* Garbage before the preamble: single mode streams it like a UART. */
		struct cnid_parser p;
		uint8_t all[256];
		size_t got = 0, used;

		ctl("fault garbage 13");
		n = cnid_command_build(CNID_CMD_SAM_STATUS, NULL, req, sizeof(req));
		send_frame(req, (size_t)n);
		while (got < 13 + 11) {
			n = bulk(rd.in_ep[0], all + got, 64, TIMEOUT_MS);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		cnid_parser_init(&p);
		perr = cnid_parser_feed(&p, all, got, &used);
		result("fault-garbage", perr == 1 && p.garbage == 13, "parser %d garbage %llu",
		       perr, (unsigned long long)p.garbage);
	}
	/* Truncated: part of the reply, then silence (the transfer times out). */
	ctl("fault truncate 9");
	n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));
	send_frame(req, (size_t)n);
	n = read_reply(frame, 300);
	{
		size_t got = 0;

		for (int i = 0; i < n_xfers; i++)
			got += xfer_size[i];
		result("fault-truncate", n == -ETIMEDOUT && got == 9, "got %d after %zu bytes", n, got);
	}
	/* Endless stream: far more than any frame, until told to stop. */
	{
		uint8_t buf[4096];
		size_t total = 0;
		bool zeros = true;

		ctl("fault endless 0x00");
		n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));
		send_frame(req, (size_t)n);
		while (total < 64 * 1024) {
			n = bulk(rd.in_ep[0], buf, sizeof(buf), TIMEOUT_MS);
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++)
				zeros &= buf[i] == 0;
			total += (size_t)n;
		}
		ctl("stop");
		while (bulk(rd.in_ep[0], buf, sizeof(buf), 200) > 0)
			;
		result("fault-endless", total >= 64 * 1024 && zeros, "%zu bytes", total);
	}
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("after-faults", n > 0, "got %d", n);
}

/* Walk every packet boundary of the select reply, and chunked read replies. */
static void check_boundaries(const struct cnid_card_desc *want)
{
	struct cnid_response r;
	uint8_t expect[CNID_FRAME_MAX];
	int bad = 0, n, e;

	n = transact(CNID_CMD_SELECT, NULL, &r);
	for (int at = 1; at < n; at++) {
		int m;

		ctl("fault split %d", at);
		m = transact(CNID_CMD_SELECT, NULL, &r);
		/* Every piece arrives as its own short transfer. */
		if (m != n || xfer_size[0] != (size_t)(at < CNID_HDR_LEN || !want_split ? at : CNID_HDR_LEN))
			bad++;
	}
	result("split-every-boundary", bad == 0, "%d of %d boundaries wrong", bad, n - 1);
	bad = 0;
	ctl("quirk off");
	if (walk_all) {
		/* Every boundary of the largest reply too (vmstress). */
		e = cnid_card_desc_frame(want, true, expect, sizeof(expect));
		for (int at = 1; at < e; at++) {
			ctl("fault split %d", at);
			n = transact(CNID_CMD_READ_FP, NULL, &r);
			if (n != e || memcmp(frame, expect, (size_t)n) != 0)
				bad++;
		}
		result("split-read-fp-every-boundary", bad == 0, "%d of %d boundaries wrong", bad,
		       e - 1);
		bad = 0;
	}
	ctl("quirk off");
	e = cnid_card_desc_frame(want, false, expect, sizeof(expect));
	for (unsigned k = 1; k <= 130; k += (k < 8 ? 1 : 29)) {
		ctl("chunk %u", k);
		n = transact(CNID_CMD_READ, NULL, &r);
		if (n != e || memcmp(frame, expect, (size_t)n) != 0)
			bad++;
		else if (!want_split && k < 64 && (xfer_size[0] != k || xfer_size[1] != k))
			bad++;
	}
	ctl("chunk 0");
	ctl("quirk on");
	result("chunked-replies", bad == 0, "%d chunk sizes wrong", bad);
}

/* Unplug in the middle of a reply (fault) and by command, then replug; n rounds. */
static void check_unplug(int rounds)
{
	struct cnid_response r;
	uint8_t req[64];
	int n, bad = 0, last = 0;

	for (int i = 0; i < rounds; i++) {
		/* Default (half the reply), then various byte counts. */
		if (i % 2)
			ctl("fault unplug-mid %d", 1 + i * 37 % 1290);
		else
			ctl("fault unplug-mid");
		n = cnid_command_build(CNID_CMD_READ, NULL, req, sizeof(req));
		send_frame(req, (size_t)n);
		n = read_reply(frame, TIMEOUT_MS);
		/* The device goes away during the reply: an error, not a frame, not a hang. */
		if (n >= 0 || n == -ETIMEDOUT) {
			bad++;
			last = n;
		}
		if (i == 0)
			fprintf(stderr, "%s: unplug mid-reply: %s\n", prefix, strerror(-n));
		close_reader();
		if (!wait_gone(5000)) {
			result("replug-and-select", false, "round %d: device still there", i);
			return;
		}
		if (!ctl("replug") || open_reader(10000) < 0) {
			result("replug-and-select", false, "round %d: replug/reopen failed", i);
			return;
		}
		n = transact(CNID_CMD_SELECT, NULL, &r);
		if (n <= 0 || r.sw3 != CNID_SW3_OK) {
			char st[1024] = "";

			emu_ctl(ctl_sock, st, sizeof(st), "status");
			result("replug-and-select", false, "round %d: select %d (%s); emulator: %s", i,
			       n, n < 0 ? strerror(-n) : "", st);
			return;
		}
	}
	result("unplug-mid-reply", bad == 0, "%d of %d rounds: got %d", bad, rounds, last);
	result("replug-and-select", true, "ok");
	/* The control command pair, without a reply in flight. */
	close_reader();
	n = ctl("unplug") && wait_gone(5000) && ctl("replug") && open_reader(10000) == 0 ? 0 : -1;
	if (n == 0)
		n = transact(CNID_CMD_FIND, NULL, &r) > 0 ? 0 : -1;
	result("unplug-replug-command", n == 0, "replug by command failed");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Round trips of find (15-byte reply) and read (1295): p50 and max. */
static void check_latency(int iterations)
{
	static const enum cnid_cmd_id ids[] = { CNID_CMD_FIND, CNID_CMD_READ };
	struct cnid_response r;
	uint64_t *t = calloc((size_t)iterations, sizeof(*t));
	int ok = 0;

	if (!t)
		return;
	ctl("quirk off");
	for (size_t k = 0; k < 2; k++) {
		for (int i = 0; i < iterations; i++) {
			uint64_t t0 = now_us();

			if (transact(ids[k], NULL, &r) > 0)
				ok++;
			t[i] = now_us() - t0;
		}
		qsort(t, (size_t)iterations, sizeof(*t), cmp_u64);
		fprintf(stderr, "%s: %s round trip over usbfs: p50 %llu us, max %llu us (%d runs)\n",
			prefix, cnid_command_get(ids[k])->name,
			(unsigned long long)t[iterations / 2],
			(unsigned long long)t[iterations - 1], iterations);
	}
	ctl("quirk on");
	free(t);
	result("repeat-find-read", ok == 2 * iterations, "%d of %d", ok, 2 * iterations);
}

/* ZLP: a reply of exactly 64 bytes ends its transfer only with a zero-length packet. */
static void check_zlp(void)
{
	uint8_t req[64], buf[4096];
	int n, with, without;

	if (want_split)
		return;
	/* 53 bytes of garbage + the 11-byte status reply = 64 bytes. */
	ctl("zlp on");
	ctl("fault garbage 53");
	n = cnid_command_build(CNID_CMD_SAM_STATUS, NULL, req, sizeof(req));
	send_frame(req, (size_t)n);
	with = bulk(rd.in_ep[0], buf, sizeof(buf), 1000);
	ctl("zlp off");
	ctl("fault garbage 53");
	send_frame(req, (size_t)n);
	without = bulk(rd.in_ep[0], buf, sizeof(buf), 500);
	/* Whatever that transfer left behind, drain it. */
	while (bulk(rd.in_ep[0], buf, sizeof(buf), 200) > 0)
		;
	result("zlp", with == 64 && without == -ETIMEDOUT,
	       "with zlp %d (want 64), without %d (want -ETIMEDOUT)", with, without);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' }, { "mode", required_argument, NULL, 'm' },
		{ "ctl", required_argument, NULL, 'c' },    { "card", required_argument, NULL, 'C' },
		{ "name", required_argument, NULL, 'n' },   { "iterations", required_argument, NULL, 'i' },
		{ "unplugs", required_argument, NULL, 'u' },
		{ "walk-all", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct cnid_card_desc *want = calloc(1, sizeof(*want));
	int o, r, iterations = 20, unplugs = 2;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': serial = optarg; break;
		case 'm': want_split = strcmp(optarg, "single") != 0; break;
		case 'c': ctl_sock = optarg; break;
		case 'C': card_path = optarg; break;
		case 'n': prefix = optarg; break;
		case 'i': iterations = atoi(optarg); break;
		case 'u': unplugs = atoi(optarg); break;
		case 'w': walk_all = true; break;
		default: return 2;
		}
	}
	if (!ctl_sock || !card_path || !want) {
		fprintf(stderr, "usage: usbfs-client --serial NAME --mode split|single --ctl SOCKET "
			"--card FILE [--name PREFIX] [--iterations N] [--unplugs N] [--walk-all]\n");
		return 2;
	}
	r = emu_load_desc(card_path, want);
	if (r < 0) {
		result("card", false, "%s: %s", card_path, strerror(-r));
		return 1;
	}
	r = open_reader(10000);
	if (r < 0) {
		result("open", false, "0400:c35a serial %s: %s", serial, strerror(-r));
		return 1;
	}
	check_bus();
	check_commands(want);
	check_malformed();
	check_faults();
	check_boundaries(want);
	check_zlp();
	check_latency(iterations);
	check_unplug(unplugs > 0 ? unplugs : 1);
	close_reader();
	free(want);
	return failures ? 1 : 0;
}
