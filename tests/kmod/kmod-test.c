// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kmod-test: drives a (virtual) 0400:c35a reader through cnid.ko's
 * /dev/cnidN and checks every promise of the uapi header: transactions of
 * every command, reply reassembly at every packet boundary, the documented
 * errno of every injected fault (and that the next transaction works),
 * read()/write()/poll(), O_NONBLOCK, four processes sharing one reader, and
 * unplug during a blocked read, a transaction and a poll, then replug.
 * Runs inside the QEMU guest (static).
 *
 *   kmod-test --serial NAME --mode split|single --ctl SOCKET --card FILE
 *             [--name PREFIX] [--cycles N] [--hammer N] [--wait MS] TEST...
 *   TEST: basic faults boundaries rw hammer pm unplug read stale engine
 *   suspend (default: all but unplug, read, stale, engine and suspend;
 *   read: the card read alone; stale: a caller that gives up leaves no
 *   reply to the next one; stale-CASE: one of its cases, e.g.
 *   stale-write-close; engine: killable waits, progress without the
 *   owner, packet-multiple replies, restarts, reset, unbind and PM;
 *   suspend: a system suspend during a transaction, pm_test "devices").  --wait: how long to wait
 *   for the reader's node (default 10000 ms).
 *
 * Prints "TEST <PREFIX>.<check> PASS|FAIL reason" lines (tests/vm contract).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/usbdevice_fs.h>
#include <time.h>
#include <unistd.h>

#include "emu-client.h"
#include "uapi/cnid.h"

static const char *prefix = "kmod";
static const char *serial = "sam0";
static const char *ctl_sock;
static const char *card_path;
static const char *mode = "split";
static struct cnid_card_desc *want;
static int failures;
static char node[300];
static int fd = -1;
static uint8_t frame[CNID_WIRE_FRAME_MAX + 64];

#define result(name, ok, ...) emu_result(prefix, &failures, name, ok, __VA_ARGS__)

static void nap_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* One control command; false (and a line on stderr) unless the reply is "ok". */
#define ctl(...) emu_ctl_report(ctl_sock, prefix, __VA_ARGS__)

/* /dev/cnidN of the reader whose USB serial is `serial`. */
static int find_node(char *ret, size_t size)
{
	char name[64];
	int r = cnid_find_by_serial(serial, name, sizeof(name));

	if (r < 0)
		return r;
	snprintf(ret, size, "/dev/%s", name);
	return access(ret, R_OK | W_OK) == 0 ? 0 : -errno;
}

static int wait_node(int timeout_ms)
{
	uint64_t end = now_us() + (uint64_t)timeout_ms * 1000u;
	int r;

	while ((r = find_node(node, sizeof(node))) < 0 && now_us() < end)
		nap_ms(50);
	return r;
}

static int open_node(int flags)
{
	int f = open(node, O_RDWR | O_CLOEXEC | flags);

	return f < 0 ? -errno : f;
}

static int sysattr(const char *attr, char *buf, size_t size)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/class/usbmisc/%s/device/cnid/%s", node + 5, attr);
	return read_attr(path, buf, size);
}

static long counter(const char *attr)
{
	char buf[64];

	return sysattr(attr, buf, sizeof(buf)) == 0 ? atol(buf) : -1;
}

/* One transaction through the ioctl; the reply length or -errno. */
static int xfer_fd(int f, const uint8_t *req, size_t n, uint8_t *out, size_t size,
		   unsigned timeout_ms, unsigned *ret_garbage)
{
	struct cnid_xfer x = {
		.request = (uintptr_t)req, .reply = (uintptr_t)out,
		.request_len = (uint32_t)n, .reply_size = (uint32_t)size,
		.timeout_ms = timeout_ms,
	};

	if (ioctl(f, CNID_IOC_XFER, &x) < 0)
		return -errno;
	if (ret_garbage)
		*ret_garbage = x.garbage;
	return (int)x.reply_len;
}

static int transact_fd(int f, enum cnid_cmd_id id, const uint8_t *data, uint8_t *out,
		       struct cnid_response *resp, unsigned timeout_ms)
{
	uint8_t req[64];
	int n = cnid_command_build(id, data, req, sizeof(req));

	if (n < 0)
		return n;
	n = xfer_fd(f, req, (size_t)n, out, CNID_WIRE_FRAME_MAX, timeout_ms, NULL);
	if (n > 0 && resp && cnid_response_parse(out, (size_t)n, resp) < 0) {
		fprintf(stderr, "%s: reply of %d bytes does not parse:", prefix, n);
		for (int i = 0; i < n && i < 16; i++)
			fprintf(stderr, " %02x", out[i]);
		fprintf(stderr, "\n");
		return -EBADMSG;
	}
	return n;
}

static int transact(enum cnid_cmd_id id, const uint8_t *data, struct cnid_response *resp)
{
	return transact_fd(fd, id, data, frame, resp, 0);
}

/* ------------------------------------------------------------------ */

static void check_info(void)
{
	struct cnid_dev_info info;
	char buf[64];
	bool split = strcmp(mode, "split") == 0;
	int r;

	memset(&info, 0xff, sizeof(info));
	r = ioctl(fd, CNID_IOC_INFO, &info) < 0 ? -errno : 0;
	result("info-ioctl", r == 0 && info.uapi_version == CNID_UAPI_VERSION &&
	       info.vendor == CNID_USB_VENDOR && info.product == CNID_USB_PRODUCT &&
	       info.pipe_mode == (split ? CNID_PIPE_SPLIT : CNID_PIPE_SINGLE) &&
	       info.packet_size == 64 && info.reserved[0] == 0,
	       "r=%d %04x:%04x mode %u packet %u", r, info.vendor, info.product,
	       info.pipe_mode, info.packet_size);
	r = sysattr("pipe_mode", buf, sizeof(buf));
	result("sysfs-pipe-mode", r == 0 && strcmp(buf, mode) == 0, "r=%d '%s'", r, r ? "" : buf);
	r = sysattr("packet_size", buf, sizeof(buf));
	result("sysfs-packet-size", r == 0 && strcmp(buf, "64") == 0, "r=%d", r);
	r = ioctl(fd, _IO(CNID_IOC_MAGIC, 99)) < 0 ? -errno : 0;
	result("unknown-ioctl", r == -ENOTTY, "got %d", r);
}

