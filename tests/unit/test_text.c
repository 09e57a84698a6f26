/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* UTF-16LE <-> UTF-8 conversion and calendar dates. */
#include <errno.h>
#include <string.h>

#include "helpers/cards.h"

/* Little-endian bytes of the given units. */
static size_t units(uint8_t *out, const uint16_t *u, size_t n)
{
	for (size_t i = 0; i < n; i++)
		t_set_unit(out, 2 * i, u[i]);
	return n;
}

#define DECODE(expect_r, expect_s, ...)                                              \
	do {                                                                          \
		const uint16_t u_[] = { __VA_ARGS__ };                                \
		uint8_t b_[2 * sizeof(u_) / sizeof(u_[0])];                           \
		char o_[64];                                                          \
		size_t n_ = units(b_, u_, sizeof(u_) / sizeof(u_[0]));                \
		assert_int_equal(cnid_utf16le_to_utf8(b_, n_, o_, sizeof(o_)), expect_r); \
		assert_string_equal(o_, expect_s);                                    \
	} while (0)

static void ascii_and_cjk(void **state)
{
	(void)state;
	DECODE(3, "ABC", 'A', 'B', 'C');
	DECODE(6, "张三", 0x5f20, 0x4e09);
	DECODE(2, "\xc3\xa9", 0x00e9);                        /* é, 2 bytes */
	DECODE(4, "a b1", 'a', ' ', 'b', '1');                /* inner space kept */
	DECODE(3, "  x", ' ', ' ', 'x');                      /* leading spaces kept */
}

static void trailing_spaces_and_nuls_trimmed(void **state)
{
	(void)state;
	DECODE(2, "AB", 'A', 'B', ' ', ' ');
	DECODE(2, "AB", 'A', 'B', 0, 0);
	DECODE(2, "AB", 'A', 'B', ' ', 0, ' ', 0);
	DECODE(0, "", ' ', ' ', ' ');
	DECODE(0, "", 0, 0);
}

static void surrogate_pairs(void **state)
{
	(void)state;
	/* U+20BB7 (CJK Ext. B) = D842 DFB7 = F0 A0 AE B7 */
	DECODE(4, "\xf0\xa0\xae\xb7", 0xd842, 0xdfb7);
	DECODE(7, "\xe5\x90\x89\xf0\xa0\xae\xb7", 0x5409, 0xd842, 0xdfb7, ' ');
	/* U+10000 and U+10FFFF, the ends of the supplementary range */
	DECODE(4, "\xf0\x90\x80\x80", 0xd800, 0xdc00);
	DECODE(4, "\xf4\x8f\xbf\xbf", 0xdbff, 0xdfff);
}

static void unpaired_surrogates(void **state)
{
	(void)state;
	DECODE(-EILSEQ, "", 'A', 0xd842);              /* high at the end */
	DECODE(-EILSEQ, "", 0xd842, ' ');              /* high, then trimmed space */
	DECODE(-EILSEQ, "", 0xd842, 'A');              /* high, then not a low */
	DECODE(-EILSEQ, "", 0xd842, 0xd842, 0xdfb7);   /* high, high */
	DECODE(-EILSEQ, "", 0xdfb7, 'A');              /* lone low */
	DECODE(-EILSEQ, "", 'A', 0xdc00);              /* lone low at the end */
	DECODE(-EILSEQ, "", 0xdc00, 0xdc00);           /* low, low */
	DECODE(-EILSEQ, "", 0xdfb7, 0xd842);           /* a pair the wrong way round */
}

static void control_characters(void **state)
{
	(void)state;
	DECODE(-EILSEQ, "", 'A', 0x0001, 'B');
	DECODE(-EILSEQ, "", 'A', '\n');
	DECODE(-EILSEQ, "", 'A', 0x0000, 'B');         /* an inner NUL is not padding */
	DECODE(-EILSEQ, "", 0x007f);                   /* DEL */
	DECODE(-EILSEQ, "", 0x0085);                   /* C1 NEL */
	DECODE(2, "\xc2\xa0", 0x00a0);                 /* first non-control after C1 */
}

