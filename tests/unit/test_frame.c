// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Frames: checksums, building, exact parsing and the incremental parser
 * (garbage, resync, every failure, every split of the input).
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

/* The reply to SAM status, as the reference spells it out. */
static const uint8_t ref_status_reply[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04,
					    0x00, 0x00, 0x90, 0x94 };

/* Deterministic PRNG for fixtures (xorshift32). */
static uint32_t rng_state = 0x12345678;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* A response frame whose data is n bytes counting up from seed. */
static int make_response(uint8_t sw3, size_t n, uint8_t seed, uint8_t *out, size_t out_size)
{
	uint8_t data[CNID_FRAME_MAX];

	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(seed + i);
	return cnid_response_build(0x00, 0x00, sw3, data, n, out, out_size);
}

/* Feed everything, the way a caller must: until feed returns 0 (kept bytes
 * of a rejected frame are re-examined with len 0).  Frames are copied out. */
struct collected {
	uint8_t frames[8][CNID_FRAME_MAX];
	size_t len[8];
	size_t n;
	int errors[8];
	size_t n_errors;
};

static void collect(struct cnid_parser *p, const uint8_t *data, size_t len, struct collected *c)
{
	for (;;) {
		size_t used = 0;
		int r = cnid_parser_feed(p, data, len, &used);

		assert_true(used <= len);
		if (r == 1) {
			assert_true(c->n < ARRAY_SIZE(c->frames));
			memcpy(c->frames[c->n], p->buf, p->need);
			c->len[c->n++] = p->need;
		} else if (r < 0) {
			assert_true(c->n_errors < ARRAY_SIZE(c->errors));
			c->errors[c->n_errors++] = r;
		} else {
			assert_int_equal(used, len);
			return;
		}
		if (used) {
			data += used;
			len -= used;
		}
	}
}

static void test_worked_checksums(void **state)
{
	(void)state;
	assert_int_equal(cnid_xor((const uint8_t[]){ 0x00, 0x03, 0x20, 0x01 }, 4), 0x22);
	assert_int_equal(cnid_xor((const uint8_t[]){ 0x00, 0x03, 0x30, 0x01 }, 4), 0x32);
	assert_int_equal(cnid_xor((const uint8_t[]){ 0x00, 0x03, 0x12, 0xFF }, 4), 0xEE);
	assert_int_equal(cnid_xor((const uint8_t[]){ 0x00, 0x04, 0x61, 0xFF, 0x50 }, 5), 0xCA);
	assert_int_equal(cnid_xor((const uint8_t[]){ 0x00, 0x04, 0x00, 0x00, 0x90 }, 5), 0x94);
	assert_int_equal(cnid_xor(NULL, 0), 0);
}

static void test_build_matches_reference(void **state)
{
	const uint8_t find[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x22 };
	const uint8_t rf[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x61, 0xFF, 0x50, 0xCA };
	uint8_t out[32];

	(void)state;
	assert_memory_equal(cnid_preamble, find, CNID_PREAMBLE_LEN);
	assert_int_equal(cnid_request_build(0x20, 0x01, NULL, 0, out, sizeof(out)), sizeof(find));
	assert_memory_equal(out, find, sizeof(find));
	assert_int_equal(cnid_request_build(0x61, 0xFF, (const uint8_t[]){ 0x50 }, 1, out,
					    sizeof(out)), sizeof(rf));
	assert_memory_equal(out, rf, sizeof(rf));
	assert_int_equal(cnid_response_build(0, 0, 0x90, NULL, 0, out, sizeof(out)),
			 sizeof(ref_status_reply));
	assert_memory_equal(out, ref_status_reply, sizeof(ref_status_reply));
}

