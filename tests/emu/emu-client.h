/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by the emulator's test clients (the host pty test
 * and the guest usbfs client): talking to the control socket, and the
 * expected-value helpers that derive what a reply must be from the same
 * card description the emulator was given.
 */
#ifndef CNID_EMU_CLIENT_H
#define CNID_EMU_CLIENT_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cnid.h"

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
