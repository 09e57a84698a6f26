/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One reader's life in cnidd: SAM status and SAM ID, then a cycle every
 * poll interval: find -> select -> read -> confirming select -> record and
 * announcement.  Each reader has its own fd and timerfd in the one epoll
 * loop, and every wait is an event: a stalled reader only ever delays
 * itself.
 *
 * Telling a card that stays from one that left, despite the post-read find
 * quirk (a SAM answers find with 0x80 after a read until the card leaves):
 * while a card is known, a find of 0x80 is followed by a select, whose
 * 8-byte serial says "same card", "another card" or (0x81) "gone".  A read
 * is committed only after a select confirms the same card is still there,
 * so a card pulled during its read yields read_failed and no record.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "announce.h"
#include "cnidd.h"

struct reader *readers;
static struct reader *graveyard;

static const char *const step_names[] = {
	[STEP_IDLE] = "idle", [STEP_SAM_STATUS] = "sam_status", [STEP_SAM_ID] = "sam_id",
	[STEP_FIND] = "find", [STEP_SELECT] = "select", [STEP_READ] = "read",
	[STEP_CONFIRM] = "confirm", [STEP_QUIET] = "quiet", [STEP_CLOSED] = "closed",
};

static void arm(struct reader *r, uint64_t delay_us)
{
	struct itimerspec its = {};

	/* 0 would disarm: 1 ns means "now" */
	its.it_value.tv_sec = (time_t)(delay_us / 1000000);
	its.it_value.tv_nsec = (long)(delay_us % 1000000) * 1000;
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;
	timerfd_settime(r->timer_src.fd, 0, &its, NULL);
}

static void disarm(struct reader *r)
{
	struct itimerspec its = {};

	timerfd_settime(r->timer_src.fd, 0, &its, NULL);
}

/*
 * Readable/writable interest only while a request is outstanding: between
 * its own transactions cnidd leaves a serial line's input alone, so a
 * `cnid read` that holds the line meanwhile gets its replies (a hang-up is
 * reported whatever the interest).
 */
static void io_watch(struct reader *r)
{
	if (r->io.fd >= 0)
		loop_mod(&r->io_src, !r->io.busy ? 0 : r->io.want_write ? EPOLLOUT : EPOLLIN);
}

static void send_step(struct reader *r, enum step s);
static void end_cycle(struct reader *r);
static void detach(struct reader *r, const char *why);

static void ann_simple(struct reader *r, enum cnid_nl_event ev)
{
	struct announcement a = { .event = ev, .sw3 = -1 };

	announce(r, &a);
}

static void set_sam(struct reader *r, enum cnid_nl_sam_state st)
{
	struct announcement a = { .event = CNID_NL_EVENT_SAM_STATE, .sam_state = st, .sw3 = -1 };

	if ((int)st == r->sam_state)
		return;
	r->sam_state = (int)st;
	a.sam_id = st == CNID_NL_SAM_OK && r->sam_id[0] ? r->sam_id : NULL;
	announce(r, &a);
}

static void drop_card_data(struct reader *r)
{
	explicit_bzero(r->photo, sizeof(r->photo));
	explicit_bzero(r->fp, sizeof(r->fp));
	r->photo_len = r->fp_len = 0;
	if (r->card_data)
		cnid_card_init(r->card_data, CNID_CARD_UNKNOWN);
}

/* The known card left (or the reader went): no record, "removed". */
static void card_gone(struct reader *r)
{
	if (r->card == CARD_ABSENT)
		return;
	record_remove(r);
	drop_card_data(r);
	r->card = CARD_ABSENT;
	memset(r->serial_no, 0, sizeof(r->serial_no));
	ann_simple(r, CNID_NL_EVENT_CARD_REMOVED);
}

/* Give up on the card being read: read_failed; it stays known as failed. */
static void read_failed(struct reader *r)
{
	struct announcement a = {
		.event = CNID_NL_EVENT_READ_FAILED, .reason = r->fail_reason, .sw3 = r->fail_sw3,
	};

	r->reading = false;
	r->failures++;
	drop_card_data(r);
	r->card = CARD_FAILED;
	memcpy(r->serial_no, r->serial_new, sizeof(r->serial_no));
	announce(r, &a);
}

