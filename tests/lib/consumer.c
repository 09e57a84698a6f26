/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program outside the tree: built by tests/lib/check-install.sh against an
 * installed libcnid with nothing but `pkg-config --cflags --libs libcnid`,
 * using only <cnid/cnid.h>.  It describes a card, builds the read reply
 * frame, finds the text part, decodes and validates it, and checks the
 * round trip; it also feeds the frame through an opaque parser.
 * Prints "consumer: ok <version>" and exits 0, or says what failed, exit 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cnid/cnid.h>

#if !defined(CNID_VERSION_NUMBER) || CNID_VERSION_NUMBER < 0x000100
#error "libcnid 0.1.0 or later needed"
#endif

static const char desc_text[] =
	"type = resident\n"
	"name = 测试甲\n"
	"sex = male\n"
	"nation_code = 01\n"
	"birth_date = 1990-01-02\n"
	"address = 北京市测试区测试路1号\n"
	"number = auto\n"
	"issuer = 测试分局\n"
	"valid_from = 2020-01-01\n"
	"valid_until = long-term\n";

#define FAIL(...) do { fprintf(stderr, "consumer: " __VA_ARGS__); fputc('\n', stderr); return 1; } while (0)

int main(void)
{
	static uint8_t frame[CNID_FRAME_MAX];
	struct cnid_date today = { 2026, 11, 30 };
	struct cnid_card_desc *d = cnid_card_desc_new();
	struct cnid_card *card = cnid_card_new(CNID_CARD_UNKNOWN);
	struct cnid_validation *v = cnid_validation_new();
	struct cnid_parser *p = cnid_parser_new();
	const struct cnid_card *want;
	const uint8_t *got;
	size_t off, len, used, got_len;
	unsigned line;
	int n, r;

	if (!d || !card || !v || !p)
		FAIL("out of memory");
	if (strcmp(cnid_version(), CNID_VERSION) != 0)
		FAIL("header %s, library %s", CNID_VERSION, cnid_version());
	r = cnid_card_desc_parse(desc_text, d, &line);
	if (r < 0)
		FAIL("description line %u: %s", line, strerror(-r));
	n = cnid_card_desc_frame(d, false, frame, sizeof(frame));
	if (n < 0)
		FAIL("frame: %s", strerror(-n));
	r = cnid_parser_feed(p, frame, (size_t)n, &used);
	got = cnid_parser_frame(p, &got_len);
	if (r != 1 || used != (size_t)n || !got || got_len != (size_t)n || memcmp(got, frame, got_len))
		FAIL("parser: %d, used %zu of %d", r, used, n);
	r = cnid_read_reply_part(frame, (size_t)n, CNID_PART_TEXT, &off, &len);
	if (r < 0 || len != CNID_TEXT_LEN)
		FAIL("text part: %s", strerror(-r));
	r = cnid_card_decode(frame + off, len, card);
	if (r < 0)
		FAIL("decode: %s", strerror(-r));
	want = cnid_card_desc_get_card(d);
	if (cnid_card_get_type(card) != CNID_CARD_RESIDENT)
		FAIL("type %s", cnid_card_type_name(cnid_card_get_type(card)));
	for (int f = 0; f < _CNID_F_MAX; f++) {
		const char *a = cnid_card_get_field(want, f), *b = cnid_card_get_field(card, f);

		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			FAIL("field %s differs after the round trip", cnid_field_name(f));
	}
	r = cnid_card_validate(card, &today, v);
	if (r < 0 || !cnid_validation_is_valid(v) || cnid_validation_is_expired(v) ||
	    cnid_validation_count(v, false) != 0)
		FAIL("validation: %d, %zu errors", r, cnid_validation_count(v, false));
	if (cnid_card_set_field(card, CNID_F_PERMIT_NUMBER, "X", 1) != -EINVAL)
		FAIL("a resident card accepted a permit number");
	printf("consumer: ok %s\n", cnid_version());
	cnid_parser_free(p);
	cnid_validation_free(v);
	cnid_card_free(card);
	cnid_card_desc_free(d);
	return 0;
}
