// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The SAM command table, the SW3 status table and the reply decoders.
 * Each protocol fact (codes, reply sizes, success statuses, layouts) lives
 * in exactly one table below; the decoders only consult them.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cnid-private.h"

#define REPLY_VARIABLE (-1)

/* A command and what its reply looks like. */
struct command_entry {
	struct cnid_command pub;
	uint8_t ok_sw3;      /* the success status */
	uint8_t absent_sw3;  /* a non-success status with its own errno (-ENOENT), 0 if none */
	int reply_len;       /* data bytes in a success reply, or REPLY_VARIABLE */
};

#define SAM_ID_LEN 16
#define FIND_LEN 4
#define SERIAL_LEN 8

static const struct command_entry commands[_CNID_CMD_MAX] = {
	[CNID_CMD_RESET] = { { CNID_CMD_RESET, 0x10, 0xFF, 0, "reset", "reset the SAM" },
			     CNID_SW3_OK, 0, 0 },
	[CNID_CMD_SAM_STATUS] = { { CNID_CMD_SAM_STATUS, 0x11, 0xFF, 0, "sam_status",
				    "query the SAM status" },
				  CNID_SW3_OK, 0, 0 },
	[CNID_CMD_SAM_ID] = { { CNID_CMD_SAM_ID, 0x12, 0xFF, 0, "sam_id", "read the SAM ID" },
			      CNID_SW3_OK, 0, SAM_ID_LEN },
	[CNID_CMD_FIND] = { { CNID_CMD_FIND, 0x20, 0x01, 0, "find", "find a card in the field" },
			    CNID_SW3_FIND_OK, CNID_SW3_NO_CARD, FIND_LEN },
	[CNID_CMD_SELECT] = { { CNID_CMD_SELECT, 0x20, 0x02, 0, "select",
				"select the card (returns its serial)" },
			      CNID_SW3_OK, 0, SERIAL_LEN },
	[CNID_CMD_READ] = { { CNID_CMD_READ, 0x30, 0x01, 0, "read", "read text and photo" },
			    CNID_SW3_OK, 0, REPLY_VARIABLE },
	[CNID_CMD_READ_FP] = { { CNID_CMD_READ_FP, 0x30, 0x10, 0, "read_fp",
				 "read text, photo and fingerprints" },
			       CNID_SW3_OK, 0, REPLY_VARIABLE },
	/*
	 * UNCONFIRMED: sources disagree whether the appended address is read
	 * with PARA 03 or 02.  03 is the default here; a caller that needs 02
	 * builds the frame with cnid_request_build(0x30, 0x02, ...).  An empty
	 * appended address answers SW3 0x91.  The reply layout is unknown.
	 */
	[CNID_CMD_READ_ADDR] = { { CNID_CMD_READ_ADDR, 0x30, 0x03, 0, "read_address",
				   "read the appended address" },
				 CNID_SW3_OK, 0, REPLY_VARIABLE },
	/* One data byte: the maximum RF frame size (one daemon sends 0x50). */
	[CNID_CMD_SET_RF_MAX] = { { CNID_CMD_SET_RF_MAX, 0x61, 0xFF, 1, "set_rf_max",
				    "set the maximum RF frame size" },
				  CNID_SW3_OK, 0, 0 },
};

const struct cnid_command *cnid_command_get(enum cnid_cmd_id id)
{
	if ((unsigned)id >= _CNID_CMD_MAX)
		return NULL;
	return &commands[id].pub;
}

const struct cnid_command *cnid_command_lookup(uint8_t cmd, uint8_t para)
{
	for (size_t i = 0; i < _CNID_CMD_MAX; i++)
		if (commands[i].pub.cmd == cmd && commands[i].pub.para == para)
			return &commands[i].pub;
	return NULL;
}

const struct cnid_command *cnid_command_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < _CNID_CMD_MAX; i++)
		if (!strcmp(commands[i].pub.name, name))
			return &commands[i].pub;
	return NULL;
}

int cnid_command_build(enum cnid_cmd_id id, const uint8_t *data, uint8_t *out, size_t out_size)
{
	const struct cnid_command *c = cnid_command_get(id);

	if (!c || (c->data_len && !data))
		return -EINVAL;
	return cnid_request_build(c->cmd, c->para, data, c->data_len, out, out_size);
}

/* ------------------------------------------------------------------ */
/* SW3                                                                 */
/* ------------------------------------------------------------------ */