static void start_read(struct reader *r, const uint8_t serial[8])
{
	r->reading = true;
	r->attempts = 0;
	r->fail_sw3 = -1;
	r->fail_reason = CNID_NL_REASON_UNKNOWN;
	memcpy(r->serial_new, serial, 8);
	r->seen_us = now_us();
	clock_gettime(CLOCK_REALTIME, &r->seen_rt);
	ann_simple(r, CNID_NL_EVENT_CARD_PRESENT);
	send_step(r, STEP_READ);
}

/* After a failed try: another one through select, or read_failed. */
static void attempt_failed(struct reader *r, int reason, int sw3, bool quiet)
{
	r->attempts++;
	r->fail_reason = reason;
	r->fail_sw3 = sw3;
	log_info("%s: read attempt %u of %u failed (%s)", r->name, r->attempts, cfg.read_attempts,
		 reason == CNID_NL_REASON_TIMEOUT ? "timeout" :
		 reason == CNID_NL_REASON_PROTOCOL ? "malformed reply" :
		 reason == CNID_NL_REASON_SAM ? "SAM error" : "card error");
	if (r->attempts >= cfg.read_attempts) {
		read_failed(r);
		if (quiet && !r->io.busy && r->serial) {
			r->step = STEP_QUIET;
			io_watch(r);
			arm(r, cfg.quiet_ms * 1000ull);
			return;
		}
		end_cycle(r);
		return;
	}
	if (quiet && r->serial) {
		/* let a late reply go by before asking again */
		r->step = STEP_QUIET;
		io_watch(r);
		arm(r, cfg.quiet_ms * 1000ull);
		return;
	}
	send_step(r, STEP_SELECT);
}

/* A transaction failed without a usable reply (timeout, framing, a status
 * the step does not expect). */
static void step_failed(struct reader *r, int err, int sw3)
{
	int reason = err == -ETIMEDOUT ? CNID_NL_REASON_TIMEOUT :
		     err == -EREMOTEIO ? CNID_NL_REASON_SAM : CNID_NL_REASON_PROTOCOL;
	bool quiet = err == -ETIMEDOUT || err == -EBADMSG || err == -ENODATA || err == -EMSGSIZE ||
		     err == -EPROTO || err == -ENOMSG;

	if (r->step == STEP_READ || (r->reading && r->step == STEP_SELECT)) {
		if (r->step == STEP_READ && sw3 >= 0)
			reason = sw3 == 0x41 ? CNID_NL_REASON_CARD : CNID_NL_REASON_SAM;
		attempt_failed(r, reason, sw3, quiet);
		return;
	}
	if (r->step == STEP_CONFIRM) {
		/* the read was whole but the card could not be confirmed */
		r->fail_reason = reason;
		r->fail_sw3 = sw3;
		read_failed(r);
	} else if (++r->errors_in_row >= 3 && r->sam_ok) {
		log_warn("%s: %u failed transactions in a row; checking the SAM again", r->name,
			 r->errors_in_row);
		r->sam_ok = false;
		set_sam(r, CNID_NL_SAM_FAULT);
	} else if (r->step == STEP_SAM_STATUS || r->step == STEP_SAM_ID) {
		if (r->sam_state != CNID_NL_SAM_FAULT)
			log_warn("%s: the SAM does not answer its status (%s)", r->name,
				 sw3 >= 0 ? cnid_status_message((uint8_t)sw3) : strerror(-err));
		set_sam(r, CNID_NL_SAM_FAULT);
	}
	if (quiet && r->serial) {
		r->step = STEP_QUIET;
		io_watch(r);
		arm(r, cfg.quiet_ms * 1000ull);
		return;
	}
	end_cycle(r);
}

static void send_step(struct reader *r, enum step s)
{
	static const enum cnid_cmd_id cmds[] = {
		[STEP_SAM_STATUS] = CNID_CMD_SAM_STATUS, [STEP_SAM_ID] = CNID_CMD_SAM_ID,
		[STEP_FIND] = CNID_CMD_FIND, [STEP_SELECT] = CNID_CMD_SELECT,
		[STEP_READ] = CNID_CMD_READ, [STEP_CONFIRM] = CNID_CMD_SELECT,
	};
	enum cnid_cmd_id cmd = cmds[s];
	unsigned t = cfg.timeout_ms;
	int e;

	if (s == STEP_READ) {
		cmd = cfg.fingerprints ? CNID_CMD_READ_FP : CNID_CMD_READ;
		t = cfg.read_timeout_ms;
	}
	r->step = s;
	e = rio_start(&r->io, cmd);
	if (e < 0) {
		if (rio_gone_error(e)) {
			detach(r, strerror(-e));
			return;
		}
		step_failed(r, e, -1);
		return;
	}
	r->transactions++;
	io_watch(r);
	r->deadline_us = now_us() + t * 1000ull;
	arm(r, t * 1000ull);
}

