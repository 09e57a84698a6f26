/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnid decode [--json] [--today YYYY-MM-DD] [--require-current] [FILE|-]
 *
 * Input: a raw 256-byte text block, or one complete reply frame to read
 * (30 01) or read-with-fingerprint (30 10), recognised by its preamble.
 * Output: the card for people, or one JSON object (--json).
 * Options and FILE come in any order.
 * Exit: 0 valid card, 1 card with validation errors or of unknown type (or,
 * with --require-current, an expired one), 2 bad usage or input that is neither a block nor a well-formed frame
 * (one line on stderr, nothing on stdout).
 */

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "card-json.h"
#include "cli.h"
#include "cnid-private.h"

#define LABEL_WIDTH 24

struct decode_opts {
	bool json;
	bool require_current;   /* exit 1 for an expired card too */
	struct cnid_date today;
	const char *path;
};

/* What one input decoded to; photo and fp point into the input buffer. */
struct decoded {
	struct cnid_card card;
	struct cnid_validation v;
	const uint8_t *photo;
	size_t photo_len;
	const uint8_t *fp;
	size_t fp_len;
};

/* People-facing names: labels of the human output, not protocol facts. */
static const struct {
	const char *zh, *en;
} field_labels[_CNID_F_MAX] = {
	[CNID_F_NAME] = { "姓名", "Name" },
	[CNID_F_NAME_EN] = { "英文姓名", "English name" },
	[CNID_F_SEX] = { "性别", "Sex" },
	[CNID_F_NATION] = { "民族", "Nation" },
	[CNID_F_BIRTH] = { "出生", "Birth date" },
	[CNID_F_ADDRESS] = { "住址", "Address" },
	[CNID_F_NUMBER] = { "证件号码", "Number" },
	[CNID_F_ISSUER] = { "签发机关", "Issuer" },
	[CNID_F_VALID_FROM] = { "有效期起", "Valid from" },
	[CNID_F_VALID_UNTIL] = { "有效期至", "Valid until" },
	[CNID_F_NATIONALITY] = { "国籍", "Nationality" },
	[CNID_F_CARD_VERSION] = { "证件版本", "Card version" },
	[CNID_F_RENEWAL_COUNT] = { "换证次数", "Renewal count" },
	[CNID_F_LINK] = { "关联", "Link" },
	[CNID_F_PERMIT_NUMBER] = { "通行证号码", "Permit number" },
	[CNID_F_ISSUE_COUNT] = { "签发次数", "Issue count" },
};

static const char *const type_names_zh[_CNID_CARD_TYPE_MAX] = {
	[CNID_CARD_UNKNOWN] = "未知类型",
	[CNID_CARD_RESIDENT] = "居民身份证",
	[CNID_CARD_HKMOTW_PERMIT] = "港澳台居民居住证",
	[CNID_CARD_FOREIGN_2017] = "外国人永久居留身份证 (2017)",
	[CNID_CARD_FOREIGN_2023] = "外国人永久居留身份证 (2023)",
};

static int usage(FILE *f)
{
	fputs("Usage: cnid decode [--json] [--today YYYY-MM-DD] [--require-current] [FILE|-]\n"
	      "Print the card held by FILE (or stdin): a raw 256-byte text block, or a\n"
	      "complete reply frame to read (30 01) or read-with-fingerprint (30 10).\n\n"
	      "  --json               print one JSON object instead of text\n"
	      "  --today YYYY-MM-DD   judge expiry against this date (default: today)\n"
	      "  --require-current    exit 1 for an expired card as well, so that\n"
	      "                       `cnid decode --require-current F && accept` accepts\n"
	      "                       only a valid card that has not expired\n\n"
	      "Exit status: 0 valid card, 1 card with validation errors or of unknown\n"
	      "type (with --require-current: or expired), 2 bad usage or input that is\n"
	      "neither a block nor a frame.\n",
	      f);
	return f == stdout ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

int cli_today(struct cnid_date *ret)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm))
		return -errno;
	*ret = (struct cnid_date){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
	return 0;
}

