// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Commands, status codes and reply decoders, checked against the worked
 * examples of sam-protocol.md.  Reply fixtures are built by code with
 * cnid_response_build / cnid_read_encode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cnid-private.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Parse a reply built from (sw3, data); the frame lives in out. */
static struct cnid_response reply(uint8_t sw3, const uint8_t *data, size_t n, uint8_t *out,
				  size_t out_size)
{
	struct cnid_response r;
	int len = cnid_response_build(0x00, 0x00, sw3, data, n, out, out_size);

	assert_true(len > 0);
	assert_int_equal(cnid_response_parse(out, (size_t)len, &r), 0);
	return r;
}

/* The request frames of sam-protocol.md's command table, byte for byte. */
static void test_command_frames_match_reference(void **state)
{
	static const struct {
		enum cnid_cmd_id id;
		uint8_t frame[11];
		size_t len;
	} ref[] = {
		{ CNID_CMD_RESET, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x10, 0xFF, 0xEC }, 10 },
		{ CNID_CMD_SAM_STATUS, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x11, 0xFF, 0xED }, 10 },
		{ CNID_CMD_SAM_ID, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x12, 0xFF, 0xEE }, 10 },
		{ CNID_CMD_FIND, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22 }, 10 },
		{ CNID_CMD_SELECT, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x02, 0x21 }, 10 },
		{ CNID_CMD_READ, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x01, 0x32 }, 10 },
		{ CNID_CMD_READ_FP, { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x10, 0x23 }, 10 },
		{ CNID_CMD_SET_RF_MAX,
		  { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x61, 0xFF, 0x50, 0xCA }, 11 },
	};
	uint8_t out[32];
	const uint8_t rf = 0x50;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ref); i++) {
		int n = cnid_command_build(ref[i].id, ref[i].id == CNID_CMD_SET_RF_MAX ? &rf : NULL,
					   out, sizeof(out));

		assert_int_equal(n, ref[i].len);
		assert_memory_equal(out, ref[i].frame, ref[i].len);
	}
}

static void test_command_table(void **state)
{
	uint8_t out[32];
	struct cnid_request rq;

	(void)state;
	for (int id = 0; id < _CNID_CMD_MAX; id++) {
		const struct cnid_command *c = cnid_command_get((enum cnid_cmd_id)id);
		uint8_t data[1] = { 0x50 };
		int n;

		assert_non_null(c);
		assert_int_equal(c->id, id);
		assert_non_null(c->name);
		assert_non_null(c->description);
		assert_true(strlen(c->description) > 0);
		assert_ptr_equal(cnid_command_by_name(c->name), c);
		assert_ptr_equal(cnid_command_lookup(c->cmd, c->para), c);
		/* every table frame parses back to its own entry */
		n = cnid_command_build(c->id, data, out, sizeof(out));
		assert_int_equal(n, CNID_HDR_LEN + 3 + c->data_len);
		assert_int_equal(cnid_request_parse(out, (size_t)n, &rq), 0);
		assert_ptr_equal(cnid_command_lookup(rq.cmd, rq.para), c);
		assert_int_equal(rq.data_len, c->data_len);
	}
	assert_null(cnid_command_get(_CNID_CMD_MAX));
	assert_null(cnid_command_lookup(0x99, 0x99));
	assert_null(cnid_command_by_name("no_such_command"));
	assert_null(cnid_command_by_name(NULL));
	assert_int_equal(cnid_command_build(_CNID_CMD_MAX, NULL, out, sizeof(out)), -EINVAL);
	/* 61 FF carries one data byte: refusing to build it without one */
	assert_int_equal(cnid_command_build(CNID_CMD_SET_RF_MAX, NULL, out, sizeof(out)), -EINVAL);
	assert_int_equal(cnid_command_get(CNID_CMD_SET_RF_MAX)->data_len, 1);
	assert_int_equal(cnid_command_build(CNID_CMD_FIND, NULL, out, 9), -ENOBUFS);
}

