/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * UTF-16LE to UTF-8, inline: private to libcnid (text.c's public
 * cnid_utf16le_to_utf8() and card.c's block decoder, which inlines it).
 *
 * This sits on the hot path of decode+validate (issue 2 budget: 2,000
 * instructions per card).  It trims the padding first, then converts; with
 * SSE2 both look at eight units at a time (padding and printable ASCII
 * being most of a card), CJK runs of eight units are converted together,
 * and the output size is checked once per field rather than once per
 * character when the buffer is big enough ("unchecked": at least 3 bytes
 * per unit + 1).
 */
#ifndef CNID_UTF16_H
#define CNID_UTF16_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(CNID_NO_SIMD)
#include <emmintrin.h>
#define TEXT_SIMD 1
#endif

static inline uint32_t cnid_utf16_unit(const uint8_t *in, size_t i)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint16_t u;

	memcpy(&u, in + 2 * i, sizeof(u));
	return u;
#else
	return (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
#endif
}

static inline bool cnid_utf16_padding(uint32_t c)
{
	return c == 0x20 || c == 0;
}

/* Units left once trailing spaces and NULs are dropped. */
static inline size_t cnid_utf16_trimmed_len(const uint8_t *in, size_t n)
{
#ifdef TEXT_SIMD
	const __m128i space = _mm_set1_epi16(0x20), zero = _mm_setzero_si128();

	while (n >= 8) {      /* eight units at a time from the end */
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + 2 * (n - 8)));
		unsigned pad = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(_mm_cmpeq_epi16(v, space), _mm_cmpeq_epi16(v, zero)));

		if (pad != 0xffff)    /* keep up to the last unit that is not padding */
			return n - 8 + (size_t)(31 - __builtin_clz(~pad & 0xffff)) / 2 + 1;
		n -= 8;
	}
#endif
	while (n > 0 && cnid_utf16_padding(cnid_utf16_unit(in, n - 1)))
		n--;
	return n;
}

