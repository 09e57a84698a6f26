/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The opaque half of the public API (<cnid/cnid.h>): constructors,
 * destructors and accessors of the objects whose layout is private
 * (cnid-private.h), so that they can grow without breaking libcnid.so.0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "card-internal.h"

const char *cnid_version(void)
{
	return CNID_VERSION;
}

/* ---- parser ---------------------------------------------------------- */

struct cnid_parser *cnid_parser_new(void)
{
	struct cnid_parser *p = malloc(sizeof(*p));

	if (p)
		cnid_parser_init(p);
	return p;
}

struct cnid_parser *cnid_parser_new_request(void)
{
	struct cnid_parser *p = malloc(sizeof(*p));

	if (p)
		cnid_parser_init_request(p);
	return p;
}

void cnid_parser_free(struct cnid_parser *p)
{
	free(p);
}

const uint8_t *cnid_parser_frame(const struct cnid_parser *p, size_t *ret_len)
{
	/* need is the size of the frame just returned, until the next feed */
	if (!p->need || p->have != p->need)
		return NULL;
	*ret_len = p->need;
	return p->buf;
}

enum cnid_frame_error cnid_parser_error(const struct cnid_parser *p)
{
	return p->error;
}

/* ---- read replies ------------------------------------------------------ */

int cnid_read_reply_part(const uint8_t *frame, size_t len, enum cnid_read_part part,
			 size_t *ret_offset, size_t *ret_len)
{
	struct cnid_response resp;
	struct cnid_read rd;
	const uint8_t *at;
	size_t n;
	int r;

	if ((unsigned)part >= _CNID_PART_MAX)
		return -EINVAL;
	r = cnid_response_parse(frame, len, &resp);
	if (r < 0)
		return r;
	/* the length fields tell a 30 01 reply from a 30 10 one */
	r = cnid_decode_read(&resp, false, &rd);
	if (r < 0 && r != -EREMOTEIO)
		r = cnid_decode_read(&resp, true, &rd);
	if (r < 0)
		return r;
	switch (part) {
	case CNID_PART_TEXT:
		at = rd.text, n = rd.text_len;
		break;
	case CNID_PART_PHOTO:
		at = rd.photo, n = rd.photo_len;
		break;
	default:
		at = rd.fp, n = rd.fp_len;
		break;
	}
	*ret_offset = at ? (size_t)(at - frame) : 0;
	*ret_len = n;
	return 0;
}

/* ---- cards ------------------------------------------------------------- */

static bool field_ok(enum cnid_field f)
{
	return (unsigned)f < _CNID_F_MAX;
}

struct cnid_card *cnid_card_new(enum cnid_card_type type)
{
	struct cnid_card *c = malloc(sizeof(*c));

	if (c)
		cnid_card_init(c, type);
	return c;
}

void cnid_card_free(struct cnid_card *card)
{
	free(card);
}

enum cnid_card_type cnid_card_get_type(const struct cnid_card *card)
{
	return card->type;
}

uint16_t cnid_card_get_type_unit(const struct cnid_card *card)
{
	return card->type_unit;
}

bool cnid_card_has_field(const struct cnid_card *card, enum cnid_field f)
{
	return field_ok(f) && card->present[f];
}

const char *cnid_card_get_field(const struct cnid_card *card, enum cnid_field f)
{
	return cnid_card_has_field(card, f) ? card->field[f] : NULL;
}

bool cnid_card_field_bad_text(const struct cnid_card *card, enum cnid_field f)
{
	return field_ok(f) && (card->bad_text & (1u << f));
}

int cnid_card_set_field(struct cnid_card *card, enum cnid_field f, const char *value, size_t len)
{
	if (!cnid_card_has_field(card, f) || (len && !value) || memchr(value ? value : "", 0, len))
		return -EINVAL;
	if (len >= CNID_FIELD_MAX)
		return -EMSGSIZE;
	if (len)
		memcpy(card->field[f], value, len);
	card->field[f][len] = '\0';
	return 0;
}

const uint8_t *cnid_card_get_raw(const struct cnid_card *card)
{
	return card->raw;
}

/* ---- validation -------------------------------------------------------- */

struct cnid_validation *cnid_validation_new(void)
{
	return calloc(1, sizeof(struct cnid_validation));
}

void cnid_validation_free(struct cnid_validation *v)
{
	free(v);
}

bool cnid_validation_is_valid(const struct cnid_validation *v)
{
	return v->valid;
}

bool cnid_validation_is_expired(const struct cnid_validation *v)
{
	return v->expired;
}

size_t cnid_validation_count(const struct cnid_validation *v, bool warning)
{
	return warning ? v->n_warnings : v->n_errors;
}

int cnid_validation_get(const struct cnid_validation *v, bool warning, size_t i,
			enum cnid_issue_code *ret_code, enum cnid_field *ret_field)
{
	const struct cnid_issue *is = warning ? v->warnings : v->errors;

	if (i >= cnid_validation_count(v, warning))
		return -ERANGE;
	if (ret_code)
		*ret_code = is[i].code;
	if (ret_field)
		*ret_field = is[i].field;
	return 0;
}

const char *cnid_validation_previous_number(const struct cnid_validation *v)
{
	return v->previous_number;
}

/* ---- card descriptions ------------------------------------------------- */

struct cnid_card_desc *cnid_card_desc_new(void)
{
	struct cnid_card_desc *d = calloc(1, sizeof(*d));

	if (d)
		cnid_card_init(&d->card, CNID_CARD_UNKNOWN);
	return d;
}

void cnid_card_desc_free(struct cnid_card_desc *d)
{
	free(d);
}

const struct cnid_card *cnid_card_desc_get_card(const struct cnid_card_desc *d)
{
	return &d->card;
}