static void test_command_appended_address(void **state)
{
	static const uint8_t want[10] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x30, 0x03,
					  0x30 /* 00 ^ 03 ^ 30 ^ 03, by hand */ };
	const struct cnid_command *c = cnid_command_get(CNID_CMD_READ_ADDR);
	uint8_t out[16];

	(void)state;
	assert_int_equal(c->cmd, 0x30);
	assert_int_equal(c->para, 0x03); /* UNCONFIRMED default, see command.c */
	assert_int_equal(cnid_command_build(CNID_CMD_READ_ADDR, NULL, out, sizeof(out)), 10);
	assert_memory_equal(out, want, sizeof(want));
	/* 0x91 means the card has no appended address */
	assert_string_equal(cnid_status_lookup(0x91)->name, "no_content");
}

static void test_status_table(void **state)
{
	static const struct {
		uint8_t sw3;
		const char *message;
	} ref[] = {
		{ 0x90, "success" },
		{ 0x9F, "card found" },
		{ 0x10, "checksum error in what the SAM received" },
		{ 0x11, "length error in what the SAM received" },
		{ 0x21, "command error" },
		{ 0x23, "operation not permitted" },
		{ 0x24, "unrecognised error" },
		{ 0x31, "card failed to authenticate the SAM" },
		{ 0x32, "SAM failed to authenticate the card" },
		{ 0x33, "information verification error" },
		{ 0x40, "unknown card type" },
		{ 0x41, "read failed" },
		{ 0x47, "get-random failed" },
		{ 0x60, "SAM self-test failed" },
		{ 0x66, "SAM not authorised" },
		{ 0x80, "no card found" },
		{ 0x81, "select failed" },
		{ 0x91, "this item has no content on the card" },
	};
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ref); i++) {
		const struct cnid_status *s = cnid_status_lookup(ref[i].sw3);

		assert_non_null(s);
		assert_int_equal(s->sw3, ref[i].sw3);
		assert_string_equal(s->message, ref[i].message);
		assert_string_equal(cnid_status_message(ref[i].sw3), ref[i].message);
	}
	/* iteration: unique codes, unique lowercase machine names */
	for (const struct cnid_status *s; (s = cnid_status_at(n)); n++) {
		for (const char *c = s->name; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_' || (*c >= '0' && *c <= '9'));
		for (size_t j = 0; j < n; j++) {
			assert_int_not_equal(cnid_status_at(j)->sw3, s->sw3);
			assert_string_not_equal(cnid_status_at(j)->name, s->name);
		}
	}
	assert_int_equal(n, ARRAY_SIZE(ref));
	assert_string_equal(cnid_status_lookup(CNID_SW3_NO_CARD)->name, "no_card");
	assert_string_equal(cnid_status_lookup(CNID_SW3_OK)->name, "ok");
	assert_null(cnid_status_lookup(0x55));
	assert_string_equal(cnid_status_message(0x55), "unknown status");
}

static void test_decode_sam_status(void **state)
{
	const uint8_t ref[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x90, 0x94 };
	uint8_t out[32];
	struct cnid_response r;

	(void)state;
	assert_int_equal(cnid_response_parse(ref, sizeof(ref), &r), 0);
	assert_int_equal(cnid_decode_sam_status(&r), 0);
	r = reply(0x60, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_sam_status(&r), -EREMOTEIO);
	r = reply(0x66, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_sam_status(&r), -EREMOTEIO);
	r = reply(0x90, (const uint8_t[]){ 1 }, 1, out, sizeof(out));
	assert_int_equal(cnid_decode_sam_status(&r), -EBADMSG);
	assert_int_equal(cnid_decode_sam_status(NULL), -EINVAL);
}

static void test_decode_sam_id_worked_example(void **state)
{
	const uint8_t data[16] = { 0x05, 0x00, 0x01, 0x00, 0x09, 0xB8, 0x32, 0x01,
				   0x05, 0xBE, 0x12, 0x00, 0xAD, 0xC5, 0xB1, 0x11 };
	uint8_t out[64], enc[16];
	char s[CNID_SAM_ID_STRLEN];
	struct cnid_sam_id id;
	struct cnid_response r = reply(0x90, data, sizeof(data), out, sizeof(out));

	(void)state;
	assert_int_equal(out[CNID_HDR_LEN + 3 + 16], 0x63); /* reply frame CHK */
	assert_int_equal(cnid_decode_sam_id(&r, &id), 0);
	assert_int_equal(id.part1, 5);
	assert_int_equal(id.part2, 1);
	assert_int_equal(id.part3, 20101129);
	assert_int_equal(id.part4, 1228293);
	assert_int_equal(id.part5, 296863149);
	assert_string_equal(cnid_sam_id_format(&id, s, sizeof(s)),
			    "05.01-20101129-0001228293-0296863149");
	cnid_sam_id_encode(&id, enc);
	assert_memory_equal(enc, data, sizeof(data));
	/* the largest values still fit CNID_SAM_ID_STRLEN */
	id = (struct cnid_sam_id){ UINT16_MAX, UINT16_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX };
	cnid_sam_id_format(&id, s, sizeof(s));
	assert_string_equal(s, "65535.65535-4294967295-4294967295-4294967295");
	cnid_sam_id_format(&id, s, 6);
	assert_string_equal(s, "65535");
}