/* One character starting at unit *i (two units for a surrogate pair). */
static inline __attribute__((always_inline)) int
cnid_utf16_one(const uint8_t *in, size_t *i, size_t n, char *out, size_t *o, size_t out_size,
	       bool checked)
{
	uint32_t c = cnid_utf16_unit(in, *i), lo;
	size_t w = *o;

	(*i)++;
	if (c < 0x80) {
		/* C0 controls and DEL have no business in a name or an address;
		 * an inner NUL is not padding either */
		if (c < 0x20 || c == 0x7f)
			return -EILSEQ;
		if (checked && w + 1 >= out_size)
			return -ENOBUFS;
		out[w] = (char)c;
		*o = w + 1;
		return 0;
	}
	if (c < 0x800) {
		if (c < 0xa0)                   /* C1 controls */
			return -EILSEQ;
		if (checked && w + 2 >= out_size)
			return -ENOBUFS;
		out[w] = (char)(0xc0 | c >> 6);
		out[w + 1] = (char)(0x80 | (c & 0x3f));
		*o = w + 2;
		return 0;
	}
	if (c - 0xd800 >= 0x800) {              /* the rest of the BMP: CJK etc. */
		uint32_t bytes = (0xe0 | c >> 12) | (0x80 | ((c >> 6) & 0x3f)) << 8 |
				 (0x80 | (c & 0x3f)) << 16;

		if (checked && w + 3 >= out_size)
			return -ENOBUFS;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (!checked) {
			/* one store; the fourth byte is overwritten next.  Room:
			 * w <= 3 * (units before this one), out_size >= 3n + 1 */
			memcpy(out + w, &bytes, sizeof(bytes));
			*o = w + 3;
			return 0;
		}
#endif
		out[w] = (char)bytes;
		out[w + 1] = (char)(bytes >> 8);
		out[w + 2] = (char)(bytes >> 16);
		*o = w + 3;
		return 0;
	}
	/* a surrogate: must be a high one followed by a low one */
	if (c >= 0xdc00 || *i >= n)
		return -EILSEQ;
	lo = cnid_utf16_unit(in, *i);
	if (lo - 0xdc00 >= 0x400)
		return -EILSEQ;
	(*i)++;
	c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
	if (checked && w + 4 >= out_size)
		return -ENOBUFS;
	out[w] = (char)(0xf0 | c >> 18);
	out[w + 1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[w + 2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[w + 3] = (char)(0x80 | (c & 0x3f));
	*o = w + 4;
	return 0;
}

#ifdef TEXT_SIMD
/*
 * Eight units that all take three UTF-8 bytes (U+0800..U+FFFF outside the
 * surrogates: CJK and the like) to 24 bytes at out, in 4-byte stores each
 * overlapping the next, so 25 bytes of room are needed.  false, writing
 * nothing, if any unit is outside that range.
 */
static inline bool cnid_utf16_three_byte8(__m128i v, char *out)
{
	/* unsigned 16-bit compares, as signed ones on v ^ 0x8000 */
	const __m128i flip = _mm_set1_epi16((short)0x8000);
	const __m128i limit = _mm_set1_epi16((short)(0x0800 ^ 0x8000));
	__m128i below = _mm_cmplt_epi16(_mm_xor_si128(v, flip), limit);        /* < U+0800 */
	__m128i surrogate = _mm_cmplt_epi16(
		_mm_xor_si128(_mm_sub_epi16(v, _mm_set1_epi16((short)0xd800)), flip), limit);
	__m128i b0, b1, b2, lo, w;

	if (_mm_movemask_epi8(_mm_or_si128(below, surrogate)))
		return false;
	b0 = _mm_or_si128(_mm_srli_epi16(v, 12), _mm_set1_epi16(0xe0));
	b1 = _mm_or_si128(_mm_and_si128(_mm_srli_epi16(v, 6), _mm_set1_epi16(0x3f)),
			  _mm_set1_epi16(0x80));
	b2 = _mm_or_si128(_mm_and_si128(v, _mm_set1_epi16(0x3f)), _mm_set1_epi16(0x80));
	lo = _mm_or_si128(b0, _mm_slli_epi16(b1, 8));
	for (int half = 0; half < 2; half++) {
		w = half ? _mm_unpackhi_epi16(lo, b2) : _mm_unpacklo_epi16(lo, b2);
		for (int k = 0; k < 4; k++) {
			uint32_t bytes = (uint32_t)_mm_cvtsi128_si32(w);

			memcpy(out + 12 * half + 3 * k, &bytes, sizeof(bytes));
			w = _mm_srli_si128(w, 4);
		}
	}
	return true;
}
#endif

/* The conversion loop, specialised by the compiler for checked (small
 * output buffer) and unchecked (at least 3 bytes per unit + 1) use. */
static inline __attribute__((always_inline)) int
cnid_utf16_convert(const uint8_t *in, size_t n, char *out, size_t out_size, bool checked)
{
	size_t i = 0, o = 0;
	int r;

#ifdef TEXT_SIMD
	const __m128i below = _mm_set1_epi16(0x1f), above = _mm_set1_epi16(0x7f);

	while (i + 8 <= n) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(in + 2 * i));
		__m128i printable = _mm_and_si128(_mm_cmpgt_epi16(v, below),
						  _mm_cmplt_epi16(v, above));

		if (_mm_movemask_epi8(printable) == 0xffff) {
			/* eight printable ASCII units: eight bytes */
			if (checked && o + 8 >= out_size)
				return -ENOBUFS;
			_mm_storel_epi64((__m128i *)(void *)(out + o), _mm_packus_epi16(v, v));
			o += 8;
			i += 8;
			continue;
		}
		if (!checked && cnid_utf16_three_byte8(v, out + o)) {
			o += 24;
			i += 8;
			continue;
		}
		for (size_t end = i + 8; i < end;) {
			r = cnid_utf16_one(in, &i, n, out, &o, out_size, checked);
			if (r < 0)
				return r;
		}
	}
#endif
	while (i < n) {
		r = cnid_utf16_one(in, &i, n, out, &o, out_size, checked);
		if (r < 0)
			return r;
	}
	out[o] = '\0';
	return (int)o;
}

#endif