static void test_build_errors(void **state)
{
	uint8_t big[CNID_FRAME_MAX + 8] = { 0 };
	uint8_t out[CNID_FRAME_MAX + 8];

	(void)state;
	/* Exactly one byte too small. */
	assert_int_equal(cnid_request_build(0x20, 0x01, NULL, 0, out, 9), -ENOBUFS);
	assert_int_equal(cnid_response_build(0, 0, 0x90, NULL, 0, out, 10), -ENOBUFS);
	/* The largest legitimate frame fits exactly; one data byte more does not. */
	assert_int_equal(cnid_response_build(0, 0, 0x90, big, CNID_LEN_MAX - 4, out,
					     CNID_FRAME_MAX), CNID_FRAME_MAX);
	assert_int_equal(cnid_response_build(0, 0, 0x90, big, CNID_LEN_MAX - 3, out, sizeof(out)),
			 -EMSGSIZE);
	assert_int_equal(cnid_request_build(0x30, 0x01, big, CNID_LEN_MAX - 2, out, sizeof(out)),
			 -EMSGSIZE);
	assert_int_equal(cnid_request_build(0x30, 0x01, big, SIZE_MAX, out, sizeof(out)),
			 -EMSGSIZE);
	assert_int_equal(cnid_request_build(0x30, 0x01, NULL, 3, out, sizeof(out)), -EINVAL);
}

static void test_exact_parse_ok(void **state)
{
	uint8_t out[64];
	struct cnid_request rq;
	struct cnid_response rs;
	int n;

	(void)state;
	n = cnid_request_build(0x61, 0xFF, (const uint8_t[]){ 0x50 }, 1, out, sizeof(out));
	assert_int_equal(cnid_request_parse(out, (size_t)n, &rq), 0);
	assert_int_equal(rq.cmd, 0x61);
	assert_int_equal(rq.para, 0xFF);
	assert_int_equal(rq.data_len, 1);
	assert_int_equal(rq.data[0], 0x50);
	assert_ptr_equal(rq.data, out + 9);

	assert_int_equal(cnid_response_parse(ref_status_reply, sizeof(ref_status_reply), &rs), 0);
	assert_int_equal(rs.sw1, 0);
	assert_int_equal(rs.sw2, 0);
	assert_int_equal(rs.sw3, 0x90);
	assert_int_equal(rs.data_len, 0);

	n = cnid_response_build(0x12, 0x34, 0x9F, (const uint8_t[]){ 1, 2, 3, 4 }, 4, out,
				sizeof(out));
	assert_int_equal(cnid_response_parse(out, (size_t)n, &rs), 0);
	assert_int_equal(rs.sw1, 0x12);
	assert_int_equal(rs.sw2, 0x34);
	assert_int_equal(rs.sw3, 0x9F);
	assert_int_equal(rs.data_len, 4);
	assert_memory_equal(rs.data, ((const uint8_t[]){ 1, 2, 3, 4 }), 4);
}

static void test_exact_parse_failures(void **state)
{
	uint8_t f[CNID_FRAME_MAX + 16];
	struct cnid_response rs;
	struct cnid_request rq;
	int n;

	(void)state;
	n = make_response(0x90, 8, 1, f, sizeof(f));
	/* checksum */
	f[n - 1] ^= 0x01;
	assert_int_equal(cnid_response_parse(f, (size_t)n, &rs), -EBADMSG);
	f[n - 1] ^= 0x01;
	/* truncated: every proper prefix that still holds the preamble */
	for (int cut = 1; cut < n; cut++)
		assert_int_equal(cnid_response_parse(f, (size_t)cut, &rs), -ENODATA);
	/* trailing bytes */
	f[n] = 0;
	assert_int_equal(cnid_response_parse(f, (size_t)n + 1, &rs), -EBADMSG);
	/* no preamble */
	f[3] = 0x97;
	assert_int_equal(cnid_response_parse(f, (size_t)n, &rs), -ENOMSG);
	assert_int_equal(cnid_response_parse(f + 1, (size_t)n - 1, &rs), -ENOMSG);
	assert_int_equal(cnid_response_parse(f, 0, &rs), -ENOMSG);
	f[3] = 0x96;
	/* too long: LEN 4000 */
	f[5] = 4000 >> 8;
	f[6] = 4000 & 0xFF;
	assert_int_equal(cnid_response_parse(f, sizeof(f), &rs), -EMSGSIZE);
	/* too short: LEN 3 is a request minimum but not a response one */
	n = cnid_request_build(0x20, 0x01, NULL, 0, f, sizeof(f));
	assert_int_equal(cnid_request_parse(f, (size_t)n, &rq), 0);
	assert_int_equal(cnid_response_parse(f, (size_t)n, &rs), -EPROTO);
	f[6] = 2;
	assert_int_equal(cnid_request_parse(f, (size_t)n, &rq), -EPROTO);
}

