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
 * The "unknown type" cards that decode must report without guessing are
 * described as "type = unknown" with "type_char = C" (the library's
 * cnid_card_desc_parse()): a blank block carrying C as its type character.
 *
 * A description error names the line, the key and the reason:
 * "cnid encode: card.txt:3: shoe_size: unknown key".
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
	/* GNU reordering: options may follow DESC */
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) >= 0) {
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

/*
 * The key of line `line` (1-based) of text into buf ("" if the line has no
 * '='), for messages: "stdin:3: shoe_size: unknown key".
 */
static const char *line_key(const char *text, unsigned line, char *buf, size_t size)
{
	const char *p = text, *end, *eq, *k;

	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (unsigned i = 1; i < line && *p; i++)
		p = *strchrnul(p, '\n') ? strchrnul(p, '\n') + 1 : strchrnul(p, '\n');
	end = strchrnul(p, '\n');
	eq = memchr(p, '=', (size_t)(end - p));
	buf[0] = '\0';
	if (!eq)
		return buf;
	k = p + strspn(p, " \t");
	while (eq > k && (eq[-1] == ' ' || eq[-1] == '\t'))
		eq--;
	if (eq > k)
		snprintf(buf, size, "%.*s", (int)(eq - k), k);
	return buf;
}

/* Build the requested bytes into out; length or -errno. */
static int build(const struct encode_opts *o, const struct cnid_card_desc *d, uint8_t *out,
		 size_t size)
{
	int r;

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
	static char text[DESC_MAX + 1];
	static struct cnid_card_desc d;
	static uint8_t out[CNID_FRAME_MAX];
	const char *name, *why = NULL;
	char key[64];
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
	r = cnid_card_desc_parse_verbose(text, &d, &line, &why);
	if (r < 0) {
		if (line && line_key(text, line, key, sizeof(key))[0])
			cli_error("encode", "%s:%u: %s: %s", name, line, key, why);
		else if (line)
			cli_error("encode", "%s:%u: %s", name, line, why);
		else
			cli_error("encode", "%s: %s", name, why);
		return CLI_EXIT_FAILURE;
	}
	/* A reply to 30 01 carries no fingerprints, whatever the card holds. */
	if (!o.fingerprint)
		d.n_fingerprints = 0;
	r = build(&o, &d, out, sizeof(out));
	if (r < 0) {
		cli_error("encode", "%s: cannot encode the card: %s", name, strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	r = write_all(STDOUT_FILENO, out, (size_t)r);
	if (r < 0) {
		cli_error("encode", "cannot write output: %s", strerror(-r));
		return CLI_EXIT_FAILURE;
	}
	return CLI_EXIT_OK;
}