static void check_commands(void)
{
	static const uint8_t status_reply[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04,
						0x00, 0x00, 0x90, 0x94 };
	uint8_t expect[CNID_WIRE_FRAME_MAX], d4[4], serial8[8], rf = 0x50;
	struct cnid_response r;
	struct cnid_sam_id id;
	char idstr[64] = "";
	long before = counter("transactions");
	int n, e;

	n = transact(CNID_CMD_RESET, NULL, &r);
	result("reset", n > 0 && r.sw3 == CNID_SW3_OK, "n=%d", n);
	n = transact(CNID_CMD_SAM_STATUS, NULL, &r);
	result("sam-status", n == (int)sizeof(status_reply) &&
	       memcmp(frame, status_reply, sizeof(status_reply)) == 0, "n=%d", n);
	n = transact(CNID_CMD_SAM_ID, NULL, &r);
	if (n > 0 && cnid_decode_sam_id(&r, &id) == 0)
		cnid_sam_id_format(&id, idstr, sizeof(idstr));
	result("sam-id", n == 27 && idstr[0], "n=%d id '%s'", n, idstr);
	n = transact(CNID_CMD_SET_RF_MAX, &rf, &r);
	result("set-rf-max", n > 0 && r.sw3 == CNID_SW3_OK, "n=%d", n);
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("find", n > 0 && cnid_decode_find(&r, d4) == 0, "n=%d", n);
	n = transact(CNID_CMD_SELECT, NULL, &r);
	result("select", n > 0 && cnid_decode_select(&r, serial8) == 0, "n=%d", n);
	for (int fp = 0; fp <= 1; fp++) {
		n = transact(fp ? CNID_CMD_READ_FP : CNID_CMD_READ, NULL, &r);
		e = cnid_card_desc_frame(want, fp, expect, sizeof(expect));
		result(fp ? "read-fp" : "read", n > 0 && n == e && memcmp(frame, expect, (size_t)n) == 0,
		       "n=%d want %d bytes equal to the card description's reply", n, e);
	}
	n = transact(CNID_CMD_READ_ADDR, NULL, &r);
	result("read-address", n > 0 && r.sw3 == 0x91, "n=%d", n);
	n = transact(CNID_CMD_FIND, NULL, &r);
	e = n > 0 ? cnid_decode_find(&r, d4) : n;
	result("find-after-read", e == -ENOENT, "got %d", e);
	result("counter-transactions", counter("transactions") >= before + 10, "%ld -> %ld",
	       before, counter("transactions"));
}

static void check_malformed(void)
{
	uint8_t req[CNID_WIRE_FRAME_MAX + 8];
	struct cnid_xfer x;
	int n, r, bad = 0;

	n = cnid_command_build(CNID_CMD_FIND, NULL, req, sizeof(req));
	req[n - 1] ^= 1;
	r = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 0, NULL);
	bad += r != -EINVAL;
	req[n - 1] ^= 1;
	req[0] = 0xAB;
	r = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 0, NULL);
	bad += r != -EINVAL;
	req[0] = 0xAA;
	r = xfer_fd(fd, req, (size_t)n - 1, frame, sizeof(frame), 0, NULL);	/* LEN > bytes */
	bad += r != -EINVAL;
	r = xfer_fd(fd, req, 4, frame, sizeof(frame), 0, NULL);
	bad += r != -EINVAL;
	r = xfer_fd(fd, req, sizeof(req), frame, sizeof(frame), 0, NULL);
	bad += r != -EINVAL;
	r = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), CNID_TIMEOUT_MAX_MS + 1, NULL);
	bad += r != -EINVAL;
	memset(&x, 0, sizeof(x));
	x.request = (uintptr_t)req;
	x.request_len = (uint32_t)n;
	x.reply = (uintptr_t)frame;
	x.reply_size = sizeof(frame);
	x.flags = 1;
	bad += !(ioctl(fd, CNID_IOC_XFER, &x) < 0 && errno == EINVAL);
	x.flags = 0;
	x.request = 8;	/* unmapped */
	bad += !(ioctl(fd, CNID_IOC_XFER, &x) < 0 && errno == EFAULT);
	result("malformed-requests-einval", bad == 0, "%d of 8 wrong", bad);
	r = xfer_fd(fd, req, (size_t)n, frame, 8, 0, NULL);
	result("small-reply-buffer-enobufs", r == -ENOBUFS, "got %d", r);
	r = transact(CNID_CMD_SAM_STATUS, NULL, NULL);
	result("after-malformed", r == 11, "got %d", r);
}

/* Arm a fault, run one transaction, check errno, then check the next works. */
static void fault_case(const char *name, const char *fault, enum cnid_cmd_id id,
		       int want_err, unsigned timeout_ms, const char *after_ctl)
{
	struct cnid_response r;
	int n, m;

	ctl("%s", fault);
	n = transact_fd(fd, id, NULL, frame, &r, timeout_ms);
	if (after_ctl)
		ctl("%s", after_ctl);
	m = transact(CNID_CMD_SAM_STATUS, NULL, &r);
	result(name, n == want_err && m == 11, "got %d (want %d), next %d", n, want_err, m);
}

static void check_faults(void)
{
	const struct cnid_status *st;
	struct cnid_response r;
	unsigned garbage = 0;
	uint8_t req[64];
	long c0, t0, r0;
	int n, bad = 0;

	c0 = counter("checksum_errors");
	fault_case("fault-checksum-ebadmsg", "fault checksum", CNID_CMD_FIND, -EBADMSG, 0, NULL);
	result("counter-checksum", counter("checksum_errors") == c0 + 1, "%ld", counter("checksum_errors"));
	t0 = counter("timeouts");
	fault_case("fault-stall-etimedout", "fault stall", CNID_CMD_FIND, -ETIMEDOUT, 300, NULL);
	result("counter-timeouts", counter("timeouts") == t0 + 1, "%ld", counter("timeouts"));
	fault_case("fault-truncate-etimedout", "fault truncate 100", CNID_CMD_READ, -ETIMEDOUT, 500, NULL);
	fault_case("fault-toolong-emsgsize", "fault toolong", CNID_CMD_FIND, -EMSGSIZE, 0, NULL);
	/* an endless stream of garbage: EPROTO once two frames' worth went by, or
	 * ETIMEDOUT when it flows where no reply is expected (split mode) */
	ctl("fault endless");
	n = transact_fd(fd, CNID_CMD_FIND, NULL, frame, &r, 1500);
	ctl("stop");
	int m = transact(CNID_CMD_SAM_STATUS, NULL, &r);

	result("fault-endless-eproto-or-etimedout", (n == -EPROTO || n == -ETIMEDOUT) && m == 11,
	       "got %d, next %d", n, m);
	for (size_t i = 0; (st = cnid_status_at(i)); i++) {
		ctl("fault sw3 0x%02x", st->sw3);
		n = transact(CNID_CMD_SELECT, NULL, &r);
		if (n <= 0 || r.sw3 != st->sw3)
			bad++;
	}
	result("fault-every-sw3-is-a-reply", bad == 0, "%d statuses wrong", bad);
	r0 = counter("resyncs");
	bad = 0;
	for (int g = 1; g <= 4096; g = g < 70 ? g + 1 : g * 2) {
		ctl("fault garbage %d", g);
		n = cnid_command_build(CNID_CMD_SAM_STATUS, NULL, req, sizeof(req));
		n = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 1500, &garbage);
		if (n != 11 || garbage != (unsigned)g) {
			fprintf(stderr, "%s: garbage %d: n=%d garbage=%u\n", prefix, g, n, garbage);
			bad++;
		}
	}
	result("fault-garbage-skipped", bad == 0, "%d garbage lengths wrong", bad);
	result("counter-resyncs", counter("resyncs") > r0, "%ld -> %ld", r0, counter("resyncs"));
	n = transact(CNID_CMD_FIND, NULL, &r);
	result("after-faults", n > 0, "got %d", n);
}

