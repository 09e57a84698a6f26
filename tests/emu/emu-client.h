/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by every test program that drives the virtual
 * reader (the host pty test, the guest usbfs client, tests/kmod/kmod-test
 * and bench/kmod-latency): talking to the control socket, the TEST result
 * lines, reading sysfs
 * attributes, the monotonic clock, and the expected-value helpers that
 * derive what a reply must be from the same card description the emulator
 * was given.
 */
#ifndef CNID_EMU_CLIENT_H
#define CNID_EMU_CLIENT_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cnid-private.h"

/*
 * Send one control command (printf-style) and read the one-line reply into
 * reply (may be NULL).  Returns 0 for "ok ...", 1 for "error ...", -errno
 * when the socket failed.
 */
__attribute__((format(printf, 4, 5), unused))
static int emu_ctl(const char *sock, char *reply, size_t size, const char *fmt, ...)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char line[1024], buf[2048];
	size_t got = 0;
	va_list ap;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1 || strlen(sock) >= sizeof(sa.sun_path))
		return -EINVAL;
	line[n++] = '\n';
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(fd, line, (size_t)n) != n) {
		int r = -errno;

		close(fd);
		return r;
	}
	while (got < sizeof(buf) - 1) {
		ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(buf, '\n', got))
			break;
	}
	close(fd);
	buf[got] = '\0';
	if (got && buf[got - 1] == '\n')
		buf[got - 1] = '\0';
	if (reply && size) {
		size_t l = strlen(buf) < size - 1 ? strlen(buf) : size - 1;

		memcpy(reply, buf, l);
		reply[l] = '\0';
	}
	if (strncmp(buf, "ok", 2) == 0)
		return 0;
	return got ? 1 : -EPIPE;
}

/*
 * Send one control command (printf-style) and report a failure: on any
 * reply but "ok ..." prints "WHO: control 'CMD': REASON" to stderr, REASON
 * being the emulator's reply or the socket error.  Returns true for "ok".
 */
__attribute__((format(printf, 3, 4), unused))
static bool emu_ctl_report(const char *sock, const char *who, const char *fmt, ...)
{
	char cmd[1024], reply[2048] = "";
	va_list ap;
	int r;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	r = emu_ctl(sock, reply, sizeof(reply), "%s", cmd);
	if (r != 0)
		fprintf(stderr, "%s: control '%s': %d %s\n", who, cmd, r,
			r < 0 ? strerror(-r) : reply);
	return r == 0;
}

/*
 * Print one scenario result line, "TEST PREFIX.NAME PASS" or
 * "TEST PREFIX.NAME FAIL REASON" (the rig's result protocol, see
 * tests/vm/README.md), and count a failure in *failures.
 */
__attribute__((format(printf, 5, 6), unused))
static void emu_result(const char *prefix, int *failures, const char *name, bool ok,
		       const char *fmt, ...)
{
	char why[512];
	va_list ap;

	if (ok) {
		printf("TEST %s.%s PASS\n", prefix, name);
	} else {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
		printf("TEST %s.%s FAIL %s\n", prefix, name, why);
		(*failures)++;
	}
	fflush(stdout);
}

/*
 * Read a one-line sysfs attribute into buf, cut at the first newline.
 * Returns -errno, or -EIO for an empty attribute (no attribute the tests
 * read is empty when all is well).
 */
__attribute__((unused))
static int read_attr(const char *path, char *buf, size_t size)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = read(f, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(f);
	if (n <= 0)
		return n < 0 ? (int)n : -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/*
 * The cnid.ko reader whose USB serial number is serial: its usbmisc name
 * ("cnidN", the node being /dev/cnidN) into ret_name.  Returns 0, -ENOENT
 * when no bound reader has that serial, or -errno.
 */
__attribute__((unused))
static int cnid_find_by_serial(const char *serial, char *ret_name, size_t size)
{
	DIR *d = opendir("/sys/class/usbmisc");
	struct dirent *de;
	char path[512], val[128];
	int r = -ENOENT;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "cnid", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "/sys/class/usbmisc/%s/device/../serial", de->d_name);
		if (read_attr(path, val, sizeof(val)) == 0 && strcmp(val, serial) == 0) {
			r = snprintf(ret_name, size, "%s", de->d_name) < (int)size ? 0 : -ENAMETOOLONG;
			break;
		}
	}
	closedir(d);
	return r;
}

/* CLOCK_MONOTONIC in nanoseconds, microseconds, milliseconds. */
__attribute__((unused))
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

__attribute__((unused))
static uint64_t now_us(void)
{
	return now_ns() / 1000u;
}

__attribute__((unused))
static uint64_t now_ms(void)
{
	return now_ns() / 1000000u;
}

/* Load a card description file into d (the same parse the emulator does). */
__attribute__((unused))
static int emu_load_desc(const char *path, struct cnid_card_desc *d)
{
	char *text;
	unsigned line = 0;
	long n;
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if (n < 0 || n > (1 << 20)) {
		fclose(f);
		return -EFBIG;
	}
	text = calloc(1, (size_t)n + 1);
	if (!text) {
		fclose(f);
		return -ENOMEM;
	}
	if (fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		fclose(f);
		return -EIO;
	}
	fclose(f);
	r = cnid_card_desc_parse(text, d, &line);
	free(text);
	return r;
}

#endif
