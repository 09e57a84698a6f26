// SPDX-License-Identifier: GPL-2.0-only
/*
 * cnid: reply reassembly - finding a frame in the reader's byte stream.
 *
 *   AA AA AA 96 69 | LEN_H LEN_L | SW1 SW2 SW3 DATA ... | CHK
 *
 * LEN counts every byte after itself; CHK is the XOR of LEN_H .. the last
 * DATA byte.  Built into cnid.ko and, unchanged, into the user-space
 * differential fuzzer tests/fuzz/fuzz_rx.c.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "rx.h"

static const u8 cnid_preamble[CNID_PREAMBLE_LEN] = { 0xaa, 0xaa, 0xaa, 0x96, 0x69 };

/* Longest preamble prefix that ends the input so far, for each match. */
static const u8 cnid_preamble_fail[CNID_PREAMBLE_LEN] = { 0, 0, 1, 2, 0 };

static u8 cnid_xor(const u8 *p, unsigned int n)
{
	u8 x = 0;

	while (n--)
		x ^= *p++;
	return x;
}

/**
 * cnid_frame_check - is this exactly one well-formed frame?
 * @frame: the bytes
 * @len: their number
 * @min_len: smallest LEN accepted
 *
 * Return: 0, or -EINVAL.
 */
int cnid_frame_check(const u8 *frame, unsigned int len, unsigned int min_len)
{
	unsigned int flen;

	if (len < CNID_WIRE_HDR_LEN + min_len || len > CNID_WIRE_FRAME_MAX)
		return -EINVAL;
	if (memcmp(frame, cnid_preamble, CNID_PREAMBLE_LEN))
		return -EINVAL;
	flen = (frame[5] << 8) | frame[6];
	if (flen != len - CNID_WIRE_HDR_LEN)
		return -EINVAL;
	if (cnid_xor(frame + 5, len - 6) != frame[len - 1])
		return -EINVAL;
	return 0;
}

void cnid_rx_reset(struct cnid_rx *rx)
{
	rx->have = 0;
	rx->need = 0;
	rx->in1 = 0;
	rx->stash_len = 0;
	rx->stream2 = false;
	rx->garbage = 0;
	rx->trail = 0;
}

/*
 * Feed stream bytes: hunt for the preamble, take LEN, then the body up to
 * the frame's end.  Bytes after the frame are dropped and counted in
 * rx->trail (the caller must treat the reader as holding stale input).
 */
int cnid_rx_feed(struct cnid_rx *rx, const u8 *p, unsigned int n)
{
	unsigned int len, take;

	while (n) {
		if (rx->have < CNID_PREAMBLE_LEN) {
			unsigned int m = rx->have;

			while (m && *p != cnid_preamble[m])
				m = cnid_preamble_fail[m];
			if (*p == cnid_preamble[m])
				m++;
			rx->garbage += rx->have + 1 - m;
			rx->have = m;
			if (m == CNID_PREAMBLE_LEN)
				memcpy(rx->buf, cnid_preamble, m);
			if (rx->garbage > 2 * CNID_WIRE_FRAME_MAX)
				return -EPROTO;
			p++;
			n--;
			continue;
		}
		if (rx->have < CNID_WIRE_HDR_LEN) {
			rx->buf[rx->have++] = *p++;
			n--;
			if (rx->have < CNID_WIRE_HDR_LEN)
				continue;
			len = (rx->buf[5] << 8) | rx->buf[6];
			if (len > CNID_WIRE_FRAME_MAX - CNID_WIRE_HDR_LEN)
				return -EMSGSIZE;
			if (len < CNID_WIRE_RESP_LEN_MIN)
				return -EPROTO;
			rx->need = CNID_WIRE_HDR_LEN + len;
#ifdef CNID_FUZZ_PLANT
			/* tests/fuzz canary only: LEN off by one when the header ends a chunk */
			if (!n)
				rx->need++;
#endif
			continue;
		}
		if (rx->have >= rx->need) {
			rx->trail += n;
			break;
		}
		take = min(n, rx->need - rx->have);
		memcpy(rx->buf + rx->have, p, take);
		rx->have += take;
		p += take;
		n -= take;
	}
	return 0;
}

/**
 * cnid_rx_take - take one completed IN transfer into the reassembly
 * @rx: the reassembly
 * @split: split mode (header pipe and body pipe) rather than one stream
 * @header_pipe: split mode: the data came from the header pipe
 * @data: the bytes
 * @n: their number
 *
 * Single mode: one byte stream.  Split mode: the header pipe carries the
 * first 7 bytes of the device's output (normally exactly the header) and
 * the body pipe the rest, so the stream is the header pipe's bytes
 * followed by the body pipe's; body bytes that arrive before the header
 * pipe has delivered its 7 wait in the stash.  More than a frame's worth
 * of them (CNID_WIRE_FRAME_MAX) is no reply: -EPROTO (dropping bytes would
 * splice a frame out of bytes the device never sent together).
 *
 * Return: 0, -EPROTO, or the -errno of cnid_rx_feed().
 */
int cnid_rx_take(struct cnid_rx *rx, bool split, bool header_pipe,
		 const u8 *data, unsigned int n)
{
	int ret;

	if (!split || (!header_pipe && rx->stream2))
		return cnid_rx_feed(rx, data, n);
	if (!header_pipe) {
		/* more than a frame before the header: no reply, and no room */
		if (n > sizeof(rx->stash) - rx->stash_len)
			return -EPROTO;
		memcpy(rx->stash + rx->stash_len, data, n);
		rx->stash_len += n;
		return 0;
	}
	ret = cnid_rx_feed(rx, data, n);
	rx->in1 += n;
	if (ret || rx->stream2 || rx->in1 < CNID_WIRE_HDR_LEN)
		return ret;
	rx->stream2 = true;
	return cnid_rx_feed(rx, rx->stash, rx->stash_len);
}

/**
 * cnid_rx_verify - check the checksum of a complete frame
 * @rx: the reassembly, rx->have >= rx->need > 0
 *
 * Return: 0, or -EBADMSG.
 */
int cnid_rx_verify(const struct cnid_rx *rx)
{
	if (cnid_xor(rx->buf + 5, rx->need - 6) != rx->buf[rx->need - 1])
		return -EBADMSG;
	return 0;
}
