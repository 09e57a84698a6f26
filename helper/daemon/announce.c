/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Announcements (announce.h).  Today: one log line per event (what the host
 * tests read) and the per-boot token.  The module's announce interface for
 * /dev/cnidN readers (a "serve" role on the reader's own node, an announce
 * ioctl) and for serial readers (registered through a control node) is
 * being redesigned (helper/daemon/README.md, "Announcing"); it plugs in
 * here, in announce_attach()/announce()/announce_detach(), and nowhere else.
 */

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/hmac.h>

#include "announce.h"
#include "cnidd.h"

static uint8_t token_key[32];

static const char *const event_names[] = {
	[CNID_NL_EVENT_CARD_READ] = "card_read",
	[CNID_NL_EVENT_READ_FAILED] = "read_failed",
	[CNID_NL_EVENT_CARD_REMOVED] = "card_removed",
	[CNID_NL_EVENT_SAM_STATE] = "sam_state",
};
static const char *const reason_names[] = {
	[CNID_NL_REASON_UNKNOWN] = "unknown", [CNID_NL_REASON_TIMEOUT] = "timeout",
	[CNID_NL_REASON_PROTOCOL] = "protocol", [CNID_NL_REASON_SAM] = "sam",
	[CNID_NL_REASON_CARD] = "card", [CNID_NL_REASON_UNSUPPORTED] = "unsupported",
};
static const char *const sam_names[] = {
	[CNID_NL_SAM_UNKNOWN] = "unknown", [CNID_NL_SAM_OK] = "ok", [CNID_NL_SAM_FAULT] = "fault",
};

int announce_init(void)
{
	size_t got = 0;

	while (got < sizeof(token_key)) {
		ssize_t n = getrandom(token_key + got, sizeof(token_key) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)n;
	}
	return 0;
}

void announce_exit(void)
{
	explicit_bzero(token_key, sizeof(token_key));
}

void announce_token(const uint8_t *text, size_t len, uint8_t out[CNID_NL_TOKEN_LEN])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, sizeof(token_key), token_key);
	hmac_sha256_update(&ctx, len, text);
	hmac_sha256_digest(&ctx, CNID_NL_TOKEN_LEN, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

int announce_attach(struct reader *r)
{
	(void)r;
	return 0;
}

void announce_detach(struct reader *r)
{
	(void)r;
}

int announce(struct reader *r, const struct announcement *a)
{
	switch (a->event) {
	case CNID_NL_EVENT_CARD_READ:
		log_info("event %s %s type=%s valid=%d expired=%d", r->name, event_names[a->event],
			 cnid_card_type_name((enum cnid_card_type)a->card_type), a->valid,
			 a->expired);
		break;
	case CNID_NL_EVENT_READ_FAILED:
		if (a->sw3 >= 0)
			log_info("event %s %s reason=%s sw3=0x%02x", r->name,
				 event_names[a->event], reason_names[a->reason], a->sw3);
		else
			log_info("event %s %s reason=%s", r->name, event_names[a->event],
				 reason_names[a->reason]);
		break;
	case CNID_NL_EVENT_SAM_STATE:
		log_info("event %s %s state=%s", r->name, event_names[a->event],
			 sam_names[a->sam_state]);
		break;
	default:
		log_info("event %s %s", r->name, event_names[a->event]);
	}
	return 0;
}
