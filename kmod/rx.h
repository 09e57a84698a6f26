/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cnid: reply reassembly - finding a frame in the reader's byte stream.
 *
 * Pure code: no USB, no locking, no allocation.  Besides cnid.ko,
 * tests/fuzz builds rx.c unchanged in user space (tests/fuzz/kshim/ maps
 * the few kernel names it uses) and fuzzes it against libcnid's parser.
 */
#ifndef CNID_RX_H
#define CNID_RX_H

#include <linux/types.h>

#include "uapi/cnid.h"

#define CNID_PREAMBLE_LEN 5

/* Reply reassembly. */
struct cnid_rx {
	u8 buf[CNID_WIRE_FRAME_MAX];
	unsigned int have;	/* bytes of buf: preamble, LEN, body */
	unsigned int need;	/* frame length once LEN is known, else 0 */
	unsigned int garbage;	/* bytes discarded before the preamble */
	unsigned int trail;	/* bytes that followed the frame (dropped) */
	unsigned int in1;	/* split: bytes from the header pipe */
	bool stream2;		/* split: header pipe done, body pipe follows */
	unsigned int stash_len;
	u8 stash[CNID_WIRE_FRAME_MAX];	/* split: body bytes before the header */
};

int cnid_frame_check(const u8 *frame, unsigned int len, unsigned int min_len);
void cnid_rx_reset(struct cnid_rx *rx);
int cnid_rx_feed(struct cnid_rx *rx, const u8 *p, unsigned int n);
int cnid_rx_take(struct cnid_rx *rx, bool split, bool header_pipe,
		 const u8 *data, unsigned int n);
int cnid_rx_verify(const struct cnid_rx *rx);

#endif /* CNID_RX_H */