static void check_boundaries(void)
{
	uint8_t expect[CNID_WIRE_FRAME_MAX];
	struct cnid_response r;
	int n, e, bad = 0, tried = 0;

	n = transact(CNID_CMD_SELECT, NULL, &r);
	for (int at = 1; at < n; at++) {
		ctl("fault split %d", at);
		if (transact(CNID_CMD_SELECT, NULL, &r) != n)
			bad++;
	}
	result("split-every-byte-select", n == 19 && bad == 0, "n=%d, %d of %d wrong", n, bad, n - 1);
	ctl("quirk off");
	e = cnid_card_desc_frame(want, false, expect, sizeof(expect));
	bad = 0;
	for (int k = 1; k * 64 - 1 < e; k++) {
		for (int at = k * 64 - 1; at <= k * 64 + 1 && at < e; at++) {
			ctl("fault split %d", at);
			n = transact(CNID_CMD_READ, NULL, &r);
			tried++;
			if (n != e || memcmp(frame, expect, (size_t)e) != 0)
				bad++;
		}
	}
	for (int at = 1; at < 8; at++) {
		ctl("fault split %d", at);
		n = transact(CNID_CMD_READ, NULL, &r);
		tried++;
		if (n != e || memcmp(frame, expect, (size_t)e) != 0)
			bad++;
	}
	result("split-every-packet-boundary-read", bad == 0, "%d of %d wrong", bad, tried);
	bad = 0;
	for (unsigned k = 1; k <= 130; k += (k < 8 ? 1 : 29)) {
		ctl("chunk %u", k);
		/* a few bytes per packet: well over a thousand packets under TCG */
		n = transact_fd(fd, CNID_CMD_READ, NULL, frame, &r, k < 8 ? 30000 : 0);
		if (n != e || memcmp(frame, expect, (size_t)e) != 0) {
			fprintf(stderr, "%s: chunk %u: got %d\n", prefix, k, n);
			bad++;
		}
	}
	ctl("chunk 0");
	result("chunked-replies", bad == 0, "%d chunk sizes wrong", bad);
	ctl("zlp on");
	ctl("chunk 64");
	n = transact(CNID_CMD_READ, NULL, &r);
	ctl("chunk 0");
	ctl("zlp off");
	result("chunk-64-zlp", n == e, "got %d", n);
	ctl("quirk on");
}

static void check_rw(void)
{
	uint8_t req[64], ref[CNID_WIRE_FRAME_MAX];
	struct pollfd p;
	int n, m, r, f2;
	ssize_t w;

	n = cnid_command_build(CNID_CMD_SAM_ID, NULL, req, sizeof(req));
	m = xfer_fd(fd, req, (size_t)n, ref, sizeof(ref), 0, NULL);
	r = read(fd, frame, sizeof(frame)) < 0 ? -errno : 0;
	result("read-without-request-enomsg", r == -ENOMSG, "got %d", r);
	w = write(fd, req, (size_t)n);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	r = poll(&p, 1, 5000);
	result("poll-pollin", w == n && r == 1 && (p.revents & POLLIN), "w=%zd r=%d revents=%x",
	       w, r, p.revents);
	r = read(fd, frame, 8) < 0 ? -errno : 0;
	result("read-small-buffer-enobufs", r == -ENOBUFS, "got %d", r);
	r = (int)read(fd, frame, sizeof(frame));
	result("write-read", r == m && memcmp(frame, ref, (size_t)m) == 0, "got %d want %d", r, m);
	req[n - 1] ^= 1;
	r = write(fd, req, (size_t)n) < 0 ? -errno : 0;
	req[n - 1] ^= 1;
	result("write-malformed-einval", r == -EINVAL, "got %d", r);

	/* a slow reply: O_NONBLOCK, EBUSY, poll, and another file's ioctl */
	ctl("delay all 400");
	f2 = open_node(O_NONBLOCK);
	w = write(f2, req, (size_t)n);
	r = write(f2, req, (size_t)n) < 0 ? -errno : 0;
	result("second-write-ebusy", w == n && r == -EBUSY, "w=%zd r=%d", w, r);
	r = read(f2, frame, sizeof(frame)) < 0 ? -errno : 0;
	result("nonblock-read-eagain", r == -EAGAIN, "got %d", r);
	r = transact(CNID_CMD_SAM_STATUS, NULL, NULL);
	result("ioctl-waits-for-other-file", r == 11, "got %d", r);
	p = (struct pollfd){ .fd = f2, .events = POLLIN };
	r = poll(&p, 1, 5000);
	m = r == 1 ? (int)read(f2, frame, sizeof(frame)) : -1;
	result("other-file-keeps-its-reply", m == 27 && memcmp(frame, ref, 27) == 0, "poll %d read %d",
	       r, m);
	w = write(f2, req, (size_t)n);
	uint64_t t0 = now_us();

	p = (struct pollfd){ .fd = f2, .events = POLLIN };
	r = poll(&p, 1, 5000);
	m = (int)read(f2, frame, sizeof(frame));
	result("poll-waits-for-slow-reply", r == 1 && m == 27 && now_us() - t0 > 200000,
	       "poll %d read %d after %llu us", r, m, (unsigned long long)(now_us() - t0));
	close(f2);
	ctl("delay none");
}

/* Four processes, four commands: every reply must be its own request's. */
static void check_hammer(int iterations)
{
	static const enum cnid_cmd_id cmds[4] = { CNID_CMD_SAM_STATUS, CNID_CMD_SAM_ID,
						  CNID_CMD_READ, CNID_CMD_READ_FP };
	static uint8_t ref[4][CNID_WIRE_FRAME_MAX];
	int len[4], bad = 0, status;
	pid_t pids[4];

	ctl("quirk off");
	for (int i = 0; i < 4; i++)
		len[i] = transact_fd(fd, cmds[i], NULL, ref[i], NULL, 0);
	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int f = open_node(0), wrong = 0;

			for (int k = 0; k < iterations && f >= 0; k++) {
				int n = i % 2 ? transact_fd(f, cmds[i], NULL, frame, NULL, 0) : -1;

				if (i % 2 == 0) {	/* half of them through write()/read() */
					uint8_t req[64];
					int q = cnid_command_build(cmds[i], NULL, req, sizeof(req));

					n = write(f, req, (size_t)q) == q ? (int)read(f, frame, sizeof(frame)) : -errno;
				}
				if (n != len[i] || memcmp(frame, ref[i], (size_t)len[i]) != 0)
					wrong++;
			}
			_exit(f < 0 ? 100 : wrong > 99 ? 99 : wrong);
		}
	}
	for (int i = 0; i < 4; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	}
	ctl("quirk on");
	result("four-processes-replies-match", bad == 0 && len[0] == 11 && len[2] > 1000,
	       "%d processes saw foreign or failed replies", bad);
}

/* ------------------------------------------------------------------ */
/* Power management and reset                                          */

static int usb_attr_path(const char *attr, char *path, size_t size)
{
	return snprintf(path, size, "/sys/class/usbmisc/%s/device/../%s", node + 5, attr) < (int)size ?
	       0 : -ENAMETOOLONG;
}