#define GO_ON (-1)

/* GO_ON, or an exit status (help printed, or usage error reported). */
static int parse_args(int argc, char **argv, struct decode_opts *o)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "today", required_argument, NULL, 't' },
		{ "require-current", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool have_today = false;
	int c;

	opterr = 0;
	optind = 1;
	/* GNU reordering: options may follow FILE; ':' reports a missing argument */
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'j':
			o->json = true;
			break;
		case 't':
			if (cnid_date_parse_iso(optarg, &o->today) < 0) {
				cli_error("decode", "--today: '%s' is not a date (YYYY-MM-DD)", optarg);
				return CLI_EXIT_FAILURE;
			}
			have_today = true;
			break;
		case 'r':
			o->require_current = true;
			break;
		case 'h':
			return usage(stdout);
		case ':':
			cli_error("decode", "%s needs a value (see cnid decode --help)",
				  argv[optind - 1]);
			return CLI_EXIT_FAILURE;
		default:
			if (optopt)
				cli_error("decode", "unknown option '-%c' (see cnid decode --help)",
					  optopt);
			else
				cli_error("decode", "unknown option '%s' (see cnid decode --help)",
					  argv[optind - 1]);
			return CLI_EXIT_FAILURE;
		}
	}
	if (argc - optind > 1) {
		cli_error("decode", "too many arguments (one FILE at most; see cnid decode --help)");
		return CLI_EXIT_FAILURE;
	}
	o->path = optind < argc ? argv[optind] : NULL;
	if (!have_today && cli_today(&o->today) < 0) {
		cli_error("decode", "cannot read the system date: %m");
		return CLI_EXIT_FAILURE;
	}
	return GO_ON;
}

/* Check the input is exactly one well-formed frame; the message otherwise. */
static int check_frame(const uint8_t *buf, size_t len, char *msg, size_t msg_size)
{
	struct cnid_parser p;
	size_t used = 0;
	int r;

	cnid_parser_init(&p);
	r = cnid_parser_feed(&p, buf, len, &used);
	if (r == 0)
		r = cnid_parser_finish(&p);
	if (r < 0) {
		cnid_parser_strerror(&p, msg, msg_size);
		return r;
	}
	if (r == 1 && used < len) {
		snprintf(msg, msg_size, "%zu bytes of trailing data after the frame", len - used);
		return -EBADMSG;
	}
	return 0;
}

static int decode_frame(const uint8_t *buf, size_t len, struct decoded *d, char *msg,
			size_t msg_size)
{
	struct cnid_response resp;
	struct cnid_read rd;
	int r;

	r = check_frame(buf, len, msg, msg_size);
	if (r < 0)
		return r;
	r = cnid_response_parse(buf, len, &resp);
	if (r < 0) {
		snprintf(msg, msg_size, "malformed reply frame: %s", strerror(-r));
		return r;
	}
	/* The length fields tell a 30 01 reply from a 30 10 one: try both. */
	r = cnid_decode_read(&resp, false, &rd);
	if (r < 0 && r != -EREMOTEIO)
		r = cnid_decode_read(&resp, true, &rd);
	if (r == -EREMOTEIO) {
		snprintf(msg, msg_size, "reader replied with status 0x%02X: %s", resp.sw3,
			 cnid_status_message(resp.sw3));
		return r;
	}
	if (r < 0) {
		snprintf(msg, msg_size, "not a read reply: length fields do not match its %zu data bytes",
			 resp.data_len);
		return r;
	}
	if (rd.text_len != CNID_TEXT_LEN) {
		snprintf(msg, msg_size, "text part is %zu bytes, expected %d", rd.text_len,
			 CNID_TEXT_LEN);
		return -EBADMSG;
	}
	d->photo = rd.photo;
	d->photo_len = rd.photo_len;
	d->fp = rd.fp;
	d->fp_len = rd.fp_len;
	return cnid_card_decode(rd.text, rd.text_len, &d->card);
}

