// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Serial transport: a pseudo-terminal in raw mode, 115200 8N1 settings,
 * optionally reachable through a stable symlink.  "unplug" hangs the line
 * up (the master closes: the far side reads EIO/POLLHUP); "replug" opens a
 * new pty and moves the symlink to it.
 *
 * Or (--tty PATH) an existing character device used as the reader's end of
 * the line: the rig's virtio-serial port that QEMU joins to its
 * -device usb-serial (an FTDI bridge in the guest, /dev/ttyUSB0).  There
 * "unplug"/"replug" only close and reopen PATH (the bridge stays).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "emu.h"

struct pty {
	int master;
	int slave;             /* held open so the line stays up between clients */
	char name[EMU_PATH_MAX];
	const uint8_t *out;
	size_t out_left;
};

static struct pty pty_state = { .master = -1, .slave = -1 };

static int set_raw(int fd)
{
	struct termios t;

	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cflag &= ~(CSTOPB | PARENB | CSIZE | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	cfsetispeed(&t, B115200);
	cfsetospeed(&t, B115200);
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	return 0;
}

static int update_link(struct emu *e, const char *target)
{
	char tmp[EMU_PATH_MAX + 8];

	if (!e->link_path[0])
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.new", e->link_path);
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return -errno;
	if (rename(tmp, e->link_path) < 0) {
		int r = -errno;

		unlink(tmp);
		return r;
	}
	return 0;
}

static int pty_up(struct emu *e)
{
	struct pty *p = &pty_state;
	int r;

	if (e->tty_path[0]) {
		p->master = open(e->tty_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
		if (p->master < 0)
			return -errno;
		set_raw(p->master);     /* a tty: raw; a virtio port: no settings */
		snprintf(p->name, sizeof(p->name), "%s", e->tty_path);
		return 0;
	}
	p->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (p->master < 0)
		return -errno;
	if (grantpt(p->master) < 0 || unlockpt(p->master) < 0 ||
	    ptsname_r(p->master, p->name, sizeof(p->name)) != 0) {
		r = -errno;
		goto fail;
	}
	p->slave = open(p->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->slave < 0) {
		r = -errno;
		goto fail;
	}
	r = set_raw(p->slave);
	if (r < 0)
		goto fail;
	r = update_link(e, p->name);
	if (r < 0)
		goto fail;
	emu_log_event(e, "pty %s%s%s", p->name, e->link_path[0] ? " link " : "", e->link_path);
	return 0;
fail:
	if (p->slave >= 0)
		close(p->slave);
	close(p->master);
	p->master = p->slave = -1;
	return r;
}

static void pty_down(void)
{
	struct pty *p = &pty_state;

	if (p->master >= 0)
		close(p->master);
	if (p->slave >= 0)
		close(p->slave);
	p->master = p->slave = -1;
	p->out_left = 0;
}

int pty_open(struct emu *e)
{
	int r;

	e->tp = &emu_pty_transport;
	r = pty_up(e);
	if (r < 0)
		return r;
	/* The path on stdout lets a caller without --link find the line. */
	printf("%s\n", pty_state.name);
	fflush(stdout);
	return 0;
}

static int pty_poll_fds(struct emu *e, struct pollfd *pfd, int max)
{
	struct pty *p = &pty_state;

	(void)e;
	if (p->master < 0 || max < 1)
		return 0;
	pfd[0] = (struct pollfd){
		.fd = p->master,
		.events = POLLIN | (p->out_left ? POLLOUT : 0),
	};
	return 1;
}

static void pty_poll_handle(struct emu *e, const struct pollfd *pfd, int n)
{
	struct pty *p = &pty_state;
	uint8_t buf[4096];

	if (n < 1 || p->master < 0)
		return;
	if (pfd[0].revents & POLLIN) {
		ssize_t r = read(p->master, buf, sizeof(buf));

		if (r > 0)
			emu_rx(e, buf, (size_t)r);
	}
	if ((pfd[0].revents & POLLOUT) && p->out_left) {
		ssize_t r = write(p->master, p->out, p->out_left);

		if (r > 0) {
			p->out += r;
			p->out_left -= (size_t)r;
			if (p->out_left == 0)
				emu_tx_segment_done(e);
		}
	}
}

static int pty_send(struct emu *e, const uint8_t *data, size_t n, size_t off)
{
	struct pty *p = &pty_state;

	(void)e;
	(void)off;
	if (p->master < 0)
		return -ENOTCONN;
	/* Written from the loop when the master is writable, one segment per write(). */
	p->out = data;
	p->out_left = n;
	return 0;
}

static int pty_unplug(struct emu *e)
{
	int queued = 0;

	(void)e;
	if (pty_state.master < 0)
		return -ENOTCONN;
	/*
	 * A hang-up flushes what the far side has not read yet; a real line
	 * that drops mid-reply has delivered the bytes before it.  Wait (at
	 * most a second) until the far side has taken them.
	 */
	for (int i = 0; i < 200 && pty_state.slave >= 0; i++) {
		usleep(5000);   /* the tty layer moves written bytes on asynchronously */
		if (i >= 4 && (ioctl(pty_state.slave, FIONREAD, &queued) < 0 || queued == 0))
			break;
	}
	pty_down();
	return 0;
}

static int pty_replug(struct emu *e)
{
	if (pty_state.master >= 0)
		return -EALREADY;
	return pty_up(e);
}

static void pty_cancel(struct emu *e)
{
	(void)e;
	pty_state.out_left = 0;
}

static bool pty_connected(struct emu *e)
{
	(void)e;
	return pty_state.master >= 0;
}

static void pty_close(struct emu *e)
{
	pty_down();
	if (e->link_path[0])
		unlink(e->link_path);
}

const struct emu_transport emu_pty_transport = {
	.name = "pty",
	.poll_fds = pty_poll_fds,
	.poll_handle = pty_poll_handle,
	.send = pty_send,
	.unplug = pty_unplug,
	.replug = pty_replug,
	.connected = pty_connected,
	.cancel = pty_cancel,
	.close = pty_close,
};