/* /dev/bus/usb/BBB/DDD of the reader. */
static void usbdev_path(char *path, size_t size)
{
	char bus[16] = "", dev[16] = "";

	usb_attr_path("busnum", path, size);
	read_attr(path, bus, sizeof(bus));
	usb_attr_path("devnum", path, size);
	read_attr(path, dev, sizeof(dev));
	snprintf(path, size, "/dev/bus/usb/%03d/%03d", atoi(bus), atoi(dev));
}

/* Write val to a sysfs (or /proc) file; 0 or -errno. */
static int write_file(const char *path, const char *val)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (f < 0)
		return -errno;
	if (write(f, val, strlen(val)) < 0)
		r = -errno;
	close(f);
	return r;
}

static int write_attr(const char *attr, const char *val)
{
	char path[512];

	usb_attr_path(attr, path, sizeof(path));
	return write_file(path, val);
}

static void check_pm(void)
{
	char path[512], status[32] = "";
	int u, r, n, tries;

	/* USBDEVFS_RESET: pre_reset/post_reset keep the binding; I/O resumes */
	usbdev_path(path, sizeof(path));
	u = open(path, O_RDWR | O_CLOEXEC);
	r = u >= 0 && ioctl(u, USBDEVFS_RESET, 0) == 0 ? 0 : -errno;
	if (u >= 0)
		close(u);
	n = transact(CNID_CMD_SAM_STATUS, NULL, NULL);
	result("usb-reset-keeps-binding", r == 0 && n == 11, "reset %d, then %d", r, n);

	/* runtime PM: no file open -> autosuspend; open -> resume, I/O works */
	close(fd);
	fd = -1;
	write_attr("power/autosuspend_delay_ms", "0");
	r = write_attr("power/control", "auto");
	usb_attr_path("power/runtime_status", path, sizeof(path));
	for (tries = 0; tries < 50; tries++) {
		if (read_attr(path, status, sizeof(status)) == 0 && strcmp(status, "suspended") == 0)
			break;
		nap_ms(100);
	}
	result("autosuspend-when-closed", r == 0 && strcmp(status, "suspended") == 0, "r=%d status %s",
	       r, status);
	fd = open_node(0);
	n = fd >= 0 ? transact(CNID_CMD_SAM_STATUS, NULL, NULL) : fd;
	read_attr(path, status, sizeof(status));
	result("resume-on-open", n == 11 && strcmp(status, "active") == 0, "got %d, status %s", n, status);
	write_attr("power/control", "on");
}

/* ------------------------------------------------------------------ */
/* Unplug                                                              */

enum { CHILD_READ, CHILD_XFER, CHILD_POLL, N_CHILD };

/* Exit 0 if the blocked operation ended with ENODEV (or HUP for poll). */
static int unplug_child(int kind, int ready_fd)
{
	uint8_t req[64];
	int f = open_node(0), n, r;
	struct pollfd p;

	if (f < 0)
		return 10;
	n = cnid_command_build(CNID_CMD_READ, NULL, req, sizeof(req));
	switch (kind) {
	case CHILD_READ:
		if (write(f, req, (size_t)n) != n)
			return 11;
		if (write(ready_fd, "r", 1) != 1)
			return 12;
		r = read(f, frame, sizeof(frame)) < 0 ? errno : 0;
		return r == ENODEV ? 0 : 100 + r;
	case CHILD_XFER:
		if (write(ready_fd, "x", 1) != 1)
			return 12;
		r = xfer_fd(f, req, (size_t)n, frame, sizeof(frame), 0, NULL);
		if (r != -ENODEV)
			fprintf(stderr, "%s: blocked ioctl returned %d (%02x %02x %02x %02x)\n", prefix, r,
				frame[7], frame[8], frame[9], frame[10]);
		return r == -ENODEV ? 0 : r < 0 ? 150 - r : 149;
	default:
		if (write(ready_fd, "p", 1) != 1)
			return 12;
		p = (struct pollfd){ .fd = f, .events = POLLIN };
		r = poll(&p, 1, 10000);
		if (r != 1 || (p.revents & (POLLHUP | POLLERR)) != (POLLHUP | POLLERR))
			return 15;
		r = read(f, frame, sizeof(frame)) < 0 ? errno : 0;
		return r == ENODEV ? 0 : 200 + r;
	}
}

static bool unplug_cycle(int cycle, char *why, size_t size)
{
	pid_t pids[N_CHILD];
	int pfd[2], status, bad = 0, n;
	char c;

	if (pipe(pfd) < 0)
		return false;
	ctl("delay all 3000");
	/* the read child's request first, so the others queue up behind it */
	for (int k = 0; k < N_CHILD; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			close(pfd[0]);
			alarm(20);
			_exit(unplug_child(k, pfd[1]));
		}
		if (read(pfd[0], &c, 1) != 1)
			bad++;
	}
	close(pfd[1]);
	close(pfd[0]);
	nap_ms(100 + (unsigned)(cycle % 7) * 20);
	uint64_t t0 = now_us();

	if (!ctl("unplug"))
		bad++;
	for (int k = 0; k < N_CHILD; k++) {
		waitpid(pids[k], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			size_t l = strlen(why);

			snprintf(why + l, size - l, "cycle %d: child %d status %d; ", cycle, k,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status));
			bad++;
		}
	}
	if (bad)
		fprintf(stderr, "%s: cycle %d: children done %llu ms after unplug: %s\n", prefix, cycle,
			(unsigned long long)(now_us() - t0) / 1000, why);
	ctl("delay none");
	if (!ctl("replug") || wait_node(15000) < 0) {
		snprintf(why, size, "cycle %d: no node after replug", cycle);
		return false;
	}
	fd = open_node(0);
	n = fd >= 0 ? transact(CNID_CMD_SAM_STATUS, NULL, NULL) : fd;
	if (n != 11) {
		snprintf(why, size, "cycle %d: after replug got %d", cycle, n);
		bad++;
	}
	return bad == 0;
}

static void check_unplug(int cycles)
{
	char why[1024] = "";
	int ok = 0, n;

	/* the device leaves in the middle of a reply */
	ctl("fault unplug-mid 100");
	n = transact(CNID_CMD_READ, NULL, NULL);
	result("unplug-mid-reply-enodev", n == -ENODEV, "got %d", n);
	close(fd);
	fd = -1;
	ctl("replug");
	n = wait_node(15000);
	fd = n == 0 ? open_node(0) : n;
	result("replug-new-node", fd >= 0 && transact(CNID_CMD_SAM_STATUS, NULL, NULL) == 11,
	       "fd %d", fd);
	for (int i = 0; i < cycles; i++) {
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (unplug_cycle(i, why + strlen(why), sizeof(why) - strlen(why)))
			ok++;
		else if (fd < 0)
			break;
	}
	printf("%s: unplug cycles survived: %d of %d\n", prefix, ok, cycles);
	result("unplug-during-read-xfer-poll", ok == cycles, "%d of %d survived; %s", ok, cycles, why);
}