static int decode_input(const uint8_t *buf, size_t len, struct decoded *d, char *msg,
			size_t msg_size)
{
	if (len >= CNID_PREAMBLE_LEN && memcmp(buf, cnid_preamble, CNID_PREAMBLE_LEN) == 0)
		return decode_frame(buf, len, d, msg, msg_size);
	if (len == CNID_TEXT_LEN)
		return cnid_card_decode(buf, len, &d->card);
	if (len == 0)
		snprintf(msg, msg_size, "empty input");
	else
		snprintf(msg, msg_size,
			 "not a %d-byte text block or a reply frame (%zu bytes, no preamble)",
			 CNID_TEXT_LEN, len);
	return -EINVAL;
}

/* ---- JSON ---------------------------------------------------------- */

static void json_putp(json_object **o)
{
	json_object_put(*o);
}

static int print_json(const struct decoded *d)
{
	__attribute__((cleanup(json_putp))) json_object *o =
		cli_card_json(&d->card, &d->v, d->photo, d->photo_len, d->fp, d->fp_len);

	if (!o)
		return -ENOMEM;
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	return 0;
}

/* ---- people -------------------------------------------------------- */

static void label(const char *zh, const char *en)
{
	cli_print_label(stdout, zh, en, LABEL_WIDTH);
}

static void human_field(const struct cnid_card *card, enum cnid_field f)
{
	const char *s = card->field[f];
	char date[11];

	if (f == CNID_F_LINK && !s[0])
		return;
	if (f == CNID_F_NATION && !s[0])
		return;
	if (f == CNID_F_ISSUER && card->type == CNID_CARD_FOREIGN_2017)
		label("签发机关代码", "Issuer code");
	else
		label(field_labels[f].zh, field_labels[f].en);
	if (f == CNID_F_SEX) {
		const struct cnid_sex *sex = cnid_sex_lookup(s);

		if (sex)
			printf("%s %s (%s)\n", sex->name_zh, sex->name, s);
		else
			printf("'%s' (not a sex code)\n", s);
	} else if (f == CNID_F_NATION) {
		const struct cnid_nation *n = cnid_nation_lookup(s);

		printf("%s (%s)\n", n ? n->name_zh : "not a nation code", s);
	} else if (f == CNID_F_NATIONALITY) {
		const struct cnid_country *c = cnid_country_by_alpha3(s);

		if (c)
			printf("%s %s %s (%03u)\n", s, c->name_en, c->name_zh, c->numeric);
		else
			printf("%s (not an ISO 3166 code)\n", s);
	} else if (cli_is_date_field(f)) {
		printf("%s\n", cli_format_date(s, CNID_LONG_TERM " long-term", date));
	} else {
		printf("%s\n", s);
	}
	if (card->bad_text & (1u << f)) {
		label("", "");
		printf("(this field is not valid UTF-16 text)\n");
	}
}

static void human_raw(const uint8_t *p, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		if (off == 0)
			label("原始数据", "Raw block");
		else
			label("", "");
		printf("%03zx ", off);
		for (size_t i = off; i < n && i < off + 16; i++)
			printf(" %02x", p[i]);
		putchar('\n');
	}
}

static void human_issues(const char *zh, const char *en, const struct cnid_issue *is, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		label(zh, en);
		if (is[i].code != CNID_ISSUE_UNKNOWN_CARD_TYPE && is[i].field < _CNID_F_MAX)
			printf("%s (%s)\n", cnid_issue_name(is[i].code), cnid_field_name(is[i].field));
		else
			printf("%s\n", cnid_issue_name(is[i].code));
	}
}

static void human_fingerprints(const struct decoded *d)
{
	char en[32];
	unsigned i = 1;

	for (size_t off = 0; off < d->fp_len; off += CNID_FP_TEMPLATE_LEN, i++) {
		size_t n = d->fp_len - off < CNID_FP_TEMPLATE_LEN ? d->fp_len - off
								  : CNID_FP_TEMPLATE_LEN;
		struct cnid_fp_header h;

		snprintf(en, sizeof(en), "Fingerprint %u", i);
		label("指纹", en);
		if (cnid_fp_header_decode(d->fp + off, n, &h) < 0) {
			printf("template without a valid header\n");
			continue;
		}
		printf("%s (0x%02x), enrolment %s (0x%02x), quality %u, algorithm 0x%02x, "
		       "device 0x%02x, developer 0x%02x\n",
		       cnid_fp_finger_name(h.finger), h.finger, cnid_fp_enrolment_name(h.enrolment),
		       h.enrolment, h.quality, h.algorithm_version, h.device_code, h.developer_code);
	}
}

