/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cnid encode [--fingerprint] [--block] DESC|-
 *
 * Build, from a readable card description (see cnid_card_desc_parse() in
 * cnid.h and tests/cards/), the reply frame a reader would send to read
 * (30 01), to read-with-fingerprint (30 10, --fingerprint), or just the
 * 256-byte text block (--block).  Binary goes to stdout, never to a terminal.
 * This is how the sample cards and the tests build their inputs.
 *
 * The library describes only the four known card types.  To build the
 * "unknown type" cards that decode must report without guessing, encode
 * also takes "type = unknown" with "type_char = C" (one character that is
 * not a known type): the result is a blank block carrying C as its type
 * character; the other keys (photo_seed, fingerprints, ...) apply as usual.
 */

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cnid-private.h"

#define DESC_MAX (64 * 1024)

struct encode_opts {
	bool fingerprint, block;
	const char *path;
};

#define GO_ON (-1)

/* An unknown-type description, rewritten so the library can parse the rest. */
struct unknown_type {
	bool is_unknown;
	uint16_t unit;
};

static int usage(FILE *f)
{
	fputs("Usage: cnid encode [--fingerprint] [--block] DESC|-\n"
	      "Write the read reply frame for the card described in DESC (or stdin).\n\n"
	      "  --fingerprint   reply to read-with-fingerprint (30 10) instead of read (30 01)\n"
	      "  --block         write only the 256-byte text block\n",
	      f);
	return f == stdout ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int parse_args(int argc, char **argv, struct encode_opts *o)
{
	static const struct option longopts[] = {
		{ "fingerprint", no_argument, NULL, 'f' },
		{ "block", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) >= 0) {
		switch (c) {
		case 'f':
			o->fingerprint = true;
			break;
		case 'b':
			o->block = true;
			break;
		case 'h':
			return usage(stdout);
		default:
			cli_error("encode", "unknown option '%s' (see cnid encode --help)",
				  argv[optind - 1]);
			return CLI_EXIT_FAILURE;
		}
	}
	if (o->fingerprint && o->block) {
		cli_error("encode", "--block and --fingerprint exclude each other");
		return CLI_EXIT_FAILURE;
	}
	if (argc - optind != 1) {
		cli_error("encode", "expected one description file or '-' (see cnid encode --help)");
		return CLI_EXIT_FAILURE;
	}
	o->path = argv[optind];
	return GO_ON;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Value of `key = value` on the line at p (p..end), or NULL. */
static const char *line_value(const char *p, const char *end, const char *key, size_t *ret_len)
{
	size_t klen = strlen(key);

	p += strspn(p, " \t");
	if ((size_t)(end - p) <= klen || strncmp(p, key, klen) != 0)
		return NULL;
	p += klen;
	p += strspn(p, " \t");
	if (p >= end || *p != '=')
		return NULL;
	p++;
	p += strspn(p, " \t");
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*ret_len = (size_t)(end - p);
	return p;
}

/*
 * "type = unknown": comment out the type and type_char lines so that the
 * library parses the rest as a permit (whose fields stay blank), and keep
 * the type character.  On error, *ret_line and *ret_why say what is wrong.
 */
static int take_unknown_type(char *text, struct unknown_type *u, unsigned *ret_line,
			     const char **ret_why)
{
	char *type_line = NULL, *char_line = NULL;
	unsigned lineno = 0, char_lineno = 0;
	char value[8];
	uint8_t unit[2];
	size_t n;

	for (char *p = text; *p;) {
		char *end = strchrnul(p, '\n');
		const char *v;

		lineno++;
		v = line_value(p, end, "type", &n);
		if (v && n == 7 && strncmp(v, "unknown", 7) == 0)
			type_line = p;
		v = line_value(p, end, "type_char", &n);
		if (v) {
			char_line = p;
			char_lineno = lineno;
			if (n == 0 || n >= sizeof(value))
				goto bad_char;
			memcpy(value, v, n);
			value[n] = '\0';
			if (cnid_utf8_to_utf16le(value, unit, 1) < 0)
				goto bad_char;
			u->unit = (uint16_t)(unit[0] | unit[1] << 8);
		}
		p = *end ? end + 1 : end;
	}
	if (!type_line && char_line) {
		*ret_line = char_lineno;
		*ret_why = "type_char is only for type = unknown";
		return -EINVAL;
	}
	if (type_line && !char_line) {
		*ret_why = "type = unknown needs type_char = C (one character)";
		return -EINVAL;
	}
	if (!type_line)
		return 0;
	u->is_unknown = true;
	*char_line = '#';
	*type_line = '#';
	return 0;

bad_char:
	*ret_line = char_lineno;
	*ret_why = "type_char must be one character";
	return -EINVAL;
}

/*
 * A blank block whose type character is u->unit.  Where the type character
 * lives is the library's fact: find it as the one unit in which a blank
 * resident block and a blank permit block differ.
 */
static int unknown_block(const struct unknown_type *u, uint8_t block[CNID_TEXT_LEN])
{
	struct cnid_card a, b;
	uint8_t other[CNID_TEXT_LEN];
	struct cnid_card check;
	int r;

	cnid_card_init(&a, CNID_CARD_RESIDENT);
	cnid_card_init(&b, CNID_CARD_HKMOTW_PERMIT);
	r = cnid_card_encode(&a, block);
	if (r == 0)
		r = cnid_card_encode(&b, other);
	if (r < 0)
		return r;
	for (size_t i = 0; i < CNID_TEXT_LEN; i += 2) {
		if (block[i] == other[i] && block[i + 1] == other[i + 1])
			continue;
		block[i] = (uint8_t)u->unit;
		block[i + 1] = (uint8_t)(u->unit >> 8);
		/* refuse a character that is in fact a known type */
		cnid_card_decode(block, CNID_TEXT_LEN, &check);
		return check.type == CNID_CARD_UNKNOWN ? 0 : -EEXIST;
	}
	return -EINVAL;
}

static int build_unknown(const struct encode_opts *o, const struct unknown_type *u,
			 const struct cnid_card_desc *d, uint8_t *out, size_t size)
{
	uint8_t block[CNID_TEXT_LEN], data[CNID_FRAME_MAX];
	int r, n;

	r = unknown_block(u, block);
	if (r < 0)
		return r;
	if (o->block) {
		if (size < CNID_TEXT_LEN)
			return -ENOBUFS;
		memcpy(out, block, CNID_TEXT_LEN);
		return CNID_TEXT_LEN;
	}
	n = cnid_read_encode(block, sizeof(block), d->photo, d->has_photo ? CNID_PHOTO_LEN : 0,
			     d->fp, (size_t)d->n_fingerprints * CNID_FP_TEMPLATE_LEN, o->fingerprint,
			     data, sizeof(data));
	if (n < 0)
		return n;
	return cnid_response_build(0x00, 0x00, CNID_SW3_OK, data, (size_t)n, out, size);
}

/* Build the requested bytes into out; length or -errno. */
static int build(const struct encode_opts *o, const struct unknown_type *u,
		 const struct cnid_card_desc *d, uint8_t *out, size_t size)
{
	int r;

	if (u->is_unknown)
		return build_unknown(o, u, d, out, size);
	if (!o->block)
		return cnid_card_desc_frame(d, o->fingerprint, out, size);
	if (size < CNID_TEXT_LEN)
		return -ENOBUFS;
	r = cnid_card_encode(&d->card, out);
	return r < 0 ? r : CNID_TEXT_LEN;
}

int cmd_encode(int argc, char **argv)
{
	struct encode_opts o = {};
	struct unknown_type u = {};
	static char text[DESC_MAX + sizeof("\ntype = hkmotw_permit\n")];
	static struct cnid_card_desc d;
	static uint8_t out[CNID_FRAME_MAX];
	const char *name, *why = NULL;
	unsigned line = 0;
	size_t len = 0;
	int r;

	r = parse_args(argc, argv, &o);
	if (r != GO_ON)
		return r;
	name = cli_input_name(o.path);
	if (!cli_stdout_binary_ok()) {
		cli_error("encode", "refusing to write binary to a terminal; redirect stdout");
		return CLI_EXIT_FAILURE;
	}

	r = cli_read_input(o.path, (uint8_t *)text, DESC_MAX, &len);
	if (r < 0) {
		cli_error("encode", "%s: %s", name,
			  r == -EFBIG ? "description too large" : strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	text[len] = '\0';
	if (strlen(text) != len) {
		cli_error("encode", "%s: description holds a NUL byte", name);
		return CLI_EXIT_FAILURE;
	}
	r = take_unknown_type(text, &u, &line, &why);
	if (r == 0 && u.is_unknown)
		strcat(text, "\ntype = hkmotw_permit\n");
	if (r == 0)
		r = cnid_card_desc_parse(text, &d, &line);
	if (r < 0) {
		if (!why)
			why = strerror(-r);
		if (line)
			cli_error("encode", "%s:%u: %s", name, line, why);
		else
			cli_error("encode", "%s: %s", name, why);
		return CLI_EXIT_FAILURE;
	}
	/* A reply to 30 01 carries no fingerprints, whatever the card holds. */
	if (!o.fingerprint)
		d.n_fingerprints = 0;
	r = build(&o, &u, &d, out, sizeof(out));
	if (r < 0) {
		cli_error("encode", "%s: cannot encode the card: %s", name,
			  r == -EEXIST ? "type_char is the character of a known card type"
				       : strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	r = write_all(STDOUT_FILENO, out, (size_t)r);
	if (r < 0) {
		cli_error("encode", "cannot write output: %s", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}