static void test_decode_sam_id_failures(void **state)
{
	uint8_t out[64], data[17] = { 0 };
	struct cnid_sam_id id = { 1, 2, 3, 4, 5 };
	struct cnid_response r;

	(void)state;
	r = reply(0x66, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_sam_id(&r, &id), -EREMOTEIO);
	r = reply(0x90, data, 15, out, sizeof(out));
	assert_int_equal(cnid_decode_sam_id(&r, &id), -EBADMSG);
	r = reply(0x90, data, 17, out, sizeof(out));
	assert_int_equal(cnid_decode_sam_id(&r, &id), -EBADMSG);
	/* untouched on failure */
	assert_int_equal(id.part1, 1);
	assert_int_equal(id.part5, 5);
}

static void test_decode_find(void **state)
{
	uint8_t out[32], got[4] = { 0 };
	const uint8_t data[4] = { 0x00, 0x00, 0x00, 0x00 };
	struct cnid_response r;

	(void)state;
	r = reply(CNID_SW3_FIND_OK, (const uint8_t[]){ 1, 2, 3, 4 }, 4, out, sizeof(out));
	assert_int_equal(cnid_decode_find(&r, got), 0);
	assert_memory_equal(got, ((const uint8_t[]){ 1, 2, 3, 4 }), 4);
	r = reply(CNID_SW3_NO_CARD, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_find(&r, got), -ENOENT);
	r = reply(0x90, data, 4, out, sizeof(out)); /* find succeeds with 9F, not 90 */
	assert_int_equal(cnid_decode_find(&r, got), -EREMOTEIO);
	r = reply(0x24, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_find(&r, got), -EREMOTEIO);
	r = reply(CNID_SW3_FIND_OK, data, 3, out, sizeof(out));
	assert_int_equal(cnid_decode_find(&r, got), -EBADMSG);
}

static void test_decode_select(void **state)
{
	uint8_t out[32], serial[8] = { 0 }, data[9];
	struct cnid_response r;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xA0 + i);
	r = reply(0x90, data, 8, out, sizeof(out));
	assert_int_equal(cnid_decode_select(&r, serial), 0);
	assert_memory_equal(serial, data, 8);
	r = reply(0x81, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_select(&r, serial), -EREMOTEIO);
	r = reply(CNID_SW3_NO_CARD, NULL, 0, out, sizeof(out));
	assert_int_equal(cnid_decode_select(&r, serial), -EREMOTEIO);
	r = reply(0x90, data, 7, out, sizeof(out));
	assert_int_equal(cnid_decode_select(&r, serial), -EBADMSG);
	r = reply(0x90, data, 9, out, sizeof(out));
	assert_int_equal(cnid_decode_select(&r, serial), -EBADMSG);
}

/* Synthetic read parts: each byte says which part and where it is. */
static uint8_t text[CNID_TEXT_LEN], photo[CNID_PHOTO_LEN], fp[CNID_FP_MAX_LEN];

static void fill_parts(void)
{
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)(0x10 + i);
	for (size_t i = 0; i < sizeof(photo); i++)
		photo[i] = (uint8_t)(0x55 ^ i);
	for (size_t i = 0; i < sizeof(fp); i++)
		fp[i] = (uint8_t)(0xC3 + 7 * i);
}

/* Build a complete read reply frame; returns its length. */
static size_t read_frame(size_t fp_len, bool with_fp, uint8_t *out, size_t out_size)
{
	uint8_t data[CNID_FRAME_MAX];
	int n = cnid_read_encode(text, sizeof(text), photo, sizeof(photo), fp, fp_len, with_fp, data,
				 sizeof(data));

	assert_true(n > 0);
	n = cnid_response_build(0x00, 0x00, CNID_SW3_OK, data, (size_t)n, out, out_size);
	assert_true(n > 0);
	return (size_t)n;
}