/* Runs of eight units take a faster path: cover its edges. */
static void eight_unit_runs(void **state)
{
	(void)state;
	/* eight CJK units, then one more */
	DECODE(27, "一二三四五六七八九", 0x4e00, 0x4e8c, 0x4e09, 0x56db, 0x4e94, 0x516d, 0x4e03,
	       0x516b, 0x4e5d);
	/* eight printable ASCII, then CJK */
	DECODE(11, "ABCDEFGH\xe4\xb8\x80", 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 0x4e00);
	/* a surrogate pair across the end of the first eight units */
	DECODE(11, "ABCDEFG\xf0\xa0\xae\xb7", 'A', 'B', 'C', 'D', 'E', 'F', 'G', 0xd842, 0xdfb7);
	/* CJK with one two-byte character among them */
	DECODE(23, "一二三\xc3\xa9五六七八", 0x4e00, 0x4e8c, 0x4e09, 0x00e9, 0x4e94, 0x516d, 0x4e03,
	       0x516b);
	/* bad units inside a run of eight */
	DECODE(-EILSEQ, "", 'A', 'B', 'C', 0x0009, 'E', 'F', 'G', 'H');
	DECODE(-EILSEQ, "", 'A', 'B', 'C', 'D', 'E', 'F', 'G', 0x007f);
	DECODE(-EILSEQ, "", 0x4e00, 0x4e8c, 0x4e09, 0xdc00, 0x4e94, 0x516d, 0x4e03, 0x516b);
	DECODE(-EILSEQ, "", 0x4e00, 0x4e8c, 0x4e09, 0x4e94, 0x516d, 0x4e03, 0x516b, 0xd842);
	DECODE(-EILSEQ, "", 0x4e00, 0x4e8c, 0x4e09, 0x0085, 0x4e94, 0x516d, 0x4e03, 0x516b);
	/* the ends of the three-byte range inside a run */
	DECODE(24, "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd"
		   "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbd",
	       0x0800, 0xd7ff, 0xe000, 0xfffd, 0x0800, 0xd7ff, 0xe000, 0xfffd);
	/* padding found eight units at a time from the end */
	DECODE(1, "A", 'A', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', 0, 0, ' ', ' ', ' ', ' ', ' ', ' ');
	DECODE(9, "A       B", 'A', ' ', ' ', ' ', ' ', ' ', ' ', ' ', 'B', ' ', ' ', ' ', ' ', ' ', ' ',
	       ' ', ' ');
}

static void output_too_small(void **state)
{
	const uint16_t u[] = { 0x5f20, 0x4e09 };
	uint8_t b[4];
	char out[7];

	(void)state;
	units(b, u, 2);
	assert_int_equal(cnid_utf16le_to_utf8(b, 2, out, 6), -ENOBUFS);   /* 6 bytes + NUL */
	assert_int_equal(cnid_utf16le_to_utf8(b, 2, out, 7), 6);
	assert_string_equal(out, "张三");
	assert_int_equal(cnid_utf16le_to_utf8(b, 2, out, 0), -ENOBUFS);
	assert_int_equal(cnid_utf16le_to_utf8(b, 1, out, 4), 3);
}

static void encode_pads_with_spaces(void **state)
{
	uint8_t b[2 * 6];

	(void)state;
	memset(b, 0xee, sizeof(b));
	assert_int_equal(cnid_utf8_to_utf16le("张A", b, 6), 0);
	assert_int_equal(t_unit(b, 0), 0x5f20);
	assert_int_equal(t_unit(b, 2), 'A');
	for (size_t i = 2; i < 6; i++)
		assert_int_equal(t_unit(b, 2 * i), ' ');
}

static void encode_surrogates_and_limits(void **state)
{
	uint8_t b[2 * 4], before[sizeof(b)];
	char back[32];

	(void)state;
	assert_int_equal(cnid_utf8_to_utf16le("\xf0\xa0\xae\xb7", b, 2), 0);
	assert_int_equal(t_unit(b, 0), 0xd842);
	assert_int_equal(t_unit(b, 2), 0xdfb7);
	/* a supplementary character takes two units */
	assert_int_equal(cnid_utf8_to_utf16le("A\xf0\xa0\xae\xb7", b, 2), -EMSGSIZE);
	assert_int_equal(cnid_utf8_to_utf16le("ABCDE", b, 4), -EMSGSIZE);
	assert_int_equal(cnid_utf8_to_utf16le("ABCD", b, 4), 0);
	assert_int_equal(cnid_utf16le_to_utf8(b, 4, back, sizeof(back)), 4);
	assert_string_equal(back, "ABCD");

	memcpy(before, b, sizeof(b));
	assert_int_equal(cnid_utf8_to_utf16le("\xc0\x80", b, 4), -EILSEQ);      /* overlong NUL */
	assert_int_equal(cnid_utf8_to_utf16le("\xe0\x80\xaf", b, 4), -EILSEQ);  /* overlong '/' */
	assert_int_equal(cnid_utf8_to_utf16le("\xed\xa0\x80", b, 4), -EILSEQ);  /* surrogate */
	assert_int_equal(cnid_utf8_to_utf16le("\xf4\x90\x80\x80", b, 4), -EILSEQ); /* > U+10FFFF */
	assert_int_equal(cnid_utf8_to_utf16le("\xe5\xbc", b, 4), -EILSEQ);      /* truncated */
	assert_int_equal(cnid_utf8_to_utf16le("\x80", b, 4), -EILSEQ);          /* stray continuation */
	assert_int_equal(cnid_utf8_to_utf16le("\xff", b, 4), -EILSEQ);
	assert_memory_equal(b, before, sizeof(b));     /* untouched on failure */
}

static void round_trip_every_plane(void **state)
{
	static const char *const samples[] = {
		"", "SMITH,JOHN", "北京市东城区", "\xf0\xa0\xae\xb7\xe5\x90\x89", "caf\xc3\xa9",
		"\xef\xbf\xbd", "\xee\x80\x80",   /* U+FFFD, private use */
	};
	uint8_t b[2 * 20];
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		assert_int_equal(cnid_utf8_to_utf16le(samples[i], b, 20), 0);
		assert_int_equal(cnid_utf16le_to_utf8(b, 20, out, sizeof(out)), strlen(samples[i]));
		assert_string_equal(out, samples[i]);
	}
}

