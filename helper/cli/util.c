/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the cnid subcommands: input, errors, hex, hashes, layout. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cnid %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_input_name(const char *path)
{
	return !path || strcmp(path, "-") == 0 ? "stdin" : path;
}

static void close_fdp(int *fd)
{
	if (*fd > STDERR_FILENO)
		close(*fd);
}

int cli_read_input(const char *path, uint8_t *buf, size_t size, size_t *ret_len)
{
	__attribute__((cleanup(close_fdp))) int fd = STDIN_FILENO;
	size_t have = 0;
	uint8_t extra;

	if (path && strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
	}
	for (;;) {
		/* Once buf is full, read one more byte to tell "exactly size" from "more". */
		uint8_t *dst = have < size ? buf + have : &extra;
		ssize_t n = read(fd, dst, have < size ? size - have : 1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		if (have == size)
			return -EFBIG;
		have += (size_t)n;
	}
	*ret_len = have;
	return 0;
}

void cli_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = '\0';
}

void cli_sha256_hex(const uint8_t *p, size_t n, char out[65])
{
	struct sha256_ctx ctx;
	uint8_t digest[SHA256_DIGEST_SIZE];

	sha256_init(&ctx);
	sha256_update(&ctx, n, p);
	sha256_digest(&ctx, sizeof(digest), digest);
	cli_hex(digest, sizeof(digest), out);
}

/* East Asian wide and fullwidth ranges (the ones ID-card text can hold). */
static bool wide(uint32_t c)
{
	return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	       (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	       (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	       (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
}

size_t cli_text_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t w = 0;

	while (*u) {
		uint32_t c = *u;
		int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

		if (more)
			c &= 0x3f >> more;
		u++;
		for (; more > 0 && (*u & 0xc0) == 0x80; more--, u++)
			c = (c << 6) | (*u & 0x3f);
		w += wide(c) ? 2 : 1;
	}
	return w;
}

void cli_print_label(FILE *f, const char *zh, const char *en, size_t width)
{
	size_t w = cli_text_width(zh) + 1 + cli_text_width(en);

	fprintf(f, "%s %s", zh, en);
	for (; w < width; w++)
		fputc(' ', f);
	fputc(' ', f);
}

bool cli_stdout_binary_ok(void)
{
	return !isatty(STDOUT_FILENO);
}
