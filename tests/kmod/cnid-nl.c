// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cnid-nl: a small raw generic-netlink client for the "cnid" family, for
 * the guest tests (static; no libnl needed).
 *
 *   cnid-nl [--as UID[:GID]] COMMAND... drop to UID (gid UID, only group GID) first
 *   cnid-nl open NODE                  open a node read-write; exit 0 or the errno
 *   cnid-nl dump                       list readers (any user)
 *   cnid-nl family                     resolve the family over CTRL_CMD_GETFAMILY:
 *                                      print its id and events group; exit 0
 *                                      only when both resolved (ENOENT else)
 *   cnid-nl listen COUNT TIMEOUT_S     print COUNT messages of the "events" group
 *   cnid-nl announce MINOR EVENT [type=N valid=0|1 expired=0|1 token=HEX32
 *                    reason=N sw3=N state=N id=SAMID]
 *   cnid-nl read-announce /dev/cnidN MINOR SECRETS
 *        read the card through the node, decode and validate it with
 *        libcnid, announce card_read with its type and verdict only, and
 *        write the card's name and number to SECRETS (so that a test can
 *        grep that they appear nowhere else)
 *   cnid-nl offer MINOR SECRETS
 *        offer those secrets to the kernel: announcements (read_failed,
 *        card_removed, card_read) that also carry them in attributes the
 *        module must not relay (unknown types, unused known ones)
 *   cnid-nl scan SECRETS FILE...
 *        look for the secrets in the files in every encoding and form
 *        secret-scan.h knows; prints where (never what); exit 1 if found
 *
 * EVENT: card_read read_failed card_removed sam_state.  Messages print as
 * one line of key=value; attributes this client does not know print as
 * attrN=HEX (tolerated, never an error), known ones of an unexpected length
 * as name=hex:HEX, and an indented raw=HEX line follows with the whole
 * message.  Exit status: 0, or the errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <grp.h>
#include <sys/socket.h>
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

static void put_u8(struct msg *m, unsigned short type, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put_attr(m, type, &b, 1);
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
	m->gh.version = 1;
}

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
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
		return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	for_each_attr(a, nh) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			family_id = *(uint16_t *)((char *)a + NLA_HDRLEN);
		if (a->nla_type != CTRL_ATTR_MCAST_GROUPS)
			continue;
		for (struct nlattr *g = (struct nlattr *)((char *)a + NLA_HDRLEN);
		     (char *)g < (char *)a + a->nla_len; g = (struct nlattr *)((char *)g + NLA_ALIGN(g->nla_len))) {
			const char *name = NULL;
			unsigned id = 0;

			for (struct nlattr *x = (struct nlattr *)((char *)g + NLA_HDRLEN);
			     (char *)x < (char *)g + g->nla_len; x = (struct nlattr *)((char *)x + NLA_ALIGN(x->nla_len))) {
				if (x->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
					name = (char *)x + NLA_HDRLEN;
				if (x->nla_type == CTRL_ATTR_MCAST_GRP_ID)
					id = *(uint32_t *)((char *)x + NLA_HDRLEN);
			}
			if (name && strcmp(name, CNID_GENL_MCGRP_EVENTS) == 0)
				group_id = id;
		}
	}
	return family_id ? 0 : -ENOENT;
}

static const char *const attr_names[CNID_NL_A_MAX + 1] = {
	[CNID_NL_A_MINOR] = "minor", [CNID_NL_A_DEVNAME] = "devname",
	[CNID_NL_A_BUSNUM] = "busnum", [CNID_NL_A_DEVNUM] = "devnum",
	[CNID_NL_A_VENDOR] = "vendor", [CNID_NL_A_PRODUCT] = "product",
	[CNID_NL_A_PIPE_MODE] = "pipe_mode", [CNID_NL_A_PACKET_SIZE] = "packet_size",
	[CNID_NL_A_EVENT] = "event", [CNID_NL_A_CARD_TYPE] = "card_type",
	[CNID_NL_A_CARD_VALID] = "valid", [CNID_NL_A_CARD_EXPIRED] = "expired",
	[CNID_NL_A_CARD_TOKEN] = "token", [CNID_NL_A_REASON] = "reason", [CNID_NL_A_SW3] = "sw3",
	[CNID_NL_A_SAM_ID] = "sam_id", [CNID_NL_A_SAM_STATE] = "sam_state",
	[CNID_NL_A_CARD_STATE] = "card_state", [CNID_NL_A_SEQ] = "seq",
	[CNID_NL_A_TRANSACTIONS] = "transactions", [CNID_NL_A_TIMEOUTS] = "timeouts",
	[CNID_NL_A_CHECKSUM_ERRORS] = "checksum_errors", [CNID_NL_A_RESYNCS] = "resyncs",
	[CNID_NL_A_ERRORS] = "errors",
};