/*
 * A stale reply must never reach the next caller (kmod/README.md,
 * "Quarantine").  Caller A gives up on a card read the reader answers
 * after 800 ms: (a) the ioctl with timeout_ms=200, (b) write() and close()
 * 200 ms later, (c) write(), blocked in read(), SIGKILLed 200 ms later; or
 * (d) A's read succeeds but the reader sends 7 bytes after the frame and
 * then the frame again.  Caller B, on another file, then asks for the SAM
 * status: it must get the 11-byte SAM-status reply (LEN 4, SW3 90, no
 * data), not A's card; and B's own card read must return the card.  Once
 * more through (a) with an O_NONBLOCK ioctl first: EAGAIN while quarantined.
 */
enum stale_how { STALE_IOCTL, STALE_NONBLOCK, STALE_CLOSE, STALE_KILL, STALE_TRAIL };

static int card_read_fd(int f, uint8_t *out)
{
	static uint8_t expect[CNID_WIRE_FRAME_MAX];
	int n = transact_fd(f, CNID_CMD_READ, NULL, out, NULL, 0);
	int e = cnid_card_desc_frame(want, 0, expect, sizeof(expect));

	if (n < 0)
		return n;
	return n == e && memcmp(out, expect, (size_t)n) == 0 ? 0 : -EBADMSG;
}

static void stale_case(const char *name, enum stale_how how)
{
	static uint8_t buf[CNID_WIRE_FRAME_MAX];
	struct cnid_response resp = { 0 };
	uint8_t req[64];
	int fa, fb, n, m, a = 0, pfd[2];
	char c, then[80];
	pid_t pid;
	uint64_t t0;

	n = cnid_command_build(CNID_CMD_READ, NULL, req, sizeof(req));
	if (how != STALE_TRAIL)
		ctl("delay read 800");
	switch (how) {
	case STALE_IOCTL:
	case STALE_NONBLOCK:
		fa = open_node(0);
		a = transact_fd(fa, CNID_CMD_READ, NULL, buf, NULL, 200);
		a = a == -ETIMEDOUT ? 0 : (a < 0 ? a : -EPROTO);
		close(fa);
		break;
	case STALE_CLOSE:
		fa = open_node(0);
		a = write(fa, req, (size_t)n) == n ? 0 : -errno;
		nap_ms(200);
		close(fa);
		break;
	case STALE_KILL:
		if (pipe(pfd) < 0) {
			a = -errno;
			break;
		}
		pid = fork();
		if (pid == 0) {
			fa = open_node(0);
			if (fa < 0 || write(fa, req, (size_t)n) != n)
				_exit(1);
			if (write(pfd[1], "x", 1) != 1)
				_exit(1);
			(void)!read(fa, buf, sizeof(buf));	/* blocks until killed */
			_exit(2);
		}
		close(pfd[1]);
		a = pid > 0 && read(pfd[0], &c, 1) == 1 ? 0 : -EIO;
		close(pfd[0]);
		nap_ms(200);
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
		}
		break;
	case STALE_TRAIL:
		ctl("fault trail 7");
		fa = open_node(0);
		a = card_read_fd(fa, buf);
		close(fa);
		break;
	}
	ctl("delay none");
	fb = open_node(0);
	if (how == STALE_NONBLOCK) {
		/* O_NONBLOCK while quarantined: EAGAIN, never the stale reply */
		int fn = open_node(O_NONBLOCK);

		m = transact_fd(fn, CNID_CMD_SAM_STATUS, NULL, buf, NULL, 0);
		result("stale-nonblock-eagain", m == -EAGAIN, "got %d", m);
		close(fn);
	}
	t0 = now_us();
	m = transact_fd(fb, CNID_CMD_SAM_STATUS, NULL, buf, &resp, 0);
	result(name, a == 0 && m == 11 && buf[5] == 0 && buf[6] == 4 && resp.sw3 == 0x90 &&
	       resp.data_len == 0,
	       "A: %d; B's SAM status got %d bytes (LEN %u, SW3 %02x, %zu data bytes) after %llu ms",
	       a, m, m >= 7 ? (unsigned)(buf[5] << 8 | buf[6]) : 0, resp.sw3, resp.data_len,
	       (unsigned long long)(now_us() - t0) / 1000);
	m = card_read_fd(fb, buf);
	snprintf(then, sizeof(then), "%s-then-read", name);
	result(then, m == 0, "B's card read: %d", m);
	close(fb);
}

/* "stale": every case; "stale-CASE": that one alone. */
static void check_stale(const char *which)
{
	static const struct {
		const char *name;
		enum stale_how how;
	} cases[] = {
		{ "stale-ioctl-timeout", STALE_IOCTL },
		{ "stale-ioctl-timeout-nonblock", STALE_NONBLOCK },
		{ "stale-write-close", STALE_CLOSE },
		{ "stale-write-sigkill", STALE_KILL },
		{ "stale-trailing-bytes", STALE_TRAIL },
	};
	bool any = false;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (strcmp(which, "stale") && strcmp(which, cases[i].name))
			continue;
		stale_case(cases[i].name, cases[i].how);
		any = true;
	}
	if (!any)
		result(which, false, "no such test");
}

/* ------------------------------------------------------------------ */
/* The engine: bounded killable waits, progress without the owner,      */
/* packet-multiple replies, restarts, PM (kmod/README.md "Transactions") */

/* The state letter of /proc/PID/stat ('S' sleeping, 'D' uninterruptible). */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_attr(path, buf, sizeof(buf)) < 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* The emulator's request counter ("status": requests=N); -1 if unknown. */
static long emu_requests(void)
{
	char rep[512], *p;

	if (emu_ctl(ctl_sock, rep, sizeof(rep), "status") != 0)
		return -1;
	p = strstr(rep, " requests=");
	return p ? atol(p + 10) : -1;
}

static int cmd_req(enum cnid_cmd_id id, uint8_t *req)
{
	return cnid_command_build(id, NULL, req, 64);
}

