/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Announcements (announce.h): the module's v2 server role, and the log line. */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <unistd.h>

#include <nettle/hmac.h>

#include "announce.h"
#include "cnidd.h"

static uint8_t token_key[32];

/* Per reader: the server fd (-1: none), and whether its absence was said. */
struct ann {
	int srv;
	bool warned;
};

static const char *const event_names[] = {
	[CNID_NL_EVENT_NONE] = "none",
	[CNID_NL_EVENT_CARD_PRESENT] = "card_present",
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

void announce_token(const uint8_t *text, size_t len, uint8_t out[CNID_TOKEN_LEN])
{
	struct hmac_sha256_ctx ctx;

	hmac_sha256_set_key(&ctx, sizeof(token_key), token_key);
	hmac_sha256_update(&ctx, len, text);
	hmac_sha256_digest(&ctx, CNID_TOKEN_LEN, out);
	explicit_bzero(&ctx, sizeof(ctx));
}

static bool port_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CNID_PORT_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:/-") == n;
}

/* The server fd of a reader, or -errno. */
static int serve(struct reader *r)
{
	struct cnid_serial s = {};
	int ctl, srv;

	if (r->io.kind == RIO_DEV) {
		srv = ioctl(r->io.fd, CNID_IOC_SERVE);
		return srv < 0 ? -errno : srv;
	}
	if (!cfg.control_node[0])
		return -ENOENT;
	if (!port_name_ok(r->name))
		return -EINVAL;
	strcpy(s.port, r->name);
	ctl = open(cfg.control_node, O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return -errno;
	srv = ioctl(ctl, CNID_IOC_REGISTER, &s);
	srv = srv < 0 ? -errno : srv;
	close(ctl);
	return srv;
}

int announce_attach(struct reader *r)
{
	struct ann *a = r->ann;
	int srv;

	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return -ENOMEM;
		a->srv = -1;
		r->ann = a;
	}
	if (a->srv >= 0)
		return 0;
	srv = serve(r);
	if (srv >= 0) {
		a->srv = srv;
		a->warned = false;
		log_info("%s: serving the reader for cnid.ko (announcements on)", r->name);
		return 0;
	}
	if (!a->warned)
		log_warn("%s: cannot serve the reader for cnid.ko (%s): events are only logged%s",
			 r->name, strerror(-srv),
			 srv == -EPERM ? "; cnidd needs CAP_NET_ADMIN" :
			 srv == -EBUSY ? "; another program serves it" :
			 srv == -ENOENT && r->io.kind == RIO_SERIAL ? "; no " CNID_CTL_NAME " node" : "");
	a->warned = true;
	return srv;
}

void announce_detach(struct reader *r)
{
	struct ann *a = r->ann;

	if (!a)
		return;
	if (a->srv >= 0)
		close(a->srv);
	free(a);
	r->ann = NULL;
}

static void log_event(struct reader *r, const struct announcement *a)
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
}

int announce(struct reader *r, const struct announcement *a)
{
	struct ann *an = r->ann;
	struct cnid_state st = { .event = (__u8)a->event };

	log_event(r, a);
	if (!an || an->srv < 0)
		return 0;
	switch (a->event) {
	case CNID_NL_EVENT_CARD_READ:
		st.card_type = (__u8)a->card_type;
		st.valid = a->valid;
		st.expired = a->expired;
		st.expiry = a->expiry;
		memcpy(st.token, a->token, CNID_TOKEN_LEN);
		st.flags = CNID_STATE_TOKEN;
		break;
	case CNID_NL_EVENT_READ_FAILED:
		st.reason = (__u8)a->reason;
		if (a->sw3 >= 0) {
			st.sw3 = (__u8)a->sw3;
			st.flags = CNID_STATE_SW3;
		}
		break;
	case CNID_NL_EVENT_SAM_STATE:
		st.sam_state = (__u8)a->sam_state;
		if (a->sam_id && strlen(a->sam_id) <= CNID_SAM_ID_MAX)
			strcpy(st.sam_id, a->sam_id);
		break;
	default:
		break;
	}
	if (ioctl(an->srv, CNID_IOC_ANNOUNCE, &st) < 0) {
		int e = -errno;

		/* ENODEV: the reader is going, and the module says so itself */
		cnidd_log(e == -ENODEV ? LOG_DEBUG_ : LOG_WARN_,
			  "%s: the module refused the %s announcement: %s", r->name,
			  event_names[a->event], strerror(-e));
		explicit_bzero(&st, sizeof(st));
		return e;
	}
	explicit_bzero(&st, sizeof(st));
	return 0;
}
