/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnidd: the daemon that reads every card presented to every reader,
 * validates it and announces it (helper/daemon/README.md).
 *
 * One thread, one epoll loop: a signalfd (SIGTERM, SIGINT, SIGHUP), a udev
 * monitor, and per reader its fd (non-blocking I/O, reader-io.h) and one
 * timerfd (poll interval, transaction deadline, reopen); nothing sleeps.
 */
#ifndef CNIDD_H
#define CNIDD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "card-json.h"
#include "cnid-private.h"
#include "reader-io.h"

#define CNIDD_MAX_SERIAL 16
#define CNIDD_NAME_MAX 64

struct cnidd_config {
	unsigned poll_ms;            /* poll_interval_ms: one find every poll_ms (default 500) */
	unsigned timeout_ms;         /* per-command deadline for find/select/SAM (default 1500) */
	unsigned read_timeout_ms;    /* deadline of a card read (default 5000) */
	unsigned read_attempts;      /* read_attempts: tries per card before read_failed (3) */
	unsigned quiet_ms;           /* serial: silence after a timeout before the next request (300) */
	unsigned reopen_ms;          /* serial: retry a missing line this often (1000) */
	bool fingerprints;           /* read with fingerprints (30 10) (default no) */
	bool udev;                   /* find /dev/cnidN and tagged ttys with libudev (default yes) */
	char record_dir[256];        /* /run/cnid */
	char record_group[64];       /* cnid */
	char plugin[256];            /* photo decoder plug-in ("" none) */
	char control_node[256];      /* /dev/cnid-ctl: where serial readers are registered ("" none) */
	unsigned n_serial;
	char serial[CNIDD_MAX_SERIAL][256];
};

int cnidd_config_defaults(struct cnidd_config *c);
/* Parse FILE into c (defaults first).  -errno; *ret_line the bad line
 * and *ret_why the reason on -EINVAL. */
int cnidd_config_load(const char *path, struct cnidd_config *c, unsigned *ret_line,
		      const char **ret_why);

/* ---- logging: stderr, for the journal; never a name or a number ---- */
enum { LOG_ERR_ = 3, LOG_WARN_ = 4, LOG_INFO_ = 6, LOG_DEBUG_ = 7 };
void cnidd_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_err(...) cnidd_log(LOG_ERR_, __VA_ARGS__)
#define log_warn(...) cnidd_log(LOG_WARN_, __VA_ARGS__)
#define log_info(...) cnidd_log(LOG_INFO_, __VA_ARGS__)
#define log_debug(...) cnidd_log(LOG_DEBUG_, __VA_ARGS__)
extern int cnidd_log_level;

/* ---- the event loop ---- */
struct source;
typedef void (*source_fn)(struct source *s, uint32_t events);
struct source {
	int fd;
	source_fn fn;
	void *data;
};
int loop_add(struct source *s, uint32_t events);
int loop_mod(struct source *s, uint32_t events);
void loop_del(struct source *s);
uint64_t now_us(void);               /* CLOCK_MONOTONIC */

/* ---- readers ---- */
enum card_state { CARD_ABSENT, CARD_PRESENT, CARD_FAILED };
enum step {
	STEP_IDLE, STEP_SAM_STATUS, STEP_SAM_ID, STEP_FIND, STEP_SELECT, STEP_READ, STEP_CONFIRM,
	STEP_QUIET, STEP_CLOSED,
};

struct reader {
	struct reader *next;
	char name[CNIDD_NAME_MAX];      /* cnid0, or the serial line's file name */
	char path[256];
	bool serial;                    /* configured serial line (reopened when it returns) */
	bool from_udev;
	struct rio io;
	struct source io_src, timer_src;
	enum step step;
	uint64_t deadline_us;
	uint64_t cycle_start_us;
	/* SAM */
	bool sam_ok;
	bool probe;                     /* select once after attaching, whatever find says */
	int sam_state;                  /* CNID_NL_SAM_* last announced */
	char sam_id[CNID_SAM_ID_STRLEN];
	unsigned errors_in_row;
	/* the card */
	enum card_state card;
	uint8_t serial_no[8];           /* of the card in `card` */
	bool reading;                   /* a read of serial_new is under way */
	uint8_t serial_new[8];
	unsigned attempts;
	int fail_reason;                /* CNID_NL_REASON_* of the last failed try */
	int fail_sw3;                   /* -1 none */
	uint64_t seen_us;               /* when find/select first saw the card */
	struct timespec seen_rt;
	/* a verified read waiting for its confirming select */
	struct cnid_card *card_data;
	struct cnid_validation *valid;
	uint8_t photo[CNID_PHOTO_LEN];
	size_t photo_len;
	uint8_t fp[CNID_FP_MAX_LEN];
	size_t fp_len;
	/* statistics (for the log at exit and the bench) */
	uint64_t transactions, reads, failures;
	/* announce.c's per-reader state */
	void *ann;
	bool dead;                      /* removed; freed after this epoll batch */
};

extern struct cnidd_config cfg;
extern struct reader *readers;

struct reader *reader_add(const char *name, const char *path, bool serial, bool from_udev);
struct reader *reader_find_path(const char *path);
void reader_remove(struct reader *r, const char *why);
void reader_remove_all(void);
void reader_reap(void);          /* free the removed readers */

/* ---- record files (record.c) ---- */
int record_write(struct reader *r);
void record_remove(struct reader *r);
void record_reset_group(void);

/* ---- photo decoder plug-in (plugin.c, interface cnid-photo-plugin.h) ---- */
int plugin_load(const char *path);
void plugin_unload(void);
/* 1 and an image (malloc'ed) with its MIME type, 0 no plug-in/none, <0 failed */
int plugin_decode(const uint8_t *wlt, size_t len, uint8_t **ret_img, size_t *ret_len,
		  char mime[64]);

/* ---- udev (devices.c) ---- */
int devices_start(void);
void devices_stop(void);

#endif