static void start_cycle(struct reader *r)
{
	r->cycle_start_us = now_us();
	if (r->serial && rio_lock(&r->io) < 0) {
		/* `cnid read` has the line: skip this turn */
		end_cycle(r);
		return;
	}
	send_step(r, r->sam_ok ? STEP_FIND : STEP_SAM_STATUS);
}

static void end_cycle(struct reader *r)
{
	uint64_t now = now_us(), next = r->cycle_start_us + cfg.poll_ms * 1000ull;

	if (r->serial)
		rio_unlock(&r->io);
	io_watch(r);
	r->step = STEP_IDLE;
	arm(r, next > now ? next - now : 0);
}

/* A whole, verified read reply: decode and validate, then confirm. */
static void got_read(struct reader *r, const struct cnid_response *resp)
{
	struct cnid_read rd;
	struct cnid_date today;
	struct tm tm;
	time_t t = time(NULL);
	int e;

	e = cnid_decode_read(resp, cfg.fingerprints, &rd);
	if (e == -EREMOTEIO) {
		step_failed(r, e, resp->sw3);
		return;
	}
	if (e < 0 || rd.text_len != CNID_TEXT_LEN || rd.photo_len > sizeof(r->photo) ||
	    rd.fp_len > sizeof(r->fp)) {
		step_failed(r, -EBADMSG, -1);
		return;
	}
	if (cnid_card_decode(rd.text, rd.text_len, r->card_data) < 0) {
		step_failed(r, -EBADMSG, -1);
		return;
	}
	localtime_r(&t, &tm);
	today = (struct cnid_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
	if (cnid_card_validate(r->card_data, &today, r->valid) < 0) {
		step_failed(r, -EBADMSG, -1);
		return;
	}
	memcpy(r->photo, rd.photo, rd.photo_len);
	r->photo_len = rd.photo_len;
	if (rd.fp_len)
		memcpy(r->fp, rd.fp, rd.fp_len);
	r->fp_len = rd.fp_len;
	send_step(r, STEP_CONFIRM);
}

/* valid_until as YYYYMMDD, 99991231 for long-term, 0 when not a date */
static uint32_t expiry_of(const struct cnid_card *c)
{
	const char *s = cnid_card_get_field(c, CNID_F_VALID_UNTIL);
	struct cnid_date d;

	if (!s)
		return 0;
	if (!strcmp(s, CNID_LONG_TERM))
		return 99991231;
	if (cnid_date_parse8(s, &d) < 0)
		return 0;
	return (uint32_t)(d.year * 10000 + d.month * 100 + d.day);
}

static void commit(struct reader *r)
{
	struct announcement a = { .event = CNID_NL_EVENT_CARD_READ, .sw3 = -1 };
	int e;

	r->reading = false;
	r->card = CARD_PRESENT;
	memcpy(r->serial_no, r->serial_new, sizeof(r->serial_no));
	r->reads++;
	e = record_write(r);
	if (e < 0)
		log_err("%s: cannot write the record in %s: %s", r->name, cfg.record_dir,
			strerror(-e));
	a.card_type = (enum cnid_nl_card_type)cnid_card_get_type(r->card_data);
	a.valid = cnid_validation_is_valid(r->valid);
	a.expiry = expiry_of(r->card_data);
	a.expired = cnid_validation_is_expired(r->valid);
	announce_token(cnid_card_get_raw(r->card_data), CNID_TEXT_LEN, a.token);
	announce(r, &a);
}

static void got_reply(struct reader *r)
{
	struct cnid_response resp;
	struct cnid_sam_id id;
	uint8_t serial[8], fdata[4];
	int e;

	disarm(r);
	e = cnid_response_parse(r->io.reply, r->io.reply_len, &resp);
	if (e < 0) {
		step_failed(r, e, -1);
		return;
	}
	switch (r->step) {
	case STEP_SAM_STATUS:
		e = cnid_decode_sam_status(&resp);
		if (e < 0) {
			step_failed(r, e, resp.sw3);
			return;
		}
		send_step(r, STEP_SAM_ID);
		return;
	case STEP_SAM_ID:
		if (cnid_decode_sam_id(&resp, &id) == 0)
			cnid_sam_id_format(&id, r->sam_id, sizeof(r->sam_id));
		else
			r->sam_id[0] = '\0';
		r->sam_ok = true;
		r->errors_in_row = 0;
		log_info("%s: SAM ready%s%s", r->name, r->sam_id[0] ? ", ID " : "", r->sam_id);
		set_sam(r, CNID_NL_SAM_OK);
		send_step(r, STEP_FIND);
		return;
	case STEP_FIND:
		e = cnid_decode_find(&resp, fdata);
		/* after find's 0x80, a known card (or, once after attaching, a card
		 * that was read before we came) is looked for with select */
		if (e == 0 || (e == -ENOENT && (r->card != CARD_ABSENT || r->probe))) {
			r->probe = false;
			r->errors_in_row = 0;
			send_step(r, STEP_SELECT);
			return;
		}
		if (e == -ENOENT) {
			r->probe = false;
			r->errors_in_row = 0;
			end_cycle(r);
			return;
		}
		step_failed(r, e, resp.sw3);
		return;
	case STEP_SELECT:
		e = cnid_decode_select(&resp, serial);
		if (e == -EBADMSG) {
			step_failed(r, e, -1);
			return;
		}
		r->errors_in_row = 0;
		if (e < 0) {
			/* no card in the field */
			if (r->reading) {
				r->fail_reason = CNID_NL_REASON_CARD;
				read_failed(r);
			}
			card_gone(r);
			end_cycle(r);
			return;
		}
		if (r->reading) {
			if (memcmp(serial, r->serial_new, 8) == 0) {
				send_step(r, STEP_READ);
				return;
			}
			r->fail_reason = CNID_NL_REASON_CARD;
			read_failed(r);
		}
		if (r->card != CARD_ABSENT && memcmp(serial, r->serial_no, 8) == 0) {
			end_cycle(r);   /* the same card, still there */
			return;
		}
		card_gone(r);           /* a swap, or nothing was known */
		start_read(r, serial);
		return;
	case STEP_READ:
		got_read(r, &resp);
		return;
	case STEP_CONFIRM:
		e = cnid_decode_select(&resp, serial);
		if (e == -EBADMSG) {
			step_failed(r, e, -1);
			return;
		}
		if (e == 0 && memcmp(serial, r->serial_new, 8) == 0) {
			commit(r);
			end_cycle(r);
			return;
		}
		/* the card left (or another took its place) during the read */
		r->fail_reason = CNID_NL_REASON_CARD;
		r->fail_sw3 = -1;
		read_failed(r);
		card_gone(r);
		if (e == 0) {
			start_read(r, serial);
			return;
		}
		end_cycle(r);
		return;
	default:
		log_debug("%s: a reply in step %s ignored", r->name, step_names[r->step]);
	}
}

static void on_io(struct source *s, uint32_t events)
{
	struct reader *r = s->data;
	int e;

	if (r->dead)
		return;
	if (events & EPOLLOUT && r->io.want_write) {
		e = rio_flush(&r->io);
		if (e < 0) {
			detach(r, strerror(-e));
			return;
		}
		io_watch(r);
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	e = rio_pump(&r->io);
	if (e == 1) {
		got_reply(r);
		return;
	}
	/* a hang-up is reported whatever the interest: whatever read() said
	 * (0, or ENOMSG on an idle /dev/cnidN), the reader is gone */
	if (events & (EPOLLHUP | EPOLLERR)) {
		detach(r, e < 0 ? strerror(-e) : "hang-up");
		return;
	}
	if (e == 0)
		return;
	if (rio_gone_error(e) || r->step == STEP_IDLE || r->step == STEP_QUIET) {
		if (rio_gone_error(e))
			detach(r, strerror(-e));
		return;
	}
	disarm(r);
	step_failed(r, e, -1);
}

static int open_io(struct reader *r)
{
	int e = rio_open(&r->io, r->path);

	if (e < 0)
		return e;
	r->io_src.fd = r->io.fd;
	e = loop_add(&r->io_src, 0);
	if (e < 0) {
		rio_close(&r->io);
		return e;
	}
	r->sam_ok = false;
	r->probe = true;
	r->errors_in_row = 0;
	announce_attach(r);
	log_info("%s: attached (%s, %s)", r->name, r->path,
		 r->io.kind == RIO_SERIAL ? "serial" : "cnid.ko");
	return 0;
}

/* The reader is gone: forget the card, close, and (serial) try again later. */
static void detach(struct reader *r, const char *why)
{
	log_info("%s: detached (%s)", r->name, why);
	if (r->reading)
		r->reading = false;
	card_gone(r);
	announce_detach(r);
	if (r->io.fd >= 0) {
		loop_del(&r->io_src);
		rio_close(&r->io);
	}
	r->sam_state = CNID_NL_SAM_UNKNOWN;
	r->sam_id[0] = '\0';
	r->step = STEP_CLOSED;
	if (r->serial)
		arm(r, cfg.reopen_ms * 1000ull);
	else
		disarm(r);     /* udev says when it is back */
}

static void on_timer(struct source *s, uint32_t events)
{
	struct reader *r = s->data;
	uint64_t exp;
	int e;

	(void)events;
	if (r->dead || read(s->fd, &exp, sizeof(exp)) < 0)
		return;
	switch (r->step) {
	case STEP_IDLE:
		start_cycle(r);
		return;
	case STEP_QUIET:
		/* drop what came late, then go on */
		if (r->reading && r->attempts < cfg.read_attempts) {
			send_step(r, STEP_SELECT);
			return;
		}
		end_cycle(r);
		return;
	case STEP_CLOSED:
		e = open_io(r);
		if (e < 0) {
			arm(r, cfg.reopen_ms * 1000ull);
			return;
		}
		r->step = STEP_IDLE;
		arm(r, 0);
		return;
	default:
		if (now_us() + 1000 < r->deadline_us)
			return;  /* not yet (re-armed since) */
		log_debug("%s: %s timed out", r->name, step_names[r->step]);
		e = rio_abort(&r->io);
		if (e < 0) {
			detach(r, strerror(-e));
			return;
		}
		if (r->io.kind == RIO_DEV) {
			/* the fd now names a new file of the reader: the old one
			 * left the epoll set when it was closed */
			loop_del(&r->io_src);
			e = loop_add(&r->io_src, 0);
			if (e < 0) {
				detach(r, strerror(-e));
				return;
			}
		}
		io_watch(r);
		step_failed(r, -ETIMEDOUT, -1);
	}
}

struct reader *reader_find_path(const char *path)
{
	for (struct reader *r = readers; r; r = r->next)
		if (strcmp(r->path, path) == 0)
			return r;
	return NULL;
}

struct reader *reader_add(const char *name, const char *path, bool serial, bool from_udev)
{
	struct reader *r = calloc(1, sizeof(*r));
	int e;

	if (!r)
		return NULL;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->serial = serial;
	r->from_udev = from_udev;
	r->io.fd = -1;
	r->fail_sw3 = -1;
	r->card_data = cnid_card_new(CNID_CARD_UNKNOWN);
	r->valid = cnid_validation_new();
	r->io_src = (struct source){ .fd = -1, .fn = on_io, .data = r };
	r->timer_src = (struct source){
		.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC),
		.fn = on_timer, .data = r,
	};
	if (!r->card_data || !r->valid || r->timer_src.fd < 0 || loop_add(&r->timer_src, EPOLLIN) < 0) {
		if (r->timer_src.fd >= 0)
			close(r->timer_src.fd);
		cnid_card_free(r->card_data);
		cnid_validation_free(r->valid);
		free(r);
		return NULL;
	}
	r->next = readers;
	readers = r;
	e = open_io(r);
	if (e < 0) {
		log_warn("%s: cannot open %s: %s%s", r->name, r->path, strerror(-e),
			 serial ? "; trying again every reopen interval" : "");
		r->step = STEP_CLOSED;
		if (serial)
			arm(r, cfg.reopen_ms * 1000ull);
		return r;
	}
	r->step = STEP_IDLE;
	arm(r, 0);
	return r;
}

void reader_remove(struct reader *r, const char *why)
{
	struct reader **pp;

	if (r->io.fd >= 0 || r->card != CARD_ABSENT)
		detach(r, why);
	log_info("%s: removed (%s)", r->name, why);
	loop_del(&r->timer_src);
	close(r->timer_src.fd);
	r->timer_src.fd = -1;
	drop_card_data(r);
	for (pp = &readers; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	/* an event of this epoll batch may still name it */
	r->dead = true;
	r->next = graveyard;
	graveyard = r;
}

void reader_reap(void)
{
	while (graveyard) {
		struct reader *r = graveyard;

		graveyard = r->next;
		cnid_card_free(r->card_data);
		cnid_validation_free(r->valid);
		free(r);
	}
}

void reader_remove_all(void)
{
	while (readers)
		reader_remove(readers, "exiting");
	reader_reap();
}