static void test_decode_read_sizes(void **state)
{
	static const struct {
		bool with_fp;
		size_t fp_len;
		size_t frame_len;
	} cases[] = {
		{ false, 0, 1295 },
		{ true, 0, 1297 },
		{ true, CNID_FP_TEMPLATE_LEN, 1809 },
		{ true, 2 * CNID_FP_TEMPLATE_LEN, 2321 },
	};
	uint8_t f[CNID_FRAME_MAX];

	(void)state;
	fill_parts();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cnid_parser p;
		struct cnid_response r;
		struct cnid_read rd;
		size_t used, n = read_frame(cases[i].fp_len, cases[i].with_fp, f, sizeof(f));

		assert_int_equal(n, cases[i].frame_len);
		/* a stream parser delivers it whole */
		cnid_parser_init(&p);
		assert_int_equal(cnid_parser_feed(&p, f, n, &used), 1);
		assert_int_equal(p.need, n);
		assert_int_equal(cnid_response_parse(p.buf, p.need, &r), 0);
		assert_int_equal(cnid_decode_read(&r, cases[i].with_fp, &rd), 0);
		assert_int_equal(rd.with_fp, cases[i].with_fp);
		assert_int_equal(rd.text_len, CNID_TEXT_LEN);
		assert_memory_equal(rd.text, text, CNID_TEXT_LEN);
		assert_int_equal(rd.photo_len, CNID_PHOTO_LEN);
		assert_memory_equal(rd.photo, photo, CNID_PHOTO_LEN);
		assert_int_equal(rd.fp_len, cases[i].fp_len);
		if (cases[i].fp_len) {
			assert_non_null(rd.fp);
			assert_memory_equal(rd.fp, fp, cases[i].fp_len);
			assert_ptr_equal(rd.fp + rd.fp_len, p.buf + n - 1); /* CHK follows */
		} else {
			assert_null(rd.fp);
		}
	}
}

/* The 30 01 layout as the reference tabulates it. */
static void test_read_layout_30_01(void **state)
{
	uint8_t f[CNID_FRAME_MAX];
	size_t n;

	(void)state;
	fill_parts();
	n = read_frame(0, false, f, sizeof(f));
	assert_int_equal(n, 1295);
	assert_int_equal(f[5], 0x05); /* LEN 1288 */
	assert_int_equal(f[6], 0x08);
	assert_int_equal(f[9], 0x90);
	assert_int_equal(f[10], 0x01); /* text length 256 */
	assert_int_equal(f[11], 0x00);
	assert_int_equal(f[12], 0x04); /* photo length 1024 */
	assert_int_equal(f[13], 0x00);
	assert_memory_equal(f + 14, text, CNID_TEXT_LEN);
	assert_memory_equal(f + 270, photo, CNID_PHOTO_LEN);
	assert_int_equal(f[1294], cnid_xor(f + 5, 1289));
}

static void test_decode_read_failures(void **state)
{
	uint8_t f[CNID_FRAME_MAX], data[CNID_FRAME_MAX];
	struct cnid_response r;
	struct cnid_read rd = { .text_len = 77 };
	size_t n;

	(void)state;
	fill_parts();
	/* a 30 01 reply decoded with the 30 10 layout: the lengths disagree */
	n = read_frame(0, false, f, sizeof(f));
	assert_int_equal(cnid_response_parse(f, n, &r), 0);
	assert_int_equal(cnid_decode_read(&r, true, &rd), -EBADMSG);
	/* and a 30 10 reply with the 30 01 layout */
	n = read_frame(CNID_FP_TEMPLATE_LEN, true, f, sizeof(f));
	assert_int_equal(cnid_response_parse(f, n, &r), 0);
	assert_int_equal(cnid_decode_read(&r, false, &rd), -EBADMSG);

	/* length fields one more / one less than the frame holds */
	for (int delta = -1; delta <= 1; delta += 2) {
		int d = cnid_read_encode(text, sizeof(text), photo, sizeof(photo), NULL, 0, false, data,
					 sizeof(data));

		assert_int_equal(d, 1284);
		data[1] = (uint8_t)(data[1] + delta); /* text length 255 or 257 */
		r = reply(0x90, data, (size_t)d, f, sizeof(f));
		assert_int_equal(cnid_decode_read(&r, false, &rd), -EBADMSG);
	}
	/* fewer data bytes than the length fields themselves */
	r = reply(0x90, data, 3, f, sizeof(f));
	assert_int_equal(cnid_decode_read(&r, false, &rd), -EBADMSG);
	r = reply(0x90, data, 5, f, sizeof(f));
	assert_int_equal(cnid_decode_read(&r, true, &rd), -EBADMSG);
	/* the card-side failures */
	r = reply(0x41, NULL, 0, f, sizeof(f));
	assert_int_equal(cnid_decode_read(&r, false, &rd), -EREMOTEIO);
	r = reply(0x91, NULL, 0, f, sizeof(f));
	assert_int_equal(cnid_decode_read(&r, true, &rd), -EREMOTEIO);
	r = reply(0x33, NULL, 0, f, sizeof(f));
	assert_int_equal(cnid_decode_read(&r, true, &rd), -EREMOTEIO);
	assert_int_equal(rd.text_len, 77); /* untouched on failure */
}

