/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnid-emu: a virtual MPS "SAM" ID-card reader.
 *
 * One single-threaded event loop (poll) serves a transport (a pseudo-terminal
 * or a FunctionFS gadget), the control socket and timers.  The SAM itself
 * (sam.c) turns request frames into reply frames; the output machinery
 * (emu.c) cuts a reply into segments, applies faults and delays, and hands
 * segments to the transport one at a time.
 */
#ifndef CNID_EMU_H
#define CNID_EMU_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cnid-private.h"

#define EMU_RXQ_MAX 65536
#define EMU_TX_MAX (CNID_FRAME_MAX + 4096)
#define EMU_MAX_CUTS 4096
#define EMU_CTL_CLIENTS 8
#define EMU_CTL_LINE 1024
#define EMU_PATH_MAX 512
#define EMU_PACE_BYTES 16          /* pty pacing granularity */

enum emu_fault_kind {
	FAULT_NONE,
	FAULT_CHECKSUM,    /* last byte XOR 0x01 */
	FAULT_TRUNCATE,    /* only the first N bytes */
	FAULT_TOO_LONG,    /* LEN field replaced (default CNID_LEN_MAX + 1) */
	FAULT_GARBAGE,     /* N bytes of a fill byte before the preamble */
	FAULT_STALL,       /* no reply at all */
	FAULT_ENDLESS,     /* an endless stream of a fill byte, until "stop" */
	FAULT_SW3,         /* error reply with this SW3 (and SW1 SW2), no data */
	FAULT_UNPLUG_MID,  /* send N bytes, then unplug */
	FAULT_SPLIT,       /* two pieces: N bytes, then the rest */
	FAULT_TRAIL,       /* N fill bytes after the reply, then a copy of it */
	FAULT_LENGTH,      /* a well-formed reply of exactly N bytes (SW3 90) */
	_FAULT_MAX,
};

struct emu_fault {
	enum emu_fault_kind kind;
	long arg;          /* N, LEN, SW3 ... (-1: default) */
	uint8_t byte;      /* fill byte for garbage/endless */
	uint8_t sw1, sw2;
};

enum emu_transport_kind { TRANSPORT_PTY, TRANSPORT_FFS, TRANSPORT_USBREDIR };
enum emu_pipe_mode { PIPE_SPLIT, PIPE_SINGLE };

struct emu;

struct emu_transport {
	const char *name;
	/* Add fds to the poll set; returns how many were added. */
	int (*poll_fds)(struct emu *e, struct pollfd *pfd, int max);
	/* Handle readiness on the fds added last time. */
	void (*poll_handle)(struct emu *e, const struct pollfd *pfd, int n);
	/* Start sending one segment (stream offset off of the reply); 0 or -errno.
	 * The transport calls emu_tx_segment_done() when it has gone out. */
	int (*send)(struct emu *e, const uint8_t *p, size_t n, size_t off);
	/* Disconnect / reconnect (UDC unbind/bind, or pty hang-up/new pty). */
	int (*unplug)(struct emu *e);
	int (*replug)(struct emu *e);
	bool (*connected)(struct emu *e);
	/* Drop a segment the transport still holds (optional). */
	void (*cancel)(struct emu *e);
	void (*close)(struct emu *e);
};

struct emu {
	/* Card and SAM state */
	struct cnid_card_desc *card;   /* NULL: no card loaded */
	char card_path[2 * EMU_PATH_MAX + 2];
	char cards_dir[EMU_PATH_MAX];
	bool present;          /* card in the field */
	bool latched;          /* read done; find answers 0x80 (quirk) */
	bool selected;
	bool quirk;
	bool fingerprints;
	bool zlp;              /* USB: zero-length packet after a reply of a 64 multiple */
	struct cnid_sam_id sam_id;
	unsigned delay_ms[_CNID_CMD_MAX];
	char profile[16];
	uint8_t find_data[4];

	/* Faults and output shaping */
	struct emu_fault fault;        /* one-shot, for the next reply */
	unsigned chunk;                /* >0: every reply in segments of chunk bytes */
	unsigned chunk_gap_ms;
	unsigned baud;                 /* pty: pace output at 10 bits per byte (0: off) */

	/* Request side */
	struct cnid_parser req;
	uint8_t rxq[EMU_RXQ_MAX];
	size_t rxq_len;
	uint64_t last_rx_us;
	unsigned req_timeout_ms;