static void test_error_to_errno(void **state)
{
	(void)state;
	assert_int_equal(cnid_frame_error_to_errno(CNID_FRAME_OK), 0);
	assert_int_equal(cnid_frame_error_to_errno(CNID_FRAME_CHECKSUM), -EBADMSG);
	assert_int_equal(cnid_frame_error_to_errno(CNID_FRAME_TOO_LONG), -EMSGSIZE);
	assert_int_equal(cnid_frame_error_to_errno(CNID_FRAME_TOO_SHORT), -EPROTO);
	assert_int_equal(cnid_frame_error_to_errno(CNID_FRAME_TRUNCATED), -ENODATA);
	assert_int_equal(cnid_frame_error_to_errno(CNID_FRAME_NO_PREAMBLE), -ENOMSG);
	assert_int_equal(cnid_frame_error_to_errno(_CNID_FRAME_ERROR_MAX), -EINVAL);
}

static void test_parser_one_feed(void **state)
{
	struct cnid_parser p;
	size_t used = 99;

	(void)state;
	cnid_parser_init(&p);
	assert_int_equal(cnid_parser_feed(&p, ref_status_reply, sizeof(ref_status_reply), &used), 1);
	assert_int_equal(used, sizeof(ref_status_reply));
	assert_int_equal(p.need, sizeof(ref_status_reply));
	assert_memory_equal(p.buf, ref_status_reply, sizeof(ref_status_reply));
	assert_int_equal(p.garbage, 0);
	assert_int_equal(p.resyncs, 0);
	assert_int_equal(cnid_parser_finish(&p), 0);
	/* Empty input is neither a frame nor garbage. */
	assert_int_equal(cnid_parser_feed(&p, NULL, 0, &used), 0);
	assert_int_equal(used, 0);
	assert_int_equal(cnid_parser_finish(&p), 0);
}

static void test_parser_byte_at_a_time(void **state)
{
	uint8_t f[CNID_FRAME_MAX];
	int n = make_response(0x90, CNID_LEN_MAX - 4, 7, f, sizeof(f));
	struct cnid_parser p;
	size_t used;

	(void)state;
	assert_int_equal(n, CNID_FRAME_MAX);
	cnid_parser_init(&p);
	for (int i = 0; i < n; i++) {
		int r = cnid_parser_feed(&p, f + i, 1, &used);

		assert_int_equal(used, 1);
		assert_int_equal(r, i == n - 1 ? 1 : 0);
	}
	assert_int_equal(p.need, (size_t)n);
	assert_memory_equal(p.buf, f, (size_t)n);
}

/* Split a garbage-prefixed frame at every pair of boundaries i <= j. */
static void test_parser_every_split(void **state)
{
	uint8_t in[64];
	size_t g = 3, n;
	struct cnid_parser p;
	uint64_t splits = 0;

	(void)state;
	in[0] = 0x00;
	in[1] = 0xAA; /* a lone preamble byte in the garbage */
	in[2] = 0x96;
	n = g + (size_t)make_response(0x9F, 4, 0x40, in + g, sizeof(in) - g);
	for (size_t i = 0; i <= n; i++) {
		for (size_t j = i; j <= n; j++) {
			struct collected c = { .n = 0 };

			cnid_parser_init(&p);
			collect(&p, in, i, &c);
			collect(&p, in + i, j - i, &c);
			collect(&p, in + j, n - j, &c);
			assert_int_equal(c.n, 1);
			assert_int_equal(c.n_errors, 0);
			assert_int_equal(c.len[0], n - g);
			assert_memory_equal(c.frames[0], in + g, n - g);
			assert_int_equal(p.garbage, g);
			assert_int_equal(p.resyncs, 1);
			assert_int_equal(cnid_parser_finish(&p), 0);
			splits++;
		}
	}
	assert_int_equal(splits, (n + 1) * (n + 2) / 2);
}