static void test_read_encode_errors(void **state)
{
	uint8_t out[CNID_FRAME_MAX];
	static uint8_t big[CNID_FRAME_MAX];

	(void)state;
	fill_parts();
	assert_int_equal(cnid_read_encode(text, 256, photo, 1024, fp, 512, false, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(cnid_read_encode(NULL, 256, photo, 1024, NULL, 0, false, out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(cnid_read_encode(text, 256, photo, 1024, NULL, 0, false, out, 1283),
			 -ENOBUFS);
	assert_int_equal(cnid_read_encode(text, 256, photo, 1024, NULL, 0, false, out, 1284), 1284);
	/* the largest 30 10 reply is the largest frame; one byte more is too long */
	assert_int_equal(cnid_read_encode(text, 256, photo, 1024, fp, 1024, true, out, sizeof(out)),
			 CNID_LEN_MAX - CNID_RESP_LEN_MIN);
	assert_int_equal(cnid_read_encode(text, 256, photo, 1024, big, 1025, true, out, sizeof(out)),
			 -EMSGSIZE);
	assert_int_equal(cnid_read_encode(big, 70000, NULL, 0, NULL, 0, false, out, sizeof(out)),
			 -EMSGSIZE);
	/* empty parts are fine */
	assert_int_equal(cnid_read_encode(NULL, 0, NULL, 0, NULL, 0, true, out, sizeof(out)), 6);
}

static void test_fp_header(void **state)
{
	uint8_t tmpl[CNID_FP_TEMPLATE_LEN] = { 0 };
	struct cnid_fp_header h = { 0 };

	(void)state;
	/* 'C', algorithm 2, device 3, developer 4, enrolled ok, left index, quality 87 */
	tmpl[0] = 'C';
	tmpl[1] = 2;
	tmpl[2] = 3;
	tmpl[3] = 4;
	tmpl[4] = 0x01;
	tmpl[5] = 0x11;
	tmpl[6] = 87;
	assert_int_equal(cnid_fp_header_decode(tmpl, sizeof(tmpl), &h), 0);
	assert_int_equal(h.magic, 'C');
	assert_int_equal(h.algorithm_version, 2);
	assert_int_equal(h.device_code, 3);
	assert_int_equal(h.developer_code, 4);
	assert_int_equal(h.enrolment, 1);
	assert_int_equal(h.finger, 0x11);
	assert_int_equal(h.quality, 87);
	assert_string_equal(cnid_fp_finger_name(h.finger), "left_index");
	assert_string_equal(cnid_fp_enrolment_name(h.enrolment), "ok");

	assert_int_equal(cnid_fp_header_decode(NULL, 512, &h), -ENOENT);
	assert_int_equal(cnid_fp_header_decode(tmpl, 0, &h), -ENOENT);
	assert_int_equal(cnid_fp_header_decode(tmpl, 6, &h), -EBADMSG);
	tmpl[0] = 'X';
	assert_int_equal(cnid_fp_header_decode(tmpl, sizeof(tmpl), &h), -EBADMSG);

	/* the encoder writes exactly the bytes above, magic included */
	h = (struct cnid_fp_header){ .algorithm_version = 2, .device_code = 3,
				     .developer_code = 4, .enrolment = 1, .finger = 0x11,
				     .quality = 87 };
	tmpl[0] = 'C';
	memset(tmpl + 7, 0xEE, 8);
	{
		uint8_t out[CNID_FP_HEADER_LEN + 8];

		memset(out, 0xEE, sizeof(out));
		cnid_fp_header_encode(&h, out);
		assert_memory_equal(out, tmpl, sizeof(out));
	}
}

/* Review item 9: a fingerprint part holds 0, 1 or 2 whole templates; any
 * other length is a malformed reply, through every entry point. */
static void test_fp_part_lengths(void **state)
{
	static const size_t bad[] = { 1, 7, 100, 511, 513, 1023 };
	uint8_t f[CNID_FRAME_MAX];

	(void)state;
	fill_parts();
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct cnid_response r;
		struct cnid_read rd;
		size_t off, len, n = read_frame(bad[i], true, f, sizeof(f));

		assert_int_equal(cnid_response_parse(f, n, &r), 0);
		assert_int_equal(cnid_decode_read(&r, true, &rd), -EBADMSG);
		assert_int_equal(cnid_read_reply_part(f, n, CNID_PART_FP, &off, &len), -EBADMSG);
	}
	for (size_t fl = 0; fl <= CNID_FP_MAX_LEN; fl += CNID_FP_TEMPLATE_LEN) {
		size_t off, len, n = read_frame(fl, true, f, sizeof(f));

		assert_int_equal(cnid_read_reply_part(f, n, CNID_PART_FP, &off, &len), 0);
		assert_int_equal(len, fl);
		if (fl)
			assert_memory_equal(f + off, fp, fl);
		assert_int_equal(cnid_read_reply_part(f, n, CNID_PART_TEXT, &off, &len), 0);
		assert_int_equal(off, 7 + 3 + 6);     /* header, SW1-3, three lengths */
		assert_int_equal(len, CNID_TEXT_LEN);
		assert_int_equal(cnid_read_reply_part(f, n, CNID_PART_PHOTO, &off, &len), 0);
		assert_int_equal(off, 7 + 3 + 6 + CNID_TEXT_LEN);
		assert_int_equal(cnid_read_reply_part(f, n, _CNID_PART_MAX, &off, &len), -EINVAL);
	}
}

static void test_fp_names(void **state)
{
	static const char *const right[] = { "right_thumb", "right_index", "right_middle",
					     "right_ring", "right_little" };
	static const char *const left[] = { "left_thumb", "left_index", "left_middle", "left_ring",
					    "left_little" };

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		assert_string_equal(cnid_fp_finger_name((uint8_t)(0x0B + i)), right[i]);
		assert_string_equal(cnid_fp_finger_name((uint8_t)(0x10 + i)), left[i]);
	}
	assert_string_equal(cnid_fp_finger_name(0x61), "right_uncertain");
	assert_string_equal(cnid_fp_finger_name(0x62), "left_uncertain");
	assert_string_equal(cnid_fp_finger_name(0x63), "other_uncertain");
	assert_string_equal(cnid_fp_finger_name(0x0A), "unknown");
	assert_string_equal(cnid_fp_finger_name(0x15), "unknown");
	assert_string_equal(cnid_fp_finger_name(0x64), "unknown");
	assert_string_equal(cnid_fp_enrolment_name(0x01), "ok");
	assert_string_equal(cnid_fp_enrolment_name(0x02), "failed");
	assert_string_equal(cnid_fp_enrolment_name(0x03), "not_enrolled");
	assert_string_equal(cnid_fp_enrolment_name(0x09), "unknown");
	assert_string_equal(cnid_fp_enrolment_name(0x04), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command_frames_match_reference),
		cmocka_unit_test(test_command_table),
		cmocka_unit_test(test_command_appended_address),
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_decode_sam_status),
		cmocka_unit_test(test_decode_sam_id_worked_example),
		cmocka_unit_test(test_decode_sam_id_failures),
		cmocka_unit_test(test_decode_find),
		cmocka_unit_test(test_decode_select),
		cmocka_unit_test(test_decode_read_sizes),
		cmocka_unit_test(test_read_layout_30_01),
		cmocka_unit_test(test_decode_read_failures),
		cmocka_unit_test(test_read_encode_errors),
		cmocka_unit_test(test_fp_header),
		cmocka_unit_test(test_fp_part_lengths),
		cmocka_unit_test(test_fp_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