static const struct cnid_status statuses[] = {
	{ 0x90, "ok", "success" },
	{ 0x9F, "find_ok", "card found" },
	{ 0x10, "checksum_error", "checksum error in what the SAM received" },
	{ 0x11, "length_error", "length error in what the SAM received" },
	{ 0x21, "command_error", "command error" },
	{ 0x23, "not_permitted", "operation not permitted" },
	{ 0x24, "unrecognised_error", "unrecognised error" },
	{ 0x31, "card_auth_failed", "card failed to authenticate the SAM" },
	{ 0x32, "sam_auth_failed", "SAM failed to authenticate the card" },
	{ 0x33, "verify_failed", "information verification error" },
	{ 0x40, "unknown_card_type", "unknown card type" },
	{ 0x41, "read_failed", "read failed" },
	{ 0x47, "random_failed", "get-random failed" },
	{ 0x60, "self_test_failed", "SAM self-test failed" },
	{ 0x66, "not_authorised", "SAM not authorised" },
	{ 0x80, "no_card", "no card found" },
	{ 0x81, "select_failed", "select failed" },
	{ 0x91, "no_content", "this item has no content on the card" },
};

#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]))

const struct cnid_status *cnid_status_lookup(uint8_t sw3)
{
	for (size_t i = 0; i < N_STATUSES; i++)
		if (statuses[i].sw3 == sw3)
			return &statuses[i];
	return NULL;
}

const struct cnid_status *cnid_status_at(size_t i)
{
	return i < N_STATUSES ? &statuses[i] : NULL;
}

const char *cnid_status_message(uint8_t sw3)
{
	const struct cnid_status *s = cnid_status_lookup(sw3);

	return s ? s->message : "unknown status";
}

/* ------------------------------------------------------------------ */
/* Reply decoders                                                      */
/* ------------------------------------------------------------------ */

static int reply_check(enum cnid_cmd_id id, const struct cnid_response *r)
{
	const struct command_entry *c = &commands[id];

	if (!r || (r->data_len && !r->data))
		return -EINVAL;
	if (r->sw3 != c->ok_sw3)
		return c->absent_sw3 && r->sw3 == c->absent_sw3 ? -ENOENT : -EREMOTEIO;
	if (c->reply_len != REPLY_VARIABLE && r->data_len != (size_t)c->reply_len)
		return -EBADMSG;
	return 0;
}

int cnid_decode_sam_status(const struct cnid_response *r)
{
	return reply_check(CNID_CMD_SAM_STATUS, r);
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

/* SAM ID layout: u16le, u16le, u32le, u32le, u32le. */
int cnid_decode_sam_id(const struct cnid_response *r, struct cnid_sam_id *ret)
{
	int e = reply_check(CNID_CMD_SAM_ID, r);

	if (e < 0)
		return e;
	ret->part1 = get_le16(r->data);
	ret->part2 = get_le16(r->data + 2);
	ret->part3 = get_le32(r->data + 4);
	ret->part4 = get_le32(r->data + 8);
	ret->part5 = get_le32(r->data + 12);
	return 0;
}

void cnid_sam_id_encode(const struct cnid_sam_id *id, uint8_t out[16])
{
	put_le16(out, id->part1);
	put_le16(out + 2, id->part2);
	put_le32(out + 4, id->part3);
	put_le32(out + 8, id->part4);
	put_le32(out + 12, id->part5);
}

const char *cnid_sam_id_format(const struct cnid_sam_id *id, char *buf, size_t size)
{
	if (buf && size)
		snprintf(buf, size, "%02u.%02u-%08u-%010u-%010u", (unsigned)id->part1,
			 (unsigned)id->part2, (unsigned)id->part3, (unsigned)id->part4,
			 (unsigned)id->part5);
	return buf;
}

int cnid_decode_find(const struct cnid_response *r, uint8_t ret_data[4])
{
	int e = reply_check(CNID_CMD_FIND, r);

	if (e < 0)
		return e;
	memcpy(ret_data, r->data, FIND_LEN);
	return 0;
}

int cnid_decode_select(const struct cnid_response *r, uint8_t ret_serial[8])
{
	int e = reply_check(CNID_CMD_SELECT, r);

	if (e < 0)
		return e;
	memcpy(ret_serial, r->data, SERIAL_LEN);
	return 0;
}

/*
 * Read reply data: big-endian u16 lengths (text, photo[, fingerprint]),
 * then the parts in that order.  The lengths must account for every data
 * byte of the frame, no more and no less.
 */
#define READ_PARTS_MAX 3
#define READ_LEN_FIELD 2

static size_t read_parts(bool with_fp)
{
	return with_fp ? 3 : 2;
}

int cnid_decode_read(const struct cnid_response *r, bool with_fp, struct cnid_read *ret)
{
	size_t n = read_parts(with_fp), hdr = n * READ_LEN_FIELD, len[READ_PARTS_MAX] = { 0 };
	size_t sum = hdr;
	const uint8_t *part;
	int e = reply_check(with_fp ? CNID_CMD_READ_FP : CNID_CMD_READ, r);

	if (e < 0)
		return e;
	if (r->data_len < hdr)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		len[i] = (size_t)(r->data[2 * i] << 8 | r->data[2 * i + 1]);
		sum += len[i];
	}
	if (sum != r->data_len)
		return -EBADMSG;
	/* a fingerprint part holds 0, 1 or 2 whole templates (card-data.md) */
	if (len[2] != 0 && len[2] != CNID_FP_TEMPLATE_LEN && len[2] != CNID_FP_MAX_LEN)
		return -EBADMSG;
	part = r->data + hdr;
	ret->text = part;
	ret->text_len = len[0];
	ret->photo = part + len[0];
	ret->photo_len = len[1];
	ret->fp = len[2] ? part + len[0] + len[1] : NULL;
	ret->fp_len = len[2];
	ret->with_fp = with_fp;
	return 0;
}