static void test_parser_back_to_back(void **state)
{
	uint8_t in[2 * CNID_FRAME_MAX];
	int a = make_response(0x90, 16, 1, in, sizeof(in));
	int b = make_response(0x9F, 4, 2, in + a, sizeof(in) - (size_t)a);
	struct cnid_parser p;
	size_t used;

	(void)state;
	cnid_parser_init(&p);
	assert_int_equal(cnid_parser_feed(&p, in, (size_t)(a + b), &used), 1);
	assert_int_equal(used, (size_t)a);
	assert_memory_equal(p.buf, in, (size_t)a);
	assert_int_equal(cnid_parser_feed(&p, in + used, (size_t)(a + b) - used, &used), 1);
	assert_int_equal(used, (size_t)b);
	assert_int_equal(p.need, (size_t)b);
	assert_memory_equal(p.buf, in + a, (size_t)b);
	assert_int_equal(p.garbage, 0);
	assert_int_equal(cnid_parser_finish(&p), 0);
}

static void test_parser_overlapping_preamble(void **state)
{
	/* AA AA AA AA 96 69: the first AA is garbage, the frame starts at the second. */
	uint8_t in[32] = { 0xAA };
	struct collected c = { .n = 0 };
	struct cnid_parser p;

	(void)state;
	memcpy(in + 1, ref_status_reply, sizeof(ref_status_reply));
	cnid_parser_init(&p);
	collect(&p, in, 1 + sizeof(ref_status_reply), &c);
	assert_int_equal(c.n, 1);
	assert_memory_equal(c.frames[0], ref_status_reply, sizeof(ref_status_reply));
	assert_int_equal(p.garbage, 1);
	assert_int_equal(p.resyncs, 1);

	/* AA AA AA 96 AA AA AA 96 69: a broken preamble directly before a good one. */
	memcpy(in, cnid_preamble, 4);
	memcpy(in + 4, ref_status_reply, sizeof(ref_status_reply));
	memset(&c, 0, sizeof(c));
	cnid_parser_init(&p);
	for (size_t i = 0; i < 4 + sizeof(ref_status_reply); i++)
		collect(&p, in + i, 1, &c);
	assert_int_equal(c.n, 1);
	assert_memory_equal(c.frames[0], ref_status_reply, sizeof(ref_status_reply));
	assert_int_equal(p.garbage, 4);
}

static void test_parser_checksum_error(void **state)
{
	/* The public test program's find-card frame: CHK 21 where 22 is right. */
	const uint8_t bad[] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, 0x20, 0x01, 0x21 };
	uint8_t in[64];
	struct cnid_parser p;
	char msg[128];
	size_t used, n;

	(void)state;
	memcpy(in, bad, sizeof(bad));
	n = sizeof(bad) + (size_t)cnid_request_build(0x20, 0x01, NULL, 0, in + sizeof(bad),
						      sizeof(in) - sizeof(bad));
	cnid_parser_init_request(&p);
	assert_int_equal(cnid_parser_feed(&p, in, n, &used), -EBADMSG);
	assert_int_equal(used, sizeof(bad));
	assert_int_equal(p.error, CNID_FRAME_CHECKSUM);
	assert_string_equal(cnid_parser_strerror(&p, msg, sizeof(msg)),
			    "checksum mismatch: got 0x21, computed 0x22");
	/* The parser reset itself: the good frame right after is found. */
	assert_int_equal(cnid_parser_feed(&p, in + used, n - used, &used), 1);
	assert_int_equal(p.need, sizeof(bad));
	assert_int_equal(p.buf[sizeof(bad) - 1], 0x22);
	assert_int_equal(p.garbage, 0);
}

