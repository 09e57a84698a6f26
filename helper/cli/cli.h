/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `cnid` command-line tool: one file per subcommand (decode.c,
 * encode.c, ...), the dispatch table in main.c, shared helpers in util.c.
 *
 * Exit statuses shared by every subcommand.
 */
#ifndef CNID_CLI_H
#define CNID_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CLI_EXIT_OK 0       /* done; for decode: the card is valid */
#define CLI_EXIT_INVALID 1  /* done, but the card has validation errors */
#define CLI_EXIT_FAILURE 2  /* bad usage or unusable input */

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);  /* argv[0] is the subcommand name */
	const char *summary;
};

int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_sam_id(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_watch(int argc, char **argv);

struct cnid_date;
/* Today's local date. */
int cli_today(struct cnid_date *ret);
/*
 * Decode, validate and print buf (a text block or a read reply frame) as
 * `cnid decode` does; errors name cmd and name.  Returns the exit status.
 */
int cli_decode_buffer(const char *cmd, const char *name, const uint8_t *buf, size_t len,
		      bool json, bool require_current, const struct cnid_date *today);

/* "cnid <cmd>: <message>\n" on stderr: the one line a failure prints. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* How to call an input in messages: "stdin" for NULL or "-". */
const char *cli_input_name(const char *path);

/*
 * Read all of path (or stdin for NULL or "-") into buf.  -EFBIG if the input
 * holds more than size bytes, -errno from open/read otherwise.
 */
int cli_read_input(const char *path, uint8_t *buf, size_t size, size_t *ret_len);

/* Lower-case hex of p[0..n) into out (2n + 1 bytes). */
void cli_hex(const uint8_t *p, size_t n, char *out);
/* SHA-256 of p[0..n) as 64 hex digits + NUL. */
void cli_sha256_hex(const uint8_t *p, size_t n, char out[65]);

/* Columns a UTF-8 string takes on a terminal (CJK and fullwidth count 2). */
size_t cli_text_width(const char *s);
/* Print "zh en" padded with spaces to `width` columns, then one space. */
void cli_print_label(FILE *f, const char *zh, const char *en, size_t width);

/* Refuse to write binary to a terminal; true if stdout is safe for it. */
bool cli_stdout_binary_ok(void);

#endif