static void dates_calendar(void **state)
{
	(void)state;
	assert_true(cnid_date_valid(2024, 2, 29));
	assert_false(cnid_date_valid(2023, 2, 29));
	assert_false(cnid_date_valid(1900, 2, 29));     /* century, not leap */
	assert_true(cnid_date_valid(2000, 2, 29));      /* divisible by 400 */
	assert_false(cnid_date_valid(2024, 2, 30));
	assert_false(cnid_date_valid(2024, 13, 1));
	assert_false(cnid_date_valid(2024, 0, 1));
	assert_false(cnid_date_valid(2024, 4, 31));
	assert_true(cnid_date_valid(2024, 12, 31));
	assert_false(cnid_date_valid(2024, 1, 0));
	assert_false(cnid_date_valid(0, 1, 1));
}

static void dates_parse(void **state)
{
	struct cnid_date d = { -1, -1, -1 }, untouched = d;

	(void)state;
	assert_int_equal(cnid_date_parse8("20240229", &d), 0);
	assert_int_equal(d.year, 2024);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 29);

	d = untouched;
	assert_int_equal(cnid_date_parse8("20230229", &d), -EINVAL);
	assert_int_equal(cnid_date_parse8("20241301", &d), -EINVAL);
	assert_int_equal(cnid_date_parse8("2024010", &d), -EINVAL);
	assert_int_equal(cnid_date_parse8("202401011", &d), -EINVAL);
	assert_int_equal(cnid_date_parse8("2024-1-01", &d), -EINVAL);
	assert_int_equal(cnid_date_parse8("", &d), -EINVAL);
	assert_int_equal(cnid_date_parse8("长期", &d), -EINVAL);
	assert_memory_equal(&d, &untouched, sizeof(d));

	assert_int_equal(cnid_date_parse_iso("2000-02-29", &d), 0);
	assert_int_equal(d.year * 10000 + d.month * 100 + d.day, 20000229);
	assert_int_equal(cnid_date_parse_iso("1900-02-29", &d), -EINVAL);
	assert_int_equal(cnid_date_parse_iso("2000-13-01", &d), -EINVAL);
	assert_int_equal(cnid_date_parse_iso("20000101", &d), -EINVAL);
	assert_int_equal(cnid_date_parse_iso("2000-01-011", &d), -EINVAL);
	assert_int_equal(cnid_date_parse_iso("2000/01/01", &d), -EINVAL);
}

static void dates_compare(void **state)
{
	struct cnid_date a = { 2024, 2, 29 }, b = { 2024, 3, 1 }, c = { 2025, 1, 1 };

	(void)state;
	assert_true(cnid_date_cmp(&a, &b) < 0);
	assert_true(cnid_date_cmp(&b, &a) > 0);
	assert_true(cnid_date_cmp(&c, &b) > 0);
	assert_int_equal(cnid_date_cmp(&a, &a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_and_cjk),
		cmocka_unit_test(trailing_spaces_and_nuls_trimmed),
		cmocka_unit_test(surrogate_pairs),
		cmocka_unit_test(unpaired_surrogates),
		cmocka_unit_test(control_characters),
		cmocka_unit_test(eight_unit_runs),
		cmocka_unit_test(output_too_small),
		cmocka_unit_test(encode_pads_with_spaces),
		cmocka_unit_test(encode_surrogates_and_limits),
		cmocka_unit_test(round_trip_every_plane),
		cmocka_unit_test(dates_calendar),
		cmocka_unit_test(dates_parse),
		cmocka_unit_test(dates_compare),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
