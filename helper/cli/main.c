/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cnid: the command-line tool.  Dispatches to one function per subcommand. */

#include <string.h>

#include <cnid/cnid.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ "decode", cmd_decode, "print a card from a text block or a read reply frame" },
	{ "encode", cmd_encode, "build a read reply frame (or text block) from a card description" },
	{ "read", cmd_read, "read the card on a reader once, directly (without cnidd)" },
	{ "sam-id", cmd_sam_id, "print the SAM ID of a reader" },
	{ "list", cmd_list, "list the readers and their state (cnid.ko)" },
	{ "watch", cmd_watch, "print reader and card events as they happen (cnid.ko)" },
};

static void usage(FILE *f)
{
	fputs("Usage: cnid COMMAND [OPTIONS...]\n\nCommands:\n", f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun `cnid COMMAND --help` for the options of one command;\n"
	      "`cnid --version` prints the versions of cnid and of libcnid.\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("cnid: missing command (see cnid --help)\n", stderr);
		return CLI_EXIT_FAILURE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		/* the CLI is built from this tree's CNID_VERSION; the library
		 * answers for itself */
		printf("cnid %s (libcnid %s)\n", CNID_VERSION, cnid_version());
		return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);

	fprintf(stderr, "cnid: unknown command '%s' (see cnid --help)\n", argv[1]);
	return CLI_EXIT_FAILURE;
}
