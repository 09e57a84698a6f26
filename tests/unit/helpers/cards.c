/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/cards.h"

/* Synthetic people only.  Numbers are computed (number = auto). */
const char t_desc_resident[] =
	"type = resident\n"
	"name = 张三\n"
	"sex = 1\n"
	"nation_code = 01\n"
	"birth_date = 1980-01-01\n"
	"address = 北京市东城区示例街道1号\n"
	"issuer = 北京市公安局东城分局\n"
	"valid_from = 2015-06-01\n"
	"valid_until = 2035-06-01\n"
	"region = 110101\n"
	"number = auto\n";

const char t_desc_permit[] =
	"type = hkmotw_permit\n"
	"name = 李四\n"
	"sex = 2\n"
	"birth_date = 1992-02-29\n"
	"address = 广东省深圳市福田区示例路2号\n"
	"issuer = 深圳市公安局\n"
	"valid_from = 2020-03-01\n"
	"valid_until = 2030-03-01\n"
	"permit_number = H01234567\n"
	"issue_count = 01\n"
	"region = 810000\n"
	"number = auto\n";

const char t_desc_foreign_2017[] =
	"type = foreign_permanent_2017\n"
	"name_en = SAMPLE,JOHN EXAMPLE\n"
	"name = 约翰\n"
	"sex = 1\n"
	"nationality = CAN\n"
	"birth_date = 1981-08-03\n"
	"valid_from = 2017-07-01\n"
	"valid_until = 2027-07-01\n"
	"card_version = 01\n"
	"issuer = 1500\n"
	"province = 11\n"
	"city = 00\n"
	"number = auto\n";

const char t_desc_foreign_2023[] =
	"type = foreign_permanent_2023\n"
	"name = 阿里\n"
	"name_en = SAMPLE,ALI\n"
	"sex = 2\n"
	"renewal_count = 00\n"
	"birth_date = 1980-01-01\n"
	"nationality = PAK\n"
	"valid_from = 2023-12-01\n"
	"valid_until = 2033-12-01\n"
	"province = 31\n"
	"sequence = 002\n"
	"number = auto\n";

const char *const t_desc_by_type[_CNID_CARD_TYPE_MAX] = {
	[CNID_CARD_RESIDENT] = t_desc_resident,
	[CNID_CARD_HKMOTW_PERMIT] = t_desc_permit,
	[CNID_CARD_FOREIGN_2017] = t_desc_foreign_2017,
	[CNID_CARD_FOREIGN_2023] = t_desc_foreign_2023,
};

const struct cnid_date t_today = { 2026, 1, 1 };

/* length of the key of a "key = value" line, 0 for blank/comment lines */
static size_t line_key(const char *line, const char *end, const char **ret_key)
{
	const char *k = line, *e;

	while (k < end && (*k == ' ' || *k == '\t'))
		k++;
	if (k == end || *k == '#')
		return 0;
	e = memchr(k, '=', (size_t)(end - k));
	if (!e)
		return 0;
	while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*ret_key = k;
	return (size_t)(e - k);
}

static bool overridden(const char *key, size_t len, const char *overrides)
{
	for (const char *l = overrides; l && *l;) {
		const char *end = strchrnul(l, '\n'), *k;
		size_t n = line_key(l, end, &k);

		if (n == len && memcmp(k, key, n) == 0)
			return true;
		l = *end ? end + 1 : end;
	}
	return false;
}

static char *merge(const char *base, const char *overrides)
{
	size_t cap = strlen(base) + (overrides ? strlen(overrides) : 0) + 2;
	char *out = malloc(cap), *o = out;

	assert_non_null(out);
	for (const char *l = base; *l;) {
		const char *end = strchrnul(l, '\n'), *k;
		size_t n = line_key(l, end, &k);

		if (!(n && overridden(k, n, overrides))) {
			memcpy(o, l, (size_t)(end - l));
			o += end - l;
			*o++ = '\n';
		}
		l = *end ? end + 1 : end;
	}
	if (overrides) {
		strcpy(o, overrides);
		o += strlen(overrides);
	}
	*o = '\0';
	return out;
}

int t_desc_try(const char *base, const char *overrides, struct cnid_card_desc *ret,
	       unsigned *ret_line)
{
	char *text = merge(base, overrides);
	int r = cnid_card_desc_parse(text, ret, ret_line);

	free(text);
	return r;
}

void t_desc_with(const char *base, const char *overrides, struct cnid_card_desc *ret)
{
	unsigned line = 0;
	int r = t_desc_try(base, overrides, ret, &line);

	if (r != 0)
		fail_msg("description rejected: %d at line %u", r, line);
}

void t_reencode(const struct cnid_card *in, struct cnid_card *out)
{
	uint8_t block[CNID_TEXT_LEN];

	assert_int_equal(cnid_card_encode(in, block), 0);
	assert_int_equal(cnid_card_decode(block, sizeof(block), out), 0);
}

void t_card_with(const char *base, const char *overrides, struct cnid_card *ret)
{
	struct cnid_card_desc *d = malloc(sizeof(*d));

	assert_non_null(d);
	t_desc_with(base, overrides, d);
	t_reencode(&d->card, ret);
	free(d);
}

void t_validate(const struct cnid_card *card, struct cnid_validation *ret)
{
	assert_int_equal(cnid_card_validate(card, &t_today, ret), 0);
}

static void dump(const struct cnid_validation *v)
{
	for (size_t i = 0; i < v->n_errors; i++)
		print_message("  error   %s on %s\n", cnid_issue_name(v->errors[i].code),
			      cnid_field_name(v->errors[i].field));
	for (size_t i = 0; i < v->n_warnings; i++)
		print_message("  warning %s on %s\n", cnid_issue_name(v->warnings[i].code),
			      cnid_field_name(v->warnings[i].field));
}

void t_assert_clean(const struct cnid_validation *v)
{
	if (v->n_errors || v->n_warnings) {
		dump(v);
		fail_msg("expected no issues");
	}
	assert_true(v->valid);
}

void t_assert_only(const struct cnid_validation *v, enum cnid_issue_code code,
		   enum cnid_field field, bool warning)
{
	const struct cnid_issue *only = warning ? v->warnings : v->errors;

	if (v->n_errors != !warning || v->n_warnings != warning || only[0].code != code ||
	    only[0].field != field) {
		dump(v);
		fail_msg("expected exactly one %s: %s on %s", warning ? "warning" : "error",
			 cnid_issue_name(code), cnid_field_name(field));
	}
	assert_int_equal(v->valid, warning);
	assert_true(cnid_validation_has(v, code, warning));
	assert_false(cnid_validation_has(v, code, !warning));
}

uint16_t t_unit(const uint8_t *block, size_t off)
{
	return (uint16_t)(block[off] | block[off + 1] << 8);
}

void t_set_unit(uint8_t *block, size_t off, uint16_t unit)
{
	block[off] = (uint8_t)unit;
	block[off + 1] = (uint8_t)(unit >> 8);
}

void t_number18(const char *digits17, char out[19])
{
	static const int w[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0;

	assert_int_equal(strlen(digits17), 17);
	for (int i = 0; i < 17; i++)
		sum += w[i] * (digits17[i] - '0');
	memcpy(out, digits17, 17);
	out[17] = "10X98765432"[sum % 11];
	out[18] = '\0';
}
