// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * SAM frames: building, exact parsing and the incremental stream parser.
 *
 *   request : AA AA AA 96 69 | LEN_H LEN_L | CMD | PARA | DATA ... | CHK
 *   response: AA AA AA 96 69 | LEN_H LEN_L | SW1 | SW2 | SW3 | DATA ... | CHK
 *
 * LEN (big-endian) counts every byte after itself, CHK included; CHK is the
 * XOR of LEN_H .. last DATA byte.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cnid-private.h"

const uint8_t cnid_preamble[CNID_PREAMBLE_LEN] = { 0xAA, 0xAA, 0xAA, 0x96, 0x69 };

#define LEN_OFF CNID_PREAMBLE_LEN /* LEN_H; LEN_L follows */
#define REQ_HEAD 2                /* CMD PARA */
#define RESP_HEAD 3               /* SW1 SW2 SW3 */

uint8_t cnid_xor(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	while (n--)
		x ^= *p++;
	return x;
}

static const int frame_errno[_CNID_FRAME_ERROR_MAX] = {
	[CNID_FRAME_OK] = 0,
	[CNID_FRAME_CHECKSUM] = -EBADMSG,
	[CNID_FRAME_TOO_LONG] = -EMSGSIZE,
	[CNID_FRAME_TOO_SHORT] = -EPROTO,
	[CNID_FRAME_TRUNCATED] = -ENODATA,
	[CNID_FRAME_NO_PREAMBLE] = -ENOMSG,
};

int cnid_frame_error_to_errno(enum cnid_frame_error e)
{
	if ((unsigned)e >= _CNID_FRAME_ERROR_MAX)
		return -EINVAL;
	return frame_errno[e];
}

static inline uint16_t get_len(const uint8_t *frame)
{
	return (uint16_t)(frame[LEN_OFF] << 8 | frame[LEN_OFF + 1]);
}

/* The one place LEN bounds are enforced (parser and exact parse). */
static enum cnid_frame_error len_check(uint16_t len, size_t min_len)
{
	if (len > CNID_LEN_MAX)
		return CNID_FRAME_TOO_LONG;
	if (len < min_len)
		return CNID_FRAME_TOO_SHORT;
	return CNID_FRAME_OK;
}

static inline uint8_t frame_chk_computed(const uint8_t *frame, size_t total)
{
	return cnid_xor(frame + LEN_OFF, total - LEN_OFF - 1);
}

/* ------------------------------------------------------------------ */
/* Incremental parser                                                  */
/* ------------------------------------------------------------------ */
/*
 * buf[0..have) holds the frame being assembled.  After a rejected frame,
 * buf[replay_off..+replay_len) holds its bytes that may start the next
 * frame; feed() runs them through the parser again before new input.
 * Replayed bytes are read at or after the position they are written to,
 * so the parser can assemble a frame in place from its own buffer.
 */

static void parser_restart(struct cnid_parser *p)
{
	p->have = 0;
	p->need = 0;
	p->skipped = 0;
}

static void parser_init_min(struct cnid_parser *p, size_t min_len)
{
	/* buf is not cleared: only buf[0..have) and the replay range are read */
	parser_restart(p);
	p->min_len = min_len;
	p->garbage = 0;
	p->resyncs = 0;
	p->replay_off = 0;
	p->replay_len = 0;
	p->error = CNID_FRAME_OK;
	p->err_len = 0;
	p->err_got = 0;
	p->err_computed = 0;
}

void cnid_parser_init(struct cnid_parser *p)
{
	parser_init_min(p, CNID_RESP_LEN_MIN);
}

void cnid_parser_init_request(struct cnid_parser *p)
{
	parser_init_min(p, CNID_REQ_LEN_MIN);
}

static void discard(struct cnid_parser *p, size_t n)
{
	if (n && !p->skipped)
		p->resyncs++;
	p->skipped += n;
	p->garbage += n;
}

/*
 * Longest j <= k such that the preamble's first j-1 bytes end the k already
 * matched ones and preamble[j-1] == b (KMP fallback; handles AA AA AA AA 96 69).
 */
static size_t preamble_fallback(size_t k, uint8_t b)
{
	for (size_t j = k; j > 0; j--)
		if (cnid_preamble[j - 1] == b &&
		    !memcmp(cnid_preamble, cnid_preamble + k - j + 1, j - 1))
			return j;
	return 0;
}

/* One byte while looking for the preamble (p->have < CNID_PREAMBLE_LEN). */
static void hunt_byte(struct cnid_parser *p, uint8_t b)
{
	size_t k = p->have, j;

	if (b == cnid_preamble[k]) {
		p->buf[p->have++] = b;
		return;
	}
	j = preamble_fallback(k, b);
	discard(p, k + 1 - j);
	p->have = j; /* buf[0..j) already holds preamble[0..j) */
}

