/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnid list [--json]            readers and their state (netlink dump)
 * cnid watch [--json]           each event as it happens
 *
 * Both read cnid.ko's public generic netlink family "cnid" (libnl-genl-3):
 * any user sees that readers come and go and that cards arrive, are read,
 * fail or leave.  For a reader whose node the user may open (group cnid,
 * or the active seat through uaccess) the details follow from
 * CNID_IOC_STATE: card type, validity, expiry, failure reason.  Nothing
 * here ever reads a card.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <json-c/json.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "cli.h"
#include "cnid-private.h"
#include "uapi/cnid.h"

static const char *const event_names[] = {
	[CNID_NL_EVENT_NONE] = "none", [CNID_NL_EVENT_CARD_PRESENT] = "card_present",
	[CNID_NL_EVENT_CARD_READ] = "card_read", [CNID_NL_EVENT_READ_FAILED] = "read_failed",
	[CNID_NL_EVENT_CARD_REMOVED] = "card_removed", [CNID_NL_EVENT_SAM_STATE] = "sam_state",
};
static const char *const card_state_names[] = {
	[CNID_NL_CARD_STATE_UNKNOWN] = "unknown", [CNID_NL_CARD_STATE_ABSENT] = "absent",
	[CNID_NL_CARD_STATE_PRESENT] = "present", [CNID_NL_CARD_STATE_READ] = "read",
	[CNID_NL_CARD_STATE_FAILED] = "failed",
};
static const char *const sam_names[] = {
	[CNID_NL_SAM_UNKNOWN] = "unknown", [CNID_NL_SAM_OK] = "ok", [CNID_NL_SAM_FAULT] = "fault",
};
static const char *const reason_names[] = {
	[CNID_NL_REASON_UNKNOWN] = "unknown", [CNID_NL_REASON_TIMEOUT] = "timeout",
	[CNID_NL_REASON_PROTOCOL] = "protocol", [CNID_NL_REASON_SAM] = "sam",
	[CNID_NL_REASON_CARD] = "card", [CNID_NL_REASON_UNSUPPORTED] = "unsupported",
};

#define NAME(tbl, i) ((size_t)(i) < sizeof(tbl) / sizeof(tbl[0]) && tbl[i] ? tbl[i] : "unknown")

struct ctx {
	const char *cmd;
	bool json;
	int family;
	unsigned count;
};

static void nl_sock_freep(struct nl_sock **s)
{
	nl_socket_free(*s);
}

/* The details of reader `id` for a user allowed to see them; -errno if not. */
static int reader_state(uint32_t id, const char *devname, struct cnid_state *st)
{
	char path[64];
	int fd, e = 0;

	memset(st, 0, sizeof(*st));
	if (id >= CNID_SERIAL_ID_BASE) {
		snprintf(path, sizeof(path), "/dev/%s", CNID_CTL_NAME);
		st->reader = id;
	} else {
		snprintf(path, sizeof(path), "/dev/%s", devname);
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, CNID_IOC_STATE, st) < 0)
		e = -errno;
	close(fd);
	return e;
}

static void add_details(json_object *o, const struct cnid_state *st)
{
	json_object_object_add(o, "card_type",
			       json_object_new_string(cnid_card_type_name(st->card_type)));
	json_object_object_add(o, "valid", json_object_new_boolean(st->valid));
	json_object_object_add(o, "expired", json_object_new_boolean(st->expired));
	if (st->expiry)
		json_object_object_add(o, "expiry", json_object_new_int64(st->expiry));
}

static void print_obj(json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	fflush(stdout);
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct ctx *c = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *a[CNID_NL_A_MAX + 1];
	const char *devname = "?";
	uint32_t id, seq = 0;
	struct cnid_state st;
	json_object *o;
	bool details;
	int ev = 0;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, CNID_NL_A_MAX, NULL) < 0 || !a[CNID_NL_A_READER])
		return NL_SKIP;
	id = nla_get_u32(a[CNID_NL_A_READER]);
	if (a[CNID_NL_A_DEVNAME])
		devname = nla_get_string(a[CNID_NL_A_DEVNAME]);
	if (a[CNID_NL_A_SEQ])
		seq = nla_get_u32(a[CNID_NL_A_SEQ]);
	if (a[CNID_NL_A_EVENT])
		ev = nla_get_u8(a[CNID_NL_A_EVENT]);
	o = json_object_new_object();
	json_object_object_add(o, "reader", json_object_new_int64(id));
	if (a[CNID_NL_A_DEVNAME])
		json_object_object_add(o, "devname", json_object_new_string(devname));
	c->count++;
	switch (gh->cmd) {
	case CNID_NL_CMD_READER_ADDED:
	case CNID_NL_CMD_READER_REMOVED:
		json_object_object_add(o, "event", json_object_new_string(
			gh->cmd == CNID_NL_CMD_READER_ADDED ? "reader_added" : "reader_removed"));
		if (a[CNID_NL_A_PORT])
			json_object_object_add(o, "port", json_object_new_string(
				nla_get_string(a[CNID_NL_A_PORT])));
		break;
	case CNID_NL_CMD_CARD_EVENT:
	case CNID_NL_CMD_GET_READER:
		if (gh->cmd == CNID_NL_CMD_CARD_EVENT)
			json_object_object_add(o, "event",
					       json_object_new_string(NAME(event_names, ev)));
		if (a[CNID_NL_A_PORT])
			json_object_object_add(o, "port", json_object_new_string(
				nla_get_string(a[CNID_NL_A_PORT])));
		if (a[CNID_NL_A_SERVED])
			json_object_object_add(o, "served", json_object_new_boolean(
				nla_get_u8(a[CNID_NL_A_SERVED])));
		if (a[CNID_NL_A_CARD_STATE])
			json_object_object_add(o, "card_state", json_object_new_string(
				NAME(card_state_names, nla_get_u8(a[CNID_NL_A_CARD_STATE]))));
		if (a[CNID_NL_A_SAM_STATE])
			json_object_object_add(o, "sam_state", json_object_new_string(
				NAME(sam_names, nla_get_u8(a[CNID_NL_A_SAM_STATE]))));
		if (a[CNID_NL_A_SAM_ID])
			json_object_object_add(o, "sam_id", json_object_new_string(
				nla_get_string(a[CNID_NL_A_SAM_ID])));
		json_object_object_add(o, "seq", json_object_new_int64(seq));
		/* details, for those the reader's node admits, of this very event */
		details = reader_state(id, devname, &st) == 0 && st.seq == seq;
		json_object_object_add(o, "details", json_object_new_boolean(details));
		if (details && (st.card_state == CNID_NL_CARD_STATE_READ ||
				st.event == CNID_NL_EVENT_CARD_READ))
			add_details(o, &st);
		if (details && st.event == CNID_NL_EVENT_READ_FAILED) {
			json_object_object_add(o, "reason", json_object_new_string(
				NAME(reason_names, st.reason)));
			if (st.flags & CNID_STATE_SW3)
				json_object_object_add(o, "sw3", json_object_new_int(st.sw3));
		}
		explicit_bzero(&st, sizeof(st));
		break;
	default:
		json_object_put(o);
		return NL_SKIP;
	}
	if (c->json) {
		print_obj(o);
		return NL_OK;
	}
	/* one line for people: key=value in the JSON's order */
	json_object_object_foreach(o, k, v) {
		printf("%s=%s ", k, json_object_get_string(v));
	}
	putchar('\n');
	fflush(stdout);
	json_object_put(o);
	return NL_OK;
}

