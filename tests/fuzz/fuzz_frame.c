// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libFuzzer target for the frame parser and the reply decoders.
 *
 * Byte 0 selects the mode and seeds the split generator:
 *   bit 0  parse as requests instead of responses
 *   bit 1  structured: the rest describes a stream of garbage, built
 *          responses, built read replies and built requests (so the decoders
 *          see well-formed frames often); otherwise the rest is fed raw.
 * The stream is fed in pseudo-random chunks; every frame the parser yields
 * must parse exactly and is run through every decoder, whose results are
 * checked for consistency (round trips, bounds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnid-private.h"

#define CHECK(x) do { if (!(x)) { fprintf(stderr, "check failed: %s\n", #x); abort(); } } while (0)

struct input {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static void take_bytes(struct input *in, uint8_t *out, size_t n)
{
	size_t k = n < in->n ? n : in->n;

	memcpy(out, in->p, k);
	memset(out + k, 0, n - k);
	in->p += k;
	in->n -= k;
}

static void decode_read(const struct cnid_response *r, bool with_fp)
{
	uint8_t again[CNID_FRAME_MAX];
	struct cnid_fp_header h;
	struct cnid_read rd;
	int n;

	if (cnid_decode_read(r, with_fp, &rd) < 0)
		return;
	CHECK(rd.text + rd.text_len <= r->data + r->data_len);
	CHECK(rd.photo + rd.photo_len <= r->data + r->data_len);
	CHECK(!rd.fp || rd.fp + rd.fp_len == r->data + r->data_len);
	CHECK(!rd.fp_len || with_fp);
	n = cnid_read_encode(rd.text, rd.text_len, rd.photo, rd.photo_len, rd.fp, rd.fp_len, with_fp,
			     again, sizeof(again));
	CHECK(n >= 0 && (size_t)n == r->data_len && !memcmp(again, r->data, r->data_len));
	for (size_t off = 0; rd.fp && off < rd.fp_len; off += CNID_FP_TEMPLATE_LEN)
		if (cnid_fp_header_decode(rd.fp + off, rd.fp_len - off, &h) == 0) {
			CHECK(cnid_fp_finger_name(h.finger) != NULL);
			CHECK(cnid_fp_enrolment_name(h.enrolment) != NULL);
		}
}

static void decode_response(const uint8_t *frame, size_t len)
{
	struct cnid_response r;
	struct cnid_sam_id id;
	uint8_t four[4], eight[8], enc[16];
	char s[CNID_SAM_ID_STRLEN];

	CHECK(cnid_response_parse(frame, len, &r) == 0);
	CHECK(r.data_len + CNID_HDR_LEN + 4 == len);
	CHECK(cnid_status_message(r.sw3) != NULL);
	(void)cnid_decode_sam_status(&r);
	if (cnid_decode_sam_id(&r, &id) == 0) {
		cnid_sam_id_format(&id, s, sizeof(s));
		CHECK(strlen(s) < sizeof(s) - 1);
		cnid_sam_id_encode(&id, enc);
		CHECK(!memcmp(enc, r.data, sizeof(enc)));
	}
	if (cnid_decode_find(&r, four) == 0)
		CHECK(r.sw3 == CNID_SW3_FIND_OK);
	(void)cnid_decode_select(&r, eight);
	decode_read(&r, false);
	decode_read(&r, true);
}

static void decode_request(const uint8_t *frame, size_t len)
{
	struct cnid_request q;
	const struct cnid_command *c;
	uint8_t again[CNID_FRAME_MAX];

	CHECK(cnid_request_parse(frame, len, &q) == 0);
	c = cnid_command_lookup(q.cmd, q.para);
	if (c && c->data_len == q.data_len) {
		int n = cnid_command_build(c->id, q.data, again, sizeof(again));

		CHECK(n >= 0 && (size_t)n == len && !memcmp(again, frame, len));
	}
}

/* Build a stream from a description (structured mode). */
static size_t build_stream(struct input *in, bool requests, uint8_t *out, size_t size)
{
	static uint8_t part[3][CNID_FRAME_MAX];
	uint8_t data[CNID_FRAME_MAX];
	size_t n = 0;

	while (in->n && size - n > CNID_FRAME_MAX + 64) {
		uint8_t op = take(in);
		size_t len = (size_t)(take(in) << 8 | take(in)) % (CNID_LEN_MAX - 3);
		int r = -1;

		switch (op % 4) {
		case 0: /* garbage */
			len %= 64;
			take_bytes(in, out + n, len);
			n += len;
			continue;
		case 1: /* any response / request */
			take_bytes(in, data, len);
			r = requests ? cnid_request_build(op, take(in), data, len, out + n, size - n)
				     : cnid_response_build(0, 0, take(in), data, len, out + n,
							   size - n);
			break;
		case 2: { /* a read reply with fuzzed part lengths */
			bool with_fp = op & 0x80;
			size_t l[3] = { len % 600, take(in) * 8u,
					with_fp ? (op >> 2) % 3 * CNID_FP_TEMPLATE_LEN : 0 };

			for (int i = 0; i < 3; i++)
				take_bytes(in, part[i], l[i]);
			r = cnid_read_encode(part[0], l[0], part[1], l[1], part[2], l[2], with_fp,
					     data, sizeof(data));
			if (r >= 0)
				r = cnid_response_build(0, 0, CNID_SW3_OK, data, (size_t)r, out + n,
							size - n);
			break;
		}
		case 3: /* a table command */
			take_bytes(in, data, 1);
			r = cnid_command_build((enum cnid_cmd_id)(op % _CNID_CMD_MAX), data, out + n,
					       size - n);
			break;
		}
		if (r > 0)
			n += (size_t)r;
	}
	return n;
}

static uint64_t digest(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001B3ull;
	return h;
}

struct outcome {
	uint64_t events;   /* digest of every frame and error, in order */
	uint64_t garbage;
	int finish;
};

/*
 * Parse the stream in chunks (all of it at once when max_chunk is 0),
 * feeding until the parser returns 0 with the input used up (it may return
 * frames or errors from kept bytes with len 0).
 */
static struct outcome run(struct cnid_parser *p, bool requests, const uint8_t *s, size_t n,
			  uint32_t rng, size_t max_chunk, bool decode)
{
	struct outcome o = { 0xCBF29CE484222325ull, 0, 0 };
	size_t off = 0;
	char msg[128];

	if (requests)
		cnid_parser_init_request(p);
	else
		cnid_parser_init(p);
	for (;;) {
		size_t chunk = n - off, used = 0;
		int r;

		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		if (max_chunk && chunk > 1 + rng % max_chunk)
			chunk = 1 + rng % max_chunk;
		r = cnid_parser_feed(p, chunk ? s + off : NULL, chunk, &used);
		CHECK(used <= chunk);
		CHECK(p->have <= sizeof(p->buf));
		CHECK(p->replay_off + p->replay_len <= sizeof(p->buf));
		if (r == 1) {
			CHECK(p->need >= CNID_HDR_LEN && p->need <= CNID_FRAME_MAX && p->have == p->need);
			o.events = digest(o.events, p->buf, p->need);
			if (decode && requests)
				decode_request(p->buf, p->need);
			else if (decode)
				decode_response(p->buf, p->need);
		} else if (r < 0) {
			CHECK(p->error != CNID_FRAME_OK);
			CHECK(cnid_frame_error_to_errno(p->error) == r);
			cnid_parser_strerror(p, msg, sizeof(msg));
			o.events = digest(o.events, msg, strlen(msg));
		} else {
			CHECK(used == chunk);
			CHECK(p->replay_len == 0);
		}
		off += used;
		if (r == 0 && off == n)
			break;
	}
	o.garbage = p->garbage;
	o.finish = cnid_parser_finish(p);
	if (o.finish < 0)
		cnid_parser_strerror(p, msg, sizeof(msg));
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t built[4 * CNID_FRAME_MAX + 4096];
	static struct cnid_parser p;
	struct input in = { data, size };
	uint8_t mode = take(&in);
	bool requests = mode & 1;
	const uint8_t *s = in.p;
	size_t n = in.n;
	struct outcome whole, split;

	if (mode & 2) {
		n = build_stream(&in, requests, built, sizeof(built));
		s = built;
	}
	/* The parser's output must not depend on how the input was split. */
	whole = run(&p, requests, s, n, 0, 0, true);
	split = run(&p, requests, s, n, mode | 0x9E3779B9u, mode & 4 ? 7 : 3000, false);
	CHECK(whole.events == split.events);
	CHECK(whole.garbage == split.garbage);
	CHECK(whole.finish == split.finish);
	return 0;
}
