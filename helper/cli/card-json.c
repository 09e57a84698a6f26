/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The JSON form of a decoded card: what `cnid decode --json` and `cnid read
 * --json` print and what cnidd's record file holds (plus its own keys).
 */

#include <errno.h>
#include <string.h>

#include "card-json.h"
#include "cli.h"

/* "YYYYMMDD" -> "YYYY-MM-DD"; 长期 -> long_term; anything else unchanged. */
const char *cli_format_date(const char *s, const char *long_term, char out[11])
{
	if (strcmp(s, CNID_LONG_TERM) == 0)
		return long_term;
	if (strlen(s) != 8 || strspn(s, "0123456789") != 8)
		return s;
	snprintf(out, 11, "%.4s-%.2s-%.2s", s, s + 4, s + 6);
	return out;
}

bool cli_is_date_field(enum cnid_field f)
{
	return f == CNID_F_BIRTH || f == CNID_F_VALID_FROM || f == CNID_F_VALID_UNTIL;
}

static void add_str(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

static void add_int(json_object *o, const char *key, int value)
{
	json_object_object_add(o, key, json_object_new_int(value));
}

static void json_field(json_object *o, const struct cnid_card *card, enum cnid_field f)
{
	const struct cnid_sex *sex;
	const char *s = card->field[f];
	char date[11];

	switch (f) {
	case CNID_F_SEX:
		sex = cnid_sex_lookup(s);
		add_str(o, "sex", sex ? sex->name : NULL);
		add_str(o, cnid_field_name(f), s); /* "sex_code" */
		break;
	case CNID_F_NATION: {
		const struct cnid_nation *n = cnid_nation_lookup(s);

		/* blank on most permits: "" and null, the key an error may name */
		add_str(o, cnid_field_name(f), s); /* "nation_code" */
		add_str(o, "nation", n ? n->name_zh : NULL);
		break;
	}
	case CNID_F_NATIONALITY: {
		const struct cnid_country *c = cnid_country_by_alpha3(s);

		add_str(o, "nationality", s);
		add_str(o, "nationality_name_en", c ? c->name_en : NULL);
		add_str(o, "nationality_name_zh", c ? c->name_zh : NULL);
		break;
	}
	case CNID_F_LINK:
		/* as on the card ("" if none); previous_number is derived from it */
		add_str(o, cnid_field_name(f), s);
		break;
	case CNID_F_ISSUER:
		/* 2017 foreign cards hold the authority's 4-digit code, not its name */
		add_str(o, card->type == CNID_CARD_FOREIGN_2017 ? "issuer_code" : cnid_field_name(f), s);
		break;
	default:
		add_str(o, cnid_field_name(f),
			cli_is_date_field(f) ? cli_format_date(s, "long-term", date) : s);
	}
}

static json_object *json_issues(const struct cnid_issue *issues, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();

		add_str(e, "code", cnid_issue_name(issues[i].code));
		if (issues[i].code != CNID_ISSUE_UNKNOWN_CARD_TYPE && issues[i].field < _CNID_F_MAX)
			add_str(e, "field", cnid_field_name(issues[i].field));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *json_photo(const uint8_t *photo, size_t photo_len)
{
	json_object *o = json_object_new_object();
	char sha[65];

	cli_sha256_hex(photo, photo_len, sha);
	add_str(o, "format", "wlt");
	add_int(o, "bytes", (int)photo_len);
	add_str(o, "sha256", sha);
	return o;
}

static json_object *json_fingerprints(const uint8_t *fp, size_t fp_len)
{
	json_object *a = json_object_new_array();

	for (size_t off = 0; off < fp_len; off += CNID_FP_TEMPLATE_LEN) {
		size_t n = fp_len - off < CNID_FP_TEMPLATE_LEN ? fp_len - off
								  : CNID_FP_TEMPLATE_LEN;
		json_object *e = json_object_new_object();
		struct cnid_fp_header h;

		if (cnid_fp_header_decode(fp + off, n, &h) < 0) {
			add_str(e, "error", "bad_header");
		} else {
			add_str(e, "finger", cnid_fp_finger_name(h.finger));
			add_int(e, "finger_code", h.finger);
			add_str(e, "enrolment", cnid_fp_enrolment_name(h.enrolment));
			add_int(e, "enrolment_code", h.enrolment);
			add_int(e, "quality", h.quality);
			add_int(e, "algorithm_version", h.algorithm_version);
			add_int(e, "device_code", h.device_code);
			add_int(e, "developer_code", h.developer_code);
		}
		json_object_array_add(a, e);
	}
	return a;
}

json_object *cli_card_json(const struct cnid_card *card, const struct cnid_validation *v,
			   const uint8_t *photo, size_t photo_len, const uint8_t *fp, size_t fp_len)
{
	json_object *o = json_object_new_object();
	char raw[2 * CNID_TEXT_LEN + 1];

	if (!o)
		return NULL;
	add_str(o, "type", cnid_card_type_name(card->type));
	for (enum cnid_field f = 0; f < _CNID_F_MAX; f++)
		if (card->present[f])
			json_field(o, card, f);
	if (v->previous_number[0])
		add_str(o, "previous_number", v->previous_number);
	if (card->type == CNID_CARD_UNKNOWN) {
		cli_hex(card->raw, sizeof(card->raw), raw);
		add_str(o, "raw", raw);
	}
	if (photo_len)
		json_object_object_add(o, "photo", json_photo(photo, photo_len));
	if (fp_len)
		json_object_object_add(o, "fingerprints", json_fingerprints(fp, fp_len));
	json_object_object_add(o, "valid", json_object_new_boolean(v->valid));
	json_object_object_add(o, "expired", json_object_new_boolean(v->expired));
	json_object_object_add(o, "errors", json_issues(v->errors, v->n_errors));
	json_object_object_add(o, "warnings", json_issues(v->warnings, v->n_warnings));
	return o;
}
