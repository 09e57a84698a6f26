/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One reader's transport, non-blocking: a /dev/cnidN node of cnid.ko
 * (write() a request frame, poll(), read() the whole reply) or a serial
 * line (a tty: write the request, feed the bytes that come back to the
 * library's stream parser).  Shared by cnidd (one per reader, in its epoll
 * loop) and `cnid read` / `cnid sam-id` (rio_transact(), which polls).
 *
 * The caller owns the deadline: rio_start() sends, rio_pump() consumes what
 * the fd has, and when the caller's timer fires first it calls rio_abort().
 */
#ifndef CNID_READER_IO_H
#define CNID_READER_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cnid-private.h"

enum rio_kind {
	RIO_DEV,        /* /dev/cnidN */
	RIO_SERIAL,     /* a tty, 115200 8N1 raw */
};

struct rio {
	int fd;
	char path[256];
	enum rio_kind kind;
	bool busy;              /* a request is outstanding */
	bool want_write;        /* RIO_DEV: the write met EAGAIN; send on EPOLLOUT */
	uint8_t req[16];
	size_t req_len;
	struct cnid_parser parser;
	uint8_t reply[CNID_FRAME_MAX];
	size_t reply_len;
	enum cnid_cmd_id cmd;   /* of the outstanding request */
	uint64_t garbage;       /* serial: bytes dropped (before preambles, stale) */
	uint64_t stale;         /* serial: whole replies dropped as not this request's */
};

/*
 * Open path (O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY); a tty is put in
 * raw mode at 115200 8N1 and is RIO_SERIAL, anything else RIO_DEV.
 * -errno from open (EACCES, ENOENT, ...).  lock: take an exclusive flock()
 * without waiting (-EWOULDBLOCK when someone holds it); cnidd locks only
 * around each of its sequences, see rio_lock().
 */
int rio_open(struct rio *r, const char *path);
void rio_close(struct rio *r);

/* flock(LOCK_EX | LOCK_NB) / LOCK_UN: serial lines have no arbitration of
 * their own, so cnidd and `cnid read` take turns through it. */
int rio_lock(struct rio *r);
void rio_unlock(struct rio *r);

/*
 * Send the request of a table command.  Serial: unread input is dropped
 * first (counted in garbage).  0 sent (or, RIO_DEV, waiting for EPOLLOUT:
 * want_write), -errno (ENODEV/EIO: the reader is gone).
 */
int rio_start(struct rio *r, enum cnid_cmd_id cmd);
/* The fd became writable: send what rio_start() could not. */
int rio_flush(struct rio *r);

/*
 * The fd is readable: 1 a whole, verified reply frame is in reply/reply_len
 * (the request is over), 0 not yet, <0 -errno: the errors of enum
 * cnid_frame_error (serial), the module's (ETIMEDOUT, EBADMSG, ...; RIO_DEV)
 * — the request is over — or ENODEV/EIO/EPIPE when the reader is gone
 * (serial: end of file or a hang-up).
 */
int rio_pump(struct rio *r);

/* Give up the outstanding request (the caller's deadline passed).  RIO_DEV:
 * the file is reopened (closing it ends the request; the module quarantines
 * the reader until the abandoned reply has gone by); -errno if that fails. */
int rio_abort(struct rio *r);

/* Blocking convenience for the tool: start, poll until a reply or timeout_ms
 * (-ETIMEDOUT), -errno otherwise. */
int rio_transact(struct rio *r, enum cnid_cmd_id cmd, int timeout_ms);

/* The errno of a reader that is gone. */
bool rio_gone_error(int err);

#endif