/* wait for a child up to ms; its wait status, or -1 (then it is killed) */
static int wait_child(pid_t pid, unsigned ms)
{
	uint64_t end = now_us() + ms * 1000ull;
	int status;

	while (now_us() < end) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nap_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

enum block_how { BLOCK_IOCTL, BLOCK_READ, BLOCK_POLL, BLOCK_WRITE_BUSY, BLOCK_QUARANTINE };

/* SIGKILL to reaped, in us, for a child blocked in read() on a pipe: what
 * the machine itself needs, not the driver (TCG on a loaded host: 10s of ms) */
static uint64_t kill_baseline_us(void)
{
	int pfd[2];
	uint64_t t0;
	pid_t pid;
	char c;

	if (pipe(pfd) < 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		int f = open_node(0);	/* the same teardown as the real child */

		(void)!read(pfd[0], &c, 1);
		_exit(f < 0);
	}
	nap_ms(300);
	t0 = now_us();
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	t0 = now_us() - t0;
	close(pfd[0]);
	close(pfd[1]);
	return t0;
}

/*
 * kill -9 ends a caller blocked in each state within 100 ms (beyond what a
 * child blocked on a pipe takes to die on this machine, measured just
 * before), and the caller sleeps interruptibly there (never 'D'): waiting
 * for its reply
 * (ioctl, read(), poll()), for another file's transaction (write()), for a
 * quarantine (ioctl).  The next caller then gets its own reply.
 */
static void kill_case(const char *name, enum block_how how)
{
	uint8_t req[64];
	int n = cmd_req(CNID_CMD_READ, req), pfd[2], other = -1, status, m;
	uint64_t t0, dt, base = kill_baseline_us();
	pid_t pid;
	char c, st;

	ctl("delay read 1500");
	if (how == BLOCK_WRITE_BUSY) {
		other = open_node(0);
		if (write(other, req, (size_t)n) != n)
			fprintf(stderr, "%s: %s: write: %s\n", prefix, name, strerror(errno));
	} else if (how == BLOCK_QUARANTINE) {
		other = open_node(0);
		transact_fd(other, CNID_CMD_READ, NULL, frame, NULL, 100);
	}
	if (pipe(pfd) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int f = open_node(0);
		struct pollfd p = { .fd = f, .events = POLLIN };

		if ((how == BLOCK_READ || how == BLOCK_POLL) && write(f, req, (size_t)n) != n)
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		if (how == BLOCK_READ)
			(void)!read(f, frame, sizeof(frame));
		else if (how == BLOCK_POLL)
			poll(&p, 1, -1);
		else if (how == BLOCK_WRITE_BUSY)
			(void)!write(f, req, (size_t)n);
		else
			xfer_fd(f, req, (size_t)n, frame, sizeof(frame), 0, NULL);
		_exit(2);
	}
	close(pfd[1]);
	m = read(pfd[0], &c, 1);
	close(pfd[0]);
	nap_ms(300);
	st = proc_state(pid);
	t0 = now_us();
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	dt = now_us() - t0;
	if (other >= 0)
		close(other);
	ctl("delay none");
	n = transact(CNID_CMD_SAM_STATUS, NULL, NULL);
	result(name, m == 1 && st == 'S' && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL &&
	       dt <= base + 100000 && n == 11,
	       "state %c before SIGKILL, gone %llu us after it (a child blocked on a pipe: %llu us); "
	       "the next SAM status got %d", st, (unsigned long long)dt, (unsigned long long)base, n);
}

/* O_NONBLOCK calls and poll() return at once while another file's
 * transaction runs (nothing sleeps there). */
static void check_nonblock_fast(void)
{
	uint8_t rq[64], sq[64];
	int nr = cmd_req(CNID_CMD_READ, rq), ns = cmd_req(CNID_CMD_SAM_STATUS, sq);
	int x = open_node(0), y = open_node(O_NONBLOCK), w, p, i, r;
	struct pollfd pf;
	uint64_t t0, worst = 0, dt;

	ctl("delay read 1500");
	w = write(x, rq, (size_t)nr) == nr ? 0 : -errno;
	t0 = now_us();
	i = write(y, sq, (size_t)ns) < 0 ? -errno : 0;
	worst = now_us() - t0;
	t0 = now_us();
	pf = (struct pollfd){ .fd = y, .events = POLLIN | POLLOUT };
	p = poll(&pf, 1, 0);
	dt = now_us() - t0;
	worst = dt > worst ? dt : worst;
	t0 = now_us();
	r = xfer_fd(y, sq, (size_t)ns, frame, sizeof(frame), 0, NULL);
	dt = now_us() - t0;
	worst = dt > worst ? dt : worst;
	result("nonblock-never-sleeps", w == 0 && i == -EAGAIN && p == 0 && r == -EAGAIN &&
	       worst < 20000, "write %d, poll %d, ioctl %d; slowest %llu us", i, p, r,
	       (unsigned long long)worst);
	ctl("delay none");
	r = (int)read(x, frame, sizeof(frame));
	result("nonblock-never-sleeps-then-read", r > 1000, "the other file's read got %d", r);
	close(x);
	close(y);
}

/* A child that opens the reader and blocks in the ioctl of req (exit
 * status: its errno, 0 on success); returns once it is blocked (~300 ms). */
static pid_t blocked_xfer_child(const uint8_t *req, int n, unsigned timeout_ms)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe(pfd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int f = open_node(0), r;

		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		r = xfer_fd(f, req, (size_t)n, frame, sizeof(frame), timeout_ms, NULL);
		_exit(r < 0 ? -r : 0);
	}
	close(pfd[1]);
	(void)!read(pfd[0], &c, 1);
	close(pfd[0]);
	nap_ms(300);
	return pid;
}

/* USBDEVFS_RESET while a caller waits 60 s for a reply that never comes:
 * both return at once; the caller learns ECONNABORTED; I/O works after. */
static void check_reset_prompt(void)
{
	char path[512];
	uint8_t req[64];
	int n = cmd_req(CNID_CMD_READ, req), u, r, status;
	uint64_t t0, dreset, dchild;
	pid_t pid;

	usbdev_path(path, sizeof(path));
	ctl("fault stall");
	pid = blocked_xfer_child(req, n, 60000);
	u = open(path, O_RDWR | O_CLOEXEC);
	t0 = now_us();
	r = u >= 0 && ioctl(u, USBDEVFS_RESET, 0) == 0 ? 0 : -errno;
	dreset = now_us() - t0;
	if (u >= 0)
		close(u);
	status = wait_child(pid, 5000);
	dchild = now_us() - t0;
	ctl("fault none");
	n = transact(CNID_CMD_SAM_STATUS, NULL, NULL);
	result("reset-ends-blocked-ioctl", r == 0 && status >= 0 && WIFEXITED(status) &&
	       WEXITSTATUS(status) == ECONNABORTED && dreset < 2000000 && dchild < 2000000 && n == 11,
	       "reset %d in %llu ms; the blocked ioctl: %s %d after %llu ms; then SAM status %d", r,
	       (unsigned long long)dreset / 1000, status < 0 ? "still blocked," : "errno",
	       status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
	       (unsigned long long)dchild / 1000, n);
}

/* A file that wrote and stopped does not hold the reader past its
 * deadline: another file's poll(POLLOUT) wakes then, and its own
 * transaction completes. */