static const char *const cmd_names[] = {
	[CNID_NL_CMD_GET_READER] = "reader", [CNID_NL_CMD_ANNOUNCE] = "announce",
	[CNID_NL_CMD_READER_ADDED] = "reader_added", [CNID_NL_CMD_READER_REMOVED] = "reader_removed",
	[CNID_NL_CMD_CARD_EVENT] = "card_event",
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
		if ((t == CNID_NL_A_DEVNAME || t == CNID_NL_A_SAM_ID) && len &&
		    memchr(p, '\0', len) == p + len - 1 && strspn((char *)p,
			"0123456789abcdefghijklmnopqrstuvwxyz.-") == len - 1)
			printf("%s", (char *)p);
		else if (t == CNID_NL_A_CARD_TOKEN)
			print_hex(p, len);
		else if (len == 1)
			printf("%u", p[0]);
		else if (len == 2)
			printf("%u", *(uint16_t *)p);
		else if (len == 4)
			printf("%u", *(uint32_t *)p);
		else if (len == 8)
			printf("%llu", (unsigned long long)*(uint64_t *)p);
		else {
			printf("hex:");
			print_hex(p, len);
		}
	}
	printf("\n  raw=");
	print_hex((unsigned char *)nh, nh->nlmsg_len);
	printf("\n");
	fflush(stdout);
}

/* Read replies until DONE/ACK; print data messages. */
static int recv_replies(int fd, int print)
{
	static char buf[BUFSZ];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0)
			return -errno;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
			if (print)
				print_msg(nh);
			if (!(nh->nlmsg_flags & NLM_F_MULTI))
				return 0;
		}
	}
}

static int cmd_listen(int fd, int count, int timeout_s)
{
	static char buf[BUFSZ];
	time_t end = time(NULL) + timeout_s;
	int got = 0;

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
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == family_id) {
				print_msg(nh);
				got++;
			}
		}
	}
	return got >= count ? 0 : ETIMEDOUT;
}

static const char *const event_names[] = { "none", "card_read", "read_failed", "card_removed",
					   "sam_state" };

static int announce(int fd, struct msg *m)
{
	int r = nl_send(fd, m);

	if (r == 0)
		r = recv_replies(fd, 0);
	printf("announce: %s\n", r ? strerror(-r) : "ok");
	return -r;
}

static int cmd_announce(int fd, int argc, char **argv)
{
	struct msg m;
	int ev = -1;

	init_msg(&m, family_id, NLM_F_ACK, CNID_NL_CMD_ANNOUNCE);
	put_u32(&m, CNID_NL_A_MINOR, (uint32_t)strtoul(argv[0], NULL, 0));
	for (int i = 0; i < 5; i++)
		if (strcmp(argv[1], event_names[i]) == 0)
			ev = i;
	if (ev < 0)
		return EINVAL;
	put_u8(&m, CNID_NL_A_EVENT, (unsigned)ev);
	for (int i = 2; i < argc; i++) {
		char *v = strchr(argv[i], '=');

		if (!v)
			return EINVAL;
		*v++ = '\0';
		if (strcmp(argv[i], "type") == 0)
			put_u8(&m, CNID_NL_A_CARD_TYPE, (unsigned)atoi(v));
		else if (strcmp(argv[i], "valid") == 0)
			put_u8(&m, CNID_NL_A_CARD_VALID, (unsigned)atoi(v));
		else if (strcmp(argv[i], "expired") == 0)
			put_u8(&m, CNID_NL_A_CARD_EXPIRED, (unsigned)atoi(v));
		else if (strcmp(argv[i], "reason") == 0)
			put_u8(&m, CNID_NL_A_REASON, (unsigned)atoi(v));
		else if (strcmp(argv[i], "sw3") == 0)
			put_u8(&m, CNID_NL_A_SW3, (unsigned)strtoul(v, NULL, 0));
		else if (strcmp(argv[i], "state") == 0)
			put_u8(&m, CNID_NL_A_SAM_STATE, (unsigned)atoi(v));
		else if (strcmp(argv[i], "id") == 0)
			put_attr(&m, CNID_NL_A_SAM_ID, v, (unsigned short)(strlen(v) + 1));
		else if (strcmp(argv[i], "token") == 0) {
			uint8_t t[CNID_NL_TOKEN_LEN] = { 0 };

			for (int k = 0; k < CNID_NL_TOKEN_LEN && v[2 * k] && v[2 * k + 1]; k++)
				sscanf(v + 2 * k, "%2hhx", &t[k]);
			put_attr(&m, CNID_NL_A_CARD_TOKEN, t, sizeof(t));
		} else if (strcmp(argv[i], "unknown") == 0) {
			put_u32(&m, CNID_NL_A_MAX + 5, 1);
		} else {
			return EINVAL;
		}
	}
	return announce(fd, &m);
}