int cnid_read_encode(const uint8_t *text, size_t text_len, const uint8_t *photo, size_t photo_len,
		     const uint8_t *fp, size_t fp_len, bool with_fp, uint8_t *out, size_t out_size)
{
	const uint8_t *src[READ_PARTS_MAX] = { text, photo, fp };
	const size_t len[READ_PARTS_MAX] = { text_len, photo_len, fp_len };
	size_t n = read_parts(with_fp), total = n * READ_LEN_FIELD;
	uint8_t *w;

	if (!with_fp && fp_len)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (len[i] && !src[i])
			return -EINVAL;
		if (len[i] > UINT16_MAX)
			return -EMSGSIZE;
		total += len[i];
	}
	if (total > CNID_LEN_MAX - CNID_RESP_LEN_MIN)
		return -EMSGSIZE;
	if (!out || total > out_size)
		return -ENOBUFS;
	w = out + n * READ_LEN_FIELD;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = (uint8_t)(len[i] >> 8);
		out[2 * i + 1] = (uint8_t)len[i];
		if (len[i])
			memcpy(w, src[i], len[i]);
		w += len[i];
	}
	return (int)total;
}

/* ------------------------------------------------------------------ */
/* Fingerprint template headers                                        */
/* ------------------------------------------------------------------ */

#define FP_MAGIC 'C'

int cnid_fp_header_decode(const uint8_t *tmpl, size_t len, struct cnid_fp_header *ret)
{
	if (!tmpl || !len)
		return -ENOENT;
	if (len < CNID_FP_HEADER_LEN || tmpl[0] != FP_MAGIC)
		return -EBADMSG;
	ret->magic = tmpl[0];
	ret->algorithm_version = tmpl[1];
	ret->device_code = tmpl[2];
	ret->developer_code = tmpl[3];
	ret->enrolment = tmpl[4];
	ret->finger = tmpl[5];
	ret->quality = tmpl[6];
	return 0;
}

void cnid_fp_header_encode(const struct cnid_fp_header *h, uint8_t out[CNID_FP_HEADER_LEN])
{
	out[0] = FP_MAGIC;
	out[1] = h->algorithm_version;
	out[2] = h->device_code;
	out[3] = h->developer_code;
	out[4] = h->enrolment;
	out[5] = h->finger;
	out[6] = h->quality;
}

struct code_name {
	uint8_t code;
	const char *name;
};

static const struct code_name fingers[] = {
	{ 0x0B, "right_thumb" }, { 0x0C, "right_index" }, { 0x0D, "right_middle" },
	{ 0x0E, "right_ring" },  { 0x0F, "right_little" }, { 0x10, "left_thumb" },
	{ 0x11, "left_index" },  { 0x12, "left_middle" },  { 0x13, "left_ring" },
	{ 0x14, "left_little" }, { 0x61, "right_uncertain" }, { 0x62, "left_uncertain" },
	{ 0x63, "other_uncertain" },
};

static const struct code_name enrolments[] = {
	{ 0x01, "ok" }, { 0x02, "failed" }, { 0x03, "not_enrolled" }, { 0x09, "unknown" },
};

static const char *code_name(const struct code_name *t, size_t n, uint8_t code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return "unknown";
}

const char *cnid_fp_finger_name(uint8_t finger)
{
	return code_name(fingers, sizeof(fingers) / sizeof(fingers[0]), finger);
}

const char *cnid_fp_enrolment_name(uint8_t enrolment)
{
	return code_name(enrolments, sizeof(enrolments) / sizeof(enrolments[0]), enrolment);
}
