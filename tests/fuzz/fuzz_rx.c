// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Differential libFuzzer target: the kernel module's reply reassembler
 * (kmod/rx.c, the very file cnid.ko is built from, compiled in user space
 * with the stand-in headers of tests/fuzz/kshim/) against libcnid's stream
 * parser (helper/lib/frame.c, response framing) on the same device output.
 *
 * Input: byte 0 mode, byte 1 seed, byte 2 filler length, the rest the
 * device's output S (after the filler, if mode bit 3 asks for one):
 *   bits 0-1  transfers of: all of S at once / 1..7 / 1..64 / 1..600 bytes
 *   bit 2     split mode: S[0..7) comes on the header pipe, the rest on the
 *             body pipe, the two pipes' transfers interleaved at random
 *   bit 3     S starts with byte2 * 23 bytes of generated garbage (often
 *             AA, 96 and 69: partial preambles), to reach the garbage limit
 *
 * What is compared: what both are specified to do.  First, split mode
 * only: more than CNID_WIRE_FRAME_MAX bytes on the body pipe before the
 * header pipe has delivered its 7 are no reply, and the kernel says
 * -EPROTO (its stash holds one frame).  Otherwise: libcnid reads S up to
 * its first event (a verified frame or an error).  The kernel reassembles
 * one reply per transaction: it stops at its first error or once it holds
 * a whole frame, then checks the checksum (cnid_rx_verify()).  With g the
 * bytes libcnid discarded before its first event (or before the end of S):
 *   - g > 2 * CNID_WIRE_FRAME_MAX: the kernel gave up on garbage, -EPROTO
 *     (libcnid has no limit), having discarded more than that, but not more
 *     than g;
 *   otherwise the kernel discarded exactly g bytes and:
 *   - libcnid frame: the kernel holds the same bytes, checksum good;
 *   - libcnid checksum error: the kernel holds the same bytes (same LEN,
 *     same boundary), cnid_rx_verify() says -EBADMSG;
 *   - libcnid LEN too long / too short: the kernel fails with -EMSGSIZE /
 *     -EPROTO after the same 7 header bytes;
 *   - no event (S ended inside a frame or before a preamble; libcnid's
 *     finish would say truncated or no preamble): the kernel has no frame
 *     and no error (the transaction would time out) and holds the same
 *     bytes (have, need).
 * The kernel runs twice on every input: S in one transfer (one per pipe),
 * and chunked as the mode says; both runs must meet the expectation.
 * Besides, the kernel's check of a request written to it,
 * cnid_frame_check(), must accept S exactly when libcnid's exact parse
 * (cnid_request_parse(), and with the reply minimum cnid_response_parse())
 * does.
 *
 * Canaries (make fuzz-canary): -DCNID_FUZZ_PLANT makes kmod/rx.c take
 * LEN one too long when the header ends a transfer; -DCNID_FUZZ_PLANT_UB
 * plants an undefined shift below that only UBSan sees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnid-private.h"
#include "rx.h"

#define GARBAGE_LIMIT (2 * CNID_WIRE_FRAME_MAX)
#define FILLER_UNIT 23

#define CHECK(x, what) do { \
	if (!(x)) { \
		fprintf(stderr, "reassemblers disagree (%s run): %s: %s; kernel: ret %d " \
			"have %u need %u garbage %u stash %u\n", what, #x, expect_str(&e), \
			ret, rx->have, rx->need, rx->garbage, rx->stash_len); \
		abort(); \
	} \
} while (0)

enum kind { FRAME, ERROR, NONE };

/* libcnid's first event, and what it implies for the kernel */
struct expect {
	enum kind kind;
	int err;             /* ERROR: -EBADMSG, -EMSGSIZE or -EPROTO */
	size_t len;          /* FRAME, EBADMSG: frame length; LEN errors: LEN */
	size_t have, need;   /* NONE */
	uint64_t garbage;
	const uint8_t *buf;  /* the parser's buffer */
};

static const char *expect_str(const struct expect *e)
{
	static char s[160];

	snprintf(s, sizeof(s), "libcnid: %s err %d len %zu have %zu need %zu garbage %llu",
		 e->kind == FRAME ? "frame" : e->kind == ERROR ? "error" : "no event", e->err,
		 e->len, e->have, e->need, (unsigned long long)e->garbage);
	return s;
}

#ifdef CNID_FUZZ_PLANT_UB
volatile int ub_sink;
#endif

static uint32_t next(uint32_t *rng)
{
	*rng ^= *rng << 13;
	*rng ^= *rng >> 17;
	*rng ^= *rng << 5;
	return *rng;
}

static struct expect libcnid_run(struct cnid_parser *p, const uint8_t *s, size_t n)
{
	struct expect e = { .kind = NONE };
	size_t used = 0;
	int r;

	cnid_parser_init(p);
	r = cnid_parser_feed(p, s, n, &used);
	e.garbage = p->garbage;
	e.buf = p->buf;
	if (r == 1) {
		e.kind = FRAME;
		e.len = p->need;
	} else if (r < 0) {
		e.kind = ERROR;
		e.err = r;
		e.len = r == -EBADMSG ? (size_t)p->err_len + CNID_HDR_LEN : p->err_len;
	} else {
		e.have = p->have;
		e.need = p->need;
	}
	return e;
}

/*
 * Deliver S the way the device would, in transfers of 1..max_chunk bytes
 * (0: each pipe's share at once); returns cnid_rx_take()'s first error or 0.
 */