/* Read the card, keep the secrets in a file, announce only the verdict. */
static int cmd_read_announce(int fd, const char *node, const char *minor, const char *secrets)
{
	static uint8_t reply[CNID_WIRE_FRAME_MAX];
	static struct cnid_card card;
	struct cnid_validation v;
	struct cnid_response resp;
	struct cnid_read rd;
	struct cnid_date today = { 2026, 1, 1 };
	enum cnid_cmd_id seq[3] = { CNID_CMD_FIND, CNID_CMD_SELECT, CNID_CMD_READ };
	uint8_t req[64], token[CNID_NL_TOKEN_LEN];
	int dev = open(node, O_RDWR | O_CLOEXEC), n = 0;
	struct msg m;
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
	close(dev);
	if (cnid_response_parse(reply, (size_t)n, &resp) < 0 || cnid_decode_read(&resp, false, &rd) < 0 ||
	    cnid_card_decode(rd.text, rd.text_len, &card) < 0)
		return EBADMSG;
	cnid_card_validate(&card, &today, &v);
	f = fopen(secrets, "we");
	if (!f)
		return errno;
	fprintf(f, "%s\n%s\n", card.field[CNID_F_NAME], card.field[CNID_F_NUMBER]);
	fclose(f);
	/* an opaque token: the number mixed with a per-run random key */
	int rnd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (rnd < 0 || read(rnd, token, sizeof(token)) != (ssize_t)sizeof(token))
		return EIO;
	close(rnd);
	for (size_t i = 0; card.field[CNID_F_NUMBER][i]; i++)
		token[i % sizeof(token)] = (uint8_t)(token[i % sizeof(token)] * 31 + card.field[CNID_F_NUMBER][i]);
	init_msg(&m, family_id, NLM_F_ACK, CNID_NL_CMD_ANNOUNCE);
	put_u32(&m, CNID_NL_A_MINOR, (uint32_t)strtoul(minor, NULL, 0));
	put_u8(&m, CNID_NL_A_EVENT, CNID_NL_EVENT_CARD_READ);
	put_u8(&m, CNID_NL_A_CARD_TYPE, (unsigned)card.type);	/* same order as the uapi */
	put_u8(&m, CNID_NL_A_CARD_VALID, v.valid);
	put_u8(&m, CNID_NL_A_CARD_EXPIRED, v.expired);
	put_attr(&m, CNID_NL_A_CARD_TOKEN, token, sizeof(token));
	return announce(fd, &m);
}

/* The card's name and number, as cmd_read_announce wrote them. */
static int read_secrets(const char *path, char secrets[2][256])
{
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return -errno;
	while (n < 2 && fgets(secrets[n], sizeof(secrets[n]), f)) {
		secrets[n][strcspn(secrets[n], "\n")] = '\0';
		if (secrets[n][0])
			n++;
	}
	fclose(f);
	return n == 2 ? 0 : -EINVAL;
}

/*
 * Offer the card's name and number to the kernel: announcements of each
 * event that carry them in attributes the module must not relay - unknown
 * types (UTF-8, UCS-2LE, odd lengths, the highest type, a nested one) and
 * known ones the event does not use (DEVNAME, SAM_ID with card_read).
 * Every announcement must be accepted (unknown attributes are tolerated);
 * the test then looks for the secrets in every channel.
 */
