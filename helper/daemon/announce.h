/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Announcements: cnidd's one door to the module's trust interface (uapi v2,
 * kmod/uapi/cnid.h).  The rest of the daemon says what happened; this
 * module says it to the module and is the only part that knows how:
 * - a /dev/cnidN reader: CNID_IOC_SERVE on the reader's own fd gives the
 *   server fd, CNID_IOC_ANNOUNCE on it publishes each event;
 * - a serial reader: CNID_IOC_REGISTER on /dev/cnid-ctl (its port named as
 *   the reader) gives the server fd; closing it removes the reader.
 * Without the module (the host tests) or the right (CAP_NET_ADMIN) the
 * daemon goes on and only logs: the records are written all the same.
 *
 * Every announcement is also one log line, `event READER NAME key=value...`,
 * with no personal data (card type, valid, expired, reason, SAM state; the
 * token is not logged): the host tests and benchmarks read them.
 */
#ifndef CNIDD_ANNOUNCE_H
#define CNIDD_ANNOUNCE_H

#include <stdbool.h>
#include <stdint.h>

#include "uapi/cnid.h"

struct reader;

struct announcement {
	enum cnid_nl_event event;
	enum cnid_nl_card_type card_type;   /* CARD_READ */
	bool valid, expired;                /* CARD_READ */
	uint32_t expiry;                    /* CARD_READ: YYYYMMDD, 99991231 long-term, 0 none */
	uint8_t token[CNID_TOKEN_LEN];   /* CARD_READ */
	enum cnid_nl_reason reason;         /* READ_FAILED */
	int sw3;                            /* READ_FAILED: -1 none */
	enum cnid_nl_sam_state sam_state;   /* SAM_STATE */
	const char *sam_id;                 /* SAM_STATE: NULL none */
};

int announce_init(void);            /* once; the per-boot token key */
void announce_exit(void);
int announce_attach(struct reader *r);   /* a reader appeared (fd open) */
void announce_detach(struct reader *r);  /* it is going */
int announce(struct reader *r, const struct announcement *a);
/* The opaque per-boot token of a card's text block (HMAC-SHA-256, cut). */
void announce_token(const uint8_t *text, size_t len, uint8_t out[CNID_TOKEN_LEN]);

#endif