/* First offset >= 1 in b[0..n) where a preamble, or at the end a prefix of one, starts. */
static size_t resync_point(const uint8_t *b, size_t n)
{
	for (size_t c = 1; c < n; c++) {
		size_t k = n - c < CNID_PREAMBLE_LEN ? n - c : CNID_PREAMBLE_LEN;

		if (!memcmp(b + c, cnid_preamble, k))
			return c;
	}
	return n;
}

/* Reject the frame in buf[0..have): keep what may start the next one for replay. */
static int parser_fail(struct cnid_parser *p, enum cnid_frame_error e)
{
	size_t c = resync_point(p->buf, p->have);

	p->replay_off = c;
	p->replay_len = p->have - c;
	p->error = e;
	parser_restart(p);
	return cnid_frame_error_to_errno(e);
}

/* Header complete: bound LEN. */
static int parser_header(struct cnid_parser *p)
{
	uint16_t len = get_len(p->buf);
	enum cnid_frame_error e = len_check(len, p->min_len);

	if (e != CNID_FRAME_OK) {
		p->err_len = len;
		return parser_fail(p, e);
	}
	p->need = (size_t)len + CNID_HDR_LEN;
	return 0;
}

static int parser_body_done(struct cnid_parser *p)
{
	uint8_t got = p->buf[p->need - 1];
	uint8_t computed = frame_chk_computed(p->buf, p->need);

	if (got != computed) {
		p->err_got = got;
		p->err_computed = computed;
		p->err_len = get_len(p->buf);
		return parser_fail(p, CNID_FRAME_CHECKSUM);
	}
	return 1;
}

/* Run bytes through the state machine until a frame or an error. */
static int parser_step(struct cnid_parser *p, const uint8_t *data, size_t len, size_t *ret_used)
{
	size_t i = 0, n;
	int r = 0;

	while (i < len) {
		if (p->have == 0) {
			const uint8_t *aa = memchr(data + i, cnid_preamble[0], len - i);

			n = aa ? (size_t)(aa - (data + i)) : len - i;
			discard(p, n);
			i += n;
			if (i == len)
				break;
		}
		if (p->have < CNID_PREAMBLE_LEN) {
			hunt_byte(p, data[i++]);
			continue;
		}
		if (p->have < CNID_HDR_LEN) {
			p->buf[p->have++] = data[i++];
			if (p->have == CNID_HDR_LEN) {
				r = parser_header(p);
				if (r < 0)
					break;
			}
			continue;
		}
		n = p->need - p->have;
		if (n > len - i)
			n = len - i;
		memmove(p->buf + p->have, data + i, n); /* may overlap when replaying */
		p->have += n;
		i += n;
		if (p->have == p->need) {
			r = parser_body_done(p);
			break;
		}
	}
	*ret_used = i;
	return r;
}

/* Re-examine kept bytes; returns like feed, consuming no input. */
static int parser_replay(struct cnid_parser *p)
{
	while (p->replay_len) {
		const uint8_t *src = p->buf + p->replay_off;
		size_t len = p->replay_len, used;
		int r;

		p->replay_len = 0;
		r = parser_step(p, src, len, &used);
		if (p->replay_len) {
			/* rejected again: the new keep range precedes the unread rest */
			memmove(p->buf + p->replay_off + p->replay_len, src + used, len - used);
		} else {
			p->replay_off = (size_t)(src + used - p->buf);
		}
		p->replay_len += len - used;
		if (r)
			return r;
	}
	return 0;
}

int cnid_parser_feed(struct cnid_parser *p, const uint8_t *data, size_t len, size_t *ret_used)
{
	size_t used = 0;
	int r;

	if (p->need && p->have == p->need)
		parser_restart(p); /* the previous frame was delivered */
	r = parser_replay(p);
	if (r == 0 && len)
		r = parser_step(p, data, len, &used);
	if (ret_used)
		*ret_used = used;
	return r;
}

int cnid_parser_finish(struct cnid_parser *p)
{
	/* Kept bytes nobody asked to re-examine (feed was not run to 0): garbage. */
	discard(p, p->replay_len);
	p->replay_len = 0;
	if (p->need && p->have == p->need) {
		parser_restart(p);
		return 0;
	}
	if (p->have >= CNID_PREAMBLE_LEN) {
		p->err_len = p->need ? (uint16_t)(p->need - CNID_HDR_LEN) : 0;
		return parser_fail(p, CNID_FRAME_TRUNCATED);
	}
	if (p->have || p->skipped)
		return parser_fail(p, CNID_FRAME_NO_PREAMBLE);
	return 0;
}