static void print_human(const struct decoded *d)
{
	const struct cnid_card *card = &d->card;
	char sha[65];

	label("类型", "Card type");
	printf("%s %s", cnid_card_type_name(card->type), type_names_zh[card->type]);
	if (card->type == CNID_CARD_UNKNOWN)
		printf(" (type character U+%04X)", card->type_unit);
	putchar('\n');
	for (enum cnid_field f = 0; f < _CNID_F_MAX; f++)
		if (card->present[f])
			human_field(card, f);
	if (d->v.previous_number[0]) {
		label("旧证号码", "Previous number");
		printf("%s\n", d->v.previous_number);
	}
	if (card->type == CNID_CARD_UNKNOWN)
		human_raw(card->raw, sizeof(card->raw));
	if (d->photo_len) {
		cli_sha256_hex(d->photo, d->photo_len, sha);
		label("照片", "Photo");
		printf("WLT, %zu bytes, sha256 %s\n", d->photo_len, sha);
	}
	human_fingerprints(d);
	label("校验", "Check");
	if (d->v.valid)
		printf("有效 valid\n");
	else
		printf("无效 invalid (%zu error%s)\n", d->v.n_errors, d->v.n_errors == 1 ? "" : "s");
	label("过期", "Expired");
	printf("%s\n", d->v.expired ? "是 yes" : "否 no");
	human_issues("错误", "Error", d->v.errors, d->v.n_errors);
	human_issues("警告", "Warning", d->v.warnings, d->v.n_warnings);
}

/* ---- the subcommand -------------------------------------------------- */

int cli_decode_buffer(const char *cmd, const char *name, const uint8_t *buf, size_t len,
		      bool json, bool require_current, const struct cnid_date *today)
{
	static struct decoded d;
	char msg[160];
	int r;

	memset(&d, 0, sizeof(d));
	msg[0] = '\0';
	r = decode_input(buf, len, &d, msg, sizeof(msg));
	if (r < 0) {
		cli_error(cmd, "%s: %s", name, msg[0] ? msg : strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	r = cnid_card_validate(&d.card, today, &d.v);
	if (r < 0) {
		cli_error(cmd, "%s: validation failed: %s", name, strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	if (json) {
		r = print_json(&d);
		if (r < 0) {
			cli_error(cmd, "cannot build JSON: %s", strerror(-r));
			return CLI_EXIT_FAILURE;
		}
	} else {
		print_human(&d);
	}
	if (fflush(stdout) != 0) {
		cli_error(cmd, "cannot write output: %m");
		return CLI_EXIT_FAILURE;
	}
	if (!d.v.valid || d.card.type == CNID_CARD_UNKNOWN)
		return CLI_EXIT_INVALID;
	return require_current && d.v.expired ? CLI_EXIT_INVALID : CLI_EXIT_OK;
}

int cmd_decode(int argc, char **argv)
{
	struct decode_opts o = {};
	static uint8_t buf[CNID_FRAME_MAX];
	const char *name;
	size_t len = 0;
	int r;

	r = parse_args(argc, argv, &o);
	if (r != GO_ON)
		return r;
	name = cli_input_name(o.path);

	r = cli_read_input(o.path, buf, sizeof(buf), &len);
	if (r == -EFBIG) {
		cli_error("decode", "%s: input is larger than any reply frame (%d bytes)", name,
			  CNID_FRAME_MAX);
		return CLI_EXIT_FAILURE;
	}
	if (r < 0) {
		cli_error("decode", "%s: %s", name, strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	return cli_decode_buffer("decode", name, buf, len, o.json, o.require_current, &o.today);
}
