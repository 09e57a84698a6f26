// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cnid-nl: a small raw generic-netlink and announcement client for the
 * "cnid" family and the module's ioctls, for the guest tests (static; no
 * libnl needed).
 *
 *   cnid-nl [--as UID[:GID]] [--cap] COMMAND...
 *        drop to UID (gid UID, only group GID) first; --cap keeps
 *        CAP_NET_ADMIN (and only it) across the drop
 *   cnid-nl open NODE                  open a node read-write; exit 0 or the errno
 *   cnid-nl dump                       list readers (any user)
 *   cnid-nl get READER                 one reader (doit)
 *   cnid-nl family                     resolve the family over CTRL_CMD_GETFAMILY:
 *                                      print its id and events group; exit 0
 *                                      only when both resolved (ENOENT else)
 *   cnid-nl policy                     CTRL_CMD_GETPOLICY: "op CMD do=I dump=I" and
 *                                      "policy I attr A type T" lines
 *   cnid-nl forge CASE                 a malformed request (see forge_cases):
 *                                      prints the errno and the extack message
 *   cnid-nl dump-intr N                register N serial readers, dump with a small
 *                                      buffer, change the list between rounds: the
 *                                      dump must say NLM_F_DUMP_INTR (and not without)
 *   cnid-nl listen COUNT TIMEOUT_S [mono]
 *                                      print COUNT messages of the "events" group;
 *                                      mono: each line starts with the
 *                                      CLOCK_MONOTONIC us of its recv()
 *   cnid-nl serve NODE HOLD            CNID_IOC_SERVE, hold the server fd HOLD s, or
 *                                      until the file HOLD exists (any HOLD here)
 *   cnid-nl announce NODE EVENT [k=v...]
 *        SERVE on NODE, then CNID_IOC_ANNOUNCE: type= valid= expired= expiry=
 *        token=TEXT16 reason= sw3= state= id=SAMID pad= reserved= seq=;
 *        NODE "-" announces on the node itself (must be ENOTTY)
 *   cnid-nl serial PORT HOLD [EVENT k=v...]
 *        register a serial reader on /dev/cnid-ctl, announce, hold it
 *   cnid-nl state NODE | state ctl:ID  CNID_IOC_STATE, one line of key=value
 *   cnid-nl wait-pri NODE TIMEOUT_MS   poll for EPOLLPRI, fetch the state, poll
 *                                      again: "pri seq=N", "cleared" or "timeout"
 *   cnid-nl read-announce NODE SECRETS
 *        read the card through the node, decode and validate it with
 *        libcnid, announce card_read (type, verdict, expiry, a printable
 *        token), and write the card's name, number and the token to
 *        SECRETS (so that a test can grep that they appear nowhere public)
 *   cnid-nl offer NODE SECRETS
 *        offer those secrets to the kernel where it must refuse them
 *        (netlink attributes, unused or reserved announcement fields, the
 *        SAM ID) or keep them private (the token of a card_read)
 *   cnid-nl scan SECRETS FILE...
 *        look for the secrets in the files in every encoding and form
 *        secret-scan.h knows; prints where (never what); exit 1 if found
 *
 * EVENT: card_present card_read read_failed card_removed sam_state.
 * Messages print as one line of key=value; attributes this client does not
 * know print as attrN=HEX (tolerated, never an error), known ones of an
 * unexpected length as name=hex:HEX, and an indented raw=HEX line follows
 * with the whole message.  Exit status: 0, or the errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cnid-private.h"
#include "secret-scan.h"
#include "uapi/cnid.h"

#define BUFSZ 16384

static int family_id;
static unsigned group_id;

struct msg {
	struct nlmsghdr nh;
	struct genlmsghdr gh;
	char attrs[1024];
};

