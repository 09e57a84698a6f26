/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UTF-16LE <-> UTF-8 for the card's text fields, and calendar dates.
 * The UTF-16 decoder itself is in utf16.h, inlined here and in card.c.
 */
#include <errno.h>
#include <string.h>

#include "card-internal.h"
#include "utf16.h"

int cnid_utf16le_to_utf8(const uint8_t *in, size_t nunits, char *out, size_t out_size)
{
	size_t n;
	int r;

	if (out_size == 0)
		return -ENOBUFS;
	n = cnid_utf16_trimmed_len(in, nunits);
	if (n <= (out_size - 1) / 3)
		r = cnid_utf16_convert(in, n, out, out_size, false);
	else
		r = cnid_utf16_convert(in, n, out, out_size, true);
	if (r < 0)
		out[0] = '\0';
	return r;
}

/* Next code point of strict UTF-8 (no overlongs, no surrogates, at most
 * U+10FFFF); advances *p.  -EILSEQ on anything else. */
static int32_t utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	uint32_t c = s[0], min;
	int extra;

	if (c < 0x80) {
		*p = s + 1;
		return (int32_t)c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		extra = 1, min = 0x80, c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		extra = 2, min = 0x800, c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		extra = 3, min = 0x10000, c &= 0x07;
	} else {
		return -EILSEQ;
	}
	for (int i = 1; i <= extra; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -EILSEQ;    /* also stops at the NUL */
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c < 0xe000))
		return -EILSEQ;
	*p = s + 1 + extra;
	return (int32_t)c;
}

static inline void put_unit(uint8_t *out, size_t i, uint32_t u)
{
	out[2 * i] = (uint8_t)u;
	out[2 * i + 1] = (uint8_t)(u >> 8);
}

int cnid_utf8_to_utf16le(const char *in, uint8_t *out, size_t nunits)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t n = 0;

	/* validate and measure first: out is untouched on failure */
	while (*p) {
		int32_t c = utf8_next(&p);

		if (c < 0)
			return -EILSEQ;
		n += c >= 0x10000 ? 2 : 1;
	}
	if (n > nunits)
		return -EMSGSIZE;

	p = (const unsigned char *)in;
	n = 0;
	while (*p) {
		uint32_t c = (uint32_t)utf8_next(&p);

		if (c >= 0x10000) {
			c -= 0x10000;
			put_unit(out, n++, 0xd800 | c >> 10);
			put_unit(out, n++, 0xdc00 | (c & 0x3ff));
		} else {
			put_unit(out, n++, c);
		}
	}
	while (n < nunits)
		put_unit(out, n++, 0x20);
	return 0;
}

/* ------------------------------------------------------------------ */

bool cnid_date_valid(int year, int month, int day)
{
	return cnid_date_valid_inline(year, month, day);
}

/* Value of n ASCII digits, or -1 if one is not a digit (stops at a NUL). */
static inline int digits_value(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return -1;
		v = v * 10 + (int)d;
	}
	return v;
}

static int date_set(int y, int m, int d, struct cnid_date *ret)
{
	if (!cnid_date_valid(y, m, d))
		return -EINVAL;
	ret->year = y;
	ret->month = m;
	ret->day = d;
	return 0;
}

/* Both parsers test each part before reading on: never past a NUL. */
int cnid_date_parse8(const char *s, struct cnid_date *ret)
{
	int y, m, d;

	if ((y = digits_value(s, 4)) < 0 || (m = digits_value(s + 4, 2)) < 0 ||
	    (d = digits_value(s + 6, 2)) < 0 || s[8] != '\0')
		return -EINVAL;
	return date_set(y, m, d, ret);
}

int cnid_date_parse_iso(const char *s, struct cnid_date *ret)
{
	int y, m, d;

	if ((y = digits_value(s, 4)) < 0 || s[4] != '-' || (m = digits_value(s + 5, 2)) < 0 ||
	    s[7] != '-' || (d = digits_value(s + 8, 2)) < 0 || s[10] != '\0')
		return -EINVAL;
	return date_set(y, m, d, ret);
}

int cnid_date_cmp(const struct cnid_date *a, const struct cnid_date *b)
{
	if (a->year != b->year)
		return a->year < b->year ? -1 : 1;
	if (a->month != b->month)
		return a->month < b->month ? -1 : 1;
	if (a->day != b->day)
		return a->day < b->day ? -1 : 1;
	return 0;
}
