/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the card half of libcnid.  Every input is used
 * twice:
 *   - its first 256 bytes (zero-padded) as a text block: decode, validate,
 *     and check that a decoded card re-encodes to a block that decodes to
 *     the same fields;
 *   - all of it as description text: parse, and for a description that
 *     parses, build both reply frames;
 *   - its first 128 bytes as UTF-16: the unchecked (big buffer) and checked
 *     (exact buffer) conversions agree, and one byte less is -ENOBUFS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cnid-private.h"

static void block(const uint8_t *data, size_t size)
{
	static struct cnid_card card, again;
	static const struct cnid_date today = { 2026, 1, 1 };
	struct cnid_validation v;
	uint8_t raw[CNID_TEXT_LEN] = { 0 }, out[CNID_TEXT_LEN];

	memcpy(raw, data, size < sizeof(raw) ? size : sizeof(raw));
	if (cnid_card_decode(raw, sizeof(raw), &card) != 0)
		abort();
	if (cnid_card_validate(&card, &today, &v) != 0)
		abort();
	if (v.valid != (v.n_errors == 0) || v.n_errors > CNID_MAX_ISSUES ||
	    v.n_warnings > CNID_MAX_ISSUES || strlen(v.previous_number) >= sizeof(v.previous_number))
		abort();
	for (size_t i = 0; i < v.n_errors; i++)
		(void)strlen(cnid_issue_name(v.errors[i].code));

	if (card.type == CNID_CARD_UNKNOWN)
		return;
	/* what decoded must encode again, and decode to the same fields */
	if (cnid_card_encode(&card, out) != 0)
		abort();
	if (cnid_card_decode(out, sizeof(out), &again) != 0 || again.type != card.type ||
	    again.bad_text != 0)
		abort();
	for (int f = 0; f < _CNID_F_MAX; f++)
		if (strcmp(card.field[f], again.field[f]) != 0)
			abort();
}

static void description(const uint8_t *data, size_t size)
{
	static struct cnid_card_desc d;
	static uint8_t frame[CNID_FRAME_MAX];
	char *text = malloc(size + 1);
	unsigned line;

	if (!text)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	if (cnid_card_desc_parse(text, &d, &line) == 0) {
		if (cnid_card_desc_frame(&d, false, frame, sizeof(frame)) <= 0)
			abort();
		if (cnid_card_desc_frame(&d, true, frame, sizeof(frame)) <= 0)
			abort();
	}
	free(text);
}

static void utf16(const uint8_t *data, size_t size)
{
	size_t n = (size < 128 ? size : 128) / 2;
	char big[3 * 64 + 1], exact[3 * 64 + 1];
	int r = cnid_utf16le_to_utf8(data, n, big, sizeof(big)), r2;

	if (r < 0) {
		if (r != -EILSEQ || cnid_utf16le_to_utf8(data, n, exact, 3 * n + 1) != r)
			abort();
		return;
	}
	if (strlen(big) != (size_t)r)
		abort();
	r2 = cnid_utf16le_to_utf8(data, n, exact, (size_t)r + 1);
	if (r2 != r || memcmp(big, exact, (size_t)r + 1) != 0)
		abort();
	if (r > 0 && cnid_utf16le_to_utf8(data, n, exact, (size_t)r) != -ENOBUFS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	block(data, size);
	description(data, size);
	utf16(data, size);
	return 0;
}