static void put_attr(struct msg *m, unsigned short type, const void *data, unsigned short len)
{
	struct nlattr *a = (struct nlattr *)((char *)m + NLMSG_ALIGN(m->nh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = (unsigned short)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nh.nlmsg_len = NLMSG_ALIGN(m->nh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void put_u32(struct msg *m, unsigned short type, uint32_t v)
{
	put_attr(m, type, &v, 4);
}

static void init_msg(struct msg *m, int type, int flags, int cmd)
{
	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nh.nlmsg_type = (unsigned short)type;
	m->nh.nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
	m->nh.nlmsg_seq = (unsigned)time(NULL);
	m->gh.cmd = (uint8_t)cmd;
	m->gh.version = CNID_GENL_VERSION;
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), one = 1;

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	/* error messages carry the extack message, not the request */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

static int nl_send(int fd, struct msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(fd, m, m->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* Walk the attributes of one genl message. */
#define for_each_attr(a, nh)                                                                  \
	for (struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(nh) + GENL_HDRLEN);     \
	     (char *)a + NLA_HDRLEN <= (char *)(nh) + (nh)->nlmsg_len && a->nla_len >= NLA_HDRLEN; \
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
/* ... and of a nest */
#define for_each_nested(x, a)                                                                 \
	for (struct nlattr *x = (struct nlattr *)((char *)(a) + NLA_HDRLEN);                 \
	     (char *)x + NLA_HDRLEN <= (char *)(a) + (a)->nla_len && x->nla_len >= NLA_HDRLEN; \
	     x = (struct nlattr *)((char *)x + NLA_ALIGN(x->nla_len)))
#define NLA_U32(a) (*(uint32_t *)((char *)(a) + NLA_HDRLEN))

static char extack_msg[256];

/* The error of an NLMSG_ERROR, keeping its extack message. */
static int nl_error(struct nlmsghdr *nh)
{
	struct nlmsgerr *e = NLMSG_DATA(nh);
	struct nlattr *a = (struct nlattr *)((char *)e + sizeof(*e));

	extack_msg[0] = '\0';
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	for (; (char *)a + NLA_HDRLEN <= (char *)nh + nh->nlmsg_len && a->nla_len >= NLA_HDRLEN;
	     a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if (a->nla_type == NLMSGERR_ATTR_MSG)
			snprintf(extack_msg, sizeof(extack_msg), "%.*s", (int)(a->nla_len - NLA_HDRLEN),
				 (char *)a + NLA_HDRLEN);
		else if (a->nla_type == NLMSGERR_ATTR_MISS_TYPE && !extack_msg[0])
			snprintf(extack_msg, sizeof(extack_msg), "missing attribute %u", NLA_U32(a));
	return e->error;
}

static int resolve(int fd)
{
	static char buf[BUFSZ];
	struct msg m;
	ssize_t n;
	int r;

	init_msg(&m, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY);
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, CNID_GENL_NAME, sizeof(CNID_GENL_NAME));
	r = nl_send(fd, &m);
	if (r < 0)
		return r;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;

	if (nh->nlmsg_type == NLMSG_ERROR)
		return nl_error(nh);
	for_each_attr(a, nh) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			family_id = *(uint16_t *)((char *)a + NLA_HDRLEN);
		if (a->nla_type != CTRL_ATTR_MCAST_GROUPS)
			continue;
		for_each_nested(g, a) {
			const char *name = NULL;
			unsigned id = 0;

			for_each_nested(x, g) {
				if (x->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					name = (char *)x + NLA_HDRLEN;
				if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = NLA_U32(x);
			}
			if (name && strcmp(name, CNID_GENL_MCGRP_EVENTS) == 0)
				group_id = id;
		}
	}
	return family_id ? 0 : -ENOENT;
}

static const char *const attr_names[CNID_NL_A_MAX + 1] = {
	[CNID_NL_A_READER] = "reader", [CNID_NL_A_DEVNAME] = "devname",
	[CNID_NL_A_BUSNUM] = "busnum", [CNID_NL_A_DEVNUM] = "devnum",
	[CNID_NL_A_VENDOR] = "vendor", [CNID_NL_A_PRODUCT] = "product",
	[CNID_NL_A_PIPE_MODE] = "pipe_mode", [CNID_NL_A_PACKET_SIZE] = "packet_size",
	[CNID_NL_A_PORT] = "port", [CNID_NL_A_SERVED] = "served",
	[CNID_NL_A_EVENT] = "event", [CNID_NL_A_CARD_STATE] = "card_state",
	[CNID_NL_A_SAM_STATE] = "sam_state", [CNID_NL_A_SAM_ID] = "sam_id",
	[CNID_NL_A_SEQ] = "seq",
};

static const char *const cmd_names[] = {
	[CNID_NL_CMD_GET_READER] = "reader", [CNID_NL_CMD_READER_ADDED] = "reader_added",
	[CNID_NL_CMD_READER_REMOVED] = "reader_removed", [CNID_NL_CMD_CARD_EVENT] = "card_event",
};

static void print_hex(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/*
 * One line: the command and every attribute, known ones decoded, any other
 * (unknown type, nested, unexpected length, odd or not) as the hex of its
 * whole payload; then an indented "raw=" line with the hex of the whole
 * message, so that a capture holds every byte the kernel sent.
 */
static void print_msg(struct nlmsghdr *nh)
{
	struct genlmsghdr *gh = NLMSG_DATA(nh);

	printf("%s", gh->cmd < sizeof(cmd_names) / sizeof(cmd_names[0]) && cmd_names[gh->cmd] ?
	       cmd_names[gh->cmd] : "cmd?");
	for_each_attr(a, nh) {
		unsigned t = a->nla_type & NLA_TYPE_MASK, len = a->nla_len - NLA_HDRLEN;
		unsigned char *p = (unsigned char *)a + NLA_HDRLEN;

		if (t > CNID_NL_A_MAX || !attr_names[t] || (a->nla_type & NLA_F_NESTED)) {
			printf(" attr%u=", a->nla_type);	/* unknown: tolerated */
			print_hex(p, len);
			continue;
		}
		printf(" %s=", attr_names[t]);
		if ((t == CNID_NL_A_DEVNAME || t == CNID_NL_A_SAM_ID || t == CNID_NL_A_PORT) && len &&
		    memchr(p, '\0', len) == p + len - 1 &&
		    strspn((char *)p, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ._:/-") ==
			    len - 1)
			printf("%s", (char *)p);
		else if (len == 1)
			printf("%u", p[0]);
		else if (len == 2)
			printf("%u", *(uint16_t *)p);
		else if (len == 4)
			printf("%u", *(uint32_t *)p);
		else {
			printf("hex:");
			print_hex(p, len);
		}
	}
	if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
		printf(" DUMP_INTR");
	printf("\n  raw=");
	print_hex((unsigned char *)nh, nh->nlmsg_len);
	printf("\n");
	fflush(stdout);
}

/* Read replies until DONE/ACK; print data messages; count NLM_F_DUMP_INTR. */
static int recv_replies(int fd, int print, size_t bufsz, int *intr)
{
	static char buf[BUFSZ];

	for (;;) {
		ssize_t n = recv(fd, buf, bufsz, 0);

		if (n < 0)
			return -errno;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (intr && (nh->nlmsg_flags & NLM_F_DUMP_INTR))
				(*intr)++;
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return nl_error(nh);
			if (print)
				print_msg(nh);
			if (!(nh->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

static int cmd_listen(int fd, int count, int timeout_s, bool mono)
{
	static char buf[BUFSZ];
	time_t end = time(NULL) + timeout_s;
	int got = 0;
	struct timespec ts;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group_id, sizeof(group_id)) < 0)
		return errno;
	printf("listening\n");
	fflush(stdout);
	while (got < count && time(NULL) < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 500) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return errno;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == family_id) {
				if (mono)
					printf("%llu ", (unsigned long long)ts.tv_sec * 1000000ull +
						       (unsigned long long)ts.tv_nsec / 1000);
				print_msg(nh);
				got++;
			}
		}
	}
	return got >= count ? 0 : ETIMEDOUT;
}

/* CTRL_CMD_GETPOLICY for the family: the ops and their attributes. */
static const char *const nl_types[] = {
	[NL_ATTR_TYPE_INVALID] = "invalid", [NL_ATTR_TYPE_FLAG] = "flag", [NL_ATTR_TYPE_U8] = "u8",
	[NL_ATTR_TYPE_U16] = "u16", [NL_ATTR_TYPE_U32] = "u32", [NL_ATTR_TYPE_U64] = "u64",
	[NL_ATTR_TYPE_S8] = "s8", [NL_ATTR_TYPE_S16] = "s16", [NL_ATTR_TYPE_S32] = "s32",
	[NL_ATTR_TYPE_S64] = "s64", [NL_ATTR_TYPE_BINARY] = "binary", [NL_ATTR_TYPE_STRING] = "string",
	[NL_ATTR_TYPE_NUL_STRING] = "nul-string", [NL_ATTR_TYPE_NESTED] = "nested",
	[NL_ATTR_TYPE_NESTED_ARRAY] = "nested-array", [NL_ATTR_TYPE_BITFIELD32] = "bitfield32",
};

static int cmd_policy(int fd)
{
	static char buf[BUFSZ];
	struct msg m;
	int r;

	init_msg(&m, GENL_ID_CTRL, NLM_F_DUMP, CTRL_CMD_GETPOLICY);
	m.gh.version = 1;
	put_attr(&m, CTRL_ATTR_FAMILY_NAME, CNID_GENL_NAME, sizeof(CNID_GENL_NAME));
	r = nl_send(fd, &m);
	if (r < 0)
		return -r;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return errno;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				r = nl_error(nh);
				printf("policy: %s %s\n", strerror(-r), extack_msg);
				return -r;
			}
			for_each_attr(a, nh) {
				if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_OP_POLICY) {
					for_each_nested(op, a) {
						printf("op %u", op->nla_type & NLA_TYPE_MASK);
						for_each_nested(x, op)
							printf(" %s=%u", (x->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_POLICY_DO ? "do" :
							       (x->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_POLICY_DUMP ? "dump" : "?",
							       NLA_U32(x));
						printf("\n");
					}
				}
				if ((a->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_POLICY)
					continue;
				for_each_nested(pol, a) {
					for_each_nested(at, pol) {
						printf("policy %u attr %u", pol->nla_type & NLA_TYPE_MASK,
						       at->nla_type & NLA_TYPE_MASK);
						for_each_nested(x, at) {
							uint32_t v = NLA_U32(x);

							if ((x->nla_type & NLA_TYPE_MASK) == NL_POLICY_TYPE_ATTR_TYPE)
								printf(" type %s", v < sizeof(nl_types) / sizeof(*nl_types) &&
								       nl_types[v] ? nl_types[v] : "?");
							else if (x->nla_len == NLA_HDRLEN + 8)
								printf(" k%u=%llu", x->nla_type,
								       (unsigned long long)*(uint64_t *)((char *)x + NLA_HDRLEN));
							else
								printf(" k%u=%u", x->nla_type, v);
						}
						printf("\n");
					}
				}
			}
		}
	}
}

/*
 * Malformed GET_READER requests the family must refuse (strict validation),
 * and two it must accept: each prints "forge CASE: ok" or the error with the
 * extack message.
 */
static int cmd_forge(int fd, const char *c, uint32_t reader)
{
	uint64_t v8 = reader;
	uint16_t v2 = (uint16_t)reader;
	struct msg m;
	int r, intr = 0;

	init_msg(&m, family_id, 0, CNID_NL_CMD_GET_READER);
	if (strcmp(c, "ok") == 0)
		put_u32(&m, CNID_NL_A_READER, reader);
	else if (strcmp(c, "missing") == 0)
		;
	else if (strcmp(c, "unknown-attr") == 0) {	/* above the family's maximum */
		put_u32(&m, CNID_NL_A_READER, reader);
		put_u32(&m, CNID_NL_A_MAX + 1, 1);
	} else if (strcmp(c, "over-op-max") == 0) {	/* known, but not one a request may carry */
		put_u32(&m, CNID_NL_A_READER, reader);
		put_attr(&m, CNID_NL_A_DEVNAME, "cnid0", 6);
	} else if (strcmp(c, "short") == 0)
		put_attr(&m, CNID_NL_A_READER, &v2, 2);
	else if (strcmp(c, "long") == 0)
		put_attr(&m, CNID_NL_A_READER, &v8, 8);
	else if (strcmp(c, "nested-flag") == 0)
		put_attr(&m, CNID_NL_A_READER | NLA_F_NESTED, &reader, 4);
	else if (strcmp(c, "unspec") == 0) {
		put_u32(&m, CNID_NL_A_READER, reader);
		put_u32(&m, CNID_NL_A_UNSPEC, 0);
	} else if (strcmp(c, "trailing") == 0) {	/* bytes after the last attribute */
		put_u32(&m, CNID_NL_A_READER, reader);
		m.nh.nlmsg_len += 2;
	} else if (strcmp(c, "reserved") == 0) {	/* genlmsghdr.reserved */
		put_u32(&m, CNID_NL_A_READER, reader);
		m.gh.reserved = 1;
	} else if (strcmp(c, "old-announce") == 0) {	/* v1's CNID_NL_CMD_ANNOUNCE (2) */
		m.gh.cmd = 2;
		put_u32(&m, 2, reader);	/* v1 MINOR */
		put_attr(&m, 10, "\x03", 1);	/* v1 EVENT = card_removed */
	} else if (strcmp(c, "event-cmd") == 0) {	/* an event's command as a request */
		m.gh.cmd = CNID_NL_CMD_CARD_EVENT;
		put_u32(&m, CNID_NL_A_READER, reader);
	} else if (strcmp(c, "dump-unknown") == 0) {
		m.nh.nlmsg_flags |= NLM_F_DUMP;
		put_u32(&m, CNID_NL_A_MAX + 1, 1);
	} else if (strcmp(c, "dump-ok") == 0)
		m.nh.nlmsg_flags |= NLM_F_DUMP;
	else
		return 2;
	m.nh.nlmsg_flags |= NLM_F_ACK;
	r = nl_send(fd, &m);
	if (r == 0) {
		extack_msg[0] = '\0';
		r = recv_replies(fd, 0, BUFSZ, &intr);
		/* a doit's reply comes before its ACK */
		if (r == 0 && !(m.nh.nlmsg_flags & NLM_F_DUMP))
			r = recv_replies(fd, 0, BUFSZ, NULL);
	}
	printf("forge %s: %s%s%s%s\n", c, r ? strerror(-r) : "ok", extack_msg[0] ? " extack='" : "",
	       extack_msg, extack_msg[0] ? "'" : "");
	return -r;
}

/* ------------------------------------------------------------------ */
/* The module's ioctls */

static const char *const event_names[] = { "none", "card_present", "card_read", "read_failed",
					   "card_removed", "sam_state" };

static int parse_event(const char *s)
{
	for (int i = 1; i <= CNID_NL_EVENT_MAX; i++)
		if (strcmp(s, event_names[i]) == 0)
			return i;
	return -1;
}

/* EVENT k=v...: fill an announcement; EINVAL on a word it does not know. */
static int parse_announce(struct cnid_state *a, int argc, char **argv)
{
	int ev = argc > 0 ? parse_event(argv[0]) : -1;

	memset(a, 0, sizeof(*a));
	if (ev < 0)
		return EINVAL;
	a->event = (uint8_t)ev;
	for (int i = 1; i < argc; i++) {
		char *k = argv[i], *v = strchr(k, '=');
		unsigned long n;

		if (!v)
			return EINVAL;
		*v++ = '\0';
		n = strtoul(v, NULL, 0);
		if (strcmp(k, "type") == 0)
			a->card_type = (uint8_t)n;
		else if (strcmp(k, "valid") == 0)
			a->valid = (uint8_t)n;
		else if (strcmp(k, "expired") == 0)
			a->expired = (uint8_t)n;
		else if (strcmp(k, "expiry") == 0)
			a->expiry = (uint32_t)n;
		else if (strcmp(k, "reason") == 0)
			a->reason = (uint8_t)n;
		else if (strcmp(k, "sw3") == 0) {
			a->sw3 = (uint8_t)n;
			a->flags |= CNID_STATE_SW3;
		} else if (strcmp(k, "state") == 0)
			a->sam_state = (uint8_t)n;
		else if (strcmp(k, "id") == 0)
			snprintf(a->sam_id, sizeof(a->sam_id), "%s", v);
		else if (strcmp(k, "token") == 0) {
			memcpy(a->token, v, strnlen(v, CNID_TOKEN_LEN));
			a->flags |= CNID_STATE_TOKEN;
		} else if (strcmp(k, "pad") == 0)
			a->pad[0] = (uint8_t)n;
		else if (strcmp(k, "reserved") == 0)
			a->reserved[1] = n;
		else if (strcmp(k, "seq") == 0)
			a->seq = (uint32_t)n;
		else if (strcmp(k, "flags") == 0)
			a->flags = (uint8_t)n;
		else
			return EINVAL;
	}
	return 0;
}

static int do_announce(int srv, struct cnid_state *a)
{
	int r = ioctl(srv, CNID_IOC_ANNOUNCE, a) < 0 ? errno : 0;

	printf("announce %s: %s\n", event_names[a->event], r ? strerror(r) : "ok");
	return r;
}

static int open_node(const char *node)
{
	int fd = open(node, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		printf("open %s: %s\n", node, strerror(errno));
	return fd;
}

static int serve(int dev)
{
	int srv = ioctl(dev, CNID_IOC_SERVE);

	printf("serve: %s\n", srv < 0 ? strerror(errno) : "ok");
	return srv < 0 ? -errno : srv;
}

/* Hold on: HOLD seconds, or until the file HOLD exists (at most 60 s). */
static void hold_on(const char *hold)
{
	fflush(stdout);
	if (hold[0] >= '0' && hold[0] <= '9')
		sleep((unsigned)atoi(hold));
	else
		for (int i = 0; i < 1200 && access(hold, F_OK) != 0; i++)
			usleep(50000);
}

static int cmd_serve(const char *node, const char *hold)
{
	int dev = open_node(node), srv;

	if (dev < 0)
		return errno;
	srv = serve(dev);
	if (srv < 0)
		return -srv;
	hold_on(hold);
	return 0;
}

static int cmd_announce(const char *node, int argc, char **argv)
{
	struct cnid_state a;
	int dev, srv, r = parse_announce(&a, argc, argv);

	if (r)
		return r;
	dev = open_node(strcmp(node, "-") == 0 ? argv[argc] : node);
	if (dev < 0)
		return errno;
	srv = strcmp(node, "-") == 0 ? dev : serve(dev);	/* "-": on the node itself */
	if (srv < 0)
		return -srv;
	return do_announce(srv, &a);
}

static int cmd_serial(const char *port, const char *hold, int argc, char **argv)
{
	struct cnid_serial s = { 0 };
	struct cnid_state a;
	int ctl = open_node("/dev/" CNID_CTL_NAME), srv, r = 0;

	if (ctl < 0)
		return errno;
	snprintf(s.port, sizeof(s.port), "%s", port);
	srv = ioctl(ctl, CNID_IOC_REGISTER, &s);
	if (srv < 0) {
		printf("register: %s\n", strerror(errno));
		return errno;
	}
	close(ctl);
	printf("register: ok reader=%u\n", s.reader);
	if (argc > 0) {
		r = parse_announce(&a, argc, argv);
		if (!r)
			r = do_announce(srv, &a);
	}
	hold_on(hold);
	return r;
}

static void print_state(const struct cnid_state *st)
{
	printf("state reader=%u seq=%u event=%u card_state=%u card_type=%u valid=%u expired=%u "
	       "expiry=%u reason=%u sw3=%u sam_state=%u flags=%u token=",
	       st->reader, st->seq, st->event, st->card_state, st->card_type, st->valid, st->expired,
	       st->expiry, st->reason, st->sw3, st->sam_state, st->flags);
	print_hex(st->token, CNID_TOKEN_LEN);
	printf(" sam_id=%s\n", st->sam_id);
	fflush(stdout);
}

static int get_state(int fd, struct cnid_state *st, uint32_t reader)
{
	memset(st, 0, sizeof(*st));
	st->reader = reader;
	if (ioctl(fd, CNID_IOC_STATE, st) < 0) {
		printf("state: %s\n", strerror(errno));
		return errno;
	}
	print_state(st);
	return 0;
}

static int cmd_state(const char *what)
{
	struct cnid_state st;
	int ctl = strncmp(what, "ctl:", 4) == 0;
	int fd = open_node(ctl ? "/dev/" CNID_CTL_NAME : what);

	if (fd < 0)
		return errno;
	return get_state(fd, &st, ctl ? (uint32_t)strtoul(what + 4, NULL, 0) : 0);
}

static int cmd_wait_pri(const char *node, int timeout_ms)
{
	struct pollfd p = { .events = POLLPRI };
	struct cnid_state st;
	int r;

	p.fd = open_node(node);
	if (p.fd < 0)
		return errno;
	printf("waiting\n");
	fflush(stdout);
	r = poll(&p, 1, timeout_ms);
	if (r <= 0 || !(p.revents & POLLPRI)) {
		printf("timeout\n");
		return ETIMEDOUT;
	}
	r = get_state(p.fd, &st, 0);
	if (r)
		return r;
	printf("pri seq=%u\n", st.seq);
	p.revents = 0;
	r = poll(&p, 1, 0);
	printf("%s\n", r == 0 ? "cleared" : "still-pri");
	return r == 0 ? 0 : EPROTO;
}

/*
 * N serial readers, so that a dump takes several rounds with a small
 * receive buffer; then dump twice: once undisturbed (no NLM_F_DUMP_INTR
 * allowed) and once with a reader added after the first round (the flag
 * must come).
 */
static int cmd_dump_intr(int fd, int n)
{
	static char buf[BUFSZ];
	int held[CNID_SERIAL_MAX + 1], nheld = 0, intr[2] = { 0, 0 }, msgs[2] = { 0, 0 };
	struct cnid_serial s;
	int ctl = open_node("/dev/" CNID_CTL_NAME);

	/* a fresh socket: its first dump rounds are the smallest */
	fd = nl_open();
	if (ctl < 0 || fd < 0 || n > CNID_SERIAL_MAX - 1)
		return EINVAL;
	for (; nheld < n; nheld++) {
		memset(&s, 0, sizeof(s));
		snprintf(s.port, sizeof(s.port), "dump%d", nheld);
		held[nheld] = ioctl(ctl, CNID_IOC_REGISTER, &s);
		if (held[nheld] < 0) {
			printf("register %d: %s\n", nheld, strerror(errno));
			return errno;
		}
	}
	for (int round = 0; round < 2; round++) {
		struct msg m;
		int done = 0, first = 1;

		init_msg(&m, family_id, NLM_F_DUMP, CNID_NL_CMD_GET_READER);
		if (nl_send(fd, &m) < 0)
			return errno;
		while (!done) {
			ssize_t k = recv(fd, buf, 4096, 0);	/* a small buffer: several rounds */

			if (k < 0)
				return errno;
			for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)k);
			     nh = NLMSG_NEXT(nh, k)) {
				if (nh->nlmsg_flags & NLM_F_DUMP_INTR)
					intr[round]++;
				if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR)
					done = 1;
				else
					msgs[round]++;
			}
			if (first && round == 1) {	/* change the list between rounds */
				memset(&s, 0, sizeof(s));
				snprintf(s.port, sizeof(s.port), "dump-late");
				held[nheld] = ioctl(ctl, CNID_IOC_REGISTER, &s);
				if (held[nheld++] < 0)
					return errno;
			}
			first = 0;
		}
	}
	printf("dump-intr: undisturbed %d readers intr=%d; changed %d readers intr=%d\n", msgs[0],
	       intr[0], msgs[1], intr[1]);
	return intr[0] == 0 && intr[1] > 0 ? 0 : EPROTO;
}

/* ------------------------------------------------------------------ */
/* Privacy */

/* Read the card, keep the secrets in a file, announce only the verdict. */
static int cmd_read_announce(const char *node, const char *secrets)
{
	static uint8_t reply[CNID_WIRE_FRAME_MAX];
	static struct cnid_card card;
	struct cnid_validation v;
	struct cnid_response resp;
	struct cnid_read rd;
	struct cnid_date today = { 2026, 1, 1 };
	enum cnid_cmd_id seq[3] = { CNID_CMD_FIND, CNID_CMD_SELECT, CNID_CMD_READ };
	struct cnid_state a = { .event = CNID_NL_EVENT_CARD_READ, .flags = CNID_STATE_TOKEN };
	uint8_t req[64], rnd[CNID_TOKEN_LEN];
	const char *until;
	int dev = open_node(node), srv, n = 0;
	FILE *f;

	if (dev < 0)
		return errno;
	for (int i = 0; i < 3; i++) {
		struct cnid_xfer x = { .request = (uintptr_t)req, .reply = (uintptr_t)reply,
				       .reply_size = sizeof(reply) };

		x.request_len = (uint32_t)cnid_command_build(seq[i], NULL, req, sizeof(req));
		if (ioctl(dev, CNID_IOC_XFER, &x) < 0)
			return errno;
		n = (int)x.reply_len;
	}
	if (cnid_response_parse(reply, (size_t)n, &resp) < 0 || cnid_decode_read(&resp, false, &rd) < 0 ||
	    cnid_card_decode(rd.text, rd.text_len, &card) < 0)
		return EBADMSG;
	cnid_card_validate(&card, &today, &v);
	/* an opaque, printable token (so the scanner can look for it): random letters */
	int r = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (r < 0 || read(r, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
		return EIO;
	close(r);
	for (size_t i = 0; i < CNID_TOKEN_LEN; i++)
		a.token[i] = (uint8_t)('a' + rnd[i] % 26);
	f = fopen(secrets, "we");
	if (!f)
		return errno;
	fprintf(f, "%s\n%s\n%.*s\n", card.field[CNID_F_NAME], card.field[CNID_F_NUMBER], CNID_TOKEN_LEN,
		(char *)a.token);
	fclose(f);
	a.card_type = (uint8_t)card.type;	/* same order as the uapi */
	a.valid = v.valid;
	a.expired = v.expired;
	until = card.field[CNID_F_VALID_UNTIL];
	a.expiry = strlen(until) == 8 && strspn(until, "0123456789") == 8 ? (uint32_t)atol(until) : 99991231;
	srv = serve(dev);
	if (srv < 0)
		return -srv;
	return do_announce(srv, &a);
}

/* The card's name, number and token, as cmd_read_announce wrote them. */
static int read_secrets(const char *path, char secrets[3][256])
{
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return -errno;
	while (n < 3 && fgets(secrets[n], sizeof(secrets[n]), f)) {
		secrets[n][strcspn(secrets[n], "\n")] = '\0';
		if (secrets[n][0])
			n++;
	}
	fclose(f);
	return n == 3 ? 0 : -EINVAL;
}

/*
 * Offer the card's name and number to the kernel: in netlink attributes
 * (refused: strict validation), in announcement fields the event does not
 * use or that are reserved (refused), as the SAM ID (refused: not its
 * charset), and as a card_read's token (accepted: opaque, and private).
 * Prints one line per offer; EPROTO if the kernel's answer was not that.
 */
static int cmd_offer(int nl, const char *node, const char *path)
{
	char secrets[3][256];
	int dev, srv, bad = 0, r = read_secrets(path, secrets);
	struct cnid_state a;
	struct msg m;

	if (r < 0)
		return -r;
	/* netlink: unknown attributes, a nested one, a known one a request may not carry */
	init_msg(&m, family_id, NLM_F_ACK, CNID_NL_CMD_GET_READER);
	put_u32(&m, CNID_NL_A_READER, 0);
	put_attr(&m, CNID_NL_A_MAX + 1, secrets[0], (unsigned short)strlen(secrets[0]));
	put_attr(&m, NLA_TYPE_MASK | NLA_F_NESTED, secrets[1], (unsigned short)strlen(secrets[1]));
	put_attr(&m, CNID_NL_A_SAM_ID, secrets[1], (unsigned short)(strlen(secrets[1]) + 1));
	r = nl_send(nl, &m);
	if (!r)
		r = recv_replies(nl, 0, BUFSZ, NULL);
	printf("offer netlink: %s\n", r ? strerror(-r) : "ok");
	bad |= r != -EINVAL;

	dev = open_node(node);
	if (dev < 0)
		return errno;
	srv = serve(dev);
	if (srv < 0)
		return -srv;
	struct {
		const char *what;
		int event, field, want;
	} offers[] = {
		{ "card_removed token", CNID_NL_EVENT_CARD_REMOVED, 0, EINVAL },
		{ "read_failed sam_id", CNID_NL_EVENT_READ_FAILED, 1, EINVAL },
		{ "card_read reserved", CNID_NL_EVENT_CARD_READ, 2, EINVAL },
		{ "sam_state name", CNID_NL_EVENT_SAM_STATE, 3, EINVAL },
		{ "card_read token", CNID_NL_EVENT_CARD_READ, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(offers) / sizeof(offers[0]); i++) {
		memset(&a, 0, sizeof(a));
		a.event = (uint8_t)offers[i].event;
		if (a.event == CNID_NL_EVENT_CARD_READ)
			a.card_type = CNID_NL_CARD_RESIDENT;
		if (a.event == CNID_NL_EVENT_SAM_STATE)
			a.sam_state = CNID_NL_SAM_OK;
		switch (offers[i].field) {
		case 0:
			memcpy(a.token, secrets[1], strnlen(secrets[1], CNID_TOKEN_LEN));
			a.flags = CNID_STATE_TOKEN;
			break;
		case 1:
			snprintf(a.sam_id, sizeof(a.sam_id), "%s", secrets[1]);
			break;
		case 2:
			memcpy(a.reserved, secrets[1], strnlen(secrets[1], sizeof(a.reserved)));
			break;
		case 3:
			snprintf(a.sam_id, sizeof(a.sam_id), "%s", secrets[0]);
			break;
		}
		r = ioctl(srv, CNID_IOC_ANNOUNCE, &a) < 0 ? errno : 0;
		printf("offer %s: %s\n", offers[i].what, r ? strerror(r) : "ok");
		bad |= r != offers[i].want;
	}
	return bad ? EPROTO : 0;
}

/* Print where the secrets appear in the files; exit 1 if anywhere. */
struct scan_ctx {
	const char *file;
};

static void scan_report(void *ctx, int secret, enum scan_enc enc, const char *form, size_t line)
{
	static const char *const what[] = { "name", "number", "token" };
	struct scan_ctx *c = ctx;

	printf("leak: %s: the card's %s as %s, %s", c->file, what[secret], scan_enc_names[enc], form);
	if (line)
		printf(" (line %zu)", line);
	printf("\n");
}

static int cmd_scan(const char *path, int nfiles, char **files)
{
	char secrets[3][256];
	const char *sv[3] = { secrets[0], secrets[1], secrets[2] };
	int r = read_secrets(path, secrets), leaks = 0;

	if (r < 0) {
		fprintf(stderr, "cnid-nl scan: %s: %s\n", path, strerror(-r));
		return 2;
	}
	for (int i = 0; i < nfiles; i++) {
		struct scan_ctx c = { files[i] };
		FILE *f = fopen(files[i], "re");
		char *buf = NULL;
		size_t len = 0, cap = 0, n;

		if (!f) {
			fprintf(stderr, "cnid-nl scan: %s: %s\n", files[i], strerror(errno));
			return 2;
		}
		do {
			if (len + 65536 > cap) {
				char *nb = realloc(buf, cap = len + 65536 + 1);

				if (!nb) {
					fclose(f);
					free(buf);
					return 2;
				}
				buf = nb;
			}
			n = fread(buf + len, 1, cap - len - 1, f);
			len += n;
		} while (n > 0);
		fclose(f);
		buf[len] = '\0';
		r = scan_buffer(sv, 3, buf, len, scan_report, &c);
		free(buf);
		if (r < 0)
			return 2;
		leaks += r;
		printf("scan: %s: %zu bytes, %d finding(s)\n", files[i], len, r);
	}
	return leaks ? 1 : 0;
}

/* setuid, keeping CAP_NET_ADMIN (only) when asked */
static int drop_to(const char *spec, int keep_cap)
{
	uid_t id = (uid_t)atoi(spec);
	const char *colon = strchr(spec, ':');
	gid_t extra = colon ? (gid_t)atoi(colon + 1) : 0;
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { { 0 } };

	if ((keep_cap && prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0) ||
	    setgroups(colon ? 1 : 0, &extra) < 0 || setgid(id) < 0 || setuid(id) < 0)
		return -1;
	if (!keep_cap)
		return 0;
	d[0].effective = d[0].permitted = 1u << CAP_NET_ADMIN;
	return (int)syscall(SYS_capset, &h, d);
}

int main(int argc, char **argv)
{
	struct msg m;
	int fd, r;

	if (argc > 3 && strcmp(argv[1], "--as") == 0) {
		int cap = strcmp(argv[3], "--cap") == 0;

		if (drop_to(argv[2], cap) < 0) {
			perror("cnid-nl: dropping privileges");
			return 1;
		}
		argc -= 2 + cap;
		argv += 2 + cap;
	}
	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		fd = open(argv[2], O_RDWR | O_CLOEXEC);
		printf("open: %s\n", fd < 0 ? strerror(errno) : "ok");
		return fd < 0 ? errno : 0;
	}
	if (argc >= 4 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(argv[2], argc - 3, argv + 3);
	if (argc == 4 && strcmp(argv[1], "serve") == 0)
		return cmd_serve(argv[2], argv[3]);
	if (argc >= 4 && strcmp(argv[1], "announce") == 0)
		return strcmp(argv[2], "-") == 0 ? cmd_announce("-", argc - 4, argv + 3)
						 : cmd_announce(argv[2], argc - 3, argv + 3);
	if (argc >= 4 && strcmp(argv[1], "serial") == 0)
		return cmd_serial(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 3 && strcmp(argv[1], "state") == 0)
		return cmd_state(argv[2]);
	if (argc == 4 && strcmp(argv[1], "wait-pri") == 0)
		return cmd_wait_pri(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "read-announce") == 0)
		return cmd_read_announce(argv[2], argv[3]);
	if (argc < 2) {
		fprintf(stderr, "usage: cnid-nl [--as UID[:GID] [--cap]] family | dump | get READER | policy | "
			"forge CASE [READER] | dump-intr N | listen COUNT TIMEOUT_S [mono] | serve NODE HOLD | "
			"announce NODE|- EVENT [k=v...] [NODE] | serial PORT HOLD [EVENT k=v...] | "
			"state NODE|ctl:ID | wait-pri NODE MS | read-announce NODE SECRETS | "
			"offer NODE SECRETS | scan SECRETS FILE...\n");
		return 2;
	}
	fd = nl_open();
	if (fd < 0 || (r = resolve(fd)) < 0) {
		fprintf(stderr, "cnid-nl: family %s: %s\n", CNID_GENL_NAME, strerror(fd < 0 ? -fd : -r));
		return ENOENT;
	}
	if (strcmp(argv[1], "family") == 0) {
		printf("family %s id=%d events=%u\n", CNID_GENL_NAME, family_id, group_id);
		return group_id ? 0 : ENOENT;
	}
	if (strcmp(argv[1], "dump") == 0 || (strcmp(argv[1], "get") == 0 && argc == 3)) {
		init_msg(&m, family_id, argc == 3 ? 0 : NLM_F_DUMP, CNID_NL_CMD_GET_READER);
		if (argc == 3)
			put_u32(&m, CNID_NL_A_READER, (uint32_t)strtoul(argv[2], NULL, 0));
		r = nl_send(fd, &m);
		if (r == 0)
			r = recv_replies(fd, 1, BUFSZ, NULL);
		if (r)
			printf("%s: %s %s\n", argv[1], strerror(-r), extack_msg);
		return -r;
	}
	if (strcmp(argv[1], "policy") == 0)
		return cmd_policy(fd);
	if (strcmp(argv[1], "forge") == 0 && argc >= 3)
		return cmd_forge(fd, argv[2], argc > 3 ? (uint32_t)strtoul(argv[3], NULL, 0) : 0);
	if (strcmp(argv[1], "dump-intr") == 0 && argc == 3)
		return cmd_dump_intr(fd, atoi(argv[2]));
	if (strcmp(argv[1], "listen") == 0 && (argc == 4 || (argc == 5 && !strcmp(argv[4], "mono"))))
		return cmd_listen(fd, atoi(argv[2]), atoi(argv[3]), argc == 5);
	if (strcmp(argv[1], "offer") == 0 && argc == 4)
		return cmd_offer(fd, argv[2], argv[3]);
	return 2;
}
