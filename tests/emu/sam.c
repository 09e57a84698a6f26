// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reader's behaviour: request frame in, reply frame out, built with
 * libcnid's encoders.  No I/O here except loading card descriptions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "emu.h"

/* The SAM ID of the reference's worked example. */
static const struct cnid_sam_id default_sam_id = {
	.part1 = 5, .part2 = 1, .part3 = 20101129, .part4 = 1228293, .part5 = 296863149,
};

struct delay_profile {
	const char *name;
	unsigned ms[_CNID_CMD_MAX];
};

static const struct delay_profile profiles[] = {
	{ "none", { 0 } },
	{ "realistic", {
		[CNID_CMD_FIND] = 20,
		[CNID_CMD_SELECT] = 20,
		[CNID_CMD_READ] = 600,
		[CNID_CMD_READ_FP] = 600,
	} },
};

void sam_init(struct emu *e)
{
	e->sam_id = default_sam_id;
	e->quirk = true;
	e->fingerprints = true;
	memset(e->find_data, 0, sizeof(e->find_data));
	sam_set_profile(e, "none");
	cnid_parser_init_request(&e->req);
}

int sam_set_profile(struct emu *e, const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		if (strcmp(profiles[i].name, name) == 0) {
			memcpy(e->delay_ms, profiles[i].ms, sizeof(e->delay_ms));
			snprintf(e->profile, sizeof(e->profile), "%s", name);
			return 0;
		}
	}
	return -EINVAL;
}

int sam_set_delay(struct emu *e, const char *cmd, long ms)
{
	if (ms < 0 || ms > 600000)
		return -ERANGE;
	if (strcmp(cmd, "all") == 0) {
		for (int i = 0; i < _CNID_CMD_MAX; i++)
			e->delay_ms[i] = (unsigned)ms;
	} else {
		const struct cnid_command *c = cnid_command_by_name(cmd);

		if (!c)
			return -EINVAL;
		e->delay_ms[c->id] = (unsigned)ms;
	}
	snprintf(e->profile, sizeof(e->profile), "custom");
	return 0;
}