static int connect_family(struct ctx *c, struct nl_sock **ret)
{
	struct nl_sock *s = nl_socket_alloc();
	int e;

	if (!s)
		return -ENOMEM;
	e = genl_connect(s);
	if (e == 0)
		e = genl_ctrl_resolve(s, CNID_GENL_NAME);
	if (e < 0) {
		cli_error(c->cmd, "no generic netlink family \"%s\": is cnid.ko loaded? (modprobe "
			  "cnid)", CNID_GENL_NAME);
		nl_socket_free(s);
		return -ENOENT;
	}
	c->family = e;
	*ret = s;
	return 0;
}

static int parse_json_opt(const char *cmd, int argc, char **argv, bool *json)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' }, {}
	};
	int ch;

	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
		if (ch == 'j') {
			*json = true;
		} else if (ch == 'h') {
			printf("Usage: cnid %s [--json]\n%s\n", cmd,
			       !strcmp(cmd, "list") ?
			       "List the readers cnid.ko knows and their state." :
			       "Print each reader and card event as it happens (Ctrl-C ends).\n"
			       "Card details (type, validity) only for readers you may use.");
			return CLI_EXIT_OK;
		} else {
			cli_error(cmd, "unknown option '%s' (see cnid %s --help)", argv[optind - 1],
				  cmd);
			return CLI_EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		cli_error(cmd, "no arguments expected (see cnid %s --help)", cmd);
		return CLI_EXIT_FAILURE;
	}
	return -1;
}

int cmd_list(int argc, char **argv)
{
	__attribute__((cleanup(nl_sock_freep))) struct nl_sock *s = NULL;
	struct ctx c = { .cmd = "list" };
	int e = parse_json_opt("list", argc, argv, &c.json);

	if (e >= 0)
		return e;
	if (connect_family(&c, &s) < 0)
		return CLI_EXIT_FAILURE;
	nl_socket_modify_cb(s, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &c);
	e = genl_send_simple(s, c.family, CNID_NL_CMD_GET_READER, CNID_GENL_VERSION, NLM_F_DUMP);
	if (e >= 0)
		e = nl_recvmsgs_default(s);
	if (e < 0) {
		cli_error("list", "the reader dump failed: %s", nl_geterror(e));
		return CLI_EXIT_FAILURE;
	}
	if (!c.count && !c.json)
		printf("no readers\n");
	return CLI_EXIT_OK;
}

int cmd_watch(int argc, char **argv)
{
	__attribute__((cleanup(nl_sock_freep))) struct nl_sock *s = NULL;
	struct ctx c = { .cmd = "watch" };
	int e = parse_json_opt("watch", argc, argv, &c.json), grp;

	if (e >= 0)
		return e;
	if (connect_family(&c, &s) < 0)
		return CLI_EXIT_FAILURE;
	grp = genl_ctrl_resolve_grp(s, CNID_GENL_NAME, CNID_GENL_MCGRP_EVENTS);
	if (grp < 0 || nl_socket_add_membership(s, grp) < 0) {
		cli_error("watch", "cannot join the \"%s\" group of family \"%s\": %s",
			  CNID_GENL_MCGRP_EVENTS, CNID_GENL_NAME, nl_geterror(grp < 0 ? grp : 0));
		return CLI_EXIT_FAILURE;
	}
	nl_socket_disable_seq_check(s);
	nl_socket_modify_cb(s, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &c);
	for (;;) {
		e = nl_recvmsgs_default(s);
		if (e < 0 && e != -NLE_INTR && e != -NLE_AGAIN && e != -NLE_NOMEM) {
			cli_error("watch", "receiving events failed: %s", nl_geterror(e));
			return CLI_EXIT_FAILURE;
		}
	}
}