static void check_stopped_owner(void)
{
	uint8_t rq[64], sq[64];
	int nr = cmd_req(CNID_CMD_READ, rq), ns = cmd_req(CNID_CMD_SAM_STATUS, sq);
	int pfd[2], y, w, p, m = -1;
	struct pollfd pf;
	uint64_t t0, dt;
	pid_t pid;
	char c;

	ctl("fault stall");
	if (pipe(pfd) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		int f = open_node(0);

		if (f < 0 || write(f, rq, (size_t)nr) != nr || write(pfd[1], "x", 1) != 1)
			_exit(1);
		raise(SIGSTOP);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	(void)!read(pfd[0], &c, 1);
	close(pfd[0]);
	y = open_node(O_NONBLOCK);
	w = write(y, sq, (size_t)ns) < 0 ? -errno : 0;
	t0 = now_us();
	pf = (struct pollfd){ .fd = y, .events = POLLOUT };
	p = poll(&pf, 1, 10000);
	dt = now_us() - t0;
	if (p == 1 && write(y, sq, (size_t)ns) == ns) {
		pf = (struct pollfd){ .fd = y, .events = POLLIN };
		m = poll(&pf, 1, 5000) == 1 ? (int)read(y, frame, sizeof(frame)) : -ETIMEDOUT;
	}
	result("stopped-owner-does-not-starve-others", w == -EAGAIN && p == 1 &&
	       (pf.revents & POLLIN) && dt < 6500000 && m == 11,
	       "first write %d; poll(POLLOUT) %d after %llu ms (the stopped file's deadline: 5000); "
	       "then own SAM status %d", w, p, (unsigned long long)dt / 1000, m);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(y);
}

/* Another file's O_NONBLOCK writes (mostly EAGAIN) never make this file's
 * write()/poll()/read() wait for a timer (lost wake-ups). */
static void check_wakeups(void)
{
	uint8_t sq[64];
	int ns = cmd_req(CNID_CMD_SAM_STATUS, sq), x = open_node(0), bad = 0, k;
	uint64_t worst = 0;
	pid_t pid = fork();

	if (pid == 0) {
		int y = open_node(O_NONBLOCK);
		struct pollfd pf = { .fd = y, .events = POLLIN };

		for (;;) {
			if (write(y, sq, (size_t)ns) == ns && poll(&pf, 1, 5000) == 1)
				(void)!read(y, frame, sizeof(frame));
			sched_yield();
		}
	}
	for (k = 0; k < 100; k++) {
		struct pollfd pf = { .fd = x, .events = POLLIN };
		uint64_t t0 = now_us(), dt;

		if (write(x, sq, (size_t)ns) != ns || poll(&pf, 1, 10000) != 1 ||
		    read(x, frame, sizeof(frame)) != 11)
			bad++;
		dt = now_us() - t0;
		worst = dt > worst ? dt : worst;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(x);
	/*
	 * The child may have died with its transaction running: close() lets
	 * it end, and a fault the next test sets (fault length N) would go to
	 * its reply.  This transaction waits for that one to end.
	 */
	if (transact(CNID_CMD_SAM_STATUS, NULL, NULL) != 11)
		bad++;
	result("no-lost-wakeups", bad == 0 && worst < 1000000,
	       "%d of 100 write/poll/read failed; slowest %llu ms (another file hammering O_NONBLOCK)",
	       bad, (unsigned long long)worst / 1000);
}

/* Replies that end exactly on a packet boundary, with and without a ZLP,
 * through the ioctl, write()+poll()+read() and write()+read(). */
static void check_packet_multiple(void)
{
	bool split = strcmp(mode, "split") == 0;
	const unsigned lens[2] = { split ? 71 : 64, split ? 135 : 128 };
	static uint8_t expect[CNID_WIRE_FRAME_MAX], data[CNID_WIRE_FRAME_MAX];
	uint8_t req[64];
	int n = cmd_req(CNID_CMD_SAM_STATUS, req), bad = 0, tried = 0;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	for (int zlp = 0; zlp < 2; zlp++) {
		ctl("zlp %s", zlp ? "on" : "off");
		for (int l = 0; l < 2; l++) {
			int e = cnid_response_build(0, 0, 0x90, data, lens[l] - 11, expect,
						    sizeof(expect));

			for (int path = 0; path < 3; path++) {
				struct pollfd pf = { .fd = fd, .events = POLLIN };
				int m = -1;

				ctl("fault length %u", lens[l]);
				if (path == 0)
					m = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 0, NULL);
				else if (write(fd, req, (size_t)n) == n &&
					 (path == 2 || poll(&pf, 1, 10000) == 1))
					m = (int)read(fd, frame, sizeof(frame));
				tried++;
				if (m != e || memcmp(frame, expect, (size_t)e) != 0 ||
				    transact(CNID_CMD_SAM_STATUS, NULL, NULL) != 11) {
					fprintf(stderr, "%s: %u-byte reply, zlp %d, path %d: got %d\n",
						prefix, lens[l], zlp, path, m);
					bad++;
				}
			}
		}
	}
	ctl("zlp off");
	result("packet-multiple-replies", bad == 0,
	       "%d of %d wrong (%u and %u bytes; ioctl, write+poll+read, write+read; zlp off and on)",
	       bad, tried, lens[0], lens[1]);
}

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1++;
}

/* Signal the parent: SIGUSR1 after 200 ms, then SIGSTOP + SIGCONT if asked. */
static pid_t signal_parent(bool stop)
{
	pid_t pid = fork();

	if (pid == 0) {
		nap_ms(200);
		kill(getppid(), SIGUSR1);
		if (stop) {
			nap_ms(200);
			kill(getppid(), SIGSTOP);
			nap_ms(100);
			kill(getppid(), SIGCONT);
		}
		_exit(0);
	}
	return pid;
}

/* An ioctl interrupted by a signal is restarted (SA_RESTART, SIGSTOP) or,
 * after EINTR, called again with the same request: either way it gets its
 * one reply, and the request went to the reader once. */
static void check_restart(void)
{
	struct sigaction sa = { .sa_handler = on_usr1, .sa_flags = SA_RESTART };
	static uint8_t expect[CNID_WIRE_FRAME_MAX];
	int e = cnid_card_desc_frame(want, 0, expect, sizeof(expect)), n, r1;
	uint8_t req[64];
	long q0, q1;
	uint64_t t0, dt;
	pid_t pid;

	n = cmd_req(CNID_CMD_READ, req);
	ctl("quirk off");
	ctl("delay read 800");
	sigaction(SIGUSR1, &sa, NULL);
	got_usr1 = 0;
	q0 = emu_requests();
	pid = signal_parent(true);
	t0 = now_us();
	r1 = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 0, NULL);
	dt = now_us() - t0;
	waitpid(pid, NULL, 0);
	q1 = emu_requests();
	result("ioctl-restarts-after-signals", r1 == e && memcmp(frame, expect, (size_t)e) == 0 &&
	       got_usr1 == 1 && q1 == q0 + 1 && dt < 1500000,
	       "got %d (want %d) after %llu ms, %d SIGUSR1, %ld requests reached the reader", r1, e,
	       (unsigned long long)dt / 1000, (int)got_usr1, q1 - q0);

	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	got_usr1 = 0;
	q0 = emu_requests();
	pid = signal_parent(false);
	t0 = now_us();
	r1 = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 0, NULL);
	n = xfer_fd(fd, req, (size_t)n, frame, sizeof(frame), 0, NULL);
	dt = now_us() - t0;
	waitpid(pid, NULL, 0);
	q1 = emu_requests();
	result("ioctl-eintr-then-same-request-gets-its-reply", r1 == -EINTR && n == e &&
	       memcmp(frame, expect, (size_t)e) == 0 && q1 == q0 + 1 && dt < 1500000,
	       "first %d, again %d (want %d) after %llu ms, %ld requests reached the reader", r1, n,
	       e, (unsigned long long)dt / 1000, q1 - q0);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGUSR1, &sa, NULL);
	ctl("delay none");
	ctl("quirk on");
}

/* A file open across unbind and bind leaves runtime PM balanced: after
 * the rebind, with nothing open, the device autosuspends. */
