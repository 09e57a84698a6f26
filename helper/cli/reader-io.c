/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One reader's transport, non-blocking (reader-io.h). */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/file.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "reader-io.h"

static int serial_setup(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	t.c_cflag |= CLOCAL | CREAD;
	t.c_cflag &= ~(CSTOPB | PARENB | CRTSCTS);
	t.c_cc[VMIN] = 1;      /* with O_NONBLOCK: EAGAIN when empty, 0 only at a hang-up */
	t.c_cc[VTIME] = 0;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

int rio_open(struct rio *r, const char *path)
{
	int fd, e;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (strlen(path) >= sizeof(r->path))
		return -ENAMETOOLONG;
	strcpy(r->path, path);
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	r->fd = fd;
	r->kind = isatty(fd) ? RIO_SERIAL : RIO_DEV;
	if (r->kind == RIO_SERIAL) {
		e = serial_setup(fd);
		if (e < 0) {
			rio_close(r);
			return e;
		}
	}
	cnid_parser_init(&r->parser);
	return 0;
}

void rio_close(struct rio *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->busy = false;
	r->want_write = false;
}

int rio_lock(struct rio *r)
{
	return flock(r->fd, LOCK_EX | LOCK_NB) < 0 ? -errno : 0;
}

void rio_unlock(struct rio *r)
{
	if (r->fd >= 0)
		flock(r->fd, LOCK_UN);
}

bool rio_gone_error(int err)
{
	err = err < 0 ? -err : err;
	return err == ENODEV || err == EIO || err == EPIPE || err == ENXIO || err == EBADF;
}

/* Serial: drop what a previous, abandoned reply left behind. */
static int serial_drain(struct rio *r)
{
	uint8_t junk[256];

	for (;;) {
		ssize_t n = read(r->fd, junk, sizeof(junk));

		if (n > 0) {
			r->garbage += (uint64_t)n;
			continue;
		}
		if (n == 0)
			return -EPIPE;  /* end of file: the line is gone */
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
}

int rio_flush(struct rio *r)
{
	ssize_t n = write(r->fd, r->req, r->req_len);

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR) {
			r->want_write = true;
			return 0;
		}
		r->busy = false;
		return -errno;
	}
	if ((size_t)n != r->req_len) {
		/* a 10-byte request goes whole or not at all on any sane line */
		r->busy = false;
		return -EIO;
	}
	r->want_write = false;
	return 0;
}

int rio_start(struct rio *r, enum cnid_cmd_id cmd)
{
	int n;

	if (r->fd < 0)
		return -EBADF;
	if (r->busy)
		return -EBUSY;
	n = cnid_command_build(cmd, cmd == CNID_CMD_SET_RF_MAX ? (const uint8_t[]){ 0x50 } : NULL,
			       r->req, sizeof(r->req));
	if (n < 0)
		return n;
	r->req_len = (size_t)n;
	r->cmd = cmd;
	if (r->kind == RIO_SERIAL) {
		int e = serial_drain(r);

		if (e < 0)
			return e;
		cnid_parser_init(&r->parser);
	}
	r->reply_len = 0;
	r->busy = true;
	return rio_flush(r);
}

static int pump_dev(struct rio *r)
{
	ssize_t n = read(r->fd, r->reply, sizeof(r->reply));

	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		r->busy = false;
		return -errno;
	}
	r->busy = false;
	if (n == 0)
		return -ENODEV;
	r->reply_len = (size_t)n;
	return 1;
}

/*
 * A serial line pairs nothing: the reply of a request given up on (a
 * timeout, another program's) may still come.  A successful reply whose
 * data does not have the size this command's reply has is such a one.
 */
static bool reply_fits(enum cnid_cmd_id cmd, const uint8_t *f, size_t len)
{
	struct cnid_response resp;
	size_t want;

	if (cnid_response_parse(f, len, &resp) < 0)
		return true;    /* not ours to judge: the caller reports it */
	if (resp.sw3 != (cmd == CNID_CMD_FIND ? CNID_SW3_FIND_OK : CNID_SW3_OK))
		return resp.data_len == 0;
	switch (cmd) {
	case CNID_CMD_SAM_ID: want = 16; break;
	case CNID_CMD_FIND: want = 4; break;
	case CNID_CMD_SELECT: want = 8; break;
	case CNID_CMD_READ:     /* two 2-byte lengths, the text, a photo (or none) */
		return resp.data_len >= 4 + CNID_TEXT_LEN;
	case CNID_CMD_READ_FP:  /* three lengths */
		return resp.data_len >= 6 + CNID_TEXT_LEN;
	default: want = 0;
	}
	return resp.data_len == want;
}

static int pump_serial(struct rio *r)
{
	uint8_t buf[512];

	for (;;) {
		ssize_t n = read(r->fd, buf, sizeof(buf));
		size_t off = 0;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			r->busy = false;
			return -errno;
		}
		if (n == 0) {
			r->busy = false;
			return -EPIPE;
		}
		if (!r->busy) {
			r->garbage += (uint64_t)n;
			continue;
		}
		while (off < (size_t)n) {
			size_t used = 0;
			int e = cnid_parser_feed(&r->parser, buf + off, (size_t)n - off, &used);
			const uint8_t *f;
			size_t len;

			off += used;
			if (e < 0) {
				/* a damaged frame: this request is over */
				r->busy = false;
				r->garbage += (uint64_t)n - off;
				return e;
			}
			if (e == 1) {
				f = cnid_parser_frame(&r->parser, &len);
				if (!reply_fits(r->cmd, f, len)) {
					/* a late reply to an abandoned request */
					r->stale++;
					r->garbage += len;
					continue;
				}
				memcpy(r->reply, f, len);
				r->reply_len = len;
				r->busy = false;
				/* anything after the frame is not ours */
				r->garbage += (uint64_t)n - off;
				return 1;
			}
			if (used == 0)
				break;
		}
	}
}

int rio_pump(struct rio *r)
{
	if (r->fd < 0)
		return -EBADF;
	return r->kind == RIO_DEV ? pump_dev(r) : pump_serial(r);
}

int rio_abort(struct rio *r)
{
	int fd;

	if (!r->busy)
		return 0;
	r->busy = false;
	r->want_write = false;
	if (r->kind == RIO_SERIAL)
		return 0;       /* the next rio_start() drops what comes late */
	fd = open(r->path, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	dup2(fd, r->fd);        /* the old file (and its request) ends here */
	close(fd);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rio_transact(struct rio *r, enum cnid_cmd_id cmd, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int e = rio_start(r, cmd);

	if (e < 0)
		return e;
	for (;;) {
		struct pollfd p = { .fd = r->fd, .events = r->want_write ? POLLOUT : POLLIN };
		long long left = deadline - now_ms();

		if (left <= 0) {
			rio_abort(r);
			return -ETIMEDOUT;
		}
		e = poll(&p, 1, (int)left);
		if (e < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (e == 0)
			continue;
		if (r->want_write) {
			e = rio_flush(r);
			if (e < 0)
				return e;
			continue;
		}
		e = rio_pump(r);
		if (e != 0)
			return e < 0 ? e : 0;
		if (p.revents & (POLLHUP | POLLERR))
			return -EPIPE;
	}
}