const char *cnid_parser_strerror(const struct cnid_parser *p, char *buf, size_t size)
{
	if (!buf || !size)
		return buf;
	switch (p->error) {
	case CNID_FRAME_OK:
		snprintf(buf, size, "no error");
		break;
	case CNID_FRAME_CHECKSUM:
		snprintf(buf, size, "checksum mismatch: got 0x%02X, computed 0x%02X",
			 p->err_got, p->err_computed);
		break;
	case CNID_FRAME_TOO_LONG:
		snprintf(buf, size, "frame too long: LEN %u > %u", p->err_len, CNID_LEN_MAX);
		break;
	case CNID_FRAME_TOO_SHORT:
		snprintf(buf, size, "frame too short: LEN %u < %zu", p->err_len, p->min_len);
		break;
	case CNID_FRAME_TRUNCATED:
		if (p->err_len)
			snprintf(buf, size, "truncated frame: input ended inside a frame of LEN %u",
				 p->err_len);
		else
			snprintf(buf, size, "truncated frame: input ended inside the frame header");
		break;
	case CNID_FRAME_NO_PREAMBLE:
		snprintf(buf, size, "no preamble found (%llu garbage bytes in all)",
			 (unsigned long long)p->garbage);
		break;
	default:
		snprintf(buf, size, "unknown frame error %d", (int)p->error);
		break;
	}
	return buf;
}

/* ------------------------------------------------------------------ */
/* Exact frames                                                        */
/* ------------------------------------------------------------------ */

/* Check one buffer-exact frame; returns LEN or -errno. */
static int frame_check(const uint8_t *frame, size_t len, size_t min_len)
{
	size_t pre = len < CNID_PREAMBLE_LEN ? len : CNID_PREAMBLE_LEN;
	enum cnid_frame_error e;
	uint16_t flen;

	if (!frame || memcmp(frame, cnid_preamble, pre) || len == 0)
		return cnid_frame_error_to_errno(CNID_FRAME_NO_PREAMBLE);
	if (len < CNID_HDR_LEN)
		return cnid_frame_error_to_errno(CNID_FRAME_TRUNCATED);
	flen = get_len(frame);
	e = len_check(flen, min_len);
	if (e != CNID_FRAME_OK)
		return cnid_frame_error_to_errno(e);
	if (len < (size_t)flen + CNID_HDR_LEN)
		return cnid_frame_error_to_errno(CNID_FRAME_TRUNCATED);
	if (len > (size_t)flen + CNID_HDR_LEN)
		return -EBADMSG; /* trailing bytes */
	if (frame[len - 1] != frame_chk_computed(frame, len))
		return cnid_frame_error_to_errno(CNID_FRAME_CHECKSUM);
	return flen;
}

int cnid_request_parse(const uint8_t *frame, size_t len, struct cnid_request *ret)
{
	int flen = frame_check(frame, len, CNID_REQ_LEN_MIN);

	if (flen < 0)
		return flen;
	ret->cmd = frame[CNID_HDR_LEN];
	ret->para = frame[CNID_HDR_LEN + 1];
	ret->data = frame + CNID_HDR_LEN + REQ_HEAD;
	ret->data_len = (size_t)flen - REQ_HEAD - 1;
	return 0;
}

int cnid_response_parse(const uint8_t *frame, size_t len, struct cnid_response *ret)
{
	int flen = frame_check(frame, len, CNID_RESP_LEN_MIN);

	if (flen < 0)
		return flen;
	ret->sw1 = frame[CNID_HDR_LEN];
	ret->sw2 = frame[CNID_HDR_LEN + 1];
	ret->sw3 = frame[CNID_HDR_LEN + 2];
	ret->data = frame + CNID_HDR_LEN + RESP_HEAD;
	ret->data_len = (size_t)flen - RESP_HEAD - 1;
	return 0;
}

/* head: the CMD PARA or SW1 SW2 SW3 bytes. */
static int frame_build(const uint8_t *head, size_t head_len, const uint8_t *data, size_t data_len,
		       uint8_t *out, size_t out_size)
{
	size_t flen, total;

	if (data_len > CNID_LEN_MAX)
		return -EMSGSIZE;
	flen = head_len + data_len + 1;
	if (flen > CNID_LEN_MAX)
		return -EMSGSIZE;
	if (data_len && !data)
		return -EINVAL;
	total = flen + CNID_HDR_LEN;
	if (!out || total > out_size)
		return -ENOBUFS;
	memcpy(out, cnid_preamble, CNID_PREAMBLE_LEN);
	out[LEN_OFF] = (uint8_t)(flen >> 8);
	out[LEN_OFF + 1] = (uint8_t)flen;
	memcpy(out + CNID_HDR_LEN, head, head_len);
	if (data_len)
		memmove(out + CNID_HDR_LEN + head_len, data, data_len);
	out[total - 1] = frame_chk_computed(out, total);
	return (int)total;
}

int cnid_request_build(uint8_t cmd, uint8_t para, const uint8_t *data, size_t data_len,
		       uint8_t *out, size_t out_size)
{
	const uint8_t head[REQ_HEAD] = { cmd, para };

	return frame_build(head, sizeof(head), data, data_len, out, out_size);
}

int cnid_response_build(uint8_t sw1, uint8_t sw2, uint8_t sw3, const uint8_t *data,
			size_t data_len, uint8_t *out, size_t out_size)
{
	const uint8_t head[RESP_HEAD] = { sw1, sw2, sw3 };

	return frame_build(head, sizeof(head), data, data_len, out, out_size);
}