static char *read_text_file(const char *path, int *ret_err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (fd < 0) {
		*ret_err = -errno;
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *n;

			cap = cap ? cap * 2 : 4096;
			if (cap > (1u << 20)) {
				*ret_err = -EFBIG;
				goto fail;
			}
			n = realloc(buf, cap);
			if (!n) {
				*ret_err = -ENOMEM;
				goto fail;
			}
			buf = n;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			*ret_err = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}

int sam_load_card(struct emu *e, const char *path, char *err, size_t errsize)
{
	char full[2 * EMU_PATH_MAX + 2];
	struct cnid_card_desc *d;
	unsigned line = 0;
	int r = 0;
	char *text;

	if (path[0] != '/' && e->cards_dir[0] && access(path, R_OK) != 0)
		snprintf(full, sizeof(full), "%s/%s", e->cards_dir, path);
	else
		snprintf(full, sizeof(full), "%s", path);
	text = read_text_file(full, &r);
	if (!text) {
		snprintf(err, errsize, "%s: %s", full, strerror(-r));
		return r;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		free(text);
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	r = cnid_card_desc_parse(text, d, &line);
	free(text);
	if (r < 0) {
		snprintf(err, errsize, "%s:%u: %s", full, line, strerror(-r));
		free(d);
		return r;
	}
	free(e->card);
	e->card = d;
	snprintf(e->card_path, sizeof(e->card_path), "%s", full);
	/* A card placed on the reader is a fresh arrival. */
	e->present = true;
	e->latched = false;
	e->selected = false;
	return 0;
}

void sam_remove_card(struct emu *e)
{
	e->present = false;
	e->latched = false;
	e->selected = false;
}

/* A stable 8-byte "serial" derived from the card's text block (FNV-1a):
 * the block the description encodes to (a description's card.raw is blank,
 * which gave every card the same serial). */
static void card_serial(const struct cnid_card_desc *d, uint8_t out[8])
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t block[CNID_TEXT_LEN];

	if (cnid_card_encode(&d->card, block) < 0)
		memcpy(block, d->card.raw, sizeof(block));
	for (size_t i = 0; i < sizeof(block); i++) {
		h ^= block[i];
		h *= 0x100000001b3ull;
	}
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

static void reply_status(struct emu_reply *rep, uint8_t sw3, const uint8_t *data, size_t n)
{
	int r = cnid_response_build(0, 0, sw3, data, n, rep->buf, sizeof(rep->buf));

	rep->len = r > 0 ? (size_t)r : 0;
}

static void reply_read(struct emu *e, bool with_fp, struct emu_reply *rep)
{
	const struct cnid_card_desc *d = e->card;
	struct cnid_card_desc *copy = NULL;
	int r;

	if (!e->fingerprints && d->n_fingerprints) {
		copy = malloc(sizeof(*copy));
		if (!copy) {
			reply_status(rep, 0x41, NULL, 0);
			return;
		}
		memcpy(copy, d, sizeof(*copy));
		copy->n_fingerprints = 0;
		d = copy;
	}
	r = cnid_card_desc_frame(d, with_fp, rep->buf, sizeof(rep->buf));
	free(copy);
	if (r < 0) {
		reply_status(rep, 0x41, NULL, 0);
		return;
	}
	rep->len = (size_t)r;
}

void sam_handle_request(struct emu *e, const uint8_t *frame, size_t len, struct emu_reply *rep)
{
	const struct cnid_command *c;
	struct cnid_request req;
	uint8_t data[16];

	rep->len = 0;
	rep->cmd = _CNID_CMD_MAX;
	if (cnid_request_parse(frame, len, &req) < 0) {
		reply_status(rep, 0x11, NULL, 0);
		return;
	}
	c = cnid_command_lookup(req.cmd, req.para);
	if (!c) {
		/* 30 02 is the other candidate PARA for the appended address. */
		if (req.cmd == 0x30 && req.para == 0x02 && req.data_len == 0)
			reply_status(rep, 0x91, NULL, 0);
		else
			reply_status(rep, 0x21, NULL, 0);
		return;
	}
	rep->cmd = c->id;
	if (req.data_len != c->data_len) {
		reply_status(rep, 0x11, NULL, 0);
		return;
	}
	switch (c->id) {
	case CNID_CMD_RESET:
		e->selected = false;
		reply_status(rep, CNID_SW3_OK, NULL, 0);
		break;
	case CNID_CMD_SAM_STATUS:
	case CNID_CMD_SET_RF_MAX:
		reply_status(rep, CNID_SW3_OK, NULL, 0);
		break;
	case CNID_CMD_SAM_ID:
		cnid_sam_id_encode(&e->sam_id, data);
		reply_status(rep, CNID_SW3_OK, data, 16);
		break;
	case CNID_CMD_FIND:
		if (!e->present || !e->card || (e->quirk && e->latched))
			reply_status(rep, CNID_SW3_NO_CARD, NULL, 0);
		else
			reply_status(rep, CNID_SW3_FIND_OK, e->find_data, 4);
		break;
	case CNID_CMD_SELECT:
		if (!e->present || !e->card) {
			reply_status(rep, 0x81, NULL, 0);
			break;
		}
		e->selected = true;
		card_serial(e->card, data);
		reply_status(rep, CNID_SW3_OK, data, 8);
		break;
	case CNID_CMD_READ:
	case CNID_CMD_READ_FP:
		if (!e->present || !e->card) {
			reply_status(rep, 0x41, NULL, 0);
			break;
		}
		reply_read(e, c->id == CNID_CMD_READ_FP, rep);
		if (rep->len > CNID_HDR_LEN + 3 && rep->buf[CNID_HDR_LEN + 2] == CNID_SW3_OK)
			e->latched = true;
		break;
	case CNID_CMD_READ_ADDR:
		if (!e->present || !e->card)
			reply_status(rep, 0x41, NULL, 0);
		else
			reply_status(rep, 0x91, NULL, 0);
		break;
	default:
		reply_status(rep, 0x21, NULL, 0);
		break;
	}
}

void sam_handle_bad_request(struct emu *e, int err, struct emu_reply *rep)
{
	(void)e;
	rep->cmd = _CNID_CMD_MAX;
	/* A bad checksum is 0x10; any LEN problem is 0x11. */
	reply_status(rep, err == -EBADMSG ? 0x10 : 0x11, NULL, 0);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

static const char *const fault_names[_FAULT_MAX] = {
	[FAULT_NONE] = "none",
	[FAULT_CHECKSUM] = "checksum",
	[FAULT_TRUNCATE] = "truncate",
	[FAULT_TOO_LONG] = "toolong",
	[FAULT_GARBAGE] = "garbage",
	[FAULT_STALL] = "stall",
	[FAULT_ENDLESS] = "endless",
	[FAULT_SW3] = "sw3",
	[FAULT_UNPLUG_MID] = "unplug-mid",
	[FAULT_SPLIT] = "split",
	[FAULT_TRAIL] = "trail",
	[FAULT_LENGTH] = "length",
};

const char *fault_name(enum emu_fault_kind k)
{
	return (unsigned)k < _FAULT_MAX ? fault_names[k] : "?";
}

static int parse_num(const char *s, long min, long max, long *ret)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int fault_parse(int argc, char **argv, struct emu_fault *ret, char *err, size_t errsize)
{
	struct emu_fault f = { .arg = -1, .byte = 0x55 };
	long v;
	int k;

	if (argc < 1) {
		snprintf(err, errsize, "fault needs a name");
		return -EINVAL;
	}
	for (k = 0; k < _FAULT_MAX; k++)
		if (strcmp(argv[0], fault_names[k]) == 0)
			break;
	if (k == _FAULT_MAX) {
		snprintf(err, errsize, "unknown fault '%s'", argv[0]);
		return -EINVAL;
	}
	f.kind = (enum emu_fault_kind)k;
	switch (f.kind) {
	case FAULT_SW3:
		if (argc < 2 || parse_num(argv[1], 0, 255, &v) < 0) {
			snprintf(err, errsize, "usage: fault sw3 0xNN [SW1 SW2]");
			return -EINVAL;
		}
		f.arg = v;
		if (argc >= 4) {
			long a, b;

			if (parse_num(argv[2], 0, 255, &a) < 0 || parse_num(argv[3], 0, 255, &b) < 0) {
				snprintf(err, errsize, "bad SW1/SW2");
				return -EINVAL;
			}
			f.sw1 = (uint8_t)a;
			f.sw2 = (uint8_t)b;
		}
		break;
	case FAULT_LENGTH:
		if (argc < 2 || parse_num(argv[1], CNID_HDR_LEN + 4, CNID_FRAME_MAX, &v) < 0) {
			snprintf(err, errsize, "usage: fault length N (%d..%d)", CNID_HDR_LEN + 4,
				 CNID_FRAME_MAX);
			return -EINVAL;
		}
		f.arg = v;
		break;
	case FAULT_GARBAGE:
	case FAULT_TRAIL:
	case FAULT_ENDLESS:
		if (argc >= 2 && f.kind != FAULT_ENDLESS) {
			if (parse_num(argv[1], 1, f.kind == FAULT_TRAIL ? 1024 : 4096, &v) < 0) {
				snprintf(err, errsize, "%s length must be 1..%d", argv[0],
					 f.kind == FAULT_TRAIL ? 1024 : 4096);
				return -EINVAL;
			}
			f.arg = v;
		}
		if (argc >= (f.kind != FAULT_ENDLESS ? 3 : 2)) {
			if (parse_num(argv[f.kind != FAULT_ENDLESS ? 2 : 1], 0, 255, &v) < 0 ||
			    v == 0xAA) {
				snprintf(err, errsize, "fill byte must be 0..255 and not 0xAA");
				return -EINVAL;
			}
			f.byte = (uint8_t)v;
		}
		break;
	case FAULT_TRUNCATE:
	case FAULT_UNPLUG_MID:
	case FAULT_SPLIT:
		if (argc >= 2) {
			if (parse_num(argv[1], f.kind == FAULT_TRUNCATE ? 0 : 1, CNID_FRAME_MAX, &v) < 0) {
				snprintf(err, errsize, "bad byte count '%s'", argv[1]);
				return -EINVAL;
			}
			f.arg = v;
		}
		break;
	case FAULT_TOO_LONG:
		if (argc >= 2) {
			if (parse_num(argv[1], CNID_LEN_MAX + 1, 0xFFFF, &v) < 0) {
				snprintf(err, errsize, "LEN must be %d..65535", CNID_LEN_MAX + 1);
				return -EINVAL;
			}
			f.arg = v;
		}
		break;
	default:
		break;
	}
	*ret = f;
	return 0;
}