static void test_parser_too_long(void **state)
{
	uint8_t in[64];
	struct cnid_parser p;
	char msg[128];
	size_t used, n = 0;

	(void)state;
	memcpy(in, cnid_preamble, CNID_PREAMBLE_LEN);
	in[5] = 4000 >> 8;
	in[6] = 4000 & 0xFF;
	in[7] = 0x00; /* a few bytes of the bogus body */
	in[8] = 0x90;
	n = 9;
	memcpy(in + n, ref_status_reply, sizeof(ref_status_reply));
	n += sizeof(ref_status_reply);

	cnid_parser_init(&p);
	assert_int_equal(cnid_parser_feed(&p, in, n, &used), -EMSGSIZE);
	assert_int_equal(used, CNID_HDR_LEN); /* never reads past the bad header */
	assert_string_equal(cnid_parser_strerror(&p, msg, sizeof(msg)),
			    "frame too long: LEN 4000 > 2314");
	assert_int_equal(cnid_parser_feed(&p, in + used, n - used, &used), 1);
	assert_memory_equal(p.buf, ref_status_reply, sizeof(ref_status_reply));
	/* LEN 0F A0 went with the rejected header; 00 90 were skipped as garbage */
	assert_int_equal(p.garbage, 2);
}

static void test_parser_too_long_len_starts_preamble(void **state)
{
	/* AA AA AA 96 69 AA AA | AA 96 69 ...: LEN 0xAAAA is bogus, but its two
	 * bytes begin the real frame's preamble. */
	uint8_t in[64];
	struct collected c = { .n = 0 };
	struct cnid_parser p;

	(void)state;
	memcpy(in, cnid_preamble, CNID_PREAMBLE_LEN);
	memcpy(in + CNID_PREAMBLE_LEN, ref_status_reply, sizeof(ref_status_reply));
	cnid_parser_init(&p);
	collect(&p, in, CNID_PREAMBLE_LEN + sizeof(ref_status_reply), &c);
	assert_int_equal(c.n_errors, 1);
	assert_int_equal(c.errors[0], -EMSGSIZE);
	assert_int_equal(p.err_len, 0xAAAA);
	assert_int_equal(c.n, 1);
	assert_memory_equal(c.frames[0], ref_status_reply, sizeof(ref_status_reply));
}

static void test_parser_max_len(void **state)
{
	uint8_t f[CNID_FRAME_MAX + 1];
	struct cnid_parser p;
	size_t used;
	char msg[128];

	(void)state;
	assert_int_equal(make_response(0x90, CNID_LEN_MAX - 4, 0, f, sizeof(f)), CNID_FRAME_MAX);
	cnid_parser_init(&p);
	assert_int_equal(cnid_parser_feed(&p, f, CNID_FRAME_MAX, &used), 1);
	f[6]++; /* LEN 2315 */
	assert_int_equal(cnid_parser_feed(&p, f, CNID_FRAME_MAX, &used), -EMSGSIZE);
	assert_int_equal(used, CNID_HDR_LEN);
	assert_string_equal(cnid_parser_strerror(&p, msg, sizeof(msg)),
			    "frame too long: LEN 2315 > 2314");
}

static void test_parser_too_short(void **state)
{
	uint8_t in[16];
	struct cnid_parser p;
	char msg[128];
	size_t used;

	(void)state;
	memcpy(in, cnid_preamble, CNID_PREAMBLE_LEN);
	in[5] = 0;
	in[6] = 3;
	cnid_parser_init(&p);
	assert_int_equal(cnid_parser_feed(&p, in, CNID_HDR_LEN, &used), -EPROTO);
	assert_int_equal(p.error, CNID_FRAME_TOO_SHORT);
	assert_string_equal(cnid_parser_strerror(&p, msg, sizeof(msg)),
			    "frame too short: LEN 3 < 4");
	in[6] = 2;
	cnid_parser_init_request(&p);
	assert_int_equal(cnid_parser_feed(&p, in, CNID_HDR_LEN, &used), -EPROTO);
	assert_string_equal(cnid_parser_strerror(&p, msg, sizeof(msg)),
			    "frame too short: LEN 2 < 3");
	in[6] = 3; /* a request minimum is fine for the request parser */
	assert_int_equal(cnid_parser_feed(&p, in, CNID_HDR_LEN, &used), 0);
}