static int kernel_run(struct cnid_rx *rx, const uint8_t *s, size_t n, bool split,
		      unsigned int max_chunk, uint32_t rng, bool *overflow)
{
	size_t early = 0; /* body pipe bytes before the header pipe's 7 */

	size_t hdr_end = split ? (n < CNID_WIRE_HDR_LEN ? n : CNID_WIRE_HDR_LEN) : 0;
	size_t off[2] = { 0, hdr_end }, end[2] = { hdr_end, n };

	cnid_rx_reset(rx);
	*overflow = false;
	while (off[0] < end[0] || off[1] < end[1]) {
		/* 0: header pipe, 1: body pipe (single mode: the stream) */
		int pipe = off[0] == end[0] ? 1 : off[1] == end[1] ? 0 :
			   max_chunk ? (int)(next(&rng) >> 7 & 1) : 0;
		size_t chunk = end[pipe] - off[pipe];
		int ret;

		if (max_chunk && chunk > 1 + next(&rng) % max_chunk)
			chunk = 1 + rng % max_chunk;
		if (split && pipe == 1 && off[0] < end[0])
			early += chunk;
		*overflow = early > CNID_WIRE_FRAME_MAX;
		ret = cnid_rx_take(rx, split, pipe == 0, s + off[pipe], (unsigned int)chunk);
		off[pipe] += chunk;
		if (ret)
			return ret;
		if (rx->need && rx->have >= rx->need)
			break;
	}
	return 0;
}

static void compare(const struct expect e, const struct cnid_rx *rx, int ret, bool overflow,
		    const char *what)
{
	bool complete = rx->need && rx->have >= rx->need;

	CHECK(rx->have <= sizeof(rx->buf) && rx->stash_len <= sizeof(rx->stash), what);
	if (overflow) {
		/* split: more than a frame on the body pipe before the header pipe's 7 */
		CHECK(ret == -EPROTO && !complete, what);
		return;
	}
#ifdef CNID_FUZZ_PLANT_UB
	/* canary only: a signed shift overflow when LEN_H >= 0x80, which only UBSan sees */
	if (rx->have >= CNID_HDR_LEN)
		ub_sink = rx->buf[5] << 24;
#endif
	if (e.garbage > GARBAGE_LIMIT) {
		CHECK(ret == -EPROTO, what);
		CHECK(rx->garbage > GARBAGE_LIMIT && rx->garbage <= e.garbage, what);
		CHECK(rx->have < CNID_PREAMBLE_LEN, what);
		return;
	}
	CHECK(rx->garbage == e.garbage, what);
	switch (e.kind) {
	case FRAME:
		CHECK(ret == 0 && complete, what);
		CHECK(rx->need == e.len && !memcmp(rx->buf, e.buf, e.len), what);
		CHECK(cnid_rx_verify(rx) == 0, what);
		break;
	case ERROR:
		if (e.err == -EBADMSG) {
			CHECK(ret == 0 && complete, what);
			CHECK(rx->need == e.len && !memcmp(rx->buf, e.buf, e.len), what);
			CHECK(cnid_rx_verify(rx) == -EBADMSG, what);
		} else {
			CHECK(e.err == -EMSGSIZE || e.err == -EPROTO, what);
			CHECK(ret == e.err, what);
			CHECK(rx->have == CNID_WIRE_HDR_LEN && !memcmp(rx->buf, e.buf, CNID_HDR_LEN),
			      what);
			CHECK((size_t)(rx->buf[5] << 8 | rx->buf[6]) == e.len, what);
		}
		break;
	case NONE:
		CHECK(ret == 0 && !complete, what);
		CHECK(rx->have == e.have && rx->need == e.need, what);
		CHECK(!memcmp(rx->buf, e.buf, e.have), what);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int max_chunk[4] = { 0, 7, 64, 600 };
	static const uint8_t alphabet[8] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x55, 0xAA };
	static uint8_t stream[255 * FILLER_UNIT + 8192];
	static struct cnid_parser p;
	static struct cnid_rx rx;
	uint8_t mode = size > 0 ? data[0] : 0, seed = size > 1 ? data[1] : 0;
	size_t fill = mode & 8 && size > 2 ? (size_t)data[2] * FILLER_UNIT : 0;
	size_t n = size > 3 ? size - 3 : 0;
	uint32_t rng = 0x9E3779B9u ^ (uint32_t)mode << 8 ^ seed;
	bool split = mode & 4, overflow;
	struct cnid_request q;
	struct cnid_response r;
	struct expect e;
	int ret;

	if (n > sizeof(stream) - fill)
		n = sizeof(stream) - fill;
	for (size_t i = 0; i < fill; i++)
		stream[i] = alphabet[next(&rng) >> 9 & 7];
	if (n)
		memcpy(stream + fill, data + 3, n);
	n += fill;

	/* requests: the kernel's check accepts exactly libcnid's well-formed frames */
	if ((cnid_frame_check(stream, (unsigned int)n, CNID_WIRE_REQ_LEN_MIN) == 0) !=
	    (cnid_request_parse(stream, n, &q) == 0) ||
	    (cnid_frame_check(stream, (unsigned int)n, CNID_WIRE_RESP_LEN_MIN) == 0) !=
	    (cnid_response_parse(stream, n, &r) == 0)) {
		fprintf(stderr, "frame checks disagree on %zu bytes\n", n);
		abort();
	}

	e = libcnid_run(&p, stream, n);
	ret = kernel_run(&rx, stream, n, split, 0, rng, &overflow);
	compare(e, &rx, ret, overflow, "one transfer");
	ret = kernel_run(&rx, stream, n, split, max_chunk[mode & 3], rng, &overflow);
	compare(e, &rx, ret, overflow, "chunked");
	return 0;
}
