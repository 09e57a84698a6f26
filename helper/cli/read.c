/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnid read [READER] [--json] [--photo FILE] [--fingerprints] [--timeout MS]
 * cnid sam-id [READER] [--timeout MS]
 *
 * Talk to a reader directly, without cnidd: READER is cnidN (/dev/cnidN),
 * a path (/dev/cnid0, a serial line such as /dev/ttyUSB0), or nothing (the
 * first /dev/cnid*).  A read is find -> select -> read; find's 0x80 is not
 * taken as "no card" before select confirms it, because a card read before
 * (by cnidd, say) answers find with 0x80 until it leaves.  On a serial line
 * the tool takes the line's flock(), which cnidd takes for each of its
 * polls, so the two never interleave requests; on /dev/cnidN the module
 * keeps transactions apart.
 * Exit: as cnid decode (0 valid, 1 invalid), 2 on any failure: one line
 * that names the reader, what failed and what to do.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "reader-io.h"

struct read_opts {
	bool json, fingerprints;
	const char *photo;
	int timeout_ms;
	const char *reader;
	char path[256];
	const char *name;       /* for messages: cnid0, ttyUSB0, ... */
};

static int usage(const char *cmd, FILE *f)
{
	if (!strcmp(cmd, "read"))
		fputs("Usage: cnid read [READER] [--json] [--photo FILE] [--fingerprints] [--timeout MS]\n"
		      "Read the card on READER once and print it as `cnid decode` does.\n\n"
		      "  READER          cnidN, a device path (/dev/cnid0, /dev/ttyUSB0);\n"
		      "                  default: the first /dev/cnid*\n"
		      "  --json          one JSON object (cnid decode --json's)\n"
		      "  --photo FILE    write the photo as read (WLT, 1024 bytes) to FILE\n"
		      "  --fingerprints  read with fingerprints (30 10)\n"
		      "  --timeout MS    per command (default 3000)\n\n"
		      "Exit status: 0 valid card, 1 card with validation errors, 2 failure.\n",
		      f);
	else
		fputs("Usage: cnid sam-id [READER] [--timeout MS]\n"
		      "Print the SAM ID of READER (see cnid read --help).\n", f);
	return f == stdout ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int parse(const char *cmd, int argc, char **argv, struct read_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "photo", required_argument, NULL, 'p' },
		{ "fingerprints", no_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool is_read = !strcmp(cmd, "read");
	char *end;
	int c;

	o->timeout_ms = 3000;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'j': case 'p': case 'f':
			if (!is_read) {
				cli_error(cmd, "unknown option '%s' (see cnid %s --help)",
					  argv[optind - 1], cmd);
				return CLI_EXIT_FAILURE;
			}
			if (c == 'j')
				o->json = true;
			else if (c == 'p')
				o->photo = optarg;
			else
				o->fingerprints = true;
			break;
		case 't':
			o->timeout_ms = (int)strtol(optarg, &end, 10);
			if (*end || o->timeout_ms < 10 || o->timeout_ms > 60000) {
				cli_error(cmd, "--timeout: '%s' is not 10..60000 ms", optarg);
				return CLI_EXIT_FAILURE;
			}
			break;
		case 'h':
			return usage(cmd, stdout);
		case ':':
			cli_error(cmd, "%s needs a value (see cnid %s --help)", argv[optind - 1], cmd);
			return CLI_EXIT_FAILURE;
		default:
			cli_error(cmd, "unknown option '%s' (see cnid %s --help)", argv[optind - 1],
				  cmd);
			return CLI_EXIT_FAILURE;
		}
	}
	if (argc - optind > 1) {
		cli_error(cmd, "too many arguments (one READER at most; see cnid %s --help)", cmd);
		return CLI_EXIT_FAILURE;
	}
	o->reader = optind < argc ? argv[optind] : NULL;
	return -1;
}

