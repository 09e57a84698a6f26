/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UTF-16LE <-> UTF-8 for the card's text fields, and calendar dates.
 *
 * The decoder sits on the hot path of decode+validate (issue 2 budget:
 * 2,000 instructions per card), so it trims before converting, converts
 * printable ASCII in one compare, and checks the output size once per call
 * rather than once per character when the buffer is big enough.
 */
#include <errno.h>
#include <string.h>

#include "card-internal.h"

static inline uint32_t unit_at(const uint8_t *in, size_t i)
{
	return (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
}

/* C0, DEL and C1 controls have no business in a name or an address. */
static inline bool is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

/* One conversion loop, specialised by the compiler for checked (small
 * output buffer) and unchecked (at least 3 bytes per unit + 1) use. */
static inline __attribute__((always_inline)) int
utf16_convert(const uint8_t *in, size_t n, char *out, size_t out_size, bool checked)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t c = unit_at(in, i);
		size_t len;

		if (c - 0x20 < 0x5f) {          /* printable ASCII: the common case */
			if (checked && o + 1 >= out_size)
				return -ENOBUFS;
			out[o++] = (char)c;
			continue;
		}
		if (c - 0xd800 < 0x800) {       /* surrogate */
			uint32_t lo;

			if (c >= 0xdc00 || i + 1 >= n)
				return -EILSEQ;
			lo = unit_at(in, i + 1);
			if (lo - 0xdc00 >= 0x400)
				return -EILSEQ;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		} else if (is_control(c)) {
			return -EILSEQ;
		}
		len = c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
		if (checked && o + len >= out_size)
			return -ENOBUFS;
		switch (len) {
		case 2:
			out[o++] = (char)(0xc0 | c >> 6);
			break;
		case 3:
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			break;
		default:
			out[o++] = (char)(0xf0 | c >> 18);
			out[o++] = (char)(0x80 | ((c >> 12) & 0x3f));
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			break;
		}
		out[o++] = (char)(0x80 | (c & 0x3f));
	}
	out[o] = '\0';
	return (int)o;
}

int cnid_utf16le_to_utf8(const uint8_t *in, size_t nunits, char *out, size_t out_size)
{
	size_t n = nunits;
	int r;

	if (out_size == 0)
		return -ENOBUFS;
	while (n > 0) {
		uint32_t c = unit_at(in, n - 1);

		if (c != 0x20 && c != 0)
			break;
		n--;
	}
	if (n <= (out_size - 1) / 3)
		r = utf16_convert(in, n, out, out_size, false);
	else
		r = utf16_convert(in, n, out, out_size, true);
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
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max;

	if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1)
		return false;
	max = mdays[month - 1];
	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		max = 29;
	return day <= max;
}

static int digits_value(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
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

int cnid_date_parse8(const char *s, struct cnid_date *ret)
{
	if (!cnid_all_digits(s, 8) || s[8] != '\0')
		return -EINVAL;
	return date_set(digits_value(s, 4), digits_value(s + 4, 2), digits_value(s + 6, 2), ret);
}

int cnid_date_parse_iso(const char *s, struct cnid_date *ret)
{
	if (!cnid_all_digits(s, 4) || s[4] != '-' || !cnid_all_digits(s + 5, 2) || s[7] != '-' ||
	    !cnid_all_digits(s + 8, 2) || s[10] != '\0')
		return -EINVAL;
	return date_set(digits_value(s, 4), digits_value(s + 5, 2), digits_value(s + 8, 2), ret);
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