static void check_pm_unbind(void)
{
	char link[512], target[512], status[32] = "", path[512];
	const char *intf;
	int f = open_node(0), r, tries;
	ssize_t k;

	snprintf(link, sizeof(link), "/sys/class/usbmisc/%s/device", node + 5);
	k = readlink(link, target, sizeof(target) - 1);
	target[k > 0 ? k : 0] = 0;
	intf = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	r = write_file("/sys/bus/usb/drivers/cnid/unbind", intf);
	if (f >= 0)
		close(f);
	close(fd);
	fd = -1;
	r = r ? r : write_file("/sys/bus/usb/drivers/cnid/bind", intf);
	r = r ? r : wait_node(5000);
	write_attr("power/autosuspend_delay_ms", "0");
	write_attr("power/control", "auto");
	usb_attr_path("power/runtime_status", path, sizeof(path));
	for (tries = 0; tries < 50; tries++) {
		if (read_attr(path, status, sizeof(status)) == 0 && strcmp(status, "suspended") == 0)
			break;
		nap_ms(100);
	}
	result("pm-balanced-across-unbind", r == 0 && strcmp(status, "suspended") == 0,
	       "unbind/bind %s: %d; runtime_status %s with nothing open", intf, r, status);
	fd = open_node(0);
	r = fd >= 0 ? transact(CNID_CMD_SAM_STATUS, NULL, NULL) : fd;
	write_attr("power/control", "on");
	result("pm-unbind-then-io", r == 11, "got %d", r);
}

static void check_engine(void)
{
	char buf[64];
	int r1 = write_file("/sys/module/cnid/parameters/timeout_ms", "60001");
	int r2 = write_file("/sys/module/cnid/parameters/quarantine_ms", "99");
	int r3 = write_file("/sys/module/cnid/parameters/timeout_ms", "0");

	read_attr("/sys/module/cnid/parameters/timeout_ms", buf, sizeof(buf));
	result("params-range-checked", r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL &&
	       strcmp(buf, "5000") == 0, "timeout_ms=60001: %d, quarantine_ms=99: %d, "
	       "timeout_ms=0: %d; timeout_ms now %s", r1, r2, r3, buf);
	kill_case("kill-blocked-ioctl", BLOCK_IOCTL);
	kill_case("kill-blocked-read", BLOCK_READ);
	kill_case("kill-blocked-poll", BLOCK_POLL);
	kill_case("kill-write-waiting-for-other", BLOCK_WRITE_BUSY);
	kill_case("kill-ioctl-waiting-for-quarantine", BLOCK_QUARANTINE);
	check_nonblock_fast();
	check_reset_prompt();
	check_stopped_owner();
	check_wakeups();
	check_packet_multiple();
	check_restart();
	check_pm_unbind();
}

/* System suspend (pm_test "devices": devices suspend, 5 s, resume) while a
 * caller waits for a card read: it gets ECONNABORTED; I/O works after. */
static void check_suspend(void)
{
	uint8_t req[64];
	int n = cmd_req(CNID_CMD_READ, req), r, status, m;
	uint64_t t0, dt;
	pid_t pid;

	if (access("/sys/power/pm_test", W_OK) < 0) {
		/* the debug kernel (tinyconfig + tests/deep fragment) has no PM */
		printf("TEST %s.suspend-mid-transaction SKIP no /sys/power/pm_test: this kernel "
		       "has no system sleep (CONFIG_SUSPEND, CONFIG_PM_DEBUG)\n", prefix);
		return;
	}
	r = write_file("/sys/power/pm_test", "devices");
	ctl("delay read 3000");
	pid = blocked_xfer_child(req, n, 0);
	t0 = now_us();
	r = r ? r : write_file("/sys/power/state", "freeze");
	dt = now_us() - t0;
	status = wait_child(pid, 10000);
	write_file("/sys/power/pm_test", "none");
	ctl("delay none");
	m = transact(CNID_CMD_SAM_STATUS, NULL, NULL);
	result("suspend-mid-transaction", r == 0 && status >= 0 && WIFEXITED(status) &&
	       WEXITSTATUS(status) == ECONNABORTED && m == 11,
	       "suspend %d (%llu ms); the caller: %s %d; then SAM status %d", r,
	       (unsigned long long)dt / 1000, status < 0 ? "still blocked," : "errno",
	       status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, m);
}

/* The card read, byte for byte what the card description says (22-kmod-unplug
 * runs it through a re-inserted module: I/O works after rmmod + insmod). */
static void check_read(void)
{
	static uint8_t expect[CNID_WIRE_FRAME_MAX];
	int n = transact(CNID_CMD_READ, NULL, NULL);
	int e = cnid_card_desc_frame(want, 0, expect, sizeof(expect));

	result("read", n > 0 && n == e && memcmp(frame, expect, (size_t)n) == 0,
	       "n=%d want %d bytes equal to the card description's reply", n, e);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serial", required_argument, NULL, 's' }, { "mode", required_argument, NULL, 'm' },
		{ "ctl", required_argument, NULL, 'c' },    { "card", required_argument, NULL, 'C' },
		{ "name", required_argument, NULL, 'n' },   { "cycles", required_argument, NULL, 'y' },
		{ "hammer", required_argument, NULL, 'h' }, { "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	int o, r, cycles = 10, hammer = 50, wait_ms = 10000;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 's': serial = optarg; break;
		case 'm': mode = optarg; break;
		case 'c': ctl_sock = optarg; break;
		case 'C': card_path = optarg; break;
		case 'n': prefix = optarg; break;
		case 'y': cycles = atoi(optarg); break;
		case 'h': hammer = atoi(optarg); break;
		case 'w': wait_ms = atoi(optarg); break;
		default: return 2;
		}
	}
	want = calloc(1, sizeof(*want));
	if (!ctl_sock || !card_path || !want) {
		fprintf(stderr, "usage: kmod-test --serial NAME --mode split|single --ctl SOCKET "
			"--card FILE [--name PREFIX] [--cycles N] [--hammer N] [--wait MS] [TEST...]\n");
		return 2;
	}
	r = emu_load_desc(card_path, want);
	if (r < 0) {
		result("card", false, "%s: %s", card_path, strerror(-r));
		return 1;
	}
	r = wait_node(wait_ms);
	fd = r == 0 ? open_node(0) : r;
	result("open", fd >= 0, "reader %s: %s", serial, strerror(-fd));
	if (fd < 0)
		return 1;
	for (int i = optind; i < argc || i == optind; i++) {
		const char *t = i < argc ? argv[i] : "all";
		bool all = strcmp(t, "all") == 0;

		if (all || strcmp(t, "basic") == 0) {
			check_info();
			check_commands();
			check_malformed();
		}
		if (all || strcmp(t, "faults") == 0)
			check_faults();
		if (all || strcmp(t, "boundaries") == 0)
			check_boundaries();
		if (all || strcmp(t, "rw") == 0)
			check_rw();
		if (all || strcmp(t, "hammer") == 0)
			check_hammer(hammer);
		if (all || strcmp(t, "pm") == 0)
			check_pm();
		if (strcmp(t, "unplug") == 0)
			check_unplug(cycles);
		if (strcmp(t, "read") == 0)
			check_read();
		if (strncmp(t, "stale", 5) == 0)
			check_stale(t);
		if (strcmp(t, "engine") == 0)
			check_engine();
		if (strcmp(t, "suspend") == 0)
			check_suspend();
	}
	if (fd >= 0)
		close(fd);
	free(want);
	return failures ? 1 : 0;
}