/* READER -> path and name; -ENOENT when no reader is there at all. */
static int resolve(struct read_opts *o)
{
	glob_t g;
	const char *b;

	if (!o->reader) {
		if (glob("/dev/cnid[0-9]*", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
			globfree(&g);
			return -ENOENT;
		}
		snprintf(o->path, sizeof(o->path), "%s", g.gl_pathv[0]);
		globfree(&g);
	} else if (strchr(o->reader, '/')) {
		snprintf(o->path, sizeof(o->path), "%s", o->reader);
	} else {
		snprintf(o->path, sizeof(o->path), "/dev/%s", o->reader);
	}
	b = strrchr(o->path, '/');
	o->name = b ? b + 1 : o->path;
	return 0;
}

static int open_reader(const char *cmd, struct read_opts *o, struct rio *io)
{
	struct timespec step = { 0, 20 * 1000 * 1000 };
	int e, waited = 0;

	if (resolve(o) < 0) {
		cli_error(cmd, "no reader found: no /dev/cnid* (is one plugged in and cnid.ko "
			  "loaded?); name a serial reader as a path, e.g. cnid %s /dev/ttyUSB0", cmd);
		return -ENOENT;
	}
	e = rio_open(io, o->path);
	if (e == -EACCES || e == -EPERM) {
		cli_error(cmd, "permission denied on %s: add yourself to group cnid, or use the "
			  "active seat", o->path);
		return e;
	}
	if (e == -ENOENT || e == -ENXIO || e == -ENODEV) {
		cli_error(cmd, "no reader %s (%s): is it plugged in? `ls /dev/cnid*` lists the "
			  "readers", o->name, strerror(-e));
		return e;
	}
	if (e < 0) {
		cli_error(cmd, "cannot open %s: %s", o->path, strerror(-e));
		return e;
	}
	if (io->kind == RIO_SERIAL) {
		/* cnidd holds the line only for one poll at a time */
		while ((e = rio_lock(io)) == -EWOULDBLOCK && waited < o->timeout_ms) {
			nanosleep(&step, NULL);
			waited += 20;
		}
		if (e < 0) {
			cli_error(cmd, "%s is busy (another program holds its lock): try again",
				  o->name);
			rio_close(io);
			return e;
		}
	}
	return 0;
}

/* One transaction; the reply in io->reply.  Messages name the reader. */
static int transact(const char *cmd, struct read_opts *o, struct rio *io, enum cnid_cmd_id id,
		    struct cnid_response *resp)
{
	const char *what = cnid_command_get(id)->description;
	int e = rio_transact(io, id, o->timeout_ms);

	if (e == -ETIMEDOUT) {
		cli_error(cmd, "%s did not answer %s within %d ms: check the reader (unplug and "
			  "plug it again) or raise --timeout", o->name, what, o->timeout_ms);
		return e;
	}
	if (rio_gone_error(e)) {
		cli_error(cmd, "%s went away during %s (%s): plug it in again", o->name, what,
			  strerror(-e));
		return e;
	}
	if (e < 0 && e != -EREMOTEIO) {
		cli_error(cmd, "%s: %s failed: %s (a damaged reply: try again; if it persists, "
			  "check the cable)", o->name, what, strerror(-e));
		return e;
	}
	e = cnid_response_parse(io->reply, io->reply_len, resp);
	if (e < 0) {
		cli_error(cmd, "%s: %s: malformed reply (%s)", o->name, what, strerror(-e));
		return e;
	}
	return 0;
}

int cmd_read(int argc, char **argv)
{
	struct read_opts o = {};
	struct cnid_response resp;
	struct cnid_read rd;
	struct cnid_date today;
	struct rio io = { .fd = -1 };
	uint8_t d4[4], serial[8];
	int r;

	r = parse("read", argc, argv, &o);
	if (r >= 0)
		return r;
	if (cli_today(&today) < 0) {
		cli_error("read", "cannot read the system date: %m");
		return CLI_EXIT_FAILURE;
	}
	if (open_reader("read", &o, &io) < 0)
		return CLI_EXIT_FAILURE;
	r = CLI_EXIT_FAILURE;
	if (transact("read", &o, &io, CNID_CMD_FIND, &resp) < 0)
		goto out;
	if (cnid_decode_find(&resp, d4) < 0 && resp.sw3 != CNID_SW3_NO_CARD) {
		cli_error("read", "%s: find card: the SAM answered 0x%02X (%s)", o.name, resp.sw3,
			  cnid_status_message(resp.sw3));
		goto out;
	}
	if (transact("read", &o, &io, CNID_CMD_SELECT, &resp) < 0)
		goto out;
	if (cnid_decode_select(&resp, serial) < 0) {
		cli_error("read", "no card on %s: put a card on the reader", o.name);
		goto out;
	}
	if (transact("read", &o, &io, o.fingerprints ? CNID_CMD_READ_FP : CNID_CMD_READ,
		     &resp) < 0)
		goto out;
	if (cnid_decode_read(&resp, o.fingerprints, &rd) < 0) {
		if (resp.sw3 != CNID_SW3_OK)
			cli_error("read", "%s: the card could not be read: 0x%02X (%s); keep it still "
				  "on the reader and try again", o.name, resp.sw3,
				  cnid_status_message(resp.sw3));
		else
			cli_error("read", "%s: the read reply's lengths do not match: try again",
				  o.name);
		goto out;
	}
	if (o.photo) {
		int fd = open(o.photo, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || write(fd, rd.photo, rd.photo_len) != (ssize_t)rd.photo_len) {
			cli_error("read", "cannot write the photo to %s: %m", o.photo);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		close(fd);
	}
	r = cli_decode_buffer("read", o.name, io.reply, io.reply_len, o.json, false, &today);
out:
	rio_unlock(&io);
	rio_close(&io);
	explicit_bzero(io.reply, sizeof(io.reply));
	return r;
}

int cmd_sam_id(int argc, char **argv)
{
	struct read_opts o = {};
	struct cnid_response resp;
	struct cnid_sam_id id;
	struct rio io = { .fd = -1 };
	char s[CNID_SAM_ID_STRLEN];
	int r;

	r = parse("sam-id", argc, argv, &o);
	if (r >= 0)
		return r;
	if (open_reader("sam-id", &o, &io) < 0)
		return CLI_EXIT_FAILURE;
	r = CLI_EXIT_FAILURE;
	if (transact("sam-id", &o, &io, CNID_CMD_SAM_STATUS, &resp) < 0)
		goto out;
	if (cnid_decode_sam_status(&resp) < 0) {
		cli_error("sam-id", "%s: the SAM reports 0x%02X (%s): the reader needs service",
			  o.name, resp.sw3, cnid_status_message(resp.sw3));
		goto out;
	}
	if (transact("sam-id", &o, &io, CNID_CMD_SAM_ID, &resp) < 0)
		goto out;
	if (cnid_decode_sam_id(&resp, &id) < 0) {
		cli_error("sam-id", "%s: the SAM ID reply is not one (status 0x%02X)", o.name,
			  resp.sw3);
		goto out;
	}
	printf("%s\n", cnid_sam_id_format(&id, s, sizeof(s)));
	r = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
out:
	rio_unlock(&io);
	rio_close(&io);
	return r;
}