static int cmd_offer(int fd, const char *minor, const char *path)
{
	static const int events[] = { CNID_NL_EVENT_READ_FAILED, CNID_NL_EVENT_CARD_REMOVED,
				      CNID_NL_EVENT_CARD_READ };
	char secrets[2][256];
	uint8_t u[2][512];
	int ulen[2], r, bad = 0;

	r = read_secrets(path, secrets);
	if (r < 0)
		return -r;
	for (int i = 0; i < 2; i++) {
		ulen[i] = scan_encode(secrets[i], SCAN_UCS2LE, u[i], sizeof(u[i]));
		if (ulen[i] < 0)
			return EINVAL;
	}
	for (size_t k = 0; k < sizeof(events) / sizeof(events[0]); k++) {
		unsigned short x = CNID_NL_A_MAX + 1;
		struct msg m;
		struct nlattr *nest;

		init_msg(&m, family_id, NLM_F_ACK, CNID_NL_CMD_ANNOUNCE);
		put_u32(&m, CNID_NL_A_MINOR, (uint32_t)strtoul(minor, NULL, 0));
		put_u8(&m, CNID_NL_A_EVENT, (unsigned)events[k]);
		switch (events[k]) {
		case CNID_NL_EVENT_CARD_READ:
			put_u8(&m, CNID_NL_A_CARD_TYPE, CNID_NL_CARD_RESIDENT);
			put_u8(&m, CNID_NL_A_CARD_VALID, 1);
			put_u8(&m, CNID_NL_A_CARD_EXPIRED, 0);
			/* known attributes that card_read does not use */
			put_attr(&m, CNID_NL_A_SAM_ID, secrets[1], (unsigned short)(strlen(secrets[1]) + 1));
			if (strlen(secrets[0]) < 15)
				put_attr(&m, CNID_NL_A_DEVNAME, secrets[0],
					 (unsigned short)(strlen(secrets[0]) + 1));
			break;
		case CNID_NL_EVENT_READ_FAILED:
			put_u8(&m, CNID_NL_A_REASON, CNID_NL_REASON_CARD);
			break;
		}
		/* unknown types: no terminating NUL, so odd lengths too */
		put_attr(&m, x++, secrets[0], (unsigned short)strlen(secrets[0]));
		put_attr(&m, x++, secrets[1], (unsigned short)strlen(secrets[1]));
		put_attr(&m, x++, u[0], (unsigned short)ulen[0]);
		put_attr(&m, x++, u[1], (unsigned short)ulen[1]);
		put_attr(&m, (unsigned short)NLA_TYPE_MASK, u[1], (unsigned short)ulen[1]);
		nest = (struct nlattr *)((char *)&m + NLMSG_ALIGN(m.nh.nlmsg_len));
		put_attr(&m, (unsigned short)(x++ | NLA_F_NESTED), "", 0);
		put_attr(&m, 1, secrets[0], (unsigned short)(strlen(secrets[0]) + 1));
		put_attr(&m, 2, u[1], (unsigned short)ulen[1]);
		nest->nla_len = (unsigned short)((char *)&m + m.nh.nlmsg_len - (char *)nest);
		printf("offer %s: ", event_names[events[k]]);
		if (announce(fd, &m))
			bad = 1;
	}
	return bad ? EPROTO : 0;
}

/* Print where the secrets appear in the files; exit 1 if anywhere. */
struct scan_ctx {
	const char *file;
};

static void scan_report(void *ctx, int secret, enum scan_enc enc, const char *form, size_t line)
{
	struct scan_ctx *c = ctx;

	printf("leak: %s: the card's %s as %s, %s", c->file, secret ? "number" : "name",
	       scan_enc_names[enc], form);
	if (line)
		printf(" (line %zu)", line);
	printf("\n");
}

static int cmd_scan(const char *path, int nfiles, char **files)
{
	char secrets[2][256];
	const char *sv[2] = { secrets[0], secrets[1] };
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
		r = scan_buffer(sv, 2, buf, len, scan_report, &c);
		free(buf);
		if (r < 0)
			return 2;
		leaks += r;
		printf("scan: %s: %zu bytes, %d finding(s)\n", files[i], len, r);
	}
	return leaks ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct msg m;
	int fd, r;

	if (argc > 3 && strcmp(argv[1], "--as") == 0) {
		uid_t id = (uid_t)atoi(argv[2]);
		const char *colon = strchr(argv[2], ':');
		gid_t extra = colon ? (gid_t)atoi(colon + 1) : 0;

		if (setgroups(colon ? 1 : 0, &extra) < 0 || setgid(id) < 0 || setuid(id) < 0) {
			perror("cnid-nl: dropping privileges");
			return 1;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		fd = open(argv[2], O_RDWR | O_CLOEXEC);
		printf("open: %s\n", fd < 0 ? strerror(errno) : "ok");
		return fd < 0 ? errno : 0;
	}
	if (argc >= 4 && strcmp(argv[1], "scan") == 0)
		return cmd_scan(argv[2], argc - 3, argv + 3);
	if (argc < 2) {
		fprintf(stderr, "usage: cnid-nl family | dump | listen COUNT TIMEOUT_S | announce MINOR EVENT "
			"[k=v...] | read-announce NODE MINOR SECRETS | offer MINOR SECRETS | "
			"scan SECRETS FILE...\n");
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
	if (strcmp(argv[1], "dump") == 0) {
		init_msg(&m, family_id, NLM_F_DUMP, CNID_NL_CMD_GET_READER);
		r = nl_send(fd, &m);
		if (r == 0)
			r = recv_replies(fd, 1);
		return -r;
	}
	if (strcmp(argv[1], "listen") == 0 && argc == 4)
		return cmd_listen(fd, atoi(argv[2]), atoi(argv[3]));
	if (strcmp(argv[1], "announce") == 0 && argc >= 4)
		return cmd_announce(fd, argc - 2, argv + 2);
	if (strcmp(argv[1], "read-announce") == 0 && argc == 5)
		return cmd_read_announce(fd, argv[2], argv[3], argv[4]);
	if (strcmp(argv[1], "offer") == 0 && argc == 4)
		return cmd_offer(fd, argv[2], argv[3]);
	return 2;
}