	/* Reply being sent */
	bool tx_active;        /* a reply is scheduled or in flight */
	bool tx_busy;          /* a segment is with the transport */
	uint8_t tx[EMU_TX_MAX];
	size_t tx_len;
	size_t tx_cuts[EMU_MAX_CUTS];  /* segment ends, ascending, last == tx_len */
	size_t tx_ncuts, tx_seg;
	size_t tx_unplug_at;           /* unplug once this many bytes went out (0: never) */
	size_t tx_shown;               /* the log shows only tx[0..tx_shown) (see schedule_reply) */
	uint64_t tx_due_us;            /* next segment not before this time */
	uint64_t tx_sched_us;          /* when the segment in flight was due */
	bool endless;
	uint8_t endless_byte;
	uint64_t endless_sent;

	/* Counters */
	uint64_t n_requests, n_replies, n_bad_requests;

	/* Transport */
	enum emu_transport_kind tkind;
	enum emu_pipe_mode mode;
	const struct emu_transport *tp;
	void *tpriv;
	char link_path[EMU_PATH_MAX];  /* pty symlink */
	char tty_path[EMU_PATH_MAX];   /* serial on this character device instead of a pty */
	char ffs_dir[EMU_PATH_MAX];
	char udc_file[EMU_PATH_MAX];
	char udc_name[128];
	char ready_file[EMU_PATH_MAX];
	char usbredir_path[EMU_PATH_MAX];   /* usbredir: socket or character device */
	char usbredir_state[EMU_PATH_MAX];  /* usbredir: session handed to the next process */
	char usb_serial[64];                /* usbredir: iSerialNumber */
	uint8_t usb_eps[4];                 /* usbredir: endpoint addresses (0: the real reader's) */

	/* Control socket */
	char ctl_path[EMU_PATH_MAX];
	int ctl_fd;
	int ctl_client[EMU_CTL_CLIENTS];
	char ctl_buf[EMU_CTL_CLIENTS][EMU_CTL_LINE];
	size_t ctl_len[EMU_CTL_CLIENTS];

	FILE *log;
	bool log_full;
	bool quit;
};

/* emu.c */
uint64_t emu_now_us(void);
void emu_log_bytes(struct emu *e, const char *dir, const uint8_t *p, size_t n, size_t shown);
void emu_log_event(struct emu *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emu_rx(struct emu *e, const uint8_t *p, size_t n);
void emu_tx_segment_done(struct emu *e);
void emu_transport_reset(struct emu *e);
/* "05.01-20101129-0001228293-0296863149" to a SAM ID. */
int emu_parse_sam_id(const char *s, struct cnid_sam_id *ret);
void emu_stop_output(struct emu *e);
int emu_unplug(struct emu *e);
int emu_replug(struct emu *e);

/* sam.c: the reader's behaviour */
struct emu_reply {
	uint8_t buf[CNID_FRAME_MAX];
	size_t len;            /* 0: no reply */
	enum cnid_cmd_id cmd;  /* _CNID_CMD_MAX when not a table command */
};
void sam_init(struct emu *e);
/* Answer one verified request frame. */
void sam_handle_request(struct emu *e, const uint8_t *frame, size_t len, struct emu_reply *ret);
/* Answer a request the parser rejected (-EBADMSG, -EMSGSIZE, -EPROTO). */
void sam_handle_bad_request(struct emu *e, int err, struct emu_reply *ret);
int sam_load_card(struct emu *e, const char *path, char *err, size_t errsize);
void sam_remove_card(struct emu *e);
int sam_set_profile(struct emu *e, const char *name);
int sam_set_delay(struct emu *e, const char *cmd, long ms);
const char *fault_name(enum emu_fault_kind k);
int fault_parse(int argc, char **argv, struct emu_fault *ret, char *err, size_t errsize);

/* ctl.c */
int ctl_listen(struct emu *e);
int ctl_poll_fds(struct emu *e, struct pollfd *pfd, int max);
void ctl_poll_handle(struct emu *e, const struct pollfd *pfd, int n);
/* Execute one command line; writes "ok ..." or "error ..." into out. */
void ctl_exec(struct emu *e, char *line, char *out, size_t outsize);
int ctl_client_main(int argc, char **argv);
void ctl_close(struct emu *e);

/* transports */
extern const struct emu_transport emu_pty_transport;
extern const struct emu_transport emu_ffs_transport;
int pty_open(struct emu *e);
int ffs_open(struct emu *e);
/* usbredir.c, in builds with libusbredirparser (CNID_EMU_USBREDIR) */
extern const struct emu_transport emu_usbredir_transport;
int usbredir_open(struct emu *e);

#endif