static void test_parser_truncated(void **state)
{
	uint8_t f[64];
	int n = make_response(0x90, 16, 3, f, sizeof(f));
	struct cnid_parser p;
	char msg[128];
	size_t used;

	(void)state;
	for (int cut = CNID_PREAMBLE_LEN; cut < n; cut++) {
		cnid_parser_init(&p);
		assert_int_equal(cnid_parser_feed(&p, f, (size_t)cut, &used), 0);
		assert_int_equal(cnid_parser_finish(&p), -ENODATA);
		assert_int_equal(p.error, CNID_FRAME_TRUNCATED);
		cnid_parser_strerror(&p, msg, sizeof(msg));
		if (cut >= CNID_HDR_LEN)
			assert_string_equal(msg, "truncated frame: input ended inside a frame of LEN 20");
		else
			assert_string_equal(msg, "truncated frame: input ended inside the frame header");
		/* finish reset the parser: a whole frame now parses */
		assert_int_equal(cnid_parser_feed(&p, f, (size_t)n, &used), 1);
	}
}

static void test_parser_no_preamble(void **state)
{
	uint8_t g[300];
	struct cnid_parser p;
	char msg[128];
	size_t used;

	(void)state;
	for (size_t i = 0; i < sizeof(g); i++)
		g[i] = (uint8_t)(i % 3 ? i : 0xAA); /* never three AA in a row */
	cnid_parser_init(&p);
	assert_int_equal(cnid_parser_feed(&p, g, sizeof(g), &used), 0);
	assert_int_equal(used, sizeof(g));
	assert_int_equal(cnid_parser_finish(&p), -ENOMSG);
	assert_int_equal(p.error, CNID_FRAME_NO_PREAMBLE);
	assert_int_equal(p.garbage, sizeof(g));
	assert_string_equal(cnid_parser_strerror(&p, msg, sizeof(msg)),
			    "no preamble found (300 garbage bytes in all)");
	/* A partial preamble alone is still only garbage. */
	assert_int_equal(cnid_parser_feed(&p, cnid_preamble, 4, &used), 0);
	assert_int_equal(cnid_parser_finish(&p), -ENOMSG);
	/* strerror never overruns a small buffer */
	cnid_parser_strerror(&p, msg, 5);
	assert_int_equal(strlen(msg), 4);
}

/* A read reply that lost one byte on the wire, then a status reply: the
 * broken frame swallows the status reply's first byte, fails its checksum,
 * and the status reply is still found in what the parser kept. */
static void test_parser_lost_byte_resync(void **state)
{
	static uint8_t in[2 * CNID_FRAME_MAX];
	struct collected c = { .n = 0 };
	struct cnid_parser p;
	uint8_t data[1284];
	size_t n;
	int a;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i % 0x80); /* no AA, hence no preamble, inside */
	a = cnid_response_build(0, 0, 0x90, data, sizeof(data), in, sizeof(in));
	assert_int_equal(a, 1295);
	memmove(in + 600, in + 601, (size_t)a - 601); /* byte 600 lost */
	n = (size_t)a - 1;
	memcpy(in + n, ref_status_reply, sizeof(ref_status_reply));
	n += sizeof(ref_status_reply);

	for (int byte_at_a_time = 0; byte_at_a_time < 2; byte_at_a_time++) {
		memset(&c, 0, sizeof(c));
		cnid_parser_init(&p);
		if (byte_at_a_time)
			for (size_t i = 0; i < n; i++)
				collect(&p, in + i, 1, &c);
		else
			collect(&p, in, n, &c);
		assert_int_equal(c.n_errors, 1);
		assert_int_equal(c.errors[0], -EBADMSG);
		assert_int_equal(c.n, 1);
		assert_memory_equal(c.frames[0], ref_status_reply, sizeof(ref_status_reply));
		assert_int_equal(cnid_parser_finish(&p), 0);
	}
}

/* A header whose body never came, then a whole frame, then filler up to the
 * claimed length: the frame is found inside the rejected one, with no new
 * input (feed with len 0 returns it). */
static void test_parser_frame_inside_rejected(void **state)
{
	static uint8_t in[2 * CNID_FRAME_MAX];
	struct cnid_parser p;
	size_t n = 0, used = 1;
	int r;

	(void)state;
	memcpy(in, cnid_preamble, CNID_PREAMBLE_LEN);
	in[5] = 1288 >> 8;
	in[6] = 1288 & 0xFF;
	memset(in + 7, 0x11, 23); /* 30 bytes of a broken 30 01 reply */
	n = 30;
	memcpy(in + n, ref_status_reply, sizeof(ref_status_reply));
	n += sizeof(ref_status_reply);
	memset(in + n, 0x00, 1295 - n); /* filler completes the claimed 1295 bytes */
	n = 1295;

	cnid_parser_init(&p);
	r = cnid_parser_feed(&p, in, n, &used);
	assert_int_equal(r, -EBADMSG);
	assert_int_equal(used, n);
	r = cnid_parser_feed(&p, NULL, 0, &used);
	assert_int_equal(r, 1);
	assert_int_equal(used, 0);
	assert_int_equal(p.need, sizeof(ref_status_reply));
	assert_memory_equal(p.buf, ref_status_reply, sizeof(ref_status_reply));
	/* the filler after it is garbage; then nothing is left */
	assert_int_equal(cnid_parser_feed(&p, NULL, 0, &used), 0);
	assert_int_equal(p.skipped, 1295 - 41);
	assert_int_equal(cnid_parser_finish(&p), -ENOMSG);
}

/* Many frames, random garbage (with AA bytes but no preamble), random splits. */
static void test_parser_stream_resync(void **state)
{
	static uint8_t stream[64 * 1024];
	static const int sizes[] = { 0, 4, 16, 8, 1280, 1282, 1794, 2306 };
	struct frame_ref { size_t off, len; } refs[64];
	size_t n = 0, nref = 0, garbage = 0, nframes = 0;
	struct cnid_parser p;

	(void)state;
	while (nref < ARRAY_SIZE(refs)) {
		size_t g = rng() % 40;

		for (size_t i = 0; i < g; i++) {
			uint8_t b = (uint8_t)rng();

			/* No 96 right after an AA run: no preamble inside the garbage. */
			stream[n++] = (b == 0x96 || b == 0x69) ? 0x11 : (rng() % 4 ? b : 0xAA);
		}
		garbage += g;
		refs[nref].off = n;
		refs[nref].len = (size_t)make_response(0x90, (size_t)sizes[rng() % ARRAY_SIZE(sizes)],
						       (uint8_t)rng(), stream + n, sizeof(stream) - n);
		n += refs[nref++].len;
	}
	cnid_parser_init(&p);
	for (size_t off = 0; off < n;) {
		size_t chunk = 1 + rng() % 700, used;
		int r;

		if (chunk > n - off)
			chunk = n - off;
		r = cnid_parser_feed(&p, stream + off, chunk, &used);
		assert_true(r >= 0);
		if (r == 1) {
			assert_true(nframes < nref);
			assert_int_equal(p.need, refs[nframes].len);
			assert_memory_equal(p.buf, stream + refs[nframes].off, p.need);
			nframes++;
		}
		off += used;
	}
	assert_int_equal(nframes, nref);
	assert_int_equal(p.garbage, garbage);
	assert_true(p.resyncs <= nref);
	assert_int_equal(cnid_parser_finish(&p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_checksums),
		cmocka_unit_test(test_build_matches_reference),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_exact_parse_ok),
		cmocka_unit_test(test_exact_parse_failures),
		cmocka_unit_test(test_error_to_errno),
		cmocka_unit_test(test_parser_one_feed),
		cmocka_unit_test(test_parser_byte_at_a_time),
		cmocka_unit_test(test_parser_every_split),
		cmocka_unit_test(test_parser_back_to_back),
		cmocka_unit_test(test_parser_overlapping_preamble),
		cmocka_unit_test(test_parser_checksum_error),
		cmocka_unit_test(test_parser_too_long),
		cmocka_unit_test(test_parser_too_long_len_starts_preamble),
		cmocka_unit_test(test_parser_max_len),
		cmocka_unit_test(test_parser_too_short),
		cmocka_unit_test(test_parser_truncated),
		cmocka_unit_test(test_parser_no_preamble),
		cmocka_unit_test(test_parser_lost_byte_resync),
		cmocka_unit_test(test_parser_frame_inside_rejected),
		cmocka_unit_test(test_parser_stream_resync),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
